/**
 * `streamsight replay --app A --file F [--speed max|N] [--exit-when-done]`: replays a capture into an
 * app's input topic while the app runs, with its views kept in the embedded view store, so that
 * `streamsight query --app A "SQL"` reads the results afterwards.
 *
 * The app module says how its captures look with an export `replay` (`{ topic, format, key, time }`;
 * flags override it). Lines the replay cannot read (not JSON, a missing key or time) become dead
 * letters of the app (`<app>.dead-letters`, code SS_ERR_MALFORMED_LINE, the reason in `ss-message`, the raw
 * line as the value), like records that fail the topic's schema — nothing vanishes.
 *
 * With `--exit-when-done` the file is replayed first and the app then runs bounded: it processes
 * everything, the watermark goes to +∞ so every window fires, the views and topic archives are
 * written, the app's batch jobs (`reportJobs`) run once, and the command exits. That end is final for
 * the data directory (later records would be late). Without it, the app runs live while the file
 * plays, batch jobs run on their schedule, and Ctrl-C stops.
 */

import { join } from 'node:path';
import { Command, Option } from 'commander';
import type { App } from '../../dataflow/app.ts';
import { createAppTopics, runApp } from '../../dataflow/runtime.ts';
import { loadAppModule } from '../../dataflow/workers.ts';
import { StreamsightError } from '../../errors/index.ts';
import { FileReplay, type MalformedLine, type ReplayFormat, type ReplayResult } from '../../io/index.ts';
import type { Log } from '../../log/log.ts';
import { batchJobsOf, scheduleBatchJobs } from '../../views/batch-jobs.ts';
import { materializeViews } from '../../views/materialize.ts';
import type { ViewStore } from '../../views/view-store.ts';
import { appModule } from '../apps.ts';
import { configOf, openLog } from './shared.ts';

/** What an app module may export as `replay`: how to read its captures. */
export interface ReplaySpec {
  topic: string;
  format?: ReplayFormat;
  /** Field of the record key (dots for nested fields). */
  key?: string;
  /** Field of the event time. */
  time?: string;
}

export interface ReplayIntoAppOptions {
  log: Log;
  app: App;
  file: string;
  spec: ReplaySpec;
  /** `'max'` or a speed factor over the file's own timestamps (needs `spec.time`). */
  speed: number | 'max';
  signal?: AbortSignal;
  progressBar?: boolean;
  onMalformed?: (m: MalformedLine) => void;
}

/**
 * Replays `file` into the app's topic; malformed lines go to the app's dead letters with their reason.
 * The topics must exist (`createAppTopics`).
 *
 * @example
 * await createAppTopics(app, log);
 * await replayIntoApp({ log, app, file: 'rsvps.jsonl', spec: { topic: 'rsvps', key: 'group.group_id', time: 'mtime' }, speed: 'max' });
 */
export async function replayIntoApp(o: ReplayIntoAppOptions): Promise<ReplayResult> {
  if (!o.app.topics.has(o.spec.topic)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `app ${o.app.name} has no topic ${o.spec.topic}`);
  }
  const dead: Promise<unknown>[] = [];
  const replay = new FileReplay(o.log, {
    path: o.file,
    format: o.spec.format ?? 'jsonl',
    topics: o.spec.topic,
    key: o.spec.key,
    time: o.spec.time,
    mode:
      o.speed === 'max' || o.spec.time === undefined
        ? { type: 'max' }
        : { type: 'timestamp', speed: o.speed },
    signal: o.signal,
    progressBar: o.progressBar ?? false,
    onMalformed: (m) => {
      o.onMalformed?.(m);
      dead.push(
        o.log.append(o.app.deadLetterTopic.name, [
          {
            key: null,
            value: Buffer.from(m.line),
            headers: {
              'ss-code': 'SS_ERR_MALFORMED_LINE',
              'ss-message': `line ${m.lineNumber}: ${m.code}: ${m.message}`.slice(0, 1000),
              'ss-topic': o.spec.topic,
              'ss-pipeline': 'replay',
              'ss-file': o.file,
              'ss-line': String(m.lineNumber),
            },
          },
        ]),
      );
    },
  });
  try {
    return await replay.run();
  } finally {
    await Promise.all(dead);
  }
}

/**
 * Waits until the archivers (`materializeViews`) have committed every record of the app's archived
 * topics; SS_ERR_STORAGE after `timeoutMs`.
 *
 * @example
 * await archivesCaughtUp(log, app, 60_000);
 */
