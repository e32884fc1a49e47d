/**
 * `streamsight run [app...]`: the embedded runtime — log, worker threads, simulators — with a live
 * status line, and the server (dashboard, API, live channels) over the apps' views, materialized in
 * DuckDB at `<data-dir>/views.duckdb`. It prints the dashboard URL and a generated admin key, and
 * writes both to `<data-dir>/server.json` (mode 0600) for local tools. Ctrl-C stops the server and
 * the simulators, lets every task take a final checkpoint, flushes the views and exits; the next
 * start resumes from there.
 */

import { join } from 'node:path';
import { Command, Option } from 'commander';
import pino from 'pino';
import type { App } from '../../dataflow/app.ts';
import { type RunningApp, runApp } from '../../dataflow/runtime.ts';
import type { TaskMetrics } from '../../dataflow/task.ts';
import { loadAppModule, runAppOnWorkers } from '../../dataflow/workers.ts';
import { isStreamsightError } from '../../errors/index.ts';
import type { Simulator } from '../../io/simulator.ts';
import { openAuthStore } from '../../server/auth-store.ts';
import { type StartedServer, startServer } from '../../server/server.ts';
import { batchJobsOf, scheduleBatchJobs } from '../../views/batch-jobs.ts';
import { type Materializer, materializeViews } from '../../views/materialize.ts';
import { appViewReader, type ViewReader, type ViewStore } from '../../views/view-store.ts';
import { appModule, DEFAULT_APPS } from '../apps.ts';
import { openConfiguredViewStore, parseCount } from '../config.ts';
import { configOf, logPath, openLog } from './shared.ts';

interface AppModule {
  default: App;
  simulators?: Simulator[];
  /** Status lines, read from the app's views in the store. */
  report?: (read: ViewReader) => Promise<string[]>;
  /** Batch jobs over the view store (see views/batch-jobs.ts). */
  reportJobs?: unknown;
}

