/**
 * Running an app: create its topics (user, dead-letter and internal repartition topics), compile its
 * pipelines, restore every task from its last checkpoint and run the tasks. In one thread the tasks
 * interleave on the event loop; `src/dataflow/workers.ts` spreads them over worker threads.
 */

import { StreamsightError } from '../errors/index.ts';
import type { Log } from '../log/log.ts';
import type { App } from './app.ts';
import { type CompiledPipeline, compilePipeline } from './compile.ts';
import { Task, type TaskMetrics } from './task.ts';

export interface RunOptions {
  log: Log;
  /**
   * Read sources up to the end they have when the run starts, then end the stream: the watermark
   * goes to +∞, every window and session fires, and the run finishes (default false). The end is
   * final — it is checkpointed, so records appended later count as late in any later run. For
   * "process what is there and stop, to continue later", run unbounded and `stop()` instead.
   */
  bounded?: boolean;
  /**
   * Minimum time between checkpoints while caught up with the inputs (default 0: after every fetched
   * batch, so results become visible as soon as they are computed; pipelined commits bound the rate).
   */
  checkpointIntervalMs?: number;
  /** Minimum time between checkpoints while there is a backlog (default 200 ms): raises throughput. */
  backlogCheckpointIntervalMs?: number;
  /**
   * How often a task deletes the records of its repartition inputs that it has committed past
   * (default 30 s; 0: after every checkpoint). Internal topics are read by their pipeline only.
   */
  repartitionPurgeIntervalMs?: number;
  /** Commits that may be in flight per task before fetching pauses (default 4). */
  maxInFlightCommits?: number;
  /** Records per fetch (default 2048). */
  fetchMaxRecords?: number;
  /** Run only the tasks for which this returns true (worker threads split the tasks with it). */
  taskFilter?: (pipeline: string, stage: string, partition: number) => boolean;
  /** Skip topic creation (done once by the coordinating thread). */
  skipTopicCreation?: boolean;
  signal?: AbortSignal;
  now?: () => number;
}

export interface RunningApp {
  readonly app: App;
  /**
   * Resolves when every task finished (bounded runs) or stopped. A task failure stops the others;
   * once all ended, rejects with the first failure.
   */
  readonly done: Promise<void>;
  /** Stops every task after a final checkpoint. Idempotent. */
  stop(): Promise<void>;
  /** Per-task metrics, including per-operator counters. */
  metrics(): TaskMetrics[];
}

const DEFAULTS = {
  bounded: false,
  checkpointIntervalMs: 0,
  backlogCheckpointIntervalMs: 200,
  repartitionPurgeIntervalMs: 30_000,
  maxInFlightCommits: 4,
  fetchMaxRecords: 2048,
};

/** Creates every topic an app needs. Idempotent. */
export async function createAppTopics(
  app: App,
  log: Log,
  pipelines = app.pipelines.map((p) => compilePipeline(app, p)),
): Promise<void> {
  const defs = [...app.topics.values(), app.deadLetterTopic];
  for (const p of app.pipelines) {
    for (const t of p.terminals) if (t.kind === 'to' && !defs.includes(t.topic)) defs.push(t.topic);
  }
  for (const d of defs) {
    await log.createTopic(d.name, {
      partitions: d.partitions,
      retentionMs: d.retentionMs,
      retentionBytes: d.retentionBytes,
    });
  }
  // No time retention on internal topics: retention goes by record timestamp, which is event time
  // here, so replaying old data would see its repartition records deleted before they are read
  // (Kafka rolls and deletes such segments within seconds).
  for (const c of pipelines) {
    for (const t of c.internalTopics) await log.createTopic(t.name, { partitions: t.partitions });
  }
}

/**
 * Starts an app in this thread.
 *
 * @example
 * const log = await openEmbeddedLog({ path: '.streamsight/log' });
 * const running = await runApp(app, { log });
 * process.on('SIGINT', () => running.stop());
 * await running.done;
 */
export async function runApp(app: App, options: RunOptions): Promise<RunningApp> {
  const defined = Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined));
  const o = { ...DEFAULTS, ...defined } as typeof DEFAULTS & RunOptions;
  for (const [name, v] of Object.entries({
    checkpointIntervalMs: o.checkpointIntervalMs,
    repartitionPurgeIntervalMs: o.repartitionPurgeIntervalMs,
    maxInFlightCommits: o.maxInFlightCommits,
    fetchMaxRecords: o.fetchMaxRecords,
  })) {
    const least = name === 'checkpointIntervalMs' || name === 'repartitionPurgeIntervalMs' ? 0 : 1;
    if (!Number.isFinite(v) || v < least) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `runApp: ${name} must be a number ≥ ${least}, got ${String(v)}`,
      );
    }
  }
  const now = o.now ?? Date.now;
  const compiled: CompiledPipeline[] = app.pipelines.map((p) => compilePipeline(app, p));
  if (!o.skipTopicCreation) await createAppTopics(app, o.log, compiled);

  const tasks: Task[] = [];
  for (const pipeline of compiled) {
    for (const stage of pipeline.stages) {
      for (let partition = 0; partition < stage.partitions; partition++) {
        if (o.taskFilter && !o.taskFilter(pipeline.name, stage.id, partition)) continue;
        tasks.push(
          new Task({
            app,
            pipeline,
            stage,
            partition,
            log: o.log,
            bounded: o.bounded,
            checkpointIntervalMs: o.checkpointIntervalMs,
            backlogCheckpointIntervalMs: o.backlogCheckpointIntervalMs,
            repartitionPurgeIntervalMs: o.repartitionPurgeIntervalMs,
            maxInFlightCommits: o.maxInFlightCommits,
            fetchMaxRecords: o.fetchMaxRecords,
            now,
          }),
        );
      }
    }
  }
  for (const t of tasks) await t.restore();

  const controller = new AbortController();
  const onAbort = () => controller.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  // The first failure stops the other tasks (each after a final checkpoint); `done` settles only once
  // all of them ended, so whoever restarts the tasks never runs them next to a previous incarnation.
  let failure: { error: unknown } | undefined;
  const runs = tasks.map((t) =>
    t.run(controller.signal).catch((error: unknown) => {
      failure ??= { error };
      controller.abort();
    }),
  );
  const done = Promise.all(runs).then(() => {
    if (failure) throw failure.error;
  });
  done.catch(() => {}).finally(() => o.signal?.removeEventListener('abort', onAbort));
  return {
    app,
    done,
    async stop() {
      controller.abort();
      await done;
    },
    metrics: () => tasks.map((t) => t.metrics()),
  };
}
