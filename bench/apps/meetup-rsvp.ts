/**
 * The whole meetup-rsvp pipeline (latest-wins, responses per country and minute with early updates,
 * running totals, trending/per-country/rising topics over 5-minute windows sliding every 10 s, topic
 * spikes, event surges, every view) on the synthetic generator, embedded: events/s through the app.
 *
 * One run: a fresh embedded log in `--dir` (default: the OS temp dir; the bench prints its file
 * system and warns on tmpfs, which is memory, not disk). The RSVPs are generated before the clock
 * starts (held packed, a buffer per batch of 4,096, so they cost the heap nothing), then appended as
 * `streamsight replay --speed max` appends: durable appends, up to 4 awaiting durability at a time.
 * Two modes:
 *
 * - `--mode bounded` (default): all appends first, then the app runs bounded until every task has
 *   committed its last checkpoint — every view row written, every window fired. `eventsPerSecond` =
 *   events / (time inside the appends + time from starting the app to its last commit);
 *   `pipelineEventsPerSecond` leaves the appends out.
 * - `--mode live`: the app runs while the RSVPs are appended, as it does in production, and the run
 *   ends when every stage has committed everything its inputs hold (read in pipeline order, so
 *   nothing is in flight between stages); `eventsPerSecond` = events / (starting the app to that
 *   moment). Windows the watermark has not reached (the last ≈10 s of event time) are not fired: a
 *   live stream does not end.
 *
 * `cpuSeconds` is the process's CPU time (all threads): bounded, of the app after the appends; live,
 * of the whole timed part. `appendCpuSeconds` is the CPU time while the appends ran (live, the app's
 * included).
 *
 * Event time advances at `--rate` RSVPs per second (default 200, about 20× the real stream's peak):
 * a 5-minute window then holds 60,000 RSVPs and ≈2,700 (country, topic) pairs at or above the minimum,
 * of which the view keeps each country's top 10 (≈210 rows).
 *
 *     node bench/apps/meetup-rsvp.ts [--mode bounded|live] [--events 1000000] [--rate 200] [--workers N] [--runs 3] [--dir D]
 *
 * `--workers` defaults to one per core, as `streamsight run` does; `--workers 0` runs every task on
 * this thread; N > 0 spreads them over N worker threads (view rows then cross to this thread). Prints the machine, one JSON line per run and, with several runs, the
 * medians. The target is ≥ 100k events/s.
 */

