/**
 * The materializer: keeps an app's views in a `ViewStore` and tells live subscribers what was stored.
 *
 * Flow: every MemoryView of the app (on the coordinating thread, which also receives the changes of
 * worker threads) reports its changes here. Changes wait in a per-view map keyed by view key (a hot
 * key costs one pending row, the latest), and are written as one upsert batch per view every
 * `flushIntervalMs` or as soon as `maxBatchRows` are pending. Only after a batch is stored do
 * subscribers get its flattened rows, so a live channel never shows a row a reader of the store could
 * not see. Rows are never dropped: when a write fails, the rows go back to the pending map (under
 * newer changes of the same key) and are retried with backoff; while `maxBatchRows` are pending, the
 * view's `write` returns a promise the engine awaits before its checkpoint commit — back-pressure
 * on a task that runs on this thread. (Changes posted by worker threads cannot wait; they are held
 * in the pending map, which has one entry per view key.)
 *
 * The MemoryViews stop keeping rows in memory (`retainRows(false)`) unless `retainRows: true`.
 *
 * Archives: for each topic declared with `archive: true`, a loop tails the topic from the log in the
 * consumer group `<app>.archive`, writes the records to the store (idempotent by partition and
 * offset) and commits the offsets after the write. After a crash it resumes from the last commit and
 * rewrites at most one batch, which the store ignores.
 */

import type { App } from '../dataflow/app.ts';
import { type Duration, toMillis } from '../dataflow/duration.ts';
import type { MemoryView, ViewChange } from '../dataflow/sink.ts';
import { isStreamsightError, StreamsightError } from '../errors/index.ts';
import type { Log } from '../log/log.ts';
import { flattenRow } from './flatten.ts';
import type { ViewRow, ViewStore } from './view-store.ts';

export interface MaterializeOptions {
  /** The log, needed to archive topics declared with `archive: true`. */
  log?: Log;
  /** Write pending rows at least this often (default 50 ms). */
  flushIntervalMs?: number;
  /** Write at once, and make view writes wait, when this many rows are pending (default 5,000). */
  maxBatchRows?: number;
  /** Keep rows in the MemoryViews as well (default false: the store holds them). */
  retainRows?: boolean;
  /** Per view: delete rows not updated for this long. */
  retention?: Record<string, Duration>;
  /** How often retention runs (default 60 s). */
  retentionIntervalMs?: number;
  /** Called with errors of background writes (they are retried); default: ignore, `flush` rethrows. */
  onError?: (err: StreamsightError) => void;
}

export interface Materializer {
  /**
   * Calls `listener` with the flattened rows of each batch of the view once it is stored; returns the
   * unsubscribe function. SS_ERR_VIEW_NOT_FOUND for a view the app does not have.
   */
  subscribe(view: string, listener: (rows: Record<string, unknown>[]) => void): () => void;
  /** Writes everything pending now. */
  flush(): Promise<void>;
  /** Flushes, stops the archivers and detaches from the views. Idempotent; the store stays open. */
  close(): Promise<void>;
}

type Listener = (rows: Record<string, unknown>[]) => void;

/**
 * Starts materializing `app`'s views (and archived topics) into `store`.
 *
 * @example
 * const store = await openDuckDbViewStore({ path: '.streamsight/views.duckdb' });
 * const materializer = await materializeViews(app, store, { log });
 * const stop = materializer.subscribe('hot-items', (rows) => channel.send(rows));
 * const running = await runApp(app, { log });
 */
