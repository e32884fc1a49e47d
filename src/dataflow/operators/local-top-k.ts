/**
 * Two-phase top-k. When final window results (no early updates, no allowed lateness) feed a `topK`,
 * each key's result for a window is produced exactly once, by the one task that owns the key; so the
 * window's global top n is among the union of every task's local top n (ties kept). This operator keeps
 * the local top n per window between checkpoints and ships only those to the `topK` stage, instead of
 * one record per key and window. A window fires completely within one watermark step, so at the next
 * checkpoint its local top is final; it is shipped in the same transaction as the window's deletion,
 * and needs no state of its own.
 */

import type { WindowResult } from '../windows.ts';
import type { Operator, OperatorMetrics } from './operator.ts';

export class LocalTopKOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #n: number;
  readonly #by: (result: any) => number;
  readonly #next: Operator;
  readonly #windows = new Map<number, WindowResult<unknown, unknown>[]>();

  constructor(id: string, n: number, by: (result: any) => number, next: Operator) {
    this.metrics = { id, kind: 'local-topK', recordsIn: 0, recordsOut: 0 };
    this.#n = n;
    this.#by = by;
    this.#next = next;
  }

  push(value: unknown): void {
    this.metrics.recordsIn++;
    const r = value as WindowResult<unknown, unknown>;
    const list = this.#windows.get(r.start);
    if (list) list.push(r);
    else this.#windows.set(r.start, [r]);
  }

  /** Ships each window's local top n (with every tie at the cut); the task calls this at each checkpoint. */
  flush(): void {
    const by = this.#by;
    for (const list of this.#windows.values()) {
      list.sort((a, b) => by(b) - by(a));
      let n = Math.min(this.#n, list.length);
      while (n < list.length && by(list[n]) === by(list[n - 1])) n++;
      for (let i = 0; i < n; i++) {
        this.metrics.recordsOut++;
        this.#next.push(list[i], list[i].start, list[i].end - 1);
      }
    }
    this.#windows.clear();
  }
}
