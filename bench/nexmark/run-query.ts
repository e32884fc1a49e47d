/**
 * One Nexmark measurement, on one worker thread (the calling thread), decoding from the log included.
 *
 * Throughput mode (no rate): `events` generated events are appended to a fresh embedded log first
 * (not timed); then the query runs bounded over them and the clock measures the run from start to the
 * last commit. p50/p99 are the processing times of one fetched batch (up to 2,048 records).
 *
 * Rate mode (`rate`): a generator thread appends events at `rate` events/s with event time = wall time
 * while the query runs. Latency of each result = the time its checkpoint became durable minus the
 * time the result was due: the event time for stateless queries, and window end + the 4 s watermark
 * bound for windowed ones (the watermark delay is excluded, as stated in BENCHMARKS.md).
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createAppTopics, jsonCodec, runApp, type Sink, type SinkRecord } from '../../src/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import { NexmarkGenerator } from './generator.ts';
import { eventTime, nexmarkApp, type QueryName } from './queries.ts';

export interface QueryResult {
  query: QueryName;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  outputs: number;
  mode: 'throughput' | 'rate';
  rate?: number;
  latencySamples?: number;
}

const WINDOWED = new Set<QueryName>(['q5', 'q7', 'q8', 'q11']);
const BOUND_MS = 4000;

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export async function runQuery(query: QueryName, events: number, rate?: number): Promise<QueryResult> {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-nexmark-'));
  const path = join(dir, 'log');
  const log = await openEmbeddedLog({ path });
  try {
    let outputs = 0;
    const pending: SinkRecord<unknown>[] = [];
    const latencies: number[] = [];
    const sink: Sink<unknown> = {
      write(records) {
        outputs += records.length;
        if (rate) pending.push(...records);
      },
      committed() {
        const now = Date.now();
        for (const r of pending)
          latencies.push(now - (WINDOWED.has(query) ? r.timestamp + 1 + BOUND_MS : r.timestamp));
        pending.length = 0;
      },
    };
    const app = nexmarkApp(query, { partitions: 1, sink });
    await createAppTopics(app, log);
    if (!rate) {
      const generator = new NexmarkGenerator({ seed: 1 });
      for (let from = 0; from < events; from += 8192) {
        const batch = [];
        for (const e of generator.events(from, Math.min(8192, events - from))) {
          batch.push({ value: jsonCodec.encode(e), timestamp: eventTime(e), partition: 0 });
        }
        await log.append('events', batch);
      }
      const started = performance.now();
      const running = await runApp(app, { log, bounded: true });
      await running.done;
      const seconds = (performance.now() - started) / 1000;
      const batches = running
        .metrics()
        .flatMap((m) => m.batchMs)
        .sort((a, b) => a - b);
      return {
        query,
        events,
        seconds,
        eventsPerSecond: Math.round(events / seconds),
        p50Ms: percentile(batches, 50),
        p99Ms: percentile(batches, 99),
        outputs,
        mode: 'throughput',
      };
    }
    const running = await runApp(app, { log });
    const started = performance.now();
    const generator = new Worker(new URL('./rate-generator.ts', import.meta.url), {
      workerData: { path, events, rate },
    });
    await new Promise<void>((resolve, reject) => {
      generator.on('error', reject);
      generator.on('exit', () => resolve());
    });
    // Let the last windows close: the generator's final events carry the watermark past them.
    await new Promise((r) => setTimeout(r, 500));
    await running.stop();
    const seconds = (performance.now() - started) / 1000;
    // Skip the first 10 % of results (JIT warm-up, first windows).
    const steady = latencies.slice(Math.floor(latencies.length / 10)).sort((a, b) => a - b);
    return {
      query,
      events,
      seconds,
      eventsPerSecond: Math.round(running.metrics().reduce((n, m) => n + m.recordsIn, 0) / seconds),
      p50Ms: percentile(steady, 50),
      p99Ms: percentile(steady, 99),
      outputs,
      mode: 'rate',
      rate,
      latencySamples: steady.length,
    };
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}
