import assert from 'node:assert/strict';
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Worker } from 'node:worker_threads';
import { open } from 'lmdb';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  BatchBuilder,
  batchMaxTimestamp,
  batchRecordCount,
  type DecodeTarget,
  decodeBatch,
} from '../../src/log/embedded/batch-v1.ts';
import {
  type EmbeddedLogOptions,
  type LogRecord,
  openEmbeddedLog,
  type ProducerRecord,
} from '../../src/log/index.ts';
import type { AppendWorkerInput } from './fixtures/append-worker.ts';
import { logContract } from './log-contract.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const bytes = (s: string): Uint8Array => encoder.encode(s);
const text = (b: Uint8Array | null): string | null => (b === null ? null : decoder.decode(b));
const appendWorker = new URL('./fixtures/append-worker.ts', import.meta.url);

let root: string;
let dirs = 0;
before(async () => {
  root = await mkdtemp(join(tmpdir(), 'streamsight-log-test-'));
});
after(async () => {
  await rm(root, { recursive: true, force: true });
});
const freshPath = (): string => join(root, `log-${++dirs}`);

/** Opens a log in a fresh directory; the directory goes when the test root does. */
async function freshLog(options: Omit<EmbeddedLogOptions, 'path'> = {}) {
  const path = freshPath();
  return { path, log: await openEmbeddedLog({ path, ...options }) };
}

logContract('embedded LMDB log', async () => {
  const path = freshPath();
  const log = await openEmbeddedLog({ path });
  return {
    log,
    async cleanup() {
      await log.close();
      await rm(path, { recursive: true, force: true });
    },
  };
});

/** Number of record batches stored for a partition, read straight from LMDB after the log closed. */
async function storedBatches(path: string, topic: string, partition: number): Promise<number[]> {
  const env = open({ path });
  try {
    const records = env.openDB({ name: 'records', encoding: 'binary' });
    return [...records.getKeys({ start: [topic, partition], end: [topic, partition + 1] })].map(
      (key) => (key as [string, number, number])[2],
    );
  } finally {
    await env.close();
  }
}

