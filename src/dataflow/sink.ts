/**
 * Sinks receive a pipeline's results. The engine calls `write` with the records of one checkpoint
 * *before* committing that checkpoint, so after a crash the same records may be written again:
 * a sink must apply them idempotently (upsert by key), which makes its contents exactly-once.
 */

import type { Key } from './codec.ts';

export interface SinkRecord<T> {
  key: Key | undefined;
  value: T;
  timestamp: number;
}

export interface SinkContext {
  pipeline: string;
  partition: number;
}

export interface Sink<T> {
  write(records: SinkRecord<T>[], context: SinkContext): void | Promise<void>;
  /**
   * Called once the checkpoint holding the last `write` is durable: from here on those records will
   * never be recomputed. Live channels publish here, benchmarks stamp latency here.
   */
  committed?(context: SinkContext): void;
  close?(): Promise<void>;
}

/** A view change: the upsert key and the record written under it. */
export interface ViewChange<T> {
  id: string;
  record: SinkRecord<T>;
}

/** A change listener; a returned promise makes `write` wait for it (back-pressure, e.g. a view store). */
type Listener<T> = (changes: ViewChange<T>[]) => void | Promise<void>;

/**
 * An in-memory view: the latest value per view key (the record key, plus the window start for
 * window results). Upserts make replays harmless.
 *
 * @example
 * const view = new MemoryView<WindowResult<number, number>>('hot-items');
 * stream.sink(view);
 * view.rows(); // current rows
 *
 * When a view store holds the view (views/materialize.ts), `retainRows(false)` stops keeping rows
 * here, so memory stays bounded; listeners still see every change.
 */
export class MemoryView<T> implements Sink<T> {
  readonly name: string;
  readonly #rows = new Map<string, T>();
  readonly #listeners = new Set<Listener<T>>();
  #retain: boolean;

  constructor(name: string, options: { retainRows?: boolean } = {}) {
    this.name = name;
    this.#retain = options.retainRows ?? true;
  }

  write(records: SinkRecord<T>[]): void | Promise<void> {
    const changes: ViewChange<T>[] = [];
    for (const record of records) {
      const id = viewKey(record);
      if (this.#retain) this.#rows.set(id, record.value);
      changes.push({ id, record });
    }
    if (changes.length === 0) return;
    let waits: Promise<void>[] | undefined;
    for (const l of this.#listeners) {
      const r = l(changes);
      if (r !== undefined) (waits ??= []).push(r);
    }
    if (waits) return Promise.all(waits).then(() => {});
  }

  /** Keep rows in memory (the default) or not; turning it off drops the rows held so far. */
  retainRows(keep: boolean): void {
    this.#retain = keep;
    if (!keep) this.#rows.clear();
  }

  /** Current rows, by view key (empty while `retainRows(false)`). */
  rows(): Map<string, T> {
    return this.#rows;
  }

  /** Subscribes to changes; returns the unsubscribe function. */
  onChange(listener: Listener<T>): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }
}

/** The upsert key of a sink record: its key, and its window start when the value is a window result. */
export function viewKey(record: SinkRecord<unknown>): string {
  const v = record.value as { start?: unknown; end?: unknown } | null;
  const base = record.key === undefined ? '' : String(record.key);
  return v !== null && typeof v === 'object' && typeof v.start === 'number' && typeof v.end === 'number'
    ? `${base}@${v.start}`
    : base;
}
