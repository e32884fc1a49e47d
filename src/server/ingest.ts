/**
 * Ingest: a request body (a JSON array, or NDJSON with one value per line) becomes producer records
 * for one topic, validated and encoded exactly as the pipeline will read them back:
 *
 * 1. parse: JSON array → values; NDJSON → one `JSON.parse` per non-blank line (a bad line is a
 *    per-record `SS_ERR_DECODE`, not a failed request, so the client learns every bad line at once);
 * 2. validate each value with the topic's Standard Schema, then run its key and time extractors on
 *    the validated value, as a task does (`src/dataflow/task.ts`);
 * 3. encode the *submitted* value with the topic codec (the task validates again on read, and a
 *    transforming schema must see the raw input there too), the key as its UTF-8 text (`keyBytes`,
 *    so the partitioner places it like every other producer), the event time as the timestamp.
 *
 * All or nothing: if any record fails, nothing is appended and the caller gets every failure.
 */

import { type Key, keyBytes } from '../dataflow/codec.ts';
import type { TopicDef } from '../dataflow/plan.ts';
import { StreamsightError } from '../errors/index.ts';
import type { ProducerRecord } from '../log/log.ts';

/** One rejected record. */
export interface RecordError {
  index: number;
  code: 'SS_ERR_DECODE' | 'SS_ERR_SCHEMA';
  message: string;
}

/** At most this many per-record errors are reported (the count says how many there were). */
export const MAX_REPORTED_ERRORS = 100;

export type ParsedBody = { values: unknown[]; errors: RecordError[] };

/** Splits an NDJSON text into values; blank lines are skipped and do not count as records. */
export function parseNdjson(text: string): ParsedBody {
  const values: unknown[] = [];
  const errors: RecordError[] = [];
  let start = 0;
  let index = 0;
  while (start <= text.length) {
    let end = text.indexOf('\n', start);
    if (end === -1) end = text.length;
    const line = text.slice(start, end);
    start = end + 1;
    if (line.trim() === '') continue;
    try {
      values.push(JSON.parse(line));
    } catch (err) {
      values.push(undefined);
      errors.push({ index, code: 'SS_ERR_DECODE', message: `line is not JSON: ${(err as Error).message}` });
    }
    index++;
  }
  return { values, errors };
}

/** The values of a parsed JSON body, which must be an array. */
export function arrayBody(body: unknown): unknown[] {
  if (!Array.isArray(body)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      'the body must be a JSON array of values (or NDJSON with content-type application/x-ndjson)',
    );
  }
  return body;
}

const issuePath = (path: ReadonlyArray<PropertyKey | { key: PropertyKey }> | undefined) =>
  path?.map((p) => (typeof p === 'object' ? String(p.key) : String(p))).join('.') ?? '';

/**
 * Validates and encodes values for `def`. Returns the records, or the per-record errors (with the
 * errors found while parsing) when any value fails.
 *
 * @example
 * const { records, errors } = encodeRecords(def, [{ user: 'ann', at: 1 }]);
 * if (errors.length === 0) await log.append(def.name, records);
 */
export function encodeRecords(
  def: TopicDef,
  values: readonly unknown[],
  parseErrors: readonly RecordError[] = [],
  now = Date.now(),
): { records: ProducerRecord[]; errors: RecordError[] } {
  const errors = [...parseErrors];
  const failed = new Set(parseErrors.map((e) => e.index));
  const records: ProducerRecord[] = new Array(values.length);
  const schema = def.schema?.['~standard'];
  for (let i = 0; i < values.length; i++) {
    if (failed.has(i)) continue;
    const raw = values[i];
    try {
      let value = raw;
      if (schema) {
        const result = schema.validate(raw);
        if (result instanceof Promise) {
          errors.push({ index: i, code: 'SS_ERR_SCHEMA', message: 'async schemas are not supported' });
          continue;
        }
        if (result.issues) {
          const message = result.issues.map((x) => `${issuePath(x.path)}: ${x.message}`).join('; ');
          errors.push({ index: i, code: 'SS_ERR_SCHEMA', message });
          continue;
        }
        value = result.value;
      }
      const timestamp = def.time ? def.time(value) : now;
      if (typeof timestamp !== 'number' || !Number.isFinite(timestamp)) {
        errors.push({
          index: i,
          code: 'SS_ERR_SCHEMA',
          message: `event time is not a finite number: ${String(timestamp)}`,
        });
        continue;
      }
      let key: Uint8Array | null = null;
      if (def.key) {
        const k: Key = def.key(value);
        if (
          (typeof k !== 'string' && typeof k !== 'number') ||
          (typeof k === 'number' && !Number.isFinite(k))
        ) {
          errors.push({
            index: i,
            code: 'SS_ERR_SCHEMA',
            message: `key is not a string or finite number: ${String(k)}`,
          });
          continue;
        }
        key = keyBytes(k);
      }
      const bytes = def.codec.encode(raw);
      if (!(bytes instanceof Uint8Array)) {
        errors.push({
          index: i,
          code: 'SS_ERR_SCHEMA',
          message: `codec ${def.codec.name} cannot encode this value`,
        });
        continue;
      }
      records[i] = { key, value: bytes, timestamp };
    } catch (err) {
      // Key and time extractors are user code: a throw is this record's fault, not the server's.
      errors.push({ index: i, code: 'SS_ERR_SCHEMA', message: `${(err as Error)?.message ?? String(err)}` });
    }
  }
  errors.sort((a, b) => a.index - b.index);
  return { records: errors.length > 0 ? [] : records, errors };
}

/** The 400 answer for rejected records. */
export function schemaError(topic: string, total: number, errors: RecordError[]): StreamsightError {
  return new StreamsightError(
    'SS_ERR_SCHEMA',
    `${errors.length} of ${total} records rejected; nothing was appended to ${topic}`,
    { details: { records: errors.slice(0, MAX_REPORTED_ERRORS), rejected: errors.length } },
  );
}
