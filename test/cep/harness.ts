/**
 * Drives the pattern operator directly (no log, no task): records go through `process`, and the
 * watermark follows the highest event time minus `bound`, as a source partition's does. Matches come
 * back rendered as the names of their events in time order, e.g. 'a1 b1'.
 */

import { type CompiledPattern, compilePattern } from '../../src/cep/compile.ts';
import { Pattern, type PatternMatch } from '../../src/cep/index.ts';
import { PatternOperator } from '../../src/cep/operator.ts';
import type { ProcessContext } from '../../src/dataflow/index.ts';

export interface Ev {
  /** Name, e.g. 'a1'; the kind is the leading letters ('a'). */
  id: string;
  kind: string;
  v: number;
  ts: number;
  key: string;
}

/** 'a1 x b1@25 c:7' → events at 0, 10, 20… (`@ts` overrides the time, `:v` sets v, `/k` sets the key). */
export function events(spec: string, step = 10): Ev[] {
  let t = 0;
  return spec
    .trim()
    .split(/\s+/)
    .map((token) => {
      const m = /^([a-z]+)(\d*)(?::(-?\d+))?(?:@(\d+))?(?:\/(\w+))?$/.exec(token);
      if (!m) throw new Error(`bad event ${token}`);
      const ts = m[4] === undefined ? t : Number(m[4]);
      t = ts + step;
      return { id: m[1] + m[2], kind: m[1], v: m[3] === undefined ? 0 : Number(m[3]), ts, key: m[5] ?? 'k' };
    });
}

export const is =
  (kind: string) =>
  (e: Ev): boolean =>
    e.kind === kind;

export interface Emitted {
  match: PatternMatch<Ev>;
  ts: number;
}

export interface Run {
  /** Every match, rendered ('a1 b1'); timed-out partial matches get a '~' prefix. */
  rendered: string[];
  emitted: Emitted[];
  late: Ev[];
  /** Feeds more records (in the given order) and moves the watermark. */
  feed(list: Ev[]): void;
  /** Sets the watermark (e.g. Infinity at the end of the input). */
  watermark(wm: number): void;
  /** Applies a checkpoint's writes to `store` (null deletes), as the task's transaction would. */
  checkpoint(store: Map<string, Uint8Array>): void;
  /** The highest event time fed so far. */
  maxTs(): number;
}

export interface StartOptions {
  bound?: number;
  timeouts?: boolean;
  /** Restore from a store written by `checkpoint`, whose run had seen events up to `maxTs`. */
  restore?: { store: Map<string, Uint8Array>; maxTs: number };
}

export function render(m: PatternMatch<Ev>): string {
  const all = Object.values(m.events)
    .flat()
    .sort((a, b) => a.ts - b.ts);
  return (m.timedOut ? '~' : '') + all.map((e) => e.id).join(' ');
}

/** Starts a run of `p`; `bound` is the out-of-orderness (the watermark trails the max time by it). */
export function start(p: Pattern<Ev> | CompiledPattern, options: StartOptions = {}): Run {
  const op = new PatternOperator({
    kind: 'pattern',
    name: 'p',
    pattern: p instanceof Pattern ? compilePattern(p) : p,
    timeouts: options.timeouts ?? false,
  });
  let maxTs = Number.NEGATIVE_INFINITY;
  if (options.restore) {
    op.restore([...options.restore.store].sort(([a], [b]) => (a < b ? -1 : 1)));
    maxTs = options.restore.maxTs;
  }
  const run: Run = {
    rendered: [],
    emitted: [],
    late: [],
    feed(list) {
      for (const e of list) {
        op.process(e, e.key, e.ts, ctx);
        if (e.ts > maxTs) maxTs = e.ts;
        run.watermark(maxTs - (options.bound ?? 0));
      }
    },
    watermark(wm) {
      if (wm > ctx.watermark) {
        ctx.watermark = wm;
        op.onWatermark(wm, ctx);
      }
    },
    checkpoint(store) {
      op.checkpoint((k, v) => {
        if (v === null) store.delete(k);
        else store.set(k, v);
      });
    },
    maxTs: () => maxTs,
  };
  const ctx: ProcessContext<PatternMatch> & { watermark: number } = {
    watermark: maxTs - (options.bound ?? 0),
    partition: 0,
    emit(value, _key, ts) {
      run.emitted.push({ match: value as PatternMatch<Ev>, ts: ts! });
      run.rendered.push(render(value as PatternMatch<Ev>));
    },
    output() {},
    late(value) {
      run.late.push(value as Ev);
    },
  };
  return run;
}

/** All matches of `p` over `input` (fed in order, then the watermark goes to +∞). */
export function matches(
  p: Pattern<Ev> | CompiledPattern,
  input: Ev[] | string,
  options: StartOptions = {},
): string[] {
  const run = start(p, options);
  run.feed(typeof input === 'string' ? events(input) : input);
  run.watermark(Number.POSITIVE_INFINITY);
  return run.rendered;
}

/** Sorted copy, for comparing match sets. */
export function set(list: string[]): string[] {
  return [...list].sort();
}
