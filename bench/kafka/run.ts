/**
 * Nexmark on Kafka with `streamsight worker` processes: events/s and p99 end-to-end latency with one
 * and with two workers. Prints a markdown table (for bench/BENCHMARKS.md) and one JSON line per run.
 *
 *     node bench/kafka/run.ts --brokers 127.0.0.1:9092 [--events 1000000] [--queries q0,q1,q2,q5,q7]
 *                             [--workers 1,2] [--partitions 4] [--rate 20000] [--rate-seconds 20]
 *
 * Throughput: `events` Nexmark events are written into a fresh `<app>.events` topic first (not timed);
 * then the workers start, and the clock runs from the first worker starting its tasks (process start-up
 * and the group join excluded; with two workers the rebalance as the second joins is included) to the
 * moment the committed offsets of the query's source stage reach the end. Latency: the workers run while this process appends events at `rate` events/s with event
 * time = wall time for `rate-seconds`; each worker's sink records, per result, the time its checkpoint
 * became durable minus the time it was due (event time; for windowed queries window end + the 4 s
 * watermark bound), and p99 is taken over all results after the first 10 %.
 */

import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { jsonCodec } from '../../src/index.ts';
import { type KafkaLog, openKafkaLog } from '../../src/log/kafka/index.ts';
import { NexmarkGenerator } from '../nexmark/generator.ts';
import { eventTime } from '../nexmark/queries.ts';
import { percentile } from '../nexmark/run-query.ts';

const { values } = parseArgs({
  options: {
    brokers: { type: 'string', default: process.env.STREAMSIGHT_KAFKA_BROKERS ?? '127.0.0.1:9092' },
    events: { type: 'string', default: '1000000' },
    queries: { type: 'string', default: 'q0,q1,q2,q5,q7' },
    workers: { type: 'string', default: '1,2' },
    partitions: { type: 'string', default: '4' },
    rate: { type: 'string', default: '20000' },
    'rate-seconds': { type: 'string', default: '20' },
    'skip-latency': { type: 'boolean', default: false },
  },
});
const brokers = values.brokers;
const events = Number(values.events);
const partitions = Number(values.partitions);
const rate = Number(values.rate);
const rateSeconds = Number(values['rate-seconds']);
const root = join(import.meta.dirname, '..', '..');
const cli = join(root, 'src', 'cli', 'main.ts');
const appModule = join(import.meta.dirname, 'nexmark-app.ts');
const say = (text: string) => process.stderr.write(`${text}\n`);

interface Run {
  query: string;
  workers: number;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p99Ms: number | null;
  latencySamples: number;
}

/** Set to `performance.now()` when the first worker of a run starts its tasks. */
let firstRunning = 0;

function spawnWorkers(app: string, query: string, count: number, stats: string | undefined): ChildProcess[] {
  firstRunning = 0;
  const env = {
    ...process.env,
    SS_BENCH_APP: app,
    SS_BENCH_QUERY: query,
    SS_BENCH_PARTITIONS: String(partitions),
    ...(stats ? { SS_BENCH_STATS: stats } : {}),
  };
  return Array.from({ length: count }, () => {
    const child = spawn(
      process.execPath,
      [cli, 'worker', '--app', appModule, '--log', `kafka://${brokers}`],
      {
        cwd: root,
        env,
        stdio: ['ignore', 'ignore', 'pipe'],
      },
    );
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (text: string) => {
      if (firstRunning === 0 && text.includes('worker: running partitions')) firstRunning = performance.now();
      if (process.env.SS_BENCH_VERBOSE) process.stderr.write(text);
    });
    return child;
  });
}

async function stopAll(children: ChildProcess[]): Promise<void> {
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((resolve) => {
          if (c.exitCode !== null || c.signalCode !== null) return resolve();
          c.once('exit', () => resolve());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 30_000).unref();
        }),
    ),
  );
}

async function append(log: KafkaLog, topic: string, generator: NexmarkGenerator, from: number, n: number) {
  const batch = [];
  for (let i = from; i < from + n; i++) {
    const e = generator.event(i);
    batch.push({ value: jsonCodec.encode(e), timestamp: eventTime(e), partition: i % partitions });
  }
  await log.append(topic, batch);
}

async function committed(log: KafkaLog, group: string, topic: string): Promise<number> {
  let sum = 0;
  for (const offset of (await log.committedOffsets(group, topic)).values()) sum += offset;
  return sum;
}