export async function archivesCaughtUp(log: Log, app: App, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const t of app.topics.values()) {
    if (!t.archive) continue;
    const d = await log.describeTopic(t.name);
    for (;;) {
      const committed = await log.committedOffsets(`${app.name}.archive`, t.name);
      if (d.partitions.every((p) => (committed.get(p.partition) ?? 0) >= p.endOffset)) break;
      if (Date.now() > deadline) {
        throw new StreamsightError(
          'SS_ERR_STORAGE',
          `archive of ${t.name} did not catch up in ${timeoutMs} ms`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

function parseSpeed(text: string): number | 'max' {
  if (text === 'max') return 'max';
  const n = Number(text);
  if (!Number.isFinite(n) || n <= 0) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `--speed: expected "max" or a positive number, got ${text}`,
    );
  }
  return n;
}

interface ReplayFlags {
  app: string;
  file: string;
  speed: string;
  exitWhenDone?: boolean;
  topic?: string;
  key?: string;
  time?: string;
  format?: ReplayFormat;
}

export function replayCommand(): Command {
  return new Command('replay')
    .description("replay a capture into an app's topic while the app runs, keeping its views for `query`")
    .requiredOption('--app <app>', 'app name or module path')
    .requiredOption('--file <file>', 'the capture to replay')
    .option(
      '--speed <speed>',
      '"max", or a factor over the file\'s timestamps (10 = ten times real time)',
      'max',
    )
    .option('--exit-when-done', 'process everything, write the views, run the batch jobs once and exit')
    .option('--topic <topic>', "target topic (default: the app's replay.topic)")
    .option('--key <field>', 'key field (default: the app’s replay.key)')
    .option('--time <field>', 'event-time field (default: the app’s replay.time)')
    .addOption(new Option('--format <format>', 'file format').choices(['csv', 'jsonl', 'text']))
    .action(async (flags: ReplayFlags, command: Command) => {
      const config = configOf(command);
      const speed = parseSpeed(flags.speed);
      const url = appModule(flags.app);
      const { module, app } = await loadAppModule(url);
      const declared = (module.replay ?? {}) as Partial<ReplaySpec>;
      const spec: ReplaySpec = {
        topic: flags.topic ?? declared.topic ?? '',
        format: flags.format ?? declared.format,
        key: flags.key ?? declared.key,
        time: flags.time ?? declared.time,
      };
      if (spec.topic === '') {
        throw new StreamsightError(
          'SS_ERR_INVALID_ARGUMENT',
          `app ${app.name} declares no replay topic: pass --topic`,
        );
      }
      const jobs = batchJobsOf(module);
      const log = await openLog(config);
      const { openDuckDbViewStore } = await import('../../views/duckdb-view-store.ts');
      let store: ViewStore | undefined;
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
      let stopJobs = () => {};
      try {
        await createAppTopics(app, log);
        store = await openDuckDbViewStore({ path: join(config.dataDir, 'views.duckdb') });
        const materializer = await materializeViews(app, store, { log });
        let malformed = 0;
        const started = Date.now();
        const replayed = (running?: Promise<unknown>) =>
          replayIntoApp({
            log,
            app,
            file: flags.file,
            spec,
            speed,
            signal: stop.signal,
            progressBar: process.stdout.isTTY,
            onMalformed: () => void malformed++,
          }).then((r) => {
            process.stdout.write(
              `replayed ${r.records} records of ${flags.file} in ${r.durationMs} ms; ${malformed} malformed → ${app.name}.dead-letters\n`,
            );
            return running;
          });
        if (flags.exitWhenDone) {
          await replayed();
          const running = await runApp(app, { log, bounded: true, signal: stop.signal });
          await running.done;
          await archivesCaughtUp(log, app, 60_000);
          await materializer.flush();
          for (const job of jobs) {
            const result = await job.run(store);
            process.stdout.write(`batch job ${job.name}: ${JSON.stringify(result)}\n`);
          }
          await materializer.close();
          const views = await store.listViews(app.name);
          process.stdout.write(
            `done in ${Date.now() - started} ms; views: ${views.map((v) => `${v.name} (${v.rows})`).join(', ')}\n`,
          );
        } else {
          const running = await runApp(app, { log, signal: stop.signal });
          stopJobs = scheduleBatchJobs(jobs, store, (job, err) =>
            process.stderr.write(`batch job ${job.name}: ${err.message}\n`),
          );
          await replayed().catch((err) => {
            if (!stop.signal.aborted) throw err;
          });
          process.stdout.write('replay finished; the app keeps running (Ctrl-C stops)\n');
          await new Promise<void>((resolve) => {
            if (stop.signal.aborted) resolve();
            stop.signal.addEventListener('abort', () => resolve(), { once: true });
          });
          await running.stop();
          await materializer.close();
        }
      } finally {
        stopJobs();
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
        await store?.close();
        await log.close();
      }
    });
}
