/**
 * Topics: ingest (`POST /topics/:topic/records`), the topic list with rates, a topic's records
 * (tail, from an offset, or by key) and the dead letters (docs/api.md).
 */

import type { FastifyInstance, FastifyRequest } from 'fastify';
import { StreamsightError } from '../errors/index.ts';
import type { LogRecord } from '../log/log.ts';
import { principalOf } from './auth.ts';
import type { ServerContext } from './context.ts';
import { arrayBody, encodeRecords, parseNdjson, schemaError } from './ingest.ts';
import { canProduce, canReadApp, canReadSomething } from './scopes.ts';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as UTF-8 text when they are valid UTF-8, else base64. */
export function bytesText(bytes: Uint8Array | null): { text: string | null; encoding: 'utf8' | 'base64' } {
  if (bytes === null) return { text: null, encoding: 'utf8' };
  try {
    return { text: utf8.decode(bytes), encoding: 'utf8' };
  } catch {
    return { text: Buffer.from(bytes).toString('base64'), encoding: 'base64' };
  }
}

/** Records scanned at most per partition when searching by key. */
const KEY_SCAN_LIMIT = 100_000;

export function registerTopicRoutes(fastify: FastifyInstance, ctx: ServerContext): void {
  // NDJSON arrives as text; JSON arrays go through Fastify's JSON parser.
  fastify.addContentTypeParser(
    ['application/x-ndjson', 'application/ndjson'],
    { parseAs: 'string', bodyLimit: ctx.limits.ingestBodyBytes },
    (_req, body, done) => done(null, { ndjson: body as string }),
  );

  const topicOf = (req: FastifyRequest) => ctx.topic((req.params as { topic: string }).topic);

  fastify.post<{ Params: { topic: string } }>(
    '/api/v1/topics/:topic/records',
    {
      bodyLimit: ctx.limits.ingestBodyBytes,
      config: {
        access: (scopes, req) => {
          const topic = (req.params as { topic: string }).topic;
          const app = ctx.topics.get(topic)?.app ?? '?';
          return canProduce(scopes, app, topic) || `produce:${app}/${topic}`;
        },
        rateLimit: { max: ctx.limits.rateMax, timeWindow: ctx.limits.rateWindowMs },
      },
    },
    async (request, reply) => {
      const { def } = topicOf(request);
      const body = request.body as { ndjson?: string } | unknown[] | undefined;
      const parsed =
        body !== null && typeof body === 'object' && !Array.isArray(body) && typeof body.ndjson === 'string'
          ? parseNdjson(body.ndjson)
          : { values: arrayBody(body), errors: [] };
      const { records, errors } = encodeRecords(def, parsed.values, parsed.errors);
      if (errors.length > 0) throw schemaError(def.name, parsed.values.length, errors);
      // Acknowledged means durable: the log resolves only after its commit is on disk.
      const appended = records.length === 0 ? [] : await ctx.log.append(def.name, records);
      return reply
        .code(202)
        .send({ offsets: appended.map((a) => ({ partition: a.partition, offset: a.offset })) });
    },
  );

  fastify.get(
    '/api/v1/topics',
    { config: { access: (s) => canReadSomething(s) || 'read:<app>/*' } },
    async (request) => {
      const scopes = principalOf(request).scopes;
      await ctx.sample(); // fresh end offsets; rates stay those of the 1 s sampler
      const topics = [];
      for (const { app, name } of ctx.sampledTopics()) {
        if (!canReadApp(scopes, app)) continue;
        const parts = ctx.partitions.get(name) ?? [];
        const endOffsets = parts.map((p) => p.endOffset);
        topics.push({
          app,
          name,
          partitions: parts.length,
          endOffsets,
          records: parts.reduce((n, p) => n + (p.endOffset - p.startOffset), 0),
          ratePerSec: round(ctx.rates.rate(`topic:${name}`)),
        });
      }
      return { topics };
    },
  );

  fastify.get<{
    Params: { topic: string };
    Querystring: { partition?: number; from?: number; limit?: number; key?: string };
  }>(
    '/api/v1/topics/:topic/records',
    {
      config: {
        access: (scopes, req) => {
          const topic = (req.params as { topic: string }).topic;
          const app = ctx.topics.get(topic)?.app ?? appOfDeadLetters(ctx, topic) ?? '?';
          return canReadApp(scopes, app) || `read:${app}/*`;
        },
      },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            partition: { type: 'integer', minimum: 0, maximum: 1023 },
            from: { type: 'integer', minimum: 0 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
            key: { type: 'string', maxLength: 1000 },
          },
        },
      },
    },
    async (request) => {
      const name = request.params.topic;
      const entry = ctx.topics.get(name);
      if (!entry && appOfDeadLetters(ctx, name) === undefined) ctx.topic(name); // 404
      const decode = (r: LogRecord) => recordJson(r, entry?.def.codec.decode);
      const { partition, from, key } = request.query;
      const limit = request.query.limit ?? 50;
      const description = await ctx.log.describeTopic(name);
      if (from !== undefined || partition !== undefined) {
        if (partition === undefined || from === undefined)
          throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', 'partition and from go together');
        const p = description.partitions[partition];
        if (!p)
          throw new StreamsightError('SS_ERR_PARTITION_NOT_FOUND', `${name} has no partition ${partition}`);
        const r = await ctx.log.fetch(name, partition, Math.max(from, p.startOffset), { maxRecords: limit });
        const records = r.records.slice(0, limit).map(decode);
        const nextOffset = records.length > 0 ? records[records.length - 1].offset + 1 : r.nextOffset;
        return { records, next: nextOffset < p.endOffset ? { partition, offset: nextOffset } : null };
      }
      const keyBytes = key === undefined ? undefined : Buffer.from(key, 'utf8');
      const found: LogRecord[] = [];
      for (const p of description.partitions) {
        found.push(...(await tail(ctx, name, p.partition, p.startOffset, p.endOffset, limit, keyBytes)));
      }
      found.sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset);
      return { records: found.slice(0, limit).map(decode), next: null };
    },
  );

  fastify.get<{ Querystring: { app?: string; limit?: number } }>(
    '/api/v1/dead-letters',
    {
      config: {
        access: (scopes, req) => {
          const app = (req.query as { app?: string }).app;
          return (
            (app === undefined ? canReadSomething(scopes) : canReadApp(scopes, app)) ||
            `read:${app ?? '<app>'}/*`
          );
        },
      },
      schema: {
        querystring: {
          type: 'object',
          additionalProperties: false,
          properties: {
            app: { type: 'string', maxLength: 100 },
            limit: { type: 'integer', minimum: 1, maximum: 1000 },
          },
        },
      },
    },
    async (request) => {
      const scopes = principalOf(request).scopes;
      const limit = request.query.limit ?? 50;
      const apps = request.query.app === undefined ? ctx.apps : [ctx.app(request.query.app)];
      const out = [];
      for (const a of apps) {
        if (!canReadApp(scopes, a.app.name)) continue;
        const topic = a.app.deadLetterTopic.name;
        let description: Awaited<ReturnType<typeof ctx.log.describeTopic>>;
        try {
          description = await ctx.log.describeTopic(topic);
        } catch {
          continue; // the app has not created its topics yet
        }
        for (const p of description.partitions) {
          for (const r of await tail(ctx, topic, p.partition, p.startOffset, p.endOffset, limit, undefined)) {
            const raw = bytesText(r.value);
            out.push({
              app: a.app.name,
              partition: r.partition,
              offset: r.offset,
              timestamp: r.timestamp,
              code: r.headers['ss-code'] ?? null,
              message: r.headers['ss-message'] ?? null,
              pipeline: r.headers['ss-pipeline'] ?? null,
              origin: {
                topic: r.headers['ss-topic'] ?? null,
                partition: numberOrNull(r.headers['ss-partition']),
                offset: numberOrNull(r.headers['ss-offset']),
              },
              raw: raw.text,
              rawEncoding: raw.encoding,
            });
          }
        }
      }
      out.sort((a, b) => b.timestamp - a.timestamp || b.offset - a.offset);
      return { records: out.slice(0, limit) };
    },
  );
}