async function throughput(log: KafkaLog, query: string, workers: number): Promise<Run> {
  const app = `bench-${query}-${workers}w-${Date.now().toString(36)}`;
  const topic = `${app}.events`;
  await log.createTopic(topic, { partitions });
  const generator = new NexmarkGenerator({ seed: 1, baseTime: Date.now() });
  for (let from = 0; from < events; from += 8192)
    await append(log, topic, generator, from, Math.min(8192, events - from));
  const { partitions: info } = await log.describeTopic(topic);
  const end = info.reduce((n, p) => n + p.endOffset, 0);
  const children = spawnWorkers(app, query, workers, undefined);
  try {
    const group = `${app}.${query}`;
    const deadline = Date.now() + 600_000;
    for (;;) {
      const done = await committed(log, group, topic);
      if (done >= end) break;
      if (Date.now() > deadline) throw new Error(`${query}: not done after 10 minutes (${done}/${end})`);
      await sleep(50);
    }
    // From the first worker starting its tasks (after its group join) to the last input committed.
    const seconds = (performance.now() - firstRunning) / 1000;
    return {
      query,
      workers,
      events: end,
      seconds,
      eventsPerSecond: Math.round(end / seconds),
      p99Ms: null,
      latencySamples: 0,
    };
  } finally {
    await stopAll(children);
  }
}

async function latency(
  log: KafkaLog,
  query: string,
  workers: number,
): Promise<Pick<Run, 'p99Ms' | 'latencySamples'>> {
  const app = `bench-${query}-${workers}w-lat-${Date.now().toString(36)}`;
  const topic = `${app}.events`;
  await log.createTopic(topic, { partitions });
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-kafka-bench-'));
  const children = spawnWorkers(app, query, workers, join(dir, 'stats'));
  try {
    // Wait for the workers to have joined (their group exists and has settled) before the clock starts.
    await sleep(8000);
    const start = Date.now();
    const generator = new NexmarkGenerator({ seed: 1, baseTime: start, firstEventRate: rate });
    const total = rate * rateSeconds;
    let next = 0;
    while (next < total) {
      const due = Math.min(total, Math.floor(((Date.now() - start) * rate) / 1000) + 1);
      if (due > next) {
        await append(log, topic, generator, next, due - next);
        next = due;
      }
      await sleep(2);
    }
    // Windowed queries: the last windows close 4 s (the bound) after their end; give them time.
    await sleep(8000);
  } finally {
    await stopAll(children);
  }
  const samples: number[] = [];
  for (const file of await readdir(dir)) {
    const { latencies } = JSON.parse(await readFile(join(dir, file), 'utf8')) as { latencies: number[] };
    // One result per record for q0: far too many to spread into push() as arguments.
    for (let i = Math.floor(latencies.length / 10); i < latencies.length; i++) samples.push(latencies[i]);
  }
  await rm(dir, { recursive: true, force: true });
  samples.sort((a, b) => a - b);
  return { p99Ms: samples.length > 0 ? percentile(samples, 99) : null, latencySamples: samples.length };
}

const log = await openKafkaLog({ brokers, clientId: 'bench' });
const runs: Run[] = [];
try {
  for (const query of values.queries.split(',')) {
    for (const workers of values.workers.split(',').map(Number)) {
      say(`kafka bench: ${query} with ${workers} worker(s), ${events} events …`);
      const run = await throughput(log, query, workers);
      if (!values['skip-latency']) Object.assign(run, await latency(log, query, workers));
      runs.push(run);
      process.stdout.write(`${JSON.stringify(run)}\n`);
    }
  }
} finally {
  await log.close();
}

const lines = [
  `Nexmark on Kafka (\`${brokers}\`, ${partitions} partitions, ${events.toLocaleString('en')} events; latency at ${rate.toLocaleString('en')} events/s for ${rateSeconds} s):`,
  '',
  '| query | workers | events/s | per worker | ×1 worker | p99 latency |',
  '|---|---:|---:|---:|---:|---:|',
];
for (const r of runs) {
  const one = runs.find((o) => o.query === r.query && o.workers === 1);
  const scale = one ? (r.eventsPerSecond / one.eventsPerSecond).toFixed(2) : '–';
  const p99 = r.p99Ms === null ? '–' : `${Math.round(r.p99Ms).toLocaleString('en')} ms`;
  lines.push(
    `| ${r.query} | ${r.workers} | ${r.eventsPerSecond.toLocaleString('en')} | ${Math.round(r.eventsPerSecond / r.workers).toLocaleString('en')} | ${scale} | ${p99} |`,
  );
}
process.stdout.write(`\n${lines.join('\n')}\n`);
