/**
 * Batch jobs: SQL reports an app runs over its view store on a processing-time schedule (for example
 * daily per-group reports over a topic's raw archive), writing their rows back as views. An app
 * module lists them in its `reportJobs` export; `streamsight run` and `streamsight replay` schedule
 * them. A job's writes must be idempotent upserts, so running it again (on schedule, after a restart)
 * only refreshes its rows.
 */

import type { ViewStore } from './view-store.ts';

const FIRST_RUN_AFTER_MS = 5000;

/** A batch job an app module may list in `reportJobs`. */
export interface BatchJob {
  name: string;
  /** Run every this many ms (the first run comes a few seconds after the start, so reports show early). */
  everyMs: number;
  run(store: ViewStore): Promise<unknown>;
}

/** The well-formed jobs of an app module's `reportJobs` export (anything else is ignored). */
export function batchJobsOf(module: { reportJobs?: unknown }): BatchJob[] {
  const jobs = Array.isArray(module.reportJobs) ? (module.reportJobs as Partial<BatchJob>[]) : [];
  return jobs.filter(
    (j): j is BatchJob =>
      typeof j?.run === 'function' &&
      typeof j.name === 'string' &&
      typeof j.everyMs === 'number' &&
      Number.isFinite(j.everyMs) &&
      j.everyMs >= 1000,
  );
}

/**
 * Runs each job every `everyMs`, one run of a job at a time (a slow run delays the next instead of
 * overlapping it). Returns the function that stops the schedule.
 *
 * @example
 * const stop = scheduleBatchJobs(batchJobsOf(module), store, (job, err) => console.error(job.name, err));
 */
export function scheduleBatchJobs(
  jobs: BatchJob[],
  store: ViewStore,
  onError: (job: BatchJob, err: Error) => void,
): () => void {
  const timers: NodeJS.Timeout[] = [];
  let stopped = false;
  for (const job of jobs) {
    const tick = () => {
      job
        .run(store)
        .catch((err: Error) => {
          if (!stopped) onError(job, err);
        })
        .finally(() => {
          if (!stopped) timers.push(setTimeout(tick, job.everyMs).unref());
        });
    };
    timers.push(setTimeout(tick, Math.min(job.everyMs, FIRST_RUN_AFTER_MS)).unref());
  }
  return () => {
    stopped = true;
    for (const t of timers) clearTimeout(t);
  };
}
