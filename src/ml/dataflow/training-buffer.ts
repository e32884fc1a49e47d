/**
 * The training set of one key of `.learn`, kept in memory and checkpointed in chunks.
 *
 * Examples are numbered from 0 in arrival order; the buffer holds those in [start, end). Adding moves
 * `end`, trimming to the last n or clearing after a training moves `start`. Rewriting the whole set at
 * every checkpoint would cost O(set) per checkpoint (quadratic for `'all'`), so examples are stored in
 * chunks of CHUNK consecutive numbers and a checkpoint writes only the chunks that gained examples
 * and deletes the chunks that fell wholly below `start`.
 *
 * Chunk entry (v1), state key `b<chunk>:<key tag>`, msgpack: `{ from, xs: Features[], ys: Label[] }`,
 * the examples numbered from `from`. A chunk may still hold examples below `start` (trimmed after it
 * was written); restoring drops them, since the key's own entry records `start` and `end`.
 */

import { msgpackCodec } from '../../dataflow/codec.ts';
import type { StatePut } from '../../dataflow/operators/operator.ts';
import type { Features, Label } from '../learner.ts';

/** Examples per chunk entry. */
export const CHUNK = 256;

/** The state key of one chunk of the buffer of the key tagged `tag`. */
export function chunkKey(chunk: number, tag: string): string {
  return `b${chunk}:${tag}`;
}

/** Parses a `chunkKey`; undefined for other keys. */
export function parseChunkKey(key: string): { chunk: number; tag: string } | undefined {
  if (key.charCodeAt(0) !== 98 /* b */) return undefined;
  const colon = key.indexOf(':');
  return { chunk: Number(key.slice(1, colon)), tag: key.slice(colon + 1) };
}

interface ChunkEntry {
  from: number;
  xs: Features[];
  ys: Label[];
}

/**
 * One key's training examples with chunked checkpoints.
 *
 * @example
 * const buffer = new TrainingBuffer();
 * buffer.push({ a: 1 }, 'x');
 * buffer.keepLast(1000);
 * const { xs, ys } = buffer.examples();
 */
export class TrainingBuffer {
  /** Number of the first example held. */
  start = 0;
  /** One past the number of the last example held. */
  end = 0;
  /** Example `start` is at index `head` of the arrays (trimming the front is lazy). */
  #head = 0;
  #xs: Features[] = [];
  #ys: Label[] = [];
  /** Lowest chunk changed since the last checkpoint (Infinity: none). */
  #dirtyFrom = Number.POSITIVE_INFINITY;
  /** Lowest chunk that may still be stored. */
  #storedFrom = 0;

  get size(): number {
    return this.end - this.start;
  }

  push(x: Features, y: Label): void {
    this.#xs.push(x);
    this.#ys.push(y);
    const chunk = Math.floor(this.end / CHUNK);
    if (chunk < this.#dirtyFrom) this.#dirtyFrom = chunk;
    this.end++;
  }

  /** Forgets all but the last `n` examples. */
  keepLast(n: number): void {
    if (this.size > n) this.#advance(this.end - n);
  }

  /** Forgets every example. */
  clear(): void {
    this.#advance(this.end);
  }

  /** The examples held, oldest first. */
  examples(): { xs: Features[]; ys: Label[] } {
    return { xs: this.#xs.slice(this.#head), ys: this.#ys.slice(this.#head) };
  }

  /** Writes the chunks that changed and deletes those below `start`. */
  checkpoint(put: StatePut, tag: string): void {
    const low = Math.floor(this.start / CHUNK);
    for (let c = this.#storedFrom; c < low; c++) put(chunkKey(c, tag), null);
    this.#storedFrom = low;
    if (this.end > this.start) {
      const last = Math.floor((this.end - 1) / CHUNK);
      for (let c = Math.max(low, this.#dirtyFrom); c <= last; c++) {
        const from = Math.max(c * CHUNK, this.start);
        const to = Math.min((c + 1) * CHUNK, this.end);
        const at = this.#head + (from - this.start);
        const entry: ChunkEntry = {
          from,
          xs: this.#xs.slice(at, at + to - from),
          ys: this.#ys.slice(at, at + to - from),
        };
        put(chunkKey(c, tag), msgpackCodec.encode(entry));
      }
    }
    this.#dirtyFrom = Number.POSITIVE_INFINITY;
  }

  /** Rebuilds the buffer holding [start, end) from its stored chunks (in any order). */
  static restore(start: number, end: number, chunks: Uint8Array[]): TrainingBuffer {
    const buffer = new TrainingBuffer();
    buffer.start = start;
    buffer.end = end;
    buffer.#storedFrom = Math.floor(start / CHUNK);
    buffer.#xs = new Array(end - start);
    buffer.#ys = new Array(end - start);
    for (const bytes of chunks) {
      const entry = msgpackCodec.decode(bytes) as ChunkEntry;
      for (let i = 0; i < entry.xs.length; i++) {
        const n = entry.from + i;
        if (n < start || n >= end) continue;
        buffer.#xs[n - start] = entry.xs[i];
        buffer.#ys[n - start] = entry.ys[i];
      }
    }
    return buffer;
  }

  #advance(to: number): void {
    this.#head += to - this.start;
    this.start = to;
    // Compact once the dead front outweighs the live part: amortised O(1) per example.
    if (this.#head > 1024 && this.#head * 2 > this.#xs.length) {
      this.#xs = this.#xs.slice(this.#head);
      this.#ys = this.#ys.slice(this.#head);
      this.#head = 0;
    }
  }
}
