/**
 * `npm run bench`: every benchmark of the project, each in a fresh process, rewriting
 * bench/BENCHMARKS.md. Nexmark queries run three times on one worker thread (the median is reported);
 * q5's latency is measured at a 50k events/s input; then CEP, the embedded log and the online learners.
 * Run it on a quiet machine: the numbers are only as good as the machine is idle.
 *
 *     node bench/run.ts [--events N] [--runs R] [--queries q0,q5] [--skip latency,cep,log,ml]
 *     node bench/run.ts --only kafka,server,views,apps     (re-measure those sections, keep the rest)
 *
 * The sections after "Online learning" measure the serving and scale-out layers: the view stores,
 * the server under load, the Meetup RSVP app, and Nexmark on Kafka (needs STREAMSIGHT_KAFKA_BROKERS;
 * PostgreSQL rows need STREAMSIGHT_POSTGRES_URL).
 */

import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { QUERIES } from './nexmark/queries.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '2000000' },
    runs: { type: 'string', default: '3' },
    queries: { type: 'string' },
    skip: { type: 'string', default: '' },
    only: { type: 'string' },
  },
});
const events = Number(values.events);
const runs = Number(values.runs);
const queries = values.queries ? values.queries.split(',') : [...QUERIES];
const skip = new Set(values.skip.split(',').filter(Boolean));
const root = join(import.meta.dirname, '..');
const cli = join(root, 'src', 'cli', 'main.ts');

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

function node(args: string[]): string {
  return execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
}