function appOfDeadLetters(ctx: ServerContext, topic: string): string | undefined {
  return ctx.apps.find((a) => a.app.deadLetterTopic.name === topic)?.app.name;
}

const numberOrNull = (text: string | undefined) => (text === undefined || text === '' ? null : Number(text));
const round = (n: number) => Math.round(n * 10) / 10;

function recordJson(r: LogRecord, decode: ((bytes: Uint8Array) => unknown) | undefined) {
  let value: unknown = null;
  if (r.value !== null) {
    try {
      value = decode ? decode(r.value) : bytesText(r.value).text;
      if (value instanceof Uint8Array) value = bytesText(value).text;
    } catch {
      value = bytesText(r.value).text; // undecodable bytes are shown, not hidden
    }
  }
  return {
    partition: r.partition,
    offset: r.offset,
    timestamp: r.timestamp,
    key: r.key === null ? null : bytesText(r.key).text,
    value,
    headers: r.headers,
  };
}

/**
 * The last `limit` records of a partition (newest first), or with `key`, the last `limit` records
 * with that key found within `KEY_SCAN_LIMIT` records from the end.
 */
async function tail(
  ctx: ServerContext,
  topic: string,
  partition: number,
  start: number,
  end: number,
  limit: number,
  key: Buffer | undefined,
): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  const step = key === undefined ? limit : 2048;
  let hi = end;
  while (hi > start && out.length < limit && end - hi < KEY_SCAN_LIMIT) {
    const lo = Math.max(start, hi - step);
    const chunk: LogRecord[] = [];
    let offset = lo;
    while (offset < hi) {
      const r = await ctx.log.fetch(topic, partition, offset, { maxRecords: hi - offset });
      if (r.records.length === 0) break;
      for (const rec of r.records) if (rec.offset < hi) chunk.push(rec);
      offset = r.nextOffset;
    }
    for (let i = chunk.length - 1; i >= 0 && out.length < limit; i--) {
      const rec = chunk[i];
      if (key === undefined || (rec.key !== null && key.equals(rec.key))) out.push(rec);
    }
    hi = lo;
  }
  return out;
}
