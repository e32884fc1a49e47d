/**
 * The view change feed: how live rows reach servers that do not run the app's tasks.
 *
 * Scaled out, tasks run in `streamsight worker` processes and the server (`streamsight serve`) runs
 * none. Each worker materializes the views of its own tasks into the shared store (PostgreSQL) and,
 * once a batch is stored, appends its rows to the topic `<app>.view-changes`; every server tails that
 * topic from its end and hands the rows to its live channels. The store stays the truth — the feed
 * only says which rows changed, so it is appended outside the task transactions and kept for an
 * hour. A server that misses a change (it was down) still serves the stored row in every snapshot.
 *
 * Record layout (JSON): `{ "view": "<view name>", "rows": [ <flattened row>, ... ] }`.
 */

import type { App } from '../dataflow/app.ts';
import { StreamsightError } from '../errors/index.ts';
import type { Log } from '../log/log.ts';

type Listener = (rows: Record<string, unknown>[]) => void;

/** Anything that reports stored rows per view (a `Materializer` does). */
export interface RowSource {
  subscribe(view: string, listener: Listener): () => void;
}

/** The topic that carries an app's view changes. */
export function viewChangesTopic(app: string): string {
  return `${app}.view-changes`;
}

const FEED_RETENTION_MS = 3_600_000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

async function ensureFeedTopic(log: Log, app: string): Promise<string> {
  const topic = viewChangesTopic(app);
  await log.createTopic(topic, { partitions: 1, retentionMs: FEED_RETENTION_MS });
  return topic;
}

/**
 * Appends every stored batch of the app's views to `<app>.view-changes`. Appends are chained, so the
 * feed keeps the store's order; a failed append is reported and the next batch goes on (the rows are
 * stored, and snapshots show them). Returns the function that stops publishing.
 *
 * @example
 * const materializer = await materializeViews(app, store, { log });
 * const stop = await publishViewChanges(app, materializer, log, (err) => console.error(err));
 */
export async function publishViewChanges(
  app: App,
  source: RowSource,
  log: Log,
  onError: (err: Error) => void,
): Promise<() => void> {
  const topic = await ensureFeedTopic(log, app.name);
  let chain: Promise<unknown> = Promise.resolve();
  const unsubscribes = [...app.views.keys()].map((view) =>
    source.subscribe(view, (rows) => {
      const value = encoder.encode(JSON.stringify({ view, rows }));
      chain = chain.then(() => log.append(topic, [{ value }])).catch(onError);
    }),
  );
  return () => {
    for (const unsubscribe of unsubscribes) unsubscribe();
  };
}

/** A `RowSource` fed by the change topic; `close()` stops tailing it. */
export interface ViewChangeFollower extends RowSource {
  close(): Promise<void>;
}

/**
 * Tails `<app>.view-changes` from its current end and calls the subscribers of each view with the
 * rows of every change. Malformed feed records are reported and skipped.
 *
 * @example
 * const follower = await followViewChanges(app, log, { onError: console.error });
 * follower.subscribe('hot-items', (rows) => send(rows));
 */
export async function followViewChanges(
  app: App,
  log: Log,
  options: { onError: (err: Error) => void; pollWaitMs?: number },
): Promise<ViewChangeFollower> {
  const topic = await ensureFeedTopic(log, app.name);
  const listeners = new Map<string, Set<Listener>>();
  const stop = new AbortController();
  let offset = (await log.describeTopic(topic)).partitions[0].endOffset;

  const dispatch = (bytes: Uint8Array | null, at: number) => {
    let change: { view?: unknown; rows?: unknown };
    try {
      change = JSON.parse(decoder.decode(bytes ?? new Uint8Array()));
    } catch (err) {
      options.onError(
        new StreamsightError('SS_ERR_DECODE', `${topic}@${at}: not JSON`, { cause: err, details: { topic } }),
      );
      return;
    }
    if (typeof change?.view !== 'string' || !Array.isArray(change.rows)) {
      options.onError(
        new StreamsightError('SS_ERR_DECODE', `${topic}@${at}: expected { view, rows }`, {
          details: { topic },
        }),
      );
      return;
    }
    for (const listener of listeners.get(change.view) ?? [])
      listener(change.rows as Record<string, unknown>[]);
  };

  const loop = (async () => {
    while (!stop.signal.aborted) {
      try {
        const result = await log.fetch(topic, 0, offset, {
          maxWaitMs: options.pollWaitMs ?? 500,
          signal: stop.signal,
        });
        for (const record of result.records) dispatch(record.value, record.offset);
        offset = result.nextOffset;
      } catch (err) {
        if (stop.signal.aborted) break;
        if ((err as StreamsightError).code === 'SS_ERR_OFFSET_OUT_OF_RANGE') {
          // Retention passed us while we were away: resume at the oldest change still kept.
          offset = Number((err as StreamsightError).details?.startOffset ?? offset);
          continue;
        }
        options.onError(err as Error);
        await new Promise((resolve) => setTimeout(resolve, 1000));
      }
    }
  })();

  return {
    subscribe(view: string, listener: Listener): () => void {
      if (!app.views.has(view)) {
        throw new StreamsightError('SS_ERR_VIEW_NOT_FOUND', `app ${app.name} has no view ${view}`, {
          details: { app: app.name, view },
        });
      }
      let set = listeners.get(view);
      if (!set) listeners.set(view, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    async close(): Promise<void> {
      stop.abort();
      await loop;
    },
  };
}
