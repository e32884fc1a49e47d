/**
 * Shared by the Kafka worker tests: the input of `fixtures/windowed-app.ts`, the results it must give
 * (computed independently of the engine), worker child processes, and a read_committed reader of the
 * output topic.
 *
 * Input. Record i has user i % 997 and event time T0 + floor(i / 10) ms, appended in order, so every
 * partition's event time never goes back and no record is late. After the last record each partition
 * gets one record an hour later in event time: it moves every source watermark past every window of
 * the real input, so those windows all close, while its own window never does. The test therefore
 * knows exactly which results an uninterrupted run produces: one count per (key, 1-second window).
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Event } from './fixtures/windowed-app.ts';

export const T0 = Date.UTC(2024, 0, 1);
export const FINAL_TS = T0 + 3_600_000;
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli', 'main.ts');
export const fixture = join(import.meta.dirname, 'fixtures', 'windowed-app.ts');
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Structural: the Log methods the harness needs, so tests may pass any implementation. */
interface LogLike {
  append(
    topic: string,
    records: {
      key?: Uint8Array | null;
      value: Uint8Array | null;
      timestamp?: number;
      partition?: number;
    }[],
  ): Promise<unknown>;
  describeTopic(name: string): Promise<{ partitions: { partition: number; endOffset: number }[] }>;
  fetch(
    topic: string,
    partition: number,
    offset: number,
    options?: { maxRecords?: number },
  ): Promise<{ records: { value: Uint8Array | null }[]; nextOffset: number }>;
}

/** A fresh app name per run, so reruns never share topics, groups or transactional ids. */
export function uniqueAppName(what: string): string {
  return `ss-${what}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6).toString(36)}`;
}

export function event(i: number): Event {
  return { user: i % 997, amount: i % 7, ts: T0 + Math.floor(i / 10) };
}

/** Expected output: `<key>@<window start>` → count. */
export function expectedCounts(records: number): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 0; i < records; i++) {
    const e = event(i);
    const id = `k${e.user % 500}@${e.ts - (e.ts % 1000)}`;
    out.set(id, (out.get(id) ?? 0) + 1);
  }
  return out;
}

/**
 * Appends records [from, to) in batches, at about `rate` records/s (as fast as possible without).
 * `onProgress` is told how many records are in after every batch.
 */
export async function produce(
  log: LogLike,
  topic: string,
  from: number,
  to: number,
  options: { rate?: number; batch?: number; onProgress?: (done: number) => void | Promise<void> } = {},
): Promise<void> {
  const size = options.batch ?? 2000;
  const started = performance.now();
  for (let i = from; i < to; i += size) {
    const batch = [];
    for (let j = i; j < Math.min(to, i + size); j++) {
      const e = event(j);
      batch.push({
        key: encoder.encode(String(e.user)),
        value: encoder.encode(JSON.stringify(e)),
        timestamp: e.ts,
      });
    }
    await log.append(topic, batch);
    await options.onProgress?.(Math.min(to, i + size));
    if (options.rate !== undefined) {
      const due = started + ((Math.min(to, i + size) - from) / options.rate) * 1000;
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
    }
  }
}

/** One record an hour later in event time into every partition: every real window closes. */
export async function closeAllWindows(log: LogLike, topic: string, partitions: number): Promise<void> {
  const records = [];
  for (let p = 0; p < partitions; p++) {
    const e: Event = { user: 100_000 + p, amount: 0, ts: FINAL_TS };
    records.push({
      key: encoder.encode(String(e.user)),
      value: encoder.encode(JSON.stringify(e)),
      timestamp: e.ts,
      partition: p,
    });
  }
  await log.append(topic, records);
}

export interface Output {
  /** `<key>@<window start>` → every count emitted for it (exactly one when all is well). */
  results: Map<string, number[]>;
  total: number;
}

