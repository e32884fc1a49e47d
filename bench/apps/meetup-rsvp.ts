/**
 * The whole meetup-rsvp pipeline (latest-wins, responses per country and minute with early updates,
 * running totals, trending/per-country/rising topics over 5-minute windows sliding every 10 s, topic
 * spikes, event surges) on the synthetic generator, embedded: events/s through the app.
 *
 * The RSVPs are generated and appended to a fresh embedded log first (timed separately), then the app
 * runs bounded over them — on worker threads (default one per core) or on this thread (--workers 0).
 * Prints one JSON line. Run it on a quiet machine; the target is ≥ 100k events/s.
 *
 *     node bench/apps/meetup-rsvp.ts [--events 1000000] [--rate 20000] [--workers 2]
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
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
    rate: { type: 'string', default: '20000' },
    workers: { type: 'string', default: '2' },
  },
});
const events = Number(values.events);
const workers = Number(values.workers);
const dir = await mkdtemp(join(tmpdir(), 'streamsight-bench-meetup-'));
const logPath = join(dir, 'log');
const log = await openEmbeddedLog({ path: logPath });
try {
  await createAppTopics(app, log);
  // Event time advances at `rate` RSVPs per second of event time: windows fire as the run goes.
  const gen = new RsvpGenerator({ seed: 1, rate: Number(values.rate), startTime: Date.UTC(2024, 0, 1) });
  const t0 = performance.now();
  let bytes = 0;
  for (let n = 0; n < events; ) {
    const batch = [];
    for (let k = 0; k < 4096 && n < events; k++, n++) {
      const { rsvp, json } = gen.next();
      bytes += json.length;
      batch.push(rsvpProducerRecord(rsvp, json));
    }
    await log.append('rsvps', batch);
  }
  const loadSeconds = (performance.now() - t0) / 1000;

  const t1 = performance.now();
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
  const seconds = (performance.now() - t1) / 1000;
  const metrics = running.metrics();
  const dead = metrics.reduce((n, m) => n + m.deadLetters, 0);
  process.stdout.write(
    `${JSON.stringify({
      bench: 'meetup-rsvp',
      events,
      avgBytes: Math.round(bytes / events),
      workers,
      loadSeconds: Number(loadSeconds.toFixed(2)),
      seconds: Number(seconds.toFixed(2)),
      eventsPerSecond: Math.round(events / seconds),
      deadLetters: dead,
      views: Object.fromEntries([...app.views].map(([k, v]) => [k, v.rows().size])),
    })}\n`,
  );
} finally {
  await log.close();
  await rm(dir, { recursive: true, force: true });
}