export async function materializeViews(
  app: App,
  store: ViewStore,
  options: MaterializeOptions = {},
): Promise<Materializer> {
  const flushIntervalMs = options.flushIntervalMs ?? 50;
  const maxBatchRows = options.maxBatchRows ?? 5000;
  const retentionIntervalMs = options.retentionIntervalMs ?? 60_000;
  for (const [name, v] of [
    ['flushIntervalMs', flushIntervalMs],
    ['maxBatchRows', maxBatchRows],
    ['retentionIntervalMs', retentionIntervalMs],
  ] as const) {
    if (!Number.isInteger(v) || v < 1) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `materializeViews: ${name} must be a positive integer`,
      );
    }
  }
  const retention = new Map<string, number>();
  for (const [view, d] of Object.entries(options.retention ?? {})) {
    if (!app.views.has(view)) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `materializeViews: retention names unknown view ${view}`,
      );
    }
    retention.set(view, toMillis(d, `materializeViews: retention of ${view}`));
  }
  const archived = [...app.topics.values()].filter((t) => t.archive === true);
  if (archived.length > 0 && options.log === undefined) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `materializeViews: topics ${archived.map((t) => t.name).join(', ')} are archived: pass the log`,
    );
  }
  for (const name of app.views.keys()) {
    await store.ensureView({ app: app.name, name, retentionMs: retention.get(name) });
  }
  for (const t of archived) await store.ensureArchive(app.name, t.name);
  const m = new ViewMaterializer(app, store, options, flushIntervalMs, maxBatchRows);
  if (retention.size > 0) m.startRetention(retentionIntervalMs);
  if (options.log) for (const t of archived) m.startArchive(options.log, t.name, t.partitions);
  return m;
}

class ViewMaterializer implements Materializer {
  readonly #app: App;
  readonly #store: ViewStore;
  readonly #options: MaterializeOptions;
  readonly #flushIntervalMs: number;
  readonly #maxBatchRows: number;
  readonly #pending = new Map<string, Map<string, ViewRow>>();
  #pendingRows = 0;
  readonly #listeners = new Map<string, Set<Listener>>();
  readonly #detach: (() => void)[] = [];
  readonly #loops: Promise<void>[] = [];
  readonly #stop = new AbortController();
  #timer: NodeJS.Timeout | undefined;
  #retentionTimer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #failures = 0;
  #closed: Promise<void> | undefined;

  constructor(
    app: App,
    store: ViewStore,
    options: MaterializeOptions,
    flushIntervalMs: number,
    maxBatchRows: number,
  ) {
    this.#app = app;
    this.#store = store;
    this.#options = options;
    this.#flushIntervalMs = flushIntervalMs;
    this.#maxBatchRows = maxBatchRows;
    for (const [name, view] of app.views as Map<string, MemoryView<unknown>>) {
      if (options.retainRows !== true) view.retainRows(false);
      this.#detach.push(view.onChange((changes) => this.#onChanges(name, changes)));
    }
  }

  subscribe(view: string, listener: Listener): () => void {
    if (!this.#app.views.has(view)) {
      throw new StreamsightError('SS_ERR_VIEW_NOT_FOUND', `app ${this.#app.name} has no view ${view}`, {
        details: { app: this.#app.name, view },
      });
    }
    if (typeof listener !== 'function') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'subscribe: listener must be a function');
    }
    let set = this.#listeners.get(view);
    if (!set) this.#listeners.set(view, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  async flush(): Promise<void> {
    // One flush at a time; a flush asked for during one runs after it, for the rows that came since.
    while (this.#flushing) await this.#flushing.catch(() => {});
    if (this.#pendingRows === 0) return;
    this.#flushing = this.#writePending();
    try {
      await this.#flushing;
    } finally {
      this.#flushing = undefined;
    }
  }

  close(): Promise<void> {
    this.#closed ??= (async () => {
      for (const d of this.#detach) d();
      this.#stop.abort();
      clearTimeout(this.#timer);
      clearInterval(this.#retentionTimer);
      await Promise.all(this.#loops);
      await this.flush();
      this.#listeners.clear();
    })();
    return this.#closed;
  }

  startRetention(intervalMs: number): void {
    this.#retentionTimer = setInterval(() => {
      this.#store.enforceRetention().catch((err) => this.#report(err));
    }, intervalMs);
    this.#retentionTimer.unref();
  }

  startArchive(log: Log, topic: string, partitions: number): void {
    for (let p = 0; p < partitions; p++) this.#loops.push(this.#archiveLoop(log, topic, p));
  }

  #onChanges(view: string, changes: ViewChange<unknown>[]): void | Promise<void> {
    let pending = this.#pending.get(view);
    if (!pending) this.#pending.set(view, (pending = new Map()));
    for (const c of changes) {
      const before = pending.size;
      pending.set(c.id, { viewKey: c.id, timestamp: c.record.timestamp, value: c.record.value });
      this.#pendingRows += pending.size - before;
    }
    if (this.#pendingRows >= this.#maxBatchRows) {
      // Back-pressure: the engine awaits this before committing its checkpoint. Errors are retried
      // in the background, so the engine never sees them.
      return this.flush().catch((err) => {
        this.#report(err);
        this.#schedule(this.#backoff());
      });
    }
    this.#schedule(this.#flushIntervalMs);
  }

