/**
 * A hash map from integer keys (RSVP ids) to small non-negative integers (row numbers), in two typed
 * arrays with open addressing and linear probing. For the app's largest maps — a row per RSVP seen
 * (a million after a million RSVPs), a row per RSVP in a sliding window — it costs 12 bytes a slot,
 * no object per entry for the garbage collector to trace, and usually one cache miss per lookup
 * where a `Map` takes several (and boxes ids above 2^30). Deletion shifts the following entries back
 * (no tombstones), so lookups stay short however many entries come and go.
 */

/** Keys must be integers of magnitude below 2^53; values integers in [0, 2^31). */
export class IntMap {
  /** NaN marks an empty slot. */
  #keys: Float64Array;
  #values: Int32Array;
  #mask: number;
  #size = 0;

  constructor(capacity = 1024) {
    let n = 16;
    while (n < capacity * 2) n *= 2;
    this.#keys = new Float64Array(n).fill(Number.NaN);
    this.#values = new Int32Array(n);
    this.#mask = n - 1;
  }

  get size(): number {
    return this.#size;
  }

  #home(key: number): number {
    // Both 32-bit halves, mixed (Fibonacci hashing).
    const h = Math.imul((key | 0) ^ ((key / 4294967296) | 0), 0x9e3779b1);
    return (h ^ (h >>> 15)) & this.#mask;
  }

  /** The value of `key`, or -1. */
  get(key: number): number {
    const keys = this.#keys;
    for (let i = this.#home(key); ; i = (i + 1) & this.#mask) {
      const k = keys[i];
      if (k === key) return this.#values[i];
      if (Number.isNaN(k)) return -1; // an empty slot
    }
  }

  set(key: number, value: number): void {
    const keys = this.#keys;
    for (let i = this.#home(key); ; i = (i + 1) & this.#mask) {
      const k = keys[i];
      if (k === key) {
        this.#values[i] = value;
        return;
      }
      if (Number.isNaN(k)) {
        keys[i] = key;
        this.#values[i] = value;
        if (++this.#size * 2 > keys.length) this.#grow();
        return;
      }
    }
  }

  delete(key: number): void {
    const keys = this.#keys;
    const values = this.#values;
    const mask = this.#mask;
    let i = this.#home(key);
    for (; ; i = (i + 1) & mask) {
      const k = keys[i];
      if (k === key) break;
      if (Number.isNaN(k)) return;
    }
    this.#size--;
    // Shift back every following entry whose home is not in (i, j]: it stays reachable from its home.
    for (let j = (i + 1) & mask; ; j = (j + 1) & mask) {
      const k = keys[j];
      if (Number.isNaN(k)) break;
      const h = this.#home(k);
      if (i <= j ? h <= i || h > j : h <= i && h > j) {
        keys[i] = k;
        values[i] = values[j];
        i = j;
      }
    }
    keys[i] = Number.NaN;
  }

  /** Calls `f` for every entry. The map must not change meanwhile. */
  forEach(f: (key: number, value: number) => void): void {
    const keys = this.#keys;
    for (let i = 0; i < keys.length; i++) if (!Number.isNaN(keys[i])) f(keys[i], this.#values[i]);
  }

  #grow(): void {
    const keys = this.#keys;
    const values = this.#values;
    this.#keys = new Float64Array(keys.length * 2).fill(Number.NaN);
    this.#values = new Int32Array(keys.length * 2);
    this.#mask = keys.length * 2 - 1;
    this.#size = 0;
    for (let i = 0; i < keys.length; i++) if (!Number.isNaN(keys[i])) this.set(keys[i], values[i]);
  }
}