function runWorker(input: AppendWorkerInput): Promise<number[][]> {
  const worker = new Worker(appendWorker, { workerData: input });
  return new Promise((resolve, reject) => {
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

describe('embedded log', () => {
  it('validates its options once, with coded errors', async () => {
    const bad: unknown[] = [
      undefined,
      {},
      { path: '' },
      { path: freshPath(), lingerMs: -1 },
      { path: freshPath(), maxBatchRecords: 0 },
      { path: freshPath(), pollIntervalMs: 1.5 },
      { path: freshPath(), lingerMS: 2 },
    ];
    for (const options of bad) {
      await assert.rejects(openEmbeddedLog(options as EmbeddedLogOptions), (e: unknown) =>
        isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
      );
    }
  });

  it('keeps topics, records, offsets and state across close and reopen', async () => {
    const { path, log } = await freshLog();
    await log.createTopic('events', { partitions: 2, retentionBytes: 1_000_000 });
    await log.append('events', [
      { key: bytes('a'), value: bytes('1'), partition: 1, timestamp: 42, headers: { h: 'x' } },
    ]);
    const tx = log.beginTransaction();
    tx.commitOffsets('g', [{ topic: 'events', partition: 1, offset: 1 }]);
    tx.putState('counts', 1, 'a', bytes('1'));
    await tx.commit();
    await log.close();

    const reopened = await openEmbeddedLog({ path });
    try {
      const description = await reopened.describeTopic('events');
      assert.deepEqual(description.config, { partitions: 2, retentionBytes: 1_000_000 });
      assert.equal(description.partitions[1].endOffset, 1);
      const [record] = (await reopened.fetch('events', 1, 0)).records;
      assert.deepEqual(
        [text(record.key), text(record.value), record.timestamp, record.headers],
        ['a', '1', 42, { h: 'x' }],
      );
      assert.deepEqual(await reopened.committedOffsets('g', 'events'), new Map([[1, 1]]));
      const state: [string, string | null][] = [];
      for await (const [key, value] of reopened.readState('counts', 1)) state.push([key, text(value)]);
      assert.deepEqual(state, [['a', '1']]);
      const [next] = await reopened.append('events', [{ value: bytes('2'), partition: 1 }]);
      assert.equal(next.offset, 1);
    } finally {
      await reopened.close();
    }
  });

  it('returns records whose bytes stay intact while the log is read and written further', async () => {
    // Regression guard: LMDB's "fast" reads reuse one buffer; records are views into what fetch read.
    const { log } = await freshLog({ maxBatchRecords: 10 });
    try {
      await log.createTopic('t', { partitions: 2 });
      for (let p = 0; p < 2; p++) {
        await log.append(
          't',
          Array.from({ length: 100 }, (_, i) => ({
            key: bytes(`k${p}.${i}`),
            value: bytes(`v${p}.${i}`),
            partition: p,
          })),
        );
      }
      const kept = (await log.fetch('t', 0, 0, { maxRecords: 30 })).records;
      for (let i = 0; i < 50; i++) {
        await log.fetch('t', i % 2, i, { maxRecords: 7 });
        if (i % 10 === 0) await log.append('t', [{ value: bytes(`more${i}`), partition: i % 2 }]);
      }
      assert.deepEqual(
        kept.map((r) => [text(r.key), text(r.value)]),
        kept.map((_, i) => [`k0.${i}`, `v0.${i}`]),
      );
    } finally {
      await log.close();
    }
  });

  it('merges concurrent appends into one batch per partition and seals batches at maxBatchRecords', async () => {
    const { path, log } = await freshLog({ maxBatchRecords: 100 });
    await log.createTopic('t', { partitions: 2 });
    const results = await Promise.all(
      Array.from({ length: 50 }, (_, i) => log.append('t', [{ value: bytes(`${i}`), partition: 0 }])),
    );
    assert.deepEqual(
      results.map(([r]) => r.offset),
      results.map((_, i) => i),
    );
    await log.append(
      't',
      Array.from({ length: 250 }, (_, i) => ({ value: bytes(`${i}`), partition: 1 })),
    );
    const fetched = await log.fetch('t', 1, 95, { maxRecords: 10 });
    assert.deepEqual(
      fetched.records.map((r) => r.offset),
      [95, 96, 97, 98, 99, 100, 101, 102, 103, 104],
    );
    await log.close();
    assert.deepEqual(await storedBatches(path, 't', 0), [0]);
    assert.deepEqual(await storedBatches(path, 't', 1), [0, 100, 200]);
  });

  it('gives dense offsets to two worker threads appending to the same path', async () => {
    const { path, log } = await freshLog();
    try {
      await log.createTopic('shared', { partitions: 1 });
      const [a, b] = await Promise.all([
        runWorker({ path, topic: 'shared', tag: 'a', calls: 40, perCall: 50 }),
        runWorker({ path, topic: 'shared', tag: 'b', calls: 40, perCall: 50 }),
      ]);
      const all = [...a.flat(), ...b.flat()].sort((x, y) => x - y);
      assert.deepEqual(
        all,
        all.map((_, i) => i),
      );
      const stored = new Map<number, string | null>();
      let offset = 0;
      while (offset < 4000) {
        const { records, nextOffset } = await log.fetch('shared', 0, offset, { maxRecords: 1000 });
        for (const r of records) stored.set(r.offset, text(r.value));
        offset = nextOffset;
      }
      for (const [tag, calls] of [
        ['a', a],
        ['b', b],
      ] as const) {
        for (const [c, call] of calls.entries()) {
          for (const [i, offset] of call.entries()) assert.equal(stored.get(offset), `${tag}:${c}:${i}`);
        }
      }
    } finally {
      await log.close();
    }
  });

  it('wakes a fetch waiting in the main thread when a worker thread appends', async () => {
    // Polling is off: only the BroadcastChannel can end this wait early.
    const { path, log } = await freshLog({ pollIntervalMs: 0 });
    try {
      await log.createTopic('live', { partitions: 1 });
      const started = Date.now();
      const waiting = log.fetch('live', 0, 0, { maxWaitMs: 30_000 });
      const worker = runWorker({ path, topic: 'live', tag: 'w', calls: 1, perCall: 3, delayMs: 100 });
      const { records } = await waiting;
      assert.deepEqual(
        records.map((r) => text(r.value)),
        ['w:0:0', 'w:0:1', 'w:0:2'],
      );
      assert.ok(Date.now() - started < 15_000);
      await worker;
    } finally {
      await log.close();
    }
  });

  it('wakes a fetch waiting in one process when another process appends (by polling)', async () => {
    const { path, log } = await freshLog({ pollIntervalMs: 25 });
    try {
      await log.createTopic('remote', { partitions: 1 });
      const started = Date.now();
      const waiting = log.fetch('remote', 0, 0, { maxWaitMs: 60_000 });
      const input: AppendWorkerInput = {
        path,
        topic: 'remote',
        tag: 'p',
        calls: 1,
        perCall: 2,
        delayMs: 200,
      };
      const child = fork(appendWorker, [JSON.stringify(input)], { stdio: 'inherit' });
      const exited = once(child, 'exit');
      const { records } = await waiting;
      assert.deepEqual(
        records.map((r) => text(r.value)),
        ['p:0:0', 'p:0:1'],
      );
      assert.ok(Date.now() - started < 30_000);
      const [code] = await exited;
      assert.equal(code, 0);
    } finally {
      await log.close();
    }
  });

  it('waits longer than setTimeout allows when asked to', async () => {
    // Regression guard: setTimeout fires after 1 ms for delays past 2^31 - 1.
    const { log } = await freshLog();
    try {
      await log.createTopic('t', { partitions: 1 });
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 200);
      const started = Date.now();
      await log.fetch('t', 0, 0, { maxWaitMs: 2 ** 40, signal: controller.signal });
      assert.ok(Date.now() - started >= 150, 'waited for the abort');
    } finally {
      await log.close();
    }
  });

  it('runs retention in the background', async () => {
    const { log } = await freshLog({ retentionIntervalMs: 20 });
    try {
      await log.createTopic('short', { partitions: 1, retentionMs: 1000 });
      await log.append('short', [{ value: bytes('old'), timestamp: Date.now() - 60_000 }]);
      await log.append('short', [{ value: bytes('new') }]);
      const deadline = Date.now() + 10_000;
      while ((await log.describeTopic('short')).partitions[0].startOffset === 0) {
        assert.ok(Date.now() < deadline, 'retention ran');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.deepEqual(
        (await log.fetch('short', 0, 1)).records.map((r) => text(r.value)),
        ['new'],
      );
    } finally {
      await log.close();
    }
  });
});

describe('record batch v1', () => {
  const decodeAll = (
    batch: Uint8Array,
    baseOffset = 100,
    fromOffset = 0,
    limits: Partial<DecodeTarget> = {},
  ) => {
    const target: DecodeTarget = {
      records: [] as LogRecord[],
      maxRecords: 1e9,
      bytesLeft: Infinity,
      ...limits,
    };
    const more = decodeBatch(batch, 'topic', 3, baseOffset, fromOffset, target);
    return { records: target.records, more };
  };

  it('round-trips null, empty and large keys and values, timestamps and unicode headers', () => {
    const huge = new Uint8Array(5 * 1024 * 1024).map((_, i) => i % 251);
    const sent: [ProducerRecord, number][] = [
      [
        { key: bytes('k'), value: bytes('v'), headers: { 'ss-reason': 'naïve ☃ 𝄞', '': '' } },
        1_700_000_000_000,
      ],
      [{ key: null, value: null }, 1_699_000_000_000],
      [{ key: new Uint8Array(0), value: new Uint8Array(0) }, 1_800_000_000_000],
      [{ key: bytes('big'), value: huge }, -5],
      [{ value: bytes('x'.repeat(200)), headers: { ['ключ'.repeat(50)]: '値'.repeat(100) } }, 2 ** 51 - 1],
    ];
    const builder = new BatchBuilder(64);
    for (const [record, timestamp] of sent) builder.add(record, timestamp);
    const batch = builder.finish();
    assert.equal(batch[0], 1, 'version byte first');
    assert.equal(batchRecordCount(batch), 5);
    assert.equal(batchMaxTimestamp(batch), 2 ** 51 - 1);

    const { records, more } = decodeAll(batch);
    assert.equal(more, true);
    assert.deepEqual(
      records.map((r) => [r.topic, r.partition, r.offset, r.timestamp]),
      sent.map(([, ts], i) => ['topic', 3, 100 + i, ts]),
    );
    records.forEach((r, i) => {
      const [s] = sent[i];
      assert.deepEqual(r.key === null ? null : Buffer.from(r.key), s.key == null ? null : Buffer.from(s.key));
      assert.deepEqual(
        r.value === null ? null : Buffer.from(r.value),
        s.value === null ? null : Buffer.from(s.value),
      );
      assert.deepEqual(r.headers, s.headers ?? {});
      // Views into the batch, not copies.
      if (r.value !== null) assert.equal(r.value.buffer, batch.buffer);
    });
  });

  it('starts at an offset inside the batch and stops at maxRecords and bytesLeft', () => {
    const builder = new BatchBuilder();
    for (let i = 0; i < 10; i++)
      builder.add({ key: bytes('kk'), value: new Uint8Array(8), headers: { i: `${i}` } }, i);
    const batch = builder.finish();
    assert.deepEqual(
      decodeAll(batch, 0, 7).records.map((r) => [r.offset, r.headers.i]),
      [
        [7, '7'],
        [8, '8'],
        [9, '9'],
      ],
    );
    const byCount = decodeAll(batch, 0, 2, { maxRecords: 3 });
    assert.deepEqual(
      byCount.records.map((r) => r.offset),
      [2, 3, 4],
    );
    assert.equal(byCount.more, false);
    const byBytes = decodeAll(batch, 0, 0, { bytesLeft: 25 });
    assert.deepEqual(
      byBytes.records.map((r) => r.offset),
      [0, 1],
    );
    assert.equal(decodeAll(batch, 0, 0, { bytesLeft: 1 }).records.length, 1, 'at least one record');
  });

  it('refuses batches of an unknown version or cut short', () => {
    const builder = new BatchBuilder();
    builder.add({ value: bytes('hello') }, 0);
    const batch = Buffer.from(builder.finish());
    assert.throws(
      () => decodeAll(batch.subarray(0, batch.length - 3)),
      (e: unknown) => isStreamsightError(e, 'SS_ERR_STORAGE'),
    );
    batch[0] = 2;
    assert.throws(
      () => decodeAll(batch),
      (e: unknown) => isStreamsightError(e, 'SS_ERR_STORAGE'),
    );
  });
});
