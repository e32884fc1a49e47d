/**
 * The contract every `Log` implementation passes: the embedded LMDB log now, the Kafka adapter later.
 *
 * It talks to the log through the interface only. Each case gets a fresh log from the factory and
 * uses topic, group and store names unique to the run, so a shared broker works as well as a temp
 * directory. Timing cases use generous bounds: they check that a wait ends early or not at all, not
 * how fast. Batching is the implementation's business; cases that need records to be stored apart
 * (retention) append them in separate, awaited calls.
 *
 * @example
 * logContract('embedded', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'log-'));
 *   const log = await openEmbeddedLog({ path: dir });
 *   return { log, cleanup: async () => { await log.close(); await rm(dir, { recursive: true }); } };
 * });
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ErrorCode, isStreamsightError, type StreamsightError } from '../../src/errors/index.ts';
import {
  type AppendResult,
  type Log,
  type LogRecord,
  type ProducerRecord,
  partitionFor,
} from '../../src/log/index.ts';

/** A log to test, and how to dispose of it (called even after the case closed the log). */
export interface LogUnderTest {
  log: Log;
  cleanup(): Promise<void>;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (s: string): Uint8Array => encoder.encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : decoder.decode(b));

let unique = 0;
const runId = Date.now().toString(36);
/** A topic, group or store name no other case (or earlier run against the same broker) uses. */
const fresh = (what: string): string => `ct-${runId}-${++unique}-${what}`;

