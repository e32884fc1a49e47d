/**
 * The whole meetup-rsvp pipeline (latest-wins, responses per country and minute with early updates,
 * running totals, trending/per-country/rising topics over 5-minute windows sliding every 10 s, topic
 * spikes, event surges, every view) on the synthetic generator, embedded: events/s through the app.
 *
 * One run: a fresh embedded log in `--dir` (default: the OS temp dir; the bench prints its file
 * system and warns on tmpfs, which is memory, not disk), the RSVPs generated and appended in batches
 * of 4,096 (durable appends; the generator's own time is not counted), then the app runs bounded over
 * them until every task has committed its last checkpoint — every view row written, every window
 * fired. `eventsPerSecond` = events / (time inside the appends + time from starting the app to its
 * last commit): first append to last result committed, less the generator. `pipelineEventsPerSecond`
 * leaves the appends out; `cpuSeconds` is the process's CPU time during the pipeline (all threads),
 * steadier than wall time on a shared machine.
 *
 * Event time advances at `--rate` RSVPs per second (default 200, about 20× the real stream's peak):
 * a 5-minute window then holds 60,000 RSVPs and ≈2,700 (country, topic) pairs at or above the minimum,
 * of which the view keeps each country's top 10 (≈210 rows).
 *
 *     node bench/apps/meetup-rsvp.ts [--events 1000000] [--rate 200] [--workers 0] [--runs 3] [--dir D]
 *
 * `--workers 0` runs every task on this thread; N > 0 spreads them over N worker threads (view rows
 * then cross to this thread). Prints the machine, one JSON line per run and, with several runs, the
 * medians. The target is ≥ 100k events/s.
 */

import { statfsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import app from '../../apps/meetup-rsvp/app.ts';
import { RsvpGenerator } from '../../apps/meetup-rsvp/generator.ts';
import { rsvpProducerRecord } from '../../apps/meetup-rsvp/schema.ts';
import { runAppOnWorkers } from '../../src/dataflow/workers.ts';
import { createAppTopics, openEmbeddedLog, runApp } from '../../src/index.ts';

const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '1000000' },
    rate: { type: 'string', default: '200' },
    workers: { type: 'string', default: '0' },
    runs: { type: 'string', default: '1' },
    dir: { type: 'string', default: tmpdir() },
  },
});
const events = Number(values.events);
const rate = Number(values.rate);
const workers = Number(values.workers);
const runs = Number(values.runs);

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

interface RunResult {
  eventsPerSecond: number;
  pipelineEventsPerSecond: number;
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
    let appendMs = 0;
    let bytes = 0;
    for (let n = 0; n < events; ) {
      const batch = [];
      for (let k = 0; k < 4096 && n < events; k++, n++) {
        const { rsvp, json } = gen.next();
        bytes += json.length;
        batch.push(rsvpProducerRecord(rsvp, json));
      }
      const t = performance.now();
      await log.append('rsvps', batch);
      appendMs += performance.now() - t;
    }

    const t1 = performance.now();
    const cpu1 = process.cpuUsage();
    const running =
      workers === 0
        ? await runApp(app, { log, bounded: true })
        : await runAppOnWorkers({
            appModule: new URL('../../apps/meetup-rsvp/app.ts', import.meta.url).href,
            log,
            logPath,
            workers,
            bounded: true,
          });
    await running.done;
    const pipelineMs = performance.now() - t1;
    const used = process.cpuUsage(cpu1);
    const metrics = running.metrics();
    const result = {
      eventsPerSecond: Math.round(events / ((appendMs + pipelineMs) / 1000)),
      pipelineEventsPerSecond: Math.round(events / (pipelineMs / 1000)),
      cpuSeconds: Number(((used.user + used.system) / 1e6).toFixed(2)),
    };
    process.stdout.write(
      `${JSON.stringify({
        bench: 'meetup-rsvp',
        events,
        rate,
        avgBytes: Math.round(bytes / events),
        workers,
        appendSeconds: Number((appendMs / 1000).toFixed(2)),
        pipelineSeconds: Number((pipelineMs / 1000).toFixed(2)),
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
      runs,
      median: {
        eventsPerSecond: median((r) => r.eventsPerSecond),
        pipelineEventsPerSecond: median((r) => r.pipelineEventsPerSecond),
        cpuSeconds: median((r) => r.cpuSeconds),
      },
      loadAverage: loadavg().map((l) => Number(l.toFixed(2))),
    })}\n`,
  );
}
