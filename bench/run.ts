/**
 * `npm run bench`: each Nexmark query three times in a fresh process (one worker thread each), the
 * median of the three, plus q5's latency at a 50k events/s input rate; rewrites bench/BENCHMARKS.md.
 * Usage: node bench/run.ts [--events N] [--runs R] [--queries q0,q5]
 */

import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QUERIES } from './nexmark/queries.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '3' },
    queries: { type: 'string' },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const queries = values.queries ? values.queries.split(',') : [...QUERIES];
const cli = join(import.meta.dirname, '..', 'src', 'cli', 'main.ts');

interface Line {
  query: string;
  events: number;
  seconds: number;
  eventsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  outputs: number;
  latencySamples?: number;
}

function once(args: string[]): Line {
  const out = execFileSync(process.execPath, [cli, 'bench', 'nexmark', ...args, '--json'], {
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  return JSON.parse(out.trim().split('\n').at(-1)!) as Line;
}

function median(lines: Line[]): Line {
  return [...lines].sort((a, b) => a.eventsPerSecond - b.eventsPerSecond)[Math.floor(lines.length / 2)];
}

const TARGETS: Record<string, number> = {
  q0: 500_000,
  q1: 400_000,
  q2: 400_000,
  q5: 200_000,
  q7: 200_000,
  q11: 150_000,
};
const FLINK: Record<string, string> = {
  q0: '155k',
  q1: '~150–175k',
  q2: '~150–175k',
  q3: '~150k',
  q5: '22k',
  q7: '12k',
  q8: '—',
  q11: '40k',
};

const rows: string[] = [];
for (const q of queries) {
  const results: Line[] = [];
  for (let i = 0; i < runs; i++) {
    const r = once(['--query', q, '--events', String(events)]);
    process.stderr.write(`${q} run ${i + 1}: ${r.eventsPerSecond} events/s\n`);
    results.push(r);
  }
  const m = median(results);
  const target = TARGETS[q];
  const verdict =
    target === undefined
      ? '—'
      : m.eventsPerSecond >= target
        ? `≥ ${target / 1000}k ✓`
        : `${target / 1000}k ✗`;
  const all = results.map((r) => Math.round(r.eventsPerSecond / 1000)).join(' / ');
  rows.push(
    `| ${q} | ${m.eventsPerSecond.toLocaleString('en')} | ${all} | ${verdict} | ${FLINK[q] ?? '—'} | ${m.p50Ms.toFixed(2)} / ${m.p99Ms.toFixed(2)} | ${m.outputs.toLocaleString('en')} |`,
  );
}

const latencyRuns: Line[] = [];
for (let i = 0; i < runs; i++) {
  const r = once(['--query', 'q5', '--events', '3000000', '--rate', '50000']);
  process.stderr.write(`q5 @50k/s run ${i + 1}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms\n`);
  latencyRuns.push(r);
}
const byP99 = [...latencyRuns].sort((a, b) => a.p99Ms - b.p99Ms);
const lat = byP99[Math.floor(byP99.length / 2)];

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Benchmarks

Measured by \`npm run bench\` (\`node bench/run.ts --events ${events} --runs ${runs}\`) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}, local disk.

Each run is a fresh process: \`streamsight bench nexmark --query Q --events ${events} --json\`. Events are
generated with the seeded Nexmark generator (\`bench/nexmark/generator.ts\`, Nexmark-sized events with
padding, 1:3:46 mix), stored msgpack-encoded in a 1-partition topic of a fresh embedded log, then the
query runs **bounded on one worker thread**, decoding from the log included, with exactly-once
checkpoints (durable LMDB commits every 10 ms) and outputs to a counting sink. Throughput is events
in / wall time from start to the last commit; the table gives the median of ${runs} runs and each run.
p50/p99 in this table are the processing times of one fetched batch (≤ 2,048 records).

| query | events/s (median) | runs (k events/s) | target | Flink OSS per core | batch p50 / p99 ms | results |
|---|---|---|---|---|---|---|
${rows.join('\n')}

Flink figures: open-source Flink's published per-core Nexmark throughput (see
\`reference/stream-engines.md\` §2a); they are for comparison of scale only (different hardware, RocksDB state).

## Latency: q5 at 50,000 events/s

\`streamsight bench nexmark --query q5 --events 3000000 --rate 50000 --json\`: a generator thread appends
50k events/s (event time = wall time) while q5 runs on one worker thread. Latency of a result = the time
its checkpoint became durable − (window end + the 4 s watermark bound): the watermark delay is excluded.
The first 10 % of results are dropped as warm-up. Median run by p99 of ${runs}:

| p50 ms | p99 ms | results measured | runs p99 (ms) |
|---|---|---|---|
| ${lat.p50Ms} | ${lat.p99Ms} | ${lat.latencySamples} | ${latencyRuns.map((r) => r.p99Ms).join(' / ')} |
`;
await writeFile(join(import.meta.dirname, 'BENCHMARKS.md'), doc);
process.stderr.write('wrote bench/BENCHMARKS.md\n');