async function expectCode(promise: Promise<unknown>, code: ErrorCode): Promise<StreamsightError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(isStreamsightError(error, code), `expected ${code}, got ${String(error)}`);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded`);
}

function throwsCode(fn: () => unknown, code: ErrorCode): void {
  assert.throws(fn, (error: unknown) => isStreamsightError(error, code));
}

/** All records of a partition from `from` to its end. */
async function readPartition(log: Log, topic: string, partition: number, from = 0): Promise<LogRecord[]> {
  const out: LogRecord[] = [];
  let offset = from;
  for (;;) {
    const { records, nextOffset, highWatermark } = await log.fetch(topic, partition, offset, {
      maxRecords: 5000,
    });
    out.push(...records);
    offset = nextOffset;
    if (offset >= highWatermark) return out;
  }
}

function assertDense(offsets: number[], from = 0): void {
  const sorted = [...offsets].sort((a, b) => a - b);
  assert.deepEqual(
    sorted,
    sorted.map((_, i) => from + i),
  );
}

/** Registers the contract's cases for one implementation. */
export function logContract(name: string, factory: () => Promise<LogUnderTest>): void {
  /** Runs a case against a fresh log, disposing of it whatever happens. */
  const withLog = (body: (log: Log) => Promise<void>) => async () => {
    const { log, cleanup } = await factory();
    try {
      await body(log);
    } finally {
      await cleanup();
    }
  };

  describe(`Log contract: ${name}`, () => {
    describe('topics', () => {
      it(
        'creates, lists and describes a topic',
        withLog(async (log) => {
          const topic = fresh('orders');
          await log.createTopic(topic, { partitions: 3, retentionMs: 86_400_000 });
          const description = await log.describeTopic(topic);
          assert.equal(description.name, topic);
          assert.equal(description.config.partitions, 3);
          assert.equal(description.config.retentionMs, 86_400_000);
          assert.deepEqual(description.partitions, [
            { partition: 0, startOffset: 0, endOffset: 0 },
            { partition: 1, startOffset: 0, endOffset: 0 },
            { partition: 2, startOffset: 0, endOffset: 0 },
          ]);
          const listed = (await log.listTopics()).find((t) => t.name === topic);
          assert.deepEqual(listed, description);
        }),
      );

      it(
        'createTopic is idempotent with the same partition count and fails with another',
        withLog(async (log) => {
          const topic = fresh('t');
          await log.createTopic(topic, { partitions: 2 });
          await log.createTopic(topic, { partitions: 2 });
          const error = await expectCode(log.createTopic(topic, { partitions: 4 }), 'SS_ERR_TOPIC_EXISTS');
          assert.equal(error.details.topic, topic);
          assert.equal((await log.describeTopic(topic)).partitions.length, 2);
        }),
      );

      it(
        'rejects invalid topic names and partition counts',
        withLog(async (log) => {
          for (const bad of ['', 'a/b', 'a b', 'ünï', 'x'.repeat(250)]) {
            await expectCode(log.createTopic(bad, { partitions: 1 }), 'SS_ERR_INVALID_OPTION');
          }
          await log.createTopic(`${fresh('ok')}.A_z-9`, { partitions: 1 });
          for (const partitions of [0, 1025, 1.5, -1]) {
            await expectCode(log.createTopic(fresh('p'), { partitions }), 'SS_ERR_INVALID_OPTION');
          }
        }),
      );

      it(
        'describeTopic and append fail for an unknown topic',
        withLog(async (log) => {
          const topic = fresh('missing');
          const error = await expectCode(log.describeTopic(topic), 'SS_ERR_TOPIC_NOT_FOUND');
          assert.equal(error.details.topic, topic);
          await expectCode(log.append(topic, [{ value: bytes('x') }]), 'SS_ERR_TOPIC_NOT_FOUND');
          await expectCode(log.fetch(topic, 0, 0), 'SS_ERR_TOPIC_NOT_FOUND');
          await expectCode(log.deleteTopic(topic), 'SS_ERR_TOPIC_NOT_FOUND');
        }),
      );

      it(
        'deleteTopic removes the records and committed offsets; a topic of the same name starts empty',
        withLog(async (log) => {
          const topic = fresh('doomed');
          const other = fresh('kept');
          const group = fresh('g');
          await log.createTopic(topic, { partitions: 2 });
          await log.createTopic(other, { partitions: 1 });
          await log.append(topic, [
            { value: bytes('a'), partition: 0 },
            { value: bytes('b'), partition: 1 },
          ]);
          await log.append(other, [{ value: bytes('c') }]);
          await log.commitOffsets(group, [
            { topic, partition: 0, offset: 1 },
            { topic: other, partition: 0, offset: 1 },
          ]);

          await log.deleteTopic(topic);
          await expectCode(log.describeTopic(topic), 'SS_ERR_TOPIC_NOT_FOUND');
          assert.ok(!(await log.listTopics()).some((t) => t.name === topic));
          await expectCode(log.fetch(topic, 0, 0), 'SS_ERR_TOPIC_NOT_FOUND');
          await expectCode(log.append(topic, [{ value: bytes('x') }]), 'SS_ERR_TOPIC_NOT_FOUND');
          assert.equal((await log.committedOffsets(group, topic)).size, 0);
          assert.deepEqual(await log.committedOffsets(group, other), new Map([[0, 1]]));
          assert.equal((await readPartition(log, other, 0)).length, 1);

          await log.createTopic(topic, { partitions: 1 });
          assert.deepEqual((await log.describeTopic(topic)).partitions, [
            { partition: 0, startOffset: 0, endOffset: 0 },
          ]);
          const [result] = await log.append(topic, [{ value: bytes('new') }]);
          assert.equal(result.offset, 0);
        }),
      );
    });

    describe('append and fetch', () => {
      it(
        'round-trips keys, values, timestamps and headers, null and empty included',
        withLog(async (log) => {
          const topic = fresh('rt');
          await log.createTopic(topic, { partitions: 1 });
          const sent: ProducerRecord[] = [
            {
              key: bytes('k1'),
              value: bytes('v1'),
              timestamp: 1_700_000_000_000,
              headers: { a: '1', 'ss-reason': 'naïve ☃ 𝄞' },
            },
            { key: null, value: bytes('no key'), timestamp: 1_700_000_000_005 },
            { key: bytes('tombstone'), value: null, timestamp: 1_699_999_999_000 },
            { key: new Uint8Array(0), value: new Uint8Array(0), timestamp: 0 },
            { value: new Uint8Array([0, 255, 128, 7]), timestamp: 1_700_000_000_001, headers: {} },
          ];
          const results = await log.append(topic, sent);
          assert.deepEqual(
            results.map((r) => [r.topic, r.partition, r.offset]),
            sent.map((_, i) => [topic, 0, i]),
          );
          const { records, nextOffset, highWatermark } = await log.fetch(topic, 0, 0);
          assert.equal(nextOffset, 5);
          assert.equal(highWatermark, 5);
          assert.deepEqual(
            records.map((r) => ({
              topic: r.topic,
              partition: r.partition,
              offset: r.offset,
              key: r.key === null ? null : [...r.key],
              value: r.value === null ? null : [...r.value],
              timestamp: r.timestamp,
              headers: r.headers,
            })),
            sent.map((s, i) => ({
              topic,
              partition: 0,
              offset: i,
              key: s.key == null ? null : [...s.key],
              value: s.value === null ? null : [...s.value],
              timestamp: s.timestamp,
              headers: s.headers ?? {},
            })),
          );
        }),
      );

      it(
        'stamps records without a timestamp with the append time',
        withLog(async (log) => {
          const topic = fresh('now');
          await log.createTopic(topic, { partitions: 1 });
          const before = Date.now();
          await log.append(topic, [{ value: bytes('x') }]);
          const after = Date.now();
          const [record] = (await log.fetch(topic, 0, 0)).records;
          assert.ok(
            record.timestamp >= before && record.timestamp <= after,
            `${record.timestamp} in [${before}, ${after}]`,
          );
        }),
      );

      it(
        'assigns dense offsets in the order given, per partition',
        withLog(async (log) => {
          const topic = fresh('dense');
          await log.createTopic(topic, { partitions: 2 });
          const offsets: number[][] = [[], []];
          for (let call = 0; call < 3; call++) {
            const records = Array.from({ length: 4 }, (_, i) => ({
              value: bytes(`${call}-${i}`),
              partition: i % 2,
            }));
            for (const r of await log.append(topic, records)) offsets[r.partition].push(r.offset);
          }
          assert.deepEqual(offsets, [
            [0, 1, 2, 3, 4, 5],
            [0, 1, 2, 3, 4, 5],
          ]);
          const values = (await readPartition(log, topic, 1)).map((r) => text(r.value));
          assert.deepEqual(values, ['0-1', '0-3', '1-1', '1-3', '2-1', '2-3']);
        }),
      );

      it(
        'sends equal keys to the same partition: the one Kafka’s murmur2 partitioner picks',
        withLog(async (log) => {
          const topic = fresh('keys');
          await log.createTopic(topic, { partitions: 8 });
          const keys = Array.from({ length: 50 }, (_, i) => bytes(`user-${i}`));
          const first = await log.append(
            topic,
            keys.map((key) => ({ key, value: bytes('a') })),
          );
          const second = await log.append(
            topic,
            keys.map((key) => ({ key, value: bytes('b') })),
          );
          for (let i = 0; i < keys.length; i++) {
            assert.equal(first[i].partition, partitionFor(keys[i], 8));
            assert.equal(second[i].partition, first[i].partition);
          }
          assert.ok(new Set(first.map((r) => r.partition)).size > 4, 'keys spread over the partitions');
        }),
      );

      it(
        'spreads records without a key over the partitions',
        withLog(async (log) => {
          const topic = fresh('rr');
          await log.createTopic(topic, { partitions: 4 });
          const used = new Set<number>();
          for (let i = 0; i < 40; i++)
            used.add((await log.append(topic, [{ value: bytes('x') }]))[0].partition);
          assert.ok(used.size > 1, `used partitions ${[...used]}`);
        }),
      );

      it(
        'honours an explicit partition and rejects one that does not exist',
        withLog(async (log) => {
          const topic = fresh('explicit');
          await log.createTopic(topic, { partitions: 3 });
          const [r] = await log.append(topic, [{ key: bytes('k'), value: bytes('x'), partition: 2 }]);
          assert.equal(r.partition, 2);
          for (const partition of [3, -1, 1.5]) {
            const error = await expectCode(
              log.append(topic, [{ value: bytes('x'), partition }]),
              'SS_ERR_PARTITION_NOT_FOUND',
            );
            assert.equal(error.details.partition, partition);
          }
          for (const partition of [3, -1, 0.5]) {
            await expectCode(log.fetch(topic, partition, 0), 'SS_ERR_PARTITION_NOT_FOUND');
          }
          // A call with one bad record appends none of its records.
          await expectCode(
            log.append(topic, [
              { value: bytes('good'), partition: 0 },
              { value: bytes('bad'), partition: 7 },
            ]),
            'SS_ERR_PARTITION_NOT_FOUND',
          );
          assert.equal((await log.describeTopic(topic)).partitions[0].endOffset, 0);
        }),
      );

      it(
        'rejects malformed records, appending none of the call',
        withLog(async (log) => {
          const topic = fresh('malformed');
          await log.createTopic(topic, { partitions: 1 });
          const bad: unknown[] = [
            { value: 'not bytes' },
            { key: 'nor this', value: null },
            { value: null, timestamp: Number.NaN },
            { value: null, timestamp: 2 ** 60 },
            { value: null, headers: { n: 1 } },
          ];
          for (const record of bad) {
            const error = await expectCode(
              log.append(topic, [{ value: bytes('fine') }, record as ProducerRecord]),
              'SS_ERR_INVALID_RECORD',
            );
            assert.equal(error.details.index, 1);
          }
          assert.equal((await log.describeTopic(topic)).partitions[0].endOffset, 0);
          // Fractions of a millisecond are cut off, as Kafka's clients do.
          await log.append(topic, [{ value: null, timestamp: 1234.9 }]);
          assert.equal((await log.fetch(topic, 0, 0)).records[0].timestamp, 1234);
        }),
      );

      it(
        'fetch stops at maxRecords and about maxBytes, and returns at least one record',
        withLog(async (log) => {
          const topic = fresh('limits');
          await log.createTopic(topic, { partitions: 1 });
          await log.append(
            topic,
            Array.from({ length: 50 }, () => ({ value: new Uint8Array(100) })),
          );
          const byCount = await log.fetch(topic, 0, 0, { maxRecords: 10 });
          assert.deepEqual(
            byCount.records.map((r) => r.offset),
            [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
          );
          assert.equal(byCount.nextOffset, 10);
          assert.equal(byCount.highWatermark, 50);

          const byBytes = await log.fetch(topic, 0, 10, { maxBytes: 250 });
          assert.ok(
            byBytes.records.length >= 1 && byBytes.records.length <= 3,
            `${byBytes.records.length} records`,
          );
          assert.equal(byBytes.records[0].offset, 10);
          assert.equal(byBytes.nextOffset, 10 + byBytes.records.length);

          const tiny = await log.fetch(topic, 0, 20, { maxBytes: 1 });
          assert.deepEqual(
            tiny.records.map((r) => r.offset),
            [20],
          );
        }),
      );

      it(
        'fetch starts in the middle of what one append wrote',
        withLog(async (log) => {
          const topic = fresh('middle');
          await log.createTopic(topic, { partitions: 1 });
          await log.append(
            topic,
            Array.from({ length: 10 }, (_, i) => ({ value: bytes(`v${i}`), headers: { i: `${i}` } })),
          );
          const { records, nextOffset } = await log.fetch(topic, 0, 6);
          assert.deepEqual(
            records.map((r) => [r.offset, text(r.value), r.headers.i]),
            [
              [6, 'v6', '6'],
              [7, 'v7', '7'],
              [8, 'v8', '8'],
              [9, 'v9', '9'],
            ],
          );
          assert.equal(nextOffset, 10);
        }),
      );

      it(
        'fetch at the end returns nothing; beyond the end or below the start fails',
        withLog(async (log) => {
          const topic = fresh('ends');
          await log.createTopic(topic, { partitions: 1 });
          await log.append(topic, [{ value: bytes('a') }, { value: bytes('b') }]);
          assert.deepEqual(await log.fetch(topic, 0, 2), { records: [], nextOffset: 2, highWatermark: 2 });
          await expectCode(log.fetch(topic, 0, 3), 'SS_ERR_OFFSET_OUT_OF_RANGE');
          const below = await expectCode(log.fetch(topic, 0, -1), 'SS_ERR_OFFSET_OUT_OF_RANGE');
          assert.equal(below.details.startOffset, 0);
        }),
      );

      it(
        'a fetch waiting at the end wakes up on a later append',
        withLog(async (log) => {
          const topic = fresh('wake');
          await log.createTopic(topic, { partitions: 2 });
          const started = Date.now();
          const waiting = log.fetch(topic, 1, 0, { maxWaitMs: 20_000 });
          setTimeout(() => void log.append(topic, [{ value: bytes('late'), partition: 1 }]), 50);
          const { records, nextOffset } = await waiting;
          assert.deepEqual(
            records.map((r) => text(r.value)),
            ['late'],
          );
          assert.equal(nextOffset, 1);
          assert.ok(Date.now() - started < 10_000, 'woke up long before maxWaitMs');
        }),
      );

      it(
        'a fetch waiting at the end returns nothing after maxWaitMs',
        withLog(async (log) => {
          const topic = fresh('timeout');
          await log.createTopic(topic, { partitions: 2 });
          const started = Date.now();
          // An append to another partition must not end the wait with nothing to show.
          setTimeout(() => void log.append(topic, [{ value: bytes('elsewhere'), partition: 0 }]), 20);
          const result = await log.fetch(topic, 1, 0, { maxWaitMs: 300 });
          const waited = Date.now() - started;
          assert.deepEqual(result, { records: [], nextOffset: 0, highWatermark: 0 });
          assert.ok(waited >= 250, `waited ${waited} ms`);
        }),
      );

      it(
        'aborting the signal ends a waiting fetch',
        withLog(async (log) => {
          const topic = fresh('abort');
          await log.createTopic(topic, { partitions: 1 });
          const controller = new AbortController();
          const started = Date.now();
          setTimeout(() => controller.abort(), 50);
          const result = await log.fetch(topic, 0, 0, { maxWaitMs: 20_000, signal: controller.signal });
          assert.deepEqual(result.records, []);
          assert.ok(Date.now() - started < 10_000, 'returned long before maxWaitMs');
          // An already aborted signal does not wait at all.
          const again = await log.fetch(topic, 0, 0, { maxWaitMs: 20_000, signal: controller.signal });
          assert.deepEqual(again.records, []);
        }),
      );

      it(
        'hands unique, dense offsets to 20,000 records from 200 concurrent appends',
        withLog(async (log) => {
          const topic = fresh('concurrent');
          await log.createTopic(topic, { partitions: 4 });
          const calls = Array.from({ length: 200 }, (_, call) =>
            log.append(
              topic,
              Array.from({ length: 100 }, (_, i) => ({ value: bytes(`${call}:${i}`), partition: call % 4 })),
            ),
          );
          const results: AppendResult[][] = await Promise.all(calls);
          for (let p = 0; p < 4; p++) {
            assertDense(
              results
                .flat()
                .filter((r) => r.partition === p)
                .map((r) => r.offset),
            );
          }
          for (const call of results) {
            // One call's records keep their order, side by side.
            assert.deepEqual(
              call.map((r) => r.offset - call[0].offset),
              call.map((_, i) => i),
            );
          }
          for (let p = 0; p < 4; p++) {
            const stored = new Map(
              (await readPartition(log, topic, p)).map((r) => [r.offset, text(r.value)]),
            );
            assert.equal(stored.size, 5000);
            for (let call = p; call < 200; call += 4) {
              for (const [i, r] of results[call].entries())
                assert.equal(stored.get(r.offset), `${call}:${i}`);
            }
          }
        }),
      );
    });

    describe('consumer offsets', () => {
      it(
        'commits and reads offsets per group',
        withLog(async (log) => {
          const topic = fresh('co');
          const [g1, g2] = [fresh('g1'), fresh('g2')];
          await log.createTopic(topic, { partitions: 2 });
          await log.commitOffsets(g1, [
            { topic, partition: 0, offset: 5 },
            { topic, partition: 1, offset: 7 },
          ]);
          await log.commitOffsets(g2, [{ topic, partition: 0, offset: 1 }]);
          await log.commitOffsets(g1, [{ topic, partition: 0, offset: 6 }]);
          assert.deepEqual(
            await log.committedOffsets(g1, topic),
            new Map([
              [0, 6],
              [1, 7],
            ]),
          );
          assert.deepEqual(await log.committedOffsets(g2, topic), new Map([[0, 1]]));
          assert.deepEqual(await log.committedOffsets(fresh('nobody'), topic), new Map());
          const groups = await log.listGroups();
          assert.ok(groups.includes(g1) && groups.includes(g2), `groups ${groups}`);
        }),
      );

      it(
        'rejects commits for unknown topics or partitions',
        withLog(async (log) => {
          const topic = fresh('co2');
          await log.createTopic(topic, { partitions: 1 });
          await expectCode(
            log.commitOffsets(fresh('g'), [{ topic: fresh('none'), partition: 0, offset: 1 }]),
            'SS_ERR_TOPIC_NOT_FOUND',
          );
          await expectCode(
            log.commitOffsets(fresh('g'), [{ topic, partition: 1, offset: 1 }]),
            'SS_ERR_PARTITION_NOT_FOUND',
          );
        }),
      );
    });

    describe('transactions', () => {
      it(
        'commit applies appends, offset commits and state writes together',
        withLog(async (log) => {
          const [input, output, group, store] = [fresh('in'), fresh('out'), fresh('g'), fresh('s')];
          await log.createTopic(input, { partitions: 1 });
          await log.createTopic(output, { partitions: 2 });
          await log.append(input, [{ value: bytes('x') }]);
          const tx = log.beginTransaction();
          tx.append(output, [
            { value: bytes('o1'), partition: 1 },
            { value: bytes('o2'), partition: 0 },
          ]);
          tx.append(output, [{ value: bytes('o3'), partition: 1 }]);
          tx.commitOffsets(group, [{ topic: input, partition: 0, offset: 1 }]);
          tx.putState(store, 0, 'count', bytes('1'));

          // Nothing shows before commit.
          assert.deepEqual(
            (await log.describeTopic(output)).partitions.map((p) => p.endOffset),
            [0, 0],
          );
          assert.equal((await log.committedOffsets(group, input)).size, 0);
          assert.deepEqual(await collect(log.readState(store, 0)), []);

          const results = await tx.commit();
          assert.deepEqual(
            results.map((r) => [r.topic, r.partition, r.offset]),
            [
              [output, 1, 0],
              [output, 0, 0],
              [output, 1, 1],
            ],
          );
          assert.deepEqual(
            (await readPartition(log, output, 1)).map((r) => text(r.value)),
            ['o1', 'o3'],
          );
          assert.deepEqual(await log.committedOffsets(group, input), new Map([[0, 1]]));
          assert.deepEqual(await collect(log.readState(store, 0)), [['count', '1']]);
        }),
      );

      it(
        'abort applies nothing and may be repeated',
        withLog(async (log) => {
          const [topic, group, store] = [fresh('ab'), fresh('g'), fresh('s')];
          await log.createTopic(topic, { partitions: 1 });
          const tx = log.beginTransaction();
          tx.append(topic, [{ value: bytes('x') }]);
          tx.commitOffsets(group, [{ topic, partition: 0, offset: 1 }]);
          tx.putState(store, 0, 'k', bytes('v'));
          tx.abort();
          tx.abort();
          assert.equal((await log.describeTopic(topic)).partitions[0].endOffset, 0);
          assert.equal((await log.committedOffsets(group, topic)).size, 0);
          assert.deepEqual(await collect(log.readState(store, 0)), []);
        }),
      );

      it(
        'a transaction cannot be used after commit or abort',
        withLog(async (log) => {
          const topic = fresh('used');
          await log.createTopic(topic, { partitions: 1 });
          const committed = log.beginTransaction();
          committed.append(topic, [{ value: bytes('x') }]);
          await committed.commit();
          throwsCode(() => committed.append(topic, [{ value: bytes('y') }]), 'SS_ERR_TRANSACTION_STATE');
          throwsCode(() => committed.putState('s', 0, 'k', null), 'SS_ERR_TRANSACTION_STATE');
          await expectCode(committed.commit(), 'SS_ERR_TRANSACTION_STATE');
          committed.abort();

          const aborted = log.beginTransaction();
          aborted.abort();
          throwsCode(
            () => aborted.commitOffsets('g', [{ topic, partition: 0, offset: 0 }]),
            'SS_ERR_TRANSACTION_STATE',
          );
          await expectCode(aborted.commit(), 'SS_ERR_TRANSACTION_STATE');
          assert.equal((await log.describeTopic(topic)).partitions[0].endOffset, 1);
        }),
      );

      it(
        'a commit that fails applies nothing',
        withLog(async (log) => {
          const [topic, group, store] = [fresh('fail'), fresh('g'), fresh('s')];
          await log.createTopic(topic, { partitions: 1 });
          const tx = log.beginTransaction();
          tx.append(topic, [{ value: bytes('x') }]);
          tx.commitOffsets(group, [{ topic, partition: 0, offset: 1 }]);
          tx.putState(store, 0, 'k', bytes('v'));
          tx.append(fresh('missing'), [{ value: bytes('y') }]);
          await expectCode(tx.commit(), 'SS_ERR_TOPIC_NOT_FOUND');
          assert.equal((await log.describeTopic(topic)).partitions[0].endOffset, 0);
          assert.equal((await log.committedOffsets(group, topic)).size, 0);
          assert.deepEqual(await collect(log.readState(store, 0)), []);
        }),
      );

      it(
        'concurrent transactions do not interleave their offsets',
        withLog(async (log) => {
          const topic = fresh('txc');
          await log.createTopic(topic, { partitions: 1 });
          const commits = Array.from({ length: 10 }, (_, t) => {
            const tx = log.beginTransaction();
            tx.append(
              topic,
              Array.from({ length: 50 }, (_, i) => ({ value: bytes(`${t}:${i}`) })),
            );
            return tx.commit();
          });
          const results = await Promise.all(commits);
          for (const offsets of results.map((rs) => rs.map((r) => r.offset))) {
            assert.deepEqual(
              offsets,
              offsets.map((_, i) => offsets[0] + i),
            );
          }
          assertDense(results.flat().map((r) => r.offset));
        }),
      );

      it(
        'readState yields one partition of a store in key order, without deleted keys',
        withLog(async (log) => {
          const [store, other] = [fresh('s'), fresh('s')];
          const first = log.beginTransaction();
          for (const key of ['b', 'a', 'c', 'a/1']) first.putState(store, 0, key, bytes(`${key}0`));
          first.putState(store, 1, 'z', bytes('z'));
          first.putState(other, 0, 'o', bytes('o'));
          await first.commit();
          assert.deepEqual(await collect(log.readState(store, 0)), [
            ['a', 'a0'],
            ['a/1', 'a/10'],
            ['b', 'b0'],
            ['c', 'c0'],
          ]);

          const second = log.beginTransaction();
          second.putState(store, 0, 'b', null);
          second.putState(store, 0, 'a', bytes('a1'));
          second.putState(store, 0, 'never-there', null);
          await second.commit();
          assert.deepEqual(await collect(log.readState(store, 0)), [
            ['a', 'a1'],
            ['a/1', 'a/10'],
            ['c', 'c0'],
          ]);
          assert.deepEqual(await collect(log.readState(store, 1)), [['z', 'z']]);
          assert.deepEqual(await collect(log.readState(store, 2)), []);
        }),
      );
    });

    describe('retention', () => {
      it(
        'deletes records older than retentionMs and moves the start offset',
        withLog(async (log) => {
          const topic = fresh('age');
          await log.createTopic(topic, { partitions: 1, retentionMs: 60_000 });
          const now = Date.now();
          const old = await log.append(
            topic,
            Array.from({ length: 5 }, (_, i) => ({
              value: bytes(`old${i}`),
              timestamp: now - 3_600_000 + i,
            })),
          );
          const recent = await log.append(
            topic,
            Array.from({ length: 5 }, (_, i) => ({ value: bytes(`new${i}`), timestamp: now + i })),
          );
          await log.enforceRetention(now);
          const { startOffset, endOffset } = (await log.describeTopic(topic)).partitions[0];
          assert.ok(
            startOffset > old[4].offset && startOffset <= recent[0].offset,
            `startOffset ${startOffset}`,
          );
          assert.equal(endOffset, recent[4].offset + 1);
          const error = await expectCode(log.fetch(topic, 0, startOffset - 1), 'SS_ERR_OFFSET_OUT_OF_RANGE');
          assert.equal(error.details.startOffset, startOffset);
          assert.deepEqual(
            (await readPartition(log, topic, 0, startOffset)).map((r) => text(r.value)),
            ['new0', 'new1', 'new2', 'new3', 'new4'],
          );
        }),
      );

      it(
        'deletes the oldest records while a partition holds more than retentionBytes',
        withLog(async (log) => {
          const topic = fresh('size');
          await log.createTopic(topic, { partitions: 1, retentionBytes: 4000 });
          const calls: AppendResult[][] = [];
          for (let call = 0; call < 10; call++) {
            calls.push(
              await log.append(
                topic,
                Array.from({ length: 10 }, () => ({ value: new Uint8Array(100).fill(call) })),
              ),
            );
          }
          await log.enforceRetention();
          const { startOffset, endOffset } = (await log.describeTopic(topic)).partitions[0];
          assert.ok(startOffset > 0, 'old records were deleted');
          assert.ok(startOffset <= calls[9][0].offset, 'the newest records are kept');
          assert.equal(endOffset, 100);
          const kept = await readPartition(log, topic, 0, startOffset);
          assert.ok(kept.length * 100 <= 4000, `${kept.length} records kept`);
          assert.equal(kept.at(-1)!.value![0], 9);
          const error = await expectCode(log.fetch(topic, 0, 0), 'SS_ERR_OFFSET_OUT_OF_RANGE');
          assert.equal(error.details.startOffset, startOffset);
        }),
      );
      it(
        'deletes the records below an offset on request (deleteRecordsBefore)',
        withLog(async (log) => {
          const topic = fresh('purge');
          await log.createTopic(topic, { partitions: 1 });
          const calls: AppendResult[][] = [];
          for (let call = 0; call < 5; call++) {
            calls.push(
              await log.append(
                topic,
                Array.from({ length: 10 }, (_, i) => ({ value: bytes(`r${call}-${i}`), partition: 0 })),
              ),
            );
          }
          const cut = calls[2][5].offset;
          await log.deleteRecordsBefore(topic, 0, cut);
          const { startOffset, endOffset } = (await log.describeTopic(topic)).partitions[0];
          assert.ok(startOffset > calls[1][9].offset && startOffset <= cut, `startOffset ${startOffset}`);
          assert.equal(endOffset, 50);
          const kept = (await readPartition(log, topic, 0, startOffset)).map((r) => text(r.value));
          assert.ok(kept.includes('r2-5') && !kept.includes('r1-9'));
          assert.equal(kept.at(-1), 'r4-9');
          await expectCode(log.fetch(topic, 0, startOffset - 1), 'SS_ERR_OFFSET_OUT_OF_RANGE');
          // Below the start: nothing changes. Past the end: an error.
          await log.deleteRecordsBefore(topic, 0, 3);
          assert.equal((await log.describeTopic(topic)).partitions[0].startOffset, startOffset);
          await expectCode(log.deleteRecordsBefore(topic, 0, 51), 'SS_ERR_OFFSET_OUT_OF_RANGE');
          // Up to the end: the partition is empty and goes on from where it was.
          await log.deleteRecordsBefore(topic, 0, 50);
          assert.deepEqual(
            (({ startOffset: s, endOffset: e }) => [s, e])((await log.describeTopic(topic)).partitions[0]),
            [50, 50],
          );
          const [next] = await log.append(topic, [{ value: bytes('after'), partition: 0 }]);
          assert.equal(next.offset, 50);
        }),
      );
    });

    describe('close', () => {
      it(
        'is idempotent, and calls after it fail with SS_ERR_CLOSED',
        withLog(async (log) => {
          const topic = fresh('closed');
          await log.createTopic(topic, { partitions: 1 });
          await Promise.all([log.close(), log.close()]);
          await log.close();
          await expectCode(log.append(topic, [{ value: bytes('x') }]), 'SS_ERR_CLOSED');
          await expectCode(log.fetch(topic, 0, 0), 'SS_ERR_CLOSED');
          await expectCode(log.describeTopic(topic), 'SS_ERR_CLOSED');
          await expectCode(log.commitOffsets('g', [{ topic, partition: 0, offset: 0 }]), 'SS_ERR_CLOSED');
          throwsCode(() => log.beginTransaction(), 'SS_ERR_CLOSED');
        }),
      );

      it(
        'acknowledges appends that were accepted before close',
        withLog(async (log) => {
          const topic = fresh('drain');
          await log.createTopic(topic, { partitions: 1 });
          const pending = log.append(topic, [{ value: bytes('x') }]);
          await log.close();
          assert.equal((await pending)[0].offset, 0);
        }),
      );
    });
  });
}

/** Reads a state partition as [key, text value] pairs. */
async function collect(entries: AsyncIterable<[string, Uint8Array]>): Promise<[string, string | null][]> {
  const out: [string, string | null][] = [];
  for await (const [key, value] of entries) out.push([key, text(value)]);
  return out;
}
