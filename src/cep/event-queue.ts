/**
 * Records waiting for the watermark, in (event time, arrival) order. Most streams are nearly sorted,
 * so records that are not earlier than the last one queued go to a sorted array (O(1) in and out);
 * only the stragglers go to a heap. Popping takes the smaller of the two heads.
 */

import type { Key } from '../dataflow/codec.ts';
import { Heap } from './heap.ts';

export interface Pending {
  ts: number;
  /** Arrival number: orders records with equal times, and they were counted in order. */
  arrival: number;
  key: Key;
  value: unknown;
}

const before = (a: Pending, b: Pending): boolean => a.ts < b.ts || (a.ts === b.ts && a.arrival < b.arrival);

export class EventQueue {
  #sorted: Pending[] = [];
  #head = 0;
  readonly #stragglers = new Heap<Pending>(before);

  get size(): number {
    return this.#sorted.length - this.#head + this.#stragglers.size;
  }

  push(p: Pending): void {
    const sorted = this.#sorted;
    if (sorted.length === this.#head || !before(p, sorted[sorted.length - 1])) sorted.push(p);
    else this.#stragglers.push(p);
  }

  /** The earliest record, or undefined. */
  peek(): Pending | undefined {
    const a = this.#head < this.#sorted.length ? this.#sorted[this.#head] : undefined;
    const b = this.#stragglers.peek();
    if (a === undefined) return b;
    return b !== undefined && before(b, a) ? b : a;
  }

  pop(): Pending | undefined {
    const sorted = this.#sorted;
    const a = this.#head < sorted.length ? sorted[this.#head] : undefined;
    const b = this.#stragglers.peek();
    if (a === undefined || (b !== undefined && before(b, a))) return this.#stragglers.pop();
    this.#head++;
    if (this.#head === sorted.length) {
      sorted.length = 0;
      this.#head = 0;
    } else if (this.#head >= 4096 && this.#head * 2 >= sorted.length) {
      // Drop the consumed prefix now and then, so the array does not grow without bound.
      this.#sorted = sorted.slice(this.#head);
      this.#head = 0;
    }
    return a;
  }
}