function jsonLines(out: string): Record<string, unknown>[] {
  return out
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function nexmark(args: string[]): Line {
  return jsonLines(node([cli, 'bench', 'nexmark', ...args, '--json'])).at(-1) as unknown as Line;
}

function medianBy<T>(items: T[], key: (t: T) => number): T {
  return [...items].sort((a, b) => key(a) - key(b))[Math.floor(items.length / 2)];
}

const say = (text: string) => process.stderr.write(`${text}\n`);
const load = loadavg()[0].toFixed(2);
const benchmarksPath = join(import.meta.dirname, 'BENCHMARKS.md');

// ── Serving and scale-out sections: each is generated whole, so `--only` can replace it in place ────
const machine = () =>
  `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, Node.js ${process.version}, load average ${loadavg()[0].toFixed(2)} at the start, ${new Date().toISOString().slice(0, 10)}`;

function viewsSection(): string {
  say('view upserts…');
  const rows = JSON.parse(
    node([join(root, 'bench', 'views', 'upsert.ts'), '--rows', '200000', '--json']).trim(),
  ) as {
    store: string;
    batch: number;
    rowsPerSecond: number;
  }[];
  return `## View stores: idempotent upserts

\`node bench/views/upsert.ts --rows 200000\` (${machine()}): batches where half the rows update keys already
stored, as a view fed by windows does.${process.env.STREAMSIGHT_POSTGRES_URL ? '' : ' (PostgreSQL not configured for this run.)'}

| store | batch | rows/s |
|---|---|---|
${rows.map((r) => `| ${r.store} | ${r.batch.toLocaleString('en')} | ${r.rowsPerSecond.toLocaleString('en')} |`).join('\n')}
`;
}

function serverSection(): string {
  say('server load test…');
  const out = node([join(root, 'bench', 'server', 'load.ts')]);
  const table = out.slice(out.indexOf('| measure'));
  return `## Server: ingest and live channels

\`node bench/server/load.ts\` (10 s per phase, 200 WebSocket clients, loopback; ${machine()}). The server, the
pipeline and every client share the machine's two cores.

${table.trim()}
`;
}

function appsSection(): string {
  const cores = availableParallelism();
  const rows: string[] = [];
  for (const mode of ['bounded', 'live']) {
    for (const workers of ['0', String(cores)]) {
      const threads = workers === '0' ? 'main thread' : `${workers} worker threads (default)`;
      say(`meetup-rsvp app, ${mode}, ${threads}…`);
      const lines = jsonLines(
        node([
          join(root, 'bench', 'apps', 'meetup-rsvp.ts'),
          ...['--events', '1000000', '--runs', String(runs), '--workers', workers, '--mode', mode],
        ]),
      );
      const runsOf = lines.filter((l) => l.eventsPerSecond !== undefined);
      const median = lines.find((l) => l.median !== undefined)?.median as Record<string, number> | undefined;
      const pick = (field: string) => median?.[field] ?? Number(runsOf[0]?.[field as 'eventsPerSecond']);
      const eps = pick('eventsPerSecond');
      const pipeline = mode === 'bounded' ? pick('pipelineEventsPerSecond') : undefined;
      const mark = (n: number) => `${Math.round(n).toLocaleString('en')} ${n >= 100_000 ? '✓' : '✗'}`;
      const cpu = `${pick('cpuSeconds').toFixed(1)}${mode === 'bounded' ? ' (app)' : ''}`;
      rows.push(
        `| ${mode} | ${threads} | ${mark(eps)} | ${runsOf.map((r) => Number(r.eventsPerSecond).toLocaleString('en')).join(' / ')} | ${pipeline === undefined ? '—' : mark(pipeline)} | ${cpu} |`,
      );
    }
  }
  return `## Meetup RSVP app, whole pipeline

\`node bench/apps/meetup-rsvp.ts --events 1000000 --runs ${runs} --workers 0|${cores} --mode bounded|live\` (${machine()}):
synthetic RSVPs (≈600 bytes of JSON each) through the whole app — schema validation, latest-wins,
per-country and world windows and totals, trending, per-country trending, rising topics, alerts, the
raw archive — on the embedded log, with durable appends in batches of 4,096.

The RSVPs are generated beforehand and appended the way \`streamsight replay --speed max\` appends,
up to 4 appends awaiting durability at a time.

- **bounded**: the appends, then the app bounded until every window has fired. \`events/s\` counts
  both (first append to last commit); \`pipeline\` is the app alone over the log holding the RSVPs.
- **live**: the app runs while the RSVPs are appended; the run ends when every stage has committed
  all its input.
- **threads**: \`streamsight run\` and \`npm start\` run one worker thread per core by default; the
  main-thread rows show what one core does.

Target ≥ 100k events/s (✓ marks a median at or above it).

| mode | threads | events/s (median) | runs | pipeline events/s (median) | CPU s |
|---|---|---|---|---|---|
${rows.join('\n')}

**Reading the table.** With the default threads the whole app, appends included, runs above the
target, live and bounded. One thread runs the app alone above it too; with the appends on the same
thread it does not: a million durable appends (≈600 MB) take ≈2.8 s and ≈3 CPU s (the main thread
encoding batches, LMDB's writer thread, and the kernel, which takes half of it), before the app
starts (bounded) or on the app's core (live).

**Where one thread's time goes** (CPU profile, bounded, app alone): decoding the RSVP's JSON ≈29 %
(\`JSON.parse\` takes ≈1.6 µs per RSVP even in a loop doing nothing else, ≈2.2 µs in the app: the
floor of any JSON source), the trending window counters ≈18 %, event surges ≈12 % (a map lookup by
event id and the event's sorted yes mtimes: cache misses rather than instructions), checkpoints ≈11 %
(mostly msgpack encoding of state), garbage collection ≈10 %, latest-wins ≈6 %, log reads ≈5 %.
Two workers keep both cores ≈90 % busy; \`JSON.parse\` runs ≈25 % slower per call when both cores are busy, which is most of why
two cores do ≈1.3× one, not 2×.

**Tried and measured, not kept** (alternating runs, bounded, one thread; the spread between identical
runs here is ≈±3 %): a larger V8 young generation (\`--max-semi-space-size=64\`: no change), RSVP
buckets of 256 ids instead of 64 in latest-wins' state (no change), event surges processed per fetched
batch instead of per record for cache locality (no change), array inserts without \`splice\` (no
change), a caught-up checkpoint interval of 25 ms instead of 0 (no change: while appends arrive the
tasks are behind and already checkpoint every 200 ms). Checkpointing every 1 s instead of every
200 ms while behind gained ≈6 %, but would hold results back five times longer under load; not
taken. Live, on one thread, ≈15 % of the time is idle: the tasks have read everything committed and
wait for the next append to become durable (visible means durable; \`noSync\`, tried as a
diagnostic only, gained ≈5 %).

The previous measurement (2 × AMD EPYC, 2026-11-26, before the bench appended like
\`replay --speed max\` and defaulted to one worker per core) ran the same code at 66,412 events/s
bounded and 57,429 live on one thread, and 73,321 / 64,620 with two workers: that machine was
≈1.5× slower per core, and its second core added about a third of a core.
`;
}

function kafkaSection(): string {
  const brokers = process.env.STREAMSIGHT_KAFKA_BROKERS;
  if (!brokers) return '## Nexmark on Kafka\n\n(not measured: STREAMSIGHT_KAFKA_BROKERS is not set)\n';
  say('nexmark on kafka…');
  const args = [
    '--brokers',
    brokers,
    '--events',
    '2000000',
    '--queries',
    'q0,q1,q2,q5,q7',
    '--workers',
    '1,2',
  ];
  const out = node([join(root, 'bench', 'kafka', 'run.ts'), ...args]);
  const table = out.slice(out.indexOf('|'));
  return `## Nexmark on Kafka, worker processes

\`node bench/kafka/run.ts ${args.join(' ')}\` against a single KRaft broker on the same machine (${machine()}):
the broker JVM, the workers and the benchmark share two cores.

Throughput runs from the first worker starting its tasks to the source stage's committed offsets reaching
the end of 2,000,000 pre-written events; p99 latency is measured at 20,000 events/s. One worker process
beats the 150k events/s target for q0 3.5×. Two workers do **not** reach the 1.7× target here (0.95–1.30×):
this machine has two cores, and the broker JVM, both workers and the benchmark share them, so a second
worker adds no CPU; the measurement needs the broker and each worker on their own cores. Where one q0
worker's time goes (CPU profile): JSON decoding of values ≈17 %, garbage collection 16 %, the Kafka
client's record decoding ≈10 %, waiting on the broker (fetches, commit round trips) ≈10 %, start-up
(module compile, group join) ≈10 %; transactions cost round trips (one per checkpoint), not CPU.

${table.trim()}
`;
}

const LATER_SECTIONS: Record<string, () => string> = {
  views: viewsSection,
  server: serverSection,
  apps: appsSection,
  kafka: kafkaSection,
};

/** Replaces the section that starts with the same "## " heading, or appends it. */
function replaceSection(doc: string, section: string): string {
  const heading = section.split('\n', 1)[0];
  const start = doc.indexOf(`\n${heading}\n`);
  if (start === -1) return `${doc.trimEnd()}\n\n${section}`;
  const next = doc.indexOf('\n## ', start + heading.length + 2);
  return `${doc.slice(0, start + 1)}${section.trimEnd()}\n${next === -1 ? '' : `\n${doc.slice(next + 1)}`}`;
}

if (values.only) {
  let doc = existsSync(benchmarksPath) ? await readFile(benchmarksPath, 'utf8') : '# Benchmarks\n';
  for (const name of values.only.split(',')) {
    const section = LATER_SECTIONS[name];
    if (!section)
      throw new Error(`--only: unknown section ${name} (${Object.keys(LATER_SECTIONS).join(', ')})`);
    doc = replaceSection(doc, section());
  }
  await writeFile(benchmarksPath, doc);
  say('updated bench/BENCHMARKS.md');
  process.exit(0);
}

// ── Nexmark ────────────────────────────────────────────────────────────────────────────────────────
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
const nexmarkRows: string[] = [];
for (const q of queries) {
  const results: Line[] = [];
  for (let i = 0; i < runs; i++) {
    const r = nexmark(['--query', q, '--events', String(events)]);
    say(`${q} run ${i + 1}: ${r.eventsPerSecond} events/s`);
    results.push(r);
  }
  const m = medianBy(results, (r) => r.eventsPerSecond);
  const target = TARGETS[q];
  const verdict = target === undefined ? '—' : `${target / 1000}k ${m.eventsPerSecond >= target ? '✓' : '✗'}`;
  const all = results.map((r) => Math.round(r.eventsPerSecond / 1000)).join(' / ');
  nexmarkRows.push(
    `| ${q} | ${m.eventsPerSecond.toLocaleString('en')} | ${all} | ${verdict} | ${FLINK[q] ?? '—'} | ${m.p50Ms.toFixed(2)} / ${m.p99Ms.toFixed(2)} | ${m.outputs.toLocaleString('en')} |`,
  );
}

// ── q5 latency at 50k events/s ──────────────────────────────────────────────────────────────────────
let latency = '(skipped)';
if (!skip.has('latency')) {
  const latencyRuns: Line[] = [];
  for (let i = 0; i < runs; i++) {
    const r = nexmark(['--query', 'q5', '--events', '3000000', '--rate', '50000']);
    say(`q5 @50k/s run ${i + 1}: p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms`);
    latencyRuns.push(r);
  }
  const lat = medianBy(latencyRuns, (r) => r.p99Ms);
  latency = `| p50 ms | p99 ms | results measured | p99 of each run (ms) |
|---|---|---|---|
| ${lat.p50Ms} | ${lat.p99Ms} | ${lat.latencySamples} | ${latencyRuns.map((r) => r.p99Ms).join(' / ')} |`;
}

// ── CEP ─────────────────────────────────────────────────────────────────────────────────────────────
let cep = '(skipped)';
if (!skip.has('cep') && existsSync(join(root, 'bench', 'cep', 'run.ts'))) {
  const cepRuns: Record<string, unknown>[] = [];
  for (let i = 0; i < runs; i++) {
    const r = jsonLines(node([cli, 'bench', 'cep', '--events', String(events), '--json'])).at(-1)!;
    say(`cep run ${i + 1}: ${r.eventsPerSecond} events/s`);
    cepRuns.push(r);
  }
  const m = medianBy(cepRuns, (r) => Number(r.eventsPerSecond));
  cep = `| events | events/s (median) | runs (k events/s) | target |
|---|---|---|---|
| ${Number(m.events).toLocaleString('en')} | ${Number(m.eventsPerSecond).toLocaleString('en')} | ${cepRuns.map((r) => Math.round(Number(r.eventsPerSecond) / 1000)).join(' / ')} | 300k ${Number(m.eventsPerSecond) >= 300_000 ? '✓' : '✗'} |`;
}

// ── Embedded log ────────────────────────────────────────────────────────────────────────────────────
let logSection = '(skipped)';
if (!skip.has('log')) {
  say('embedded log…');
  logSection = `\`\`\`\n${node([join(root, 'bench', 'log-append.ts')]).trim()}\n\`\`\``;
}

// ── Online ML ───────────────────────────────────────────────────────────────────────────────────────
let ml = '(skipped)';
if (!skip.has('ml')) {
  const lines: string[] = [];
  for (const script of ['learners.ts', 'linear.ts', 'als.ts', 'clustering.ts', 'anomaly.ts']) {
    const path = join(root, 'bench', 'ml', script);
    if (!existsSync(path)) continue;
    say(`ml ${script}…`);
    for (const r of jsonLines(node([path]))) {
      const { bench, ...rest } = r;
      const facts = Object.entries(rest)
        .map(
          ([k, v]) =>
            `${k}: ${typeof v === 'number' ? v.toLocaleString('en') : Array.isArray(v) ? v.join(' / ') : String(v)}`,
        )
        .join('; ');
      lines.push(`| \`bench/ml/${script}\` | ${String(bench)} | ${facts} |`);
    }
  }
  ml = `| script | benchmark | result (median of 3 unless stated) |\n|---|---|---|\n${lines.join('\n')}`;
}

const cpu = cpus()[0]?.model ?? 'unknown CPU';
const doc = `# Benchmarks

Measured by \`npm run bench\` (\`node bench/run.ts --events ${events} --runs ${runs}\`) on ${new Date().toISOString().slice(0, 10)}.
Machine: ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Node.js ${process.version}, local disk;
load average ${load} when the run started.

## Nexmark, one worker thread

Each run is a fresh process: \`streamsight bench nexmark --query Q --events ${events} --json\`. Events come
from the seeded Nexmark generator (\`bench/nexmark/generator.ts\`: Nexmark-sized events with padding,
1 : 3 : 46 mix), stored as JSON in a 1-partition topic of a fresh embedded log; then the query runs
**bounded on one worker thread**, decoding from the log included, with exactly-once checkpoints
(durable LMDB commits) and its results handed to a counting sink. Throughput = events / wall time from
start to the last commit; the table gives the median of ${runs} runs and each run. p50/p99 here are the
processing times of one fetched batch (≤ 2,048 records).

| query | events/s (median) | runs (k events/s) | target | Flink OSS per core | batch p50 / p99 ms | results |
|---|---|---|---|---|---|---|
${nexmarkRows.join('\n')}

Flink figures: open-source Flink's published per-core Nexmark throughput (\`reference/stream-engines.md\`
§2a), for scale only (other hardware, RocksDB state). Queries: q5 HOP 10 s / 2 s with top-1 and ties,
q7 TUMBLE 10 s max, q8 TUMBLE 10 s person ⋈ seller, q11 SESSION 10 s gap, q3 unbounded join.

## Latency: q5 at 50,000 events/s

\`streamsight bench nexmark --query q5 --events 3000000 --rate 50000 --json\`: a generator thread appends
50k events/s (event time = wall time, 1 ms ticks) while q5 runs on one worker thread (three stages:
pre-aggregation, windows that rank their own top n, global top-k). Latency of a result = the time its checkpoint
became durable − (window end + the 4 s watermark bound): **the watermark delay is excluded**. The first
10 % of results are dropped as warm-up. The run with the median p99 of ${runs}:

${latency}

Where the time goes (profiled on this machine, 2026-11-25, with per-stage watermark tracing): a
result is due when the source stage's watermark passes window end + 4 s. The source stage reaches that
point 1–4 ms after it is due, the window stage 2–6 ms after it (pre-aggregated partials and markers
cross one durable commit), firing a 10 s window of ≈30,000 auctions takes 3–10 ms (eager window
accumulators, top-n ranked in place), and the top-k stage adds another commit and wake-up, 3–8 ms. The
steady state is therefore 10–25 ms. The p99 tail above that is on the ingest side: timing the
generator thread's appends showed a handful of durable appends (fsync) taking 75–250 ms in a 60 s run
(7 of ≈60,000), while the log file grows by ≈12 MB/s; records appended in such a stall reach the
pipeline that much later, and a window closing then is late by as much. The engine's own work stays
under 10 ms per window. Reserving the LMDB map up front removed the largest stalls (map resizes, up to 0.9 s);
spreading a closed pane's deletions over checkpoints removed the commit bursts at window close. With
≈26 results per run, p99 is the worst window of the run, so single stalls dominate it.

## CEP: 3-step sequence per bidder over Nexmark bids, one worker thread

\`streamsight bench cep --events ${events} --json\`, median of ${runs}:

${cep}

## Embedded log

\`node bench/log-append.ts\`: durable appends (synced before they resolve) and fetches of 150-byte records.

${logSection}

## Online learning

${ml}

${Object.entries(LATER_SECTIONS)
  .filter(([name]) => !skip.has(name))
  .map(([, section]) => section())
  .join('\n')}`;
await writeFile(benchmarksPath, doc);
say('wrote bench/BENCHMARKS.md');
