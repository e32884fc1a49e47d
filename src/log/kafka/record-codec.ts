/**
 * Converts between the `Log` seam's records and Kafka's record batches, and reads fetched batches the
 * way a read_committed consumer must.
 *
 * A read_committed fetch returns every batch below the last stable offset, aborted ones included, plus
 * the list of aborted transactions (producer id, first offset) in the range. The reader skips a
 * transactional batch whose producer has an aborted transaction that began at or before it, until that
 * producer's ABORT marker; control batches (COMMIT/ABORT markers) take an offset but hold no data.
 */

import type { MessageRecord, RecordsBatch } from '@platformatic/kafka';
import type { Headers, LogRecord, ProducerRecord } from '../log.ts';

const IS_TRANSACTIONAL = 1 << 4;
const IS_CONTROL = 1 << 5;
const CONTROL_ABORT = 0;

const decoder = new TextDecoder();

/** An aborted transaction a fetch response lists: the producer and its first offset. */
export interface AbortedTransaction {
  producerId: bigint;
  firstOffset: bigint;
}

/** A view of bytes as a Buffer, without copying. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * A producer record as the client library's message; `timestamp` must already be settled.
 *
 * @example
 * toMessage('orders', 0, { key: null, value: bytes }, Date.now());
 */
export function toMessage(
  topic: string,
  partition: number,
  record: ProducerRecord,
  timestamp: number,
): MessageRecord {
  let headers: Map<Buffer, Buffer> | undefined;
  if (record.headers !== undefined) {
    const names = Object.keys(record.headers);
    if (names.length > 0) {
      headers = new Map();
      for (const name of names) headers.set(Buffer.from(name), Buffer.from(record.headers[name]));
    }
  }
  return {
    topic,
    partition,
    // The library writes an absent key or value as Kafka's null (length -1), an empty one as empty.
    key: record.key == null ? undefined : asBuffer(record.key),
    value: (record.value === null ? null : asBuffer(record.value)) as Buffer,
    headers,
    timestamp: BigInt(timestamp),
  };
}

/** The offset after a batch: where the next batch starts. */
export function batchEnd(batch: RecordsBatch): number {
  return Number(batch.firstOffset) + batch.lastOffsetDelta + 1;
}

export interface DecodedPartition {
  records: LogRecord[];
  /** The offset to fetch next: after the last record returned, or after every batch when none was cut. */
  nextOffset: number;
  /** Bytes of keys and values returned. */
  bytes: number;
}

/**
 * The committed data records of fetched batches from offset `from` on, at most `maxRecords` and about
 * `maxBytes` (at least one record).
 *
 * @example
 * const { records, nextOffset } = decodeBatches('t', 0, batches, aborted, 10, 1000, 1 << 20);
 */
export function decodeBatches(
  topic: string,
  partition: number,
  batches: RecordsBatch[],
  aborted: AbortedTransaction[] | null,
  from: number,
  maxRecords: number,
  maxBytes: number,
): DecodedPartition {
  const records: LogRecord[] = [];
  let bytes = 0;
  let nextOffset = from;
  const pending =
    aborted && aborted.length > 0 ? [...aborted].sort((a, b) => Number(a.firstOffset - b.firstOffset)) : [];
  const abortedProducers = new Set<bigint>();
  for (const batch of batches) {
    const end = batchEnd(batch);
    if (end <= from) continue;
    const transactional = (batch.attributes & IS_TRANSACTIONAL) !== 0;
    if (transactional) {
      const last = BigInt(end - 1);
      while (pending.length > 0 && pending[0].firstOffset <= last)
        abortedProducers.add(pending.shift()!.producerId);
    }
    if ((batch.attributes & IS_CONTROL) !== 0) {
      const key = batch.records[0]?.key;
      if (transactional && key && key.length >= 4 && key.readInt16BE(2) === CONTROL_ABORT) {
        abortedProducers.delete(batch.producerId);
      }
      nextOffset = end;
      continue;
    }
    if (transactional && abortedProducers.has(batch.producerId)) {
      nextOffset = end;
      continue;
    }
    const base = Number(batch.firstOffset);
    const firstTimestamp = batch.firstTimestamp;
    for (const r of batch.records) {
      const offset = base + r.offsetDelta;
      if (offset < from) continue;
      const size = (r.key?.length ?? 0) + (r.value?.length ?? 0);
      if (records.length >= maxRecords || (records.length > 0 && bytes + size > maxBytes)) {
        return { records, nextOffset: offset, bytes };
      }
      bytes += size;
      records.push({
        topic,
        partition,
        offset,
        key: r.key,
        value: r.value,
        timestamp: Number(firstTimestamp + r.timestampDelta),
        headers: decodeHeaders(r.headers),
      });
    }
    nextOffset = end;
  }
  return { records, nextOffset, bytes };
}

function decodeHeaders(headers: [Buffer | null, Buffer | null][]): Headers {
  const out: Headers = {};
  for (const [name, value] of headers) {
    if (name === null) continue;
    out[decoder.decode(name)] = value === null ? '' : decoder.decode(value);
  }
  return out;
}
