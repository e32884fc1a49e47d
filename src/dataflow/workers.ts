/**
 * Worker threads. Each worker thread opens the same embedded log, imports the app module and runs
 * whole tasks — a record never hops between threads (a hop costs ≈2 µs, more than processing it).
 * Tasks are dealt round-robin, so with more tasks than threads each thread runs several, interleaved
 * on its event loop. View changes and metrics are posted to the coordinating thread, which applies
 * the changes to its own instance of the app's views, so callers see one set of views.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { StreamsightError } from '../errors/index.ts';
import type { Log } from '../log/log.ts';
import type { App } from './app.ts';
import { compilePipeline } from './compile.ts';
import type { RunningApp } from './runtime.ts';
import { createAppTopics } from './runtime.ts';
import type { SinkRecord } from './sink.ts';
import type { TaskMetrics } from './task.ts';

export interface WorkerRunOptions {
  /** The app's module (a file path or URL) whose export `exportName` (default 'default') is the App. */
  appModule: string;
  exportName?: string;
  /** The coordinating thread's log (used to create topics) and the path every worker opens. */
  log: Log;
  logPath: string;
  /** Number of worker threads (default: one per core). */
  workers?: number;
  bounded?: boolean;
  checkpointIntervalMs?: number;
}

/** Messages from a worker thread. */
export type WorkerMessage =
  | { type: 'metrics'; metrics: TaskMetrics[] }
  | { type: 'view'; view: string; records: SinkRecord<unknown>[] }
  | { type: 'done' }
  | { type: 'error'; message: string; code?: string };

/** The worker-thread payload. */
export interface WorkerData {
  appModule: string;
  exportName: string;
  logPath: string;
  tasks: string[];
  bounded: boolean;
  checkpointIntervalMs: number | undefined;
}

export function taskId(pipeline: string, stage: string, partition: number): string {
  return `${pipeline}/${stage}/${partition}`;
}

/** Loads an app module: the module (for its other exports, such as simulators) and its App. */
export async function loadAppModule(
  appModule: string,
  exportName = 'default',
): Promise<{ app: App; module: Record<string, unknown> }> {
  let module: Record<string, unknown>;
  try {
    module = await import(appModule);
  } catch (err) {
    throw new StreamsightError(
      'SS_ERR_APP_NOT_FOUND',
      `cannot load app module ${appModule}: ${(err as Error).message}`,
      { cause: err },
    );
  }
  const app = module[exportName] as App | undefined;
  if (!app || typeof app !== 'object' || !Array.isArray(app.pipelines)) {
    throw new StreamsightError(
      'SS_ERR_APP_NOT_FOUND',
      `${appModule} has no app export "${exportName}" (use defineApp)`,
    );
  }
  return { app, module };
}

/** Loads an App from a module. */
export async function loadApp(appModule: string, exportName = 'default'): Promise<App> {
  return (await loadAppModule(appModule, exportName)).app;
}

/**
 * Runs an app's tasks on worker threads.
 *
 * @example
 * const running = await runAppOnWorkers({ appModule: new URL('./app.ts', import.meta.url).href, log, logPath, workers: 2 });
 * await running.stop();
 */
export async function runAppOnWorkers(options: WorkerRunOptions): Promise<RunningApp> {
  const exportName = options.exportName ?? 'default';
  const app = await loadApp(options.appModule, exportName);
  const count = options.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1 || count > 256) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `workers must be an integer in 1..256, got ${count}`);
  }
  const compiled = app.pipelines.map((p) => compilePipeline(app, p));
  await createAppTopics(app, options.log, compiled);
  const all = compiled.flatMap((c) =>
    c.stages.flatMap((s) => Array.from({ length: s.partitions }, (_, p) => taskId(c.name, s.id, p))),
  );
  const assignment: string[][] = Array.from({ length: Math.min(count, all.length) }, () => []);
  for (let i = 0; i < all.length; i++) assignment[i % assignment.length].push(all[i]);

  const latest = new Map<number, TaskMetrics[]>();
  let failure: Error | undefined;
  const workers = assignment.map((tasks, index) => {
    const data: WorkerData = {
      appModule: options.appModule,
      exportName,
      logPath: options.logPath,
      tasks,
      bounded: options.bounded ?? false,
      checkpointIntervalMs: options.checkpointIntervalMs,
    };
    const worker = new Worker(new URL('./worker-main.ts', import.meta.url), { workerData: data });
    const exited = new Promise<void>((resolve) => {
      worker.on('message', (m: WorkerMessage) => {
        if (m.type === 'metrics') latest.set(index, m.metrics);
        else if (m.type === 'view') app.views.get(m.view)?.write(m.records);
        else if (m.type === 'error')
          failure ??= new StreamsightError('SS_ERR_WORKER', `worker ${index}: ${m.message}`);
      });
      worker.on('error', (err) => {
        failure ??= new StreamsightError('SS_ERR_WORKER', `worker ${index} crashed: ${err.message}`, {
          cause: err,
        });
      });
      worker.on('exit', () => resolve());
    });
    return { worker, exited };
  });
  const done = Promise.all(workers.map((w) => w.exited)).then(() => {
    if (failure) throw failure;
  });
  done.catch(() => {});
  let stopping: Promise<void> | undefined;
  return {
    app,
    done,
    stop() {
      stopping ??= (async () => {
        for (const w of workers) w.worker.postMessage({ type: 'stop' });
        await done;
      })();
      return stopping;
    },
    metrics: () => [...latest.values()].flat(),
  };
}