export function runCommand(): Command {
  return new Command('run')
    .description(
      'run apps with their simulators, views and the dashboard server (default: the three demo apps)',
    )
    .argument('[apps...]', 'app names or app module paths')
    .addOption(
      new Option('--workers <n>', 'worker threads (0 = main thread; default: one per core)').env(
        'STREAMSIGHT_WORKERS',
      ),
    )
    .option('--no-simulators', 'do not start the apps’ simulators')
    .option('--rate <n>', 'records per second of each simulator')
    .option('--duration <seconds>', 'stop after this many seconds (default: until Ctrl-C)')
    .option('--quiet', 'no status lines')
    .option('--no-server', 'do not start the server (dashboard, API, live channels)')
    .addOption(
      new Option('--port <port>', 'server port (0: any free port; default 4800)').env('STREAMSIGHT_PORT'),
    )
    .action(
      async (
        names: string[],
        opts: {
          simulators: boolean;
          rate?: string;
          duration?: string;
          quiet?: boolean;
          server: boolean;
          port?: string;
        },
        command: Command,
      ) => {
        const config = configOf(command);
        const port = opts.port === undefined ? undefined : parseCount(opts.port, '--port', 0, 65535);
        const rate = opts.rate === undefined ? undefined : parseCount(opts.rate, '--rate', 1, 10_000_000);
        const duration =
          opts.duration === undefined ? undefined : parseCount(opts.duration, '--duration', 1, 31_536_000);
        const modules = (names.length > 0 ? names : DEFAULT_APPS).map(appModule);
        const log = await openLog(config);
        const stop = new AbortController();
        let interrupted = 0;
        const onSignal = () => {
          interrupted++;
          if (interrupted > 1) process.exit(130);
          process.stderr.write('\nstopping: final checkpoint… (Ctrl-C again to force)\n');
          stop.abort();
        };
        process.on('SIGINT', onSignal);
        process.on('SIGTERM', onSignal);
        const started: Array<{ mod: AppModule; running: RunningApp }> = [];
        const simulations: Promise<void>[] = [];
        const materializers = new Map<string, Materializer>();
        // Views go to the store with or without the server: `query` reads them there, and so do the
        // status lines. Nothing keeps view rows in memory.
        const viewStore = await openConfiguredViewStore(config);
        const authStore = opts.server ? openAuthStore({ path: join(config.dataDir, 'auth') }) : undefined;
        let server: StartedServer | undefined;
        const stopJobs: Array<() => void> = [];
        try {
          for (const url of modules) {
            const mod = (await loadAppModule(url)).module as unknown as AppModule;
            // Before the app runs, so no view change is missed.
            materializers.set(
              mod.default.name,
              await materializeViews(mod.default, viewStore, {
                log,
                onError: (err) => void process.stderr.write(`views of ${mod.default.name}: ${err.message}\n`),
              }),
            );
            // Worker threads open the embedded log's files themselves; on Kafka the tasks run here
            // (scale Kafka out with `streamsight worker` processes instead).
            const running =
              config.workers === 0 || config.log.kind === 'kafka'
                ? await runApp(mod.default, { log })
                : await runAppOnWorkers({
                    appModule: url,
                    log,
                    logPath: logPath(config),
                    workers: config.workers,
                  });
            started.push({ mod, running });
            stopJobs.push(
              scheduleBatchJobs(batchJobsOf(mod), viewStore, (job, err) =>
                process.stderr.write(`batch job ${mod.default.name}/${job.name}: ${err.message}\n`),
              ),
            );
            const threads = config.log.kind === 'kafka' ? 0 : config.workers;
            process.stdout.write(
              `▶ ${mod.default.name}: ${mod.default.pipelines.length} ${mod.default.pipelines.length === 1 ? 'pipeline' : 'pipelines'} on ${threads || 'the main'} ${threads <= 1 ? 'thread' : 'threads'}, data in ${config.log.kind === 'kafka' ? config.log.url : config.dataDir}\n`,
            );
            if (opts.simulators) {
              for (const s of mod.simulators ?? []) {
                simulations.push(
                  s
                    .run(log, { signal: stop.signal, rate })
                    .catch((err) => void process.stderr.write(`simulator ${s.name}: ${err.message}\n`)),
                );
              }
            }
          }
          if (authStore) {
            server = await listen({
              log,
              apps: started.map((s) => s.running),
              viewStore,
              materializers,
              authStore,
              dev: true,
              port,
              infoFile: join(config.dataDir, 'server.json'),
              logger: pino({ level: process.env.STREAMSIGHT_LOG_LEVEL ?? 'warn' }, pino.destination(2)),
            });
            process.stdout.write(`dashboard: ${server.url}  admin key: ${server.adminKey}\n`);
          }
          let reporting = false;
          const timer = opts.quiet
            ? undefined
            : setInterval(() => {
                if (reporting) return; // the previous status lines are still being read
                reporting = true;
                status(started, viewStore).finally(() => {
                  reporting = false;
                });
              }, 2000);
          const timeout =
            duration === undefined ? undefined : setTimeout(() => stop.abort(), duration * 1000);
          await Promise.race([
            new Promise<void>((resolve) =>
              stop.signal.addEventListener('abort', () => resolve(), { once: true }),
            ),
            ...started.map((s) => s.running.done),
          ]);
          clearInterval(timer);
          clearTimeout(timeout);
        } finally {
          stop.abort();
          for (const stopJob of stopJobs) stopJob();
          await server?.close();
          await Promise.all(simulations);
          await Promise.allSettled(started.map((s) => s.running.stop()));
          // After the final checkpoints: their view rows are flushed to the store.
          await Promise.allSettled([...materializers.values()].map((m) => m.close()));
          await viewStore.close();
          await authStore?.close();
          await log.close();
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
        for (const s of started) await s.running.done; // surfaces a task failure
        process.stdout.write('stopped cleanly; the next start resumes from the last checkpoint\n');
      },
    );
}

/**
 * Starts the server; when the port was not chosen explicitly and 4800 is taken, takes any free port
 * rather than failing the whole run.
 */
async function listen(options: Parameters<typeof startServer>[0]): Promise<StartedServer> {
  try {
    return await startServer({ ...options, port: options.port ?? 4800 });
  } catch (err) {
    if (options.port !== undefined || !isStreamsightError(err, 'SS_ERR_INVALID_OPTION')) throw err;
    process.stderr.write(`port 4800 is taken; using a free port\n`);
    return startServer({ ...options, port: 0 });
  }
}

let previous = new Map<string, number>();
let previousAt = Date.now();

async function status(apps: Array<{ mod: AppModule; running: RunningApp }>, store: ViewStore): Promise<void> {
  const now = Date.now();
  const seconds = (now - previousAt) / 1000;
  const next = new Map<string, number>();
  for (const { mod, running } of apps) {
    const metrics = running.metrics();
    const byPipeline = new Map<string, TaskMetrics[]>();
    for (const m of metrics) byPipeline.set(m.pipeline, [...(byPipeline.get(m.pipeline) ?? []), m]);
    const parts: string[] = [];
    for (const [pipeline, tasks] of byPipeline) {
      const id = `${mod.default.name}/${pipeline}`;
      const records = tasks.reduce((n, t) => n + t.recordsIn, 0);
      next.set(id, records);
      const rate = Math.max(0, (records - (previous.get(id) ?? records)) / seconds);
      const wms = tasks.map((t) => t.watermark).filter((w) => Number.isFinite(w));
      const delay = wms.length > 0 ? `${((now - Math.min(...wms)) / 1000).toFixed(1)}s` : '—';
      const dead = tasks.reduce((n, t) => n + t.deadLetters, 0);
      const lag = tasks.reduce((n, t) => n + t.lag, 0);
      parts.push(
        `${pipeline} ${Math.round(rate)}/s lag ${lag} wm-delay ${delay}${dead ? ` dead ${dead}` : ''}`,
      );
    }
    let lines: string[] = [];
    try {
      lines = (await mod.report?.(appViewReader(store, mod.default.name))) ?? [];
    } catch (err) {
      lines = [`(status lines failed: ${(err as Error).message})`];
    }
    process.stdout.write(
      `[${new Date().toISOString().slice(11, 19)}] ${mod.default.name}: ${parts.join(' | ')}\n${lines.map((l) => `    ${l}\n`).join('')}`,
    );
  }
  previous = next;
  previousAt = now;
}