  #schedule(delay: number): void {
    if (this.#timer !== undefined || this.#closed) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush().then(
        () => {
          if (this.#pendingRows > 0) this.#schedule(this.#flushIntervalMs);
        },
        (err) => {
          this.#report(err);
          this.#schedule(this.#backoff());
        },
      );
    }, delay);
  }

  #backoff(): number {
    return Math.min(5000, 100 * 2 ** Math.min(this.#failures, 6));
  }

  async #writePending(): Promise<void> {
    const batches = [...this.#pending];
    this.#pending.clear();
    this.#pendingRows = 0;
    for (let i = 0; i < batches.length; i++) {
      const [view, rows] = batches[i];
      const list = [...rows.values()];
      try {
        await this.#store.upsert(this.#app.name, view, list);
        this.#failures = 0;
      } catch (err) {
        this.#failures++;
        // Put this batch and the unwritten ones back, under any newer change of the same key.
        for (const [v, r] of batches.slice(i)) this.#restore(v, r);
        throw err;
      }
      const listeners = this.#listeners.get(view);
      if (listeners && listeners.size > 0) {
        const flat = list.map((r) => flattenRow(r.viewKey, r.timestamp, r.value));
        for (const l of listeners) {
          try {
            l(flat);
          } catch (err) {
            this.#report(err);
          }
        }
      }
    }
  }

  #restore(view: string, rows: Map<string, ViewRow>): void {
    let pending = this.#pending.get(view);
    if (!pending) this.#pending.set(view, (pending = new Map()));
    for (const [id, row] of rows) {
      if (pending.has(id)) continue;
      pending.set(id, row);
      this.#pendingRows++;
    }
  }

  async #archiveLoop(log: Log, topic: string, partition: number): Promise<void> {
    const group = `${this.#app.name}.archive`;
    const signal = this.#stop.signal;
    let position: number | undefined;
    while (!signal.aborted) {
      try {
        if (position === undefined) {
          const committed = await log.committedOffsets(group, topic);
          position = committed.get(partition);
          if (position === undefined) {
            const d = await log.describeTopic(topic);
            position = d.partitions[partition]?.startOffset ?? 0;
          }
        }
        const r = await log.fetch(topic, partition, position, { maxRecords: 5000, maxWaitMs: 500, signal });
        if (r.records.length === 0) continue;
        await this.#store.archive(this.#app.name, topic, r.records);
        await log.commitOffsets(group, [{ topic, partition, offset: r.nextOffset }]);
        position = r.nextOffset;
      } catch (err) {
        if (signal.aborted) break;
        if (
          isStreamsightError(err, 'SS_ERR_OFFSET_OUT_OF_RANGE') &&
          typeof err.details.startOffset === 'number'
        ) {
          position = err.details.startOffset; // retention removed records never archived
          continue;
        }
        // The topic may not exist yet (the app has not run) or the store may be away: retry.
        if (!isStreamsightError(err, 'SS_ERR_TOPIC_NOT_FOUND')) this.#report(err);
        position = undefined;
        await sleep(1000, signal);
      }
    }
  }

  #report(err: unknown): void {
    const e = isStreamsightError(err)
      ? err
      : new StreamsightError(
          'SS_ERR_STORAGE',
          `materializer: ${err instanceof Error ? err.message : String(err)}`,
          {
            cause: err,
          },
        );
    this.#options.onError?.(e);
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}
