/** map, filter and flatMap: stateless, one call of user code per record. */

import type { Key } from '../codec.ts';
import type { Operator, OperatorMetrics } from './operator.ts';

export class MapOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #fn: (value: any, key: Key | undefined) => unknown;
  readonly #next: Operator;
  constructor(id: string, fn: (value: any, key: Key | undefined) => unknown, next: Operator) {
    this.metrics = { id, kind: 'map', recordsIn: 0, recordsOut: 0 };
    this.#fn = fn;
    this.#next = next;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    const out = this.#fn(value, key);
    this.metrics.recordsOut++;
    this.#next.push(out, key, ts);
  }
}

export class FilterOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #fn: (value: any, key: Key | undefined) => boolean;
  readonly #next: Operator;
  constructor(id: string, fn: (value: any, key: Key | undefined) => boolean, next: Operator) {
    this.metrics = { id, kind: 'filter', recordsIn: 0, recordsOut: 0 };
    this.#fn = fn;
    this.#next = next;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    if (this.#fn(value, key)) {
      this.metrics.recordsOut++;
      this.#next.push(value, key, ts);
    }
  }
}

export class FlatMapOperator implements Operator {
  readonly metrics: OperatorMetrics;
  readonly #fn: (value: any, key: Key | undefined) => Iterable<unknown>;
  readonly #next: Operator;
  constructor(id: string, fn: (value: any, key: Key | undefined) => Iterable<unknown>, next: Operator) {
    this.metrics = { id, kind: 'flatMap', recordsIn: 0, recordsOut: 0 };
    this.#fn = fn;
    this.#next = next;
  }
  push(value: unknown, key: Key | undefined, ts: number): void {
    this.metrics.recordsIn++;
    for (const out of this.#fn(value, key)) {
      this.metrics.recordsOut++;
      this.#next.push(out, key, ts);
    }
  }
}
