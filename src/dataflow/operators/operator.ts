/**
 * Runtime operators. Records are pushed downstream as three arguments (value, key, event time), so
 * the hot path allocates no envelope per record. Stateful operators also take part in watermarks,
 * processing-time timers and checkpoints; the task calls those hooks in topological order, so an
 * operator's results reach downstream operators of the same task before their own watermark hook runs.
 */

import { type Key, msgpackCodec } from '../codec.ts';

export interface Operator {
  push(value: unknown, key: Key | undefined, ts: number): void;
}

/** Writes one state entry of the operator's store (null deletes). */
export type StatePut = (key: string, value: Uint8Array | null) => void;

export interface StatefulOperator {
  /** The state store name: `<app>.<pipeline>.<operator id>`. */
  readonly store: string;
  /** The event time before which no more records are expected; may emit results. */
  onWatermark(watermark: number): void;
  /** Processing-time tick (early window updates). */
  onTimer?(now: number): void;
  /** Writes the entries changed since the last checkpoint. */
  checkpoint(put: StatePut): void;
  /** Loads the state written by earlier checkpoints. */
  restore(entries: Iterable<[string, Uint8Array]>): void;
}

/** Per-operator counters, readable while the app runs. */
export interface OperatorMetrics {
  id: string;
  kind: string;
  recordsIn: number;
  recordsOut: number;
}

/** Sends each record to several operators. */
export class FanOut implements Operator {
  readonly #targets: Operator[];
  constructor(targets: Operator[]) {
    this.#targets = targets;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    for (let i = 0; i < this.#targets.length; i++) this.#targets[i].push(value, key, ts);
  }
}

/** Drops records (a stream nobody consumes). */
export const discard: Operator = { push() {} };

/** A total order on keys (numbers first, then strings): ties ranked by it come out the same on every run. */
export function compareKeys(a: Key, b: Key): number {
  if (typeof a !== typeof b) return typeof a === 'number' ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Encodes a key with its type so that 7 and '7' stay distinct in state keys. */
export function keyTag(key: Key): string {
  return typeof key === 'number' ? `n${key}` : `s${key}`;
}

/** Inverse of keyTag. */
export function untagKey(tag: string): Key {
  return tag.charCodeAt(0) === 110 /* n */ ? Number(tag.slice(1)) : tag.slice(1);
}

/**
 * A stateful operator's own watermark, checkpointed under the reserved state key `~meta` so that a
 * restarted operator judges lateness exactly as before.
 */
export class OperatorWatermark {
  static readonly KEY = '~meta';
  value = Number.NEGATIVE_INFINITY;
  #dirty = false;

  /** Moves forward to `watermark`; false when it is not ahead. */
  advance(watermark: number): boolean {
    if (watermark <= this.value) return false;
    this.value = watermark;
    this.#dirty = true;
    return true;
  }

  checkpoint(put: StatePut): void {
    if (!this.#dirty) return;
    put(OperatorWatermark.KEY, msgpackCodec.encode(this.value));
    this.#dirty = false;
  }

  /** Takes the entry if it is the watermark's; returns whether it was. */
  restore(id: string, bytes: Uint8Array): boolean {
    if (id !== OperatorWatermark.KEY) return false;
    this.value = (msgpackCodec.decode(bytes) as number | null) ?? Number.NEGATIVE_INFINITY;
    return true;
  }
}