import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import app from '../../apps/meetup-rsvp/app.ts';
import { RsvpGenerator } from '../../apps/meetup-rsvp/generator.ts';
import { rsvpProducerRecord } from '../../apps/meetup-rsvp/schema.ts';
import { compilePipeline } from '../../src/dataflow/compile.ts';
import { runAppOnWorkers } from '../../src/dataflow/workers.ts';
import { createAppTopics, type Log, openEmbeddedLog, runApp } from '../../src/index.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: String(availableParallelism()) },
    runs: { type: 'string', default: '1' },
    mode: { type: 'string', default: 'bounded' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const events = Number(values.events);
const rate = Number(values.rate);
const workers = Number(values.workers);
const runs = Number(values.runs);
const mode = values.mode;
if (mode !== 'bounded' && mode !== 'live') throw new Error('--mode is bounded or live');
/** Appends awaiting durability at a time, as `streamsight replay --speed max` keeps them. */
const MAX_IN_FLIGHT = 4;

/** statfs magic numbers of the usual file systems. */
const FS: Record<number, string> = {
  16914836: 'tmpfs (memory!)',
  61267: 'ext4',
  1481003842: 'xfs',
  2435016766: 'btrfs',
  2035054128: 'overlayfs',
  801189825: 'zfs',
};
const fsType = statfsSync(values.dir).type;
const cpu = cpus();
process.stdout.write(
  `machine: ${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, ` +
    `Node.js ${process.version}, data dir ${values.dir} on ${FS[fsType] ?? `fs 0x${fsType.toString(16)}`}, ` +
    `load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(' ')}\n`,
);
if (fsType === 0x01021994)
  process.stderr.write('warning: the data dir is on tmpfs: commits never reach a disk\n');

/** Every pipeline's inputs in stage order (the source first), with the group that reads them. */
const inputs = app.pipelines.flatMap((def) => {
  const pipeline = compilePipeline(app, def);
  const group = `${app.name}.${pipeline.name}`;
  return pipeline.stages.flatMap((stage) => stage.inputs.map((input) => ({ group, input })));
});

/**
 * True when every stage has committed all its inputs hold. Each pipeline's inputs are read in stage
 * order (the source first): a stage commits its outputs with its input positions, so whatever it had
 * read is in the end offsets read after it.
 */
async function caughtUp(log: Log, events: number): Promise<boolean> {
  for (const { group, input } of inputs) {
    const committed = await log.committedOffsets(group, input.topic);
    let total = 0;
    for (const p of (await log.describeTopic(input.topic)).partitions) {
      const at = committed.get(p.partition) ?? 0;
      if (at < p.endOffset) return false;
      total += at;
    }
    if (input.kind === 'source' && total < events) return false;
  }
  return true;
}

interface PackedBatch {
  keys: Buffer;
  values: Buffer;
  /** Per record: key end, value end (offsets into keys and values). */
  ends: Uint32Array;
  timestamps: Float64Array;
}

type ProducerRecord = ReturnType<typeof rsvpProducerRecord>;

function pack(batch: ProducerRecord[]): PackedBatch {
  const ends = new Uint32Array(batch.length * 2);
  let k = 0;
  let v = 0;
  batch.forEach((r, i) => {
    ends[2 * i] = k += r.key.length;
    ends[2 * i + 1] = v += r.value.length;
  });
  return {
    keys: Buffer.concat(batch.map((r) => r.key)),
    values: Buffer.concat(batch.map((r) => r.value)),
    ends,
    timestamps: Float64Array.from(batch, (r) => r.timestamp),
  };
}

/** The records of a packed batch, as views into its buffers (what an ingest path builds too). */
function unpack(b: PackedBatch): ProducerRecord[] {
  const out: ProducerRecord[] = [];
  for (let i = 0, k = 0, v = 0; i < b.timestamps.length; i++) {
    out.push({
      key: b.keys.subarray(k, b.ends[2 * i]),
      value: b.values.subarray(v, b.ends[2 * i + 1]),
      timestamp: b.timestamps[i],
    });
    k = b.ends[2 * i];
    v = b.ends[2 * i + 1];
  }
  return out;
}

interface RunResult {
  eventsPerSecond: number;
  pipelineEventsPerSecond: number | undefined;
  cpuSeconds: number;
}

async function once(): Promise<RunResult> {
  // Fresh views (turning retention off drops the rows of the previous run).
  for (const v of app.views.values()) {
    v.retainRows(false);
    v.retainRows(true);
  }
  const dir = await mkdtemp(join(values.dir, 'streamsight-bench-meetup-'));
  const logPath = join(dir, 'log');
  const log = await openEmbeddedLog({ path: logPath });
  try {
    await createAppTopics(app, log);
    // Event time starts at the current hour: the topics' retention (7 days, by record timestamp) would
    // delete records stamped in the past while the run reads them. Hour-aligned, so every run in an
    // hour has the same windows.
    const gen = new RsvpGenerator({
      seed: 1,
      rate,
      startTime: Math.floor(Date.now() / 3_600_000) * 3_600_000,
    });
    let bytes = 0;
    // Generated before the clock starts, packed (keys and values in one buffer per batch, so they cost
    // the heap nothing): the generator's time is not the app's, and live, a generator on this thread
    // would stall the appends while worker threads went on processing.
    const packed: PackedBatch[] = [];
    for (let n = 0; n < events; n += 4096) {
      const batch = [];
      for (let k = 0; k < Math.min(4096, events - n); k++) {
        const { rsvp, json } = gen.next();
        bytes += json.length;
        batch.push(rsvpProducerRecord(rsvp, json));
      }
      packed.push(pack(batch));
    }
    /** Like `streamsight replay --speed max`: up to `MAX_IN_FLIGHT` appends awaiting durability at a time. */
    let appendMs = 0;
    let appendCpu: NodeJS.CpuUsage = { user: 0, system: 0 };
    const append = async (): Promise<void> => {
      const t = performance.now();
      const cpu0 = process.cpuUsage();
      const pending: Promise<unknown>[] = [];
      for (const batch of packed) {
        pending.push(log.append('rsvps', unpack(batch)));
        if (pending.length >= MAX_IN_FLIGHT) await pending.shift();
      }
      await Promise.all(pending);
      appendMs = performance.now() - t;
      appendCpu = process.cpuUsage(cpu0);
    };
    const start = () =>
      workers === 0
        ? runApp(app, { log, bounded: mode === 'bounded' })
        : runAppOnWorkers({
            appModule: new URL('../../apps/meetup-rsvp/app.ts', import.meta.url).href,
            log,
            logPath,
            workers,
            bounded: mode === 'bounded',
          });
    let seconds: number;
    let pipelineSeconds: number | undefined;
    let cpu: NodeJS.CpuUsage;
    let running: Awaited<ReturnType<typeof start>>;
    if (mode === 'bounded') {
      await append();
      const cpu0 = process.cpuUsage();
      const t1 = performance.now();
      running = await start();
      await running.done;
      pipelineSeconds = (performance.now() - t1) / 1000;
      seconds = appendMs / 1000 + pipelineSeconds;
      cpu = process.cpuUsage(cpu0);
    } else {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      running = await start();
      await append();
      while (!(await caughtUp(log, events))) await new Promise((r) => setTimeout(r, 20));
      seconds = (performance.now() - t0) / 1000;
      cpu = process.cpuUsage(cpu0);
      await running.stop();
    }
    const result = {
      eventsPerSecond: Math.round(events / seconds),
      pipelineEventsPerSecond:
        pipelineSeconds === undefined ? undefined : Math.round(events / pipelineSeconds),
      cpuSeconds: Number(((cpu.user + cpu.system) / 1e6).toFixed(2)),
    };
    const metrics = running.metrics();
    process.stdout.write(
      `${JSON.stringify({
        bench: 'meetup-rsvp',
        mode,
        events,
        rate,
        avgBytes: Math.round(bytes / events),
        workers,
        appendSeconds: Number((appendMs / 1000).toFixed(2)),
        appendCpuSeconds: Number(((appendCpu.user + appendCpu.system) / 1e6).toFixed(2)),
        seconds: Number(seconds.toFixed(2)),
        ...result,
        checkpoints: metrics.reduce((n, m) => n + m.checkpoints, 0),
        deadLetters: metrics.reduce((n, m) => n + m.deadLetters, 0),
        views: Object.fromEntries([...app.views].map(([k, v]) => [k, v.rows().size])),
      })}\n`,
    );
    return result;
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

const results: RunResult[] = [];
for (let i = 0; i < runs; i++) {
  results.push(await once());
}
if (runs > 1) {
  const median = (f: (r: RunResult) => number) => {
    const xs = results.map(f).sort((a, b) => a - b);
    return xs[Math.floor(xs.length / 2)];
  };
  process.stdout.write(
    `${JSON.stringify({
      bench: 'meetup-rsvp',
      mode,
      runs,
      median: {
        eventsPerSecond: median((r) => r.eventsPerSecond),
        pipelineEventsPerSecond:
          mode === 'bounded' ? median((r) => r.pipelineEventsPerSecond ?? 0) : undefined,
        cpuSeconds: median((r) => r.cpuSeconds),
      },
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    })}\n`,
  );
}