/** Reads the whole output topic (read_committed: the Kafka log never returns uncommitted records). */
export async function readOutput(log: LogLike, topic: string): Promise<Output> {
  const results = new Map<string, number[]>();
  let total = 0;
  const { partitions } = await log.describeTopic(topic);
  for (const { partition, endOffset } of partitions) {
    let offset = 0;
    while (offset < endOffset) {
      const r = await log.fetch(topic, partition, offset, { maxRecords: 10_000 });
      for (const record of r.records) {
        const w = JSON.parse(decoder.decode(record.value!)) as { key: string; start: number; value: number };
        const id = `${w.key}@${w.start}`;
        const list = results.get(id);
        if (list) list.push(w.value);
        else results.set(id, [w.value]);
        total++;
      }
      if (r.nextOffset <= offset) break;
      offset = r.nextOffset;
    }
  }
  return { results, total };
}

/** Differences between an output and the expected counts, as readable lines (empty: equal). */
export function compare(output: Output, expected: Map<string, number>): string[] {
  const problems: string[] = [];
  for (const [id, counts] of output.results) {
    const want = expected.get(id);
    if (want === undefined) problems.push(`unexpected result ${id} = ${counts.join(',')}`);
    else if (counts.length > 1) problems.push(`duplicate results for ${id}: ${counts.join(',')}`);
    else if (counts[0] !== want) problems.push(`${id} = ${counts[0]}, expected ${want}`);
  }
  for (const id of expected.keys()) if (!output.results.has(id)) problems.push(`missing result ${id}`);
  return problems;
}

/** A `streamsight worker` child process with its stderr kept. */
export interface WorkerProcess {
  child: ChildProcess;
  name: string;
  stderr: () => string;
  exited: Promise<number | null>;
}

export function spawnWorker(
  name: string,
  app: string,
  brokers: string,
  options: { sessionTimeoutMs?: number; env?: NodeJS.ProcessEnv; appModule?: string } = {},
): WorkerProcess {
  const child = spawn(
    process.execPath,
    [
      cli,
      'worker',
      '--app',
      options.appModule ?? fixture,
      '--log',
      `kafka://${brokers}`,
      '--session-timeout',
      String(options.sessionTimeoutMs ?? 6000),
    ],
    {
      cwd: root,
      env: { ...process.env, ...options.env, SS_TEST_APP: app },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let text = '';
  const spawned = performance.now();
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => {
    text += chunk;
    if (process.env.SS_TEST_VERBOSE) {
      const at = ((performance.now() - spawned) / 1000).toFixed(1);
      process.stderr.write(chunk.replace(/^(?=.)/gm, `[${name} +${at}s] `));
    }
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, name, stderr: () => text, exited };
}

/** Stops a worker gracefully (SIGTERM), SIGKILL after `graceMs`. */
export async function stopWorker(worker: WorkerProcess, graceMs = 20_000): Promise<void> {
  if (worker.child.exitCode !== null || worker.child.signalCode !== null) return;
  worker.child.kill('SIGTERM');
  const timer = setTimeout(() => worker.child.kill('SIGKILL'), graceMs);
  await worker.exited;
  clearTimeout(timer);
}

/** Polls `check` until it returns true; fails after `timeoutMs` with `what` (a function: read then). */
export async function waitFor(
  what: string | (() => string),
  timeoutMs: number,
  check: () => Promise<boolean> | boolean,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${typeof what === 'string' ? what : what()}`,
      );
    await sleep(250);
  }
}

/**
 * Waits until the output holds `count` distinct results, at most `timeoutMs`, and gives up early when
 * nothing new arrived for `stallMs`: the caller then compares, so a failure names what is missing
 * instead of only timing out.
 */
export async function waitForResults(
  log: LogLike,
  topic: string,
  count: number,
  timeoutMs: number,
  stallMs = 60_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let seen = -1;
  let lastChange = Date.now();
  for (;;) {
    const { results } = await readOutput(log, topic);
    if (results.size >= count) return;
    if (results.size !== seen) {
      seen = results.size;
      lastChange = Date.now();
    }
    if (Date.now() > deadline || Date.now() - lastChange > stallMs) {
      process.stderr.write(
        `${topic}: ${results.size} of ${count} results, no progress for ${Date.now() - lastChange} ms\n`,
      );
      return;
    }
    await sleep(500);
  }
}
