/**
 * The automaton (NFA) that matches one pattern against the events of each key.
 *
 * States. A pattern compiles to positive steps 0..n-1; negations (`notNext`, `notFollowedBy`) are
 * not states but guards on the gaps between steps. A partial match — a *run* — sits at a position
 * (step j, count c): it has taken c events for step j and waits for the next one, or (c = 0) for
 * step j's first event. The epsilon moves of the automaton (a step has enough events so the run may
 * move on; an optional step may be skipped) are expanded eagerly, at the moment an event is taken:
 * taking the c-th event of step j yields a run that stays at (j, c) if c < max, and, if c ≥ min, a run
 * at (j+1, 0) — plus (j+2, 0) and so on while the steps on the way are optional. So every run waits on
 * exactly one step, and its next move depends on one condition and one contiguity:
 *
 *   contiguity of the run's next event: c = 0 → the step's own (`next`, `followedBy`, `followedByAny`),
 *                                       c > 0 → between the step's repetitions (default followedBy)
 *   take    = c < max and the step's condition holds (conditions see the run's earlier events)
 *   survive = strict: never (a strict run dies unless it takes the event)
 *             relaxed: when it did not take (skip till the next matching event)
 *             any: always (skip till any matching event)
 *
 * Reaching the end of the steps is a match — unless the pattern ends with negations: then the run
 * waits at position (n, 0) until its `within` deadline (or, for a trailing `notNext` only, until the
 * next event) and becomes a match if no forbidden event came.
 *
 * Branching. `followedByAny`, `allowCombinations` and quantifiers make runs fork: one event can be
 * taken and skipped (two runs), or repeat and move on (two runs). The taken events form a persistent
 * linked list (`EventNode.prev`), so branches share their common prefix and a fork costs one node.
 * Every event also starts a fresh run at step 0 (a virtual run with no events), which is how matches
 * starting at any event are found.
 *
 * Negations and greed. While a run waits for the first event of a step, the negations declared
 * between its last taken step and that step apply: an event matching a `notFollowedBy` condition
 * kills it (checked before taking, so an event that matches both kills), and the first event after
 * the last take must not match a `notNext` condition; a `notFollowedBy` right after a repeated step
 * also applies while the step repeats (as in FlinkCEP). A run that moved on from a greedy repetition
 * that could have gone on dies at an event the repetition could still take.
 *
 * Skip strategies. The matches one event completes are sorted by their first event and emitted in
 * that order; after each, the skip strategy drops the key's runs — and the not yet emitted matches —
 * that started too early: at or before the match's first event (skipToNext) or last event
 * (skipPastLastEvent), before the first / last event of a named step (skipToFirst / skipToLast).
 * Event ids, a counter over all released events, make "started before" exact.
 *
 * Timeouts. With `within(W)`, a run expires once event time reaches its first event's time + W: the
 * operator calls `expire` before it processes an event at or after that time, and when the watermark
 * passes it. Expiring runs that wait for the end (trailing absence) are matches; the others are
 * dropped, or emitted as timed-out partial matches when asked (one per distinct set of events, since
 * a run and the run it moved on to hold the same events).
 *
 * Everything here is a deterministic function of the events in order, which is what lets the
 * operator replay them after a crash and produce the same matches.
 */

import type { Key } from '../dataflow/codec.ts';
import { keyTag } from '../dataflow/operators/operator.ts';
import {
  ANY,
  type CompiledPattern,
  NO_SKIP,
  RELAXED,
  SKIP_PAST_LAST_EVENT,
  SKIP_TO_FIRST,
  SKIP_TO_NEXT,
} from './compile.ts';
import type { Condition, MatchContext } from './pattern.ts';

/** One taken event; `prev` links to the run's previous taken event. */
export interface EventNode {
  readonly value: unknown;
  readonly ts: number;
  readonly id: number;
  readonly step: number;
  readonly prev: EventNode | null;
}

/** A partial match. */
export interface Run {
  /** The positive step it waits on; steps.length = waiting for the end (trailing negations). */
  step: number;
  /** Events taken by `step` so far. */
  count: number;
  /** The last taken event. */
  last: EventNode;
  startTs: number;
  startId: number;
  /** No event has come since the last take (notNext guards apply). */
  fresh: boolean;
  /** The step that took the last event (which negations guard the gap). */
  anchor: number;
  /** The greedy repetition this run moved on from, or -1. */
  greedyFrom: number;
}

/**
 * A match (or, with `timedOut`, a partial match whose `within` deadline passed).
 *
 * @example
 * // { pattern: 'rising', key: 42, events: { first: [bid1], second: [bid2] }, start: 1000, end: 1300 }
 */
export interface PatternMatch<T = unknown, K extends Key = Key> {
  /** The pattern's name (for runtime rules: the rule id). */
  pattern: string;
  key: K;
  /** Events by step name, oldest first; steps that took no event (optional) are absent. */
  events: Record<string, T[]>;
  /** Event time of the first and last event. */
  start: number;
  end: number;
  /** Present on timed-out partial matches only. */
  timedOut?: true;
}

/** The partial matches of one key. */
export class KeyState {
  readonly key: Key;
  /** The state-store key: `k<machine id>/<key tag>`. */
  readonly entry: string;
  runs: Run[] = [];
  /** The deadline armed in the operator's timer queue (Infinity: none). */
  timerAt = Number.POSITIVE_INFINITY;
  dirty = false;
  /** Written by a checkpoint (so emptying it must delete the entry). */
  persisted = false;

  constructor(key: Key, entry: string) {
    this.key = key;
    this.entry = entry;
  }
}

/** Where a machine sends its matches and timer requests (the operator). */
export interface MachineHost {
  match(machine: PatternMachine, key: Key, match: PatternMatch, ts: number): void;
  arm(machine: PatternMachine, state: KeyState, deadline: number): void;
}

interface Candidate {
  node: EventNode;
  startId: number;
  ts: number;
  pruned: boolean;
}

const NO_RUNS: Run[] = [];

/** The MatchContext handed to conditions: reads the chain of the run being evaluated. */
class RunContext implements MatchContext<unknown> {
  key: Key = '';
  node: EventNode | null = null;
  readonly #names: ReadonlyMap<string, number>;

  constructor(names: ReadonlyMap<string, number>) {
    this.#names = names;
  }

  get(name: string): unknown[] {
    const step = this.#names.get(name);
    const out: unknown[] = [];
    for (let n = this.node; n !== null; n = n.prev) if (n.step === step) out.push(n.value);
    return out.reverse();
  }

  last(name: string): unknown {
    const step = this.#names.get(name);
    for (let n = this.node; n !== null; n = n.prev) if (n.step === step) return n.value;
    return undefined;
  }
}

/**
 * One pattern's automaton over all keys of a task.
 *
 * @example
 * const m = new PatternMachine('', 'rising', compilePattern(p), false, host);
 * m.onEvent(42, bid, bid.dateTime, 0);
 */
export class PatternMachine {
  /** '' for `.pattern(p)`; the rule id for runtime rules. */
  readonly id: string;
  readonly name: string;
  readonly pattern: CompiledPattern;
  readonly timeouts: boolean;
  readonly keys = new Map<Key, KeyState>();
  /** Keys whose runs changed since the last checkpoint. */
  readonly dirty: KeyState[] = [];
  /** Set when a rule is removed: its timers are ignored. */
  removed = false;
  readonly #host: MachineHost;
  readonly #ctx: RunContext;
  #next: Run[] = [];
  readonly #candidates: Candidate[] = [];

  constructor(id: string, name: string, pattern: CompiledPattern, timeouts: boolean, host: MachineHost) {
    this.id = id;
    this.name = name;
    this.pattern = pattern;
    this.timeouts = timeouts;
    this.#host = host;
    this.#ctx = new RunContext(pattern.names);
  }

  /** The state-store key of a key's runs. */
  entryOf(key: Key): string {
    return `k${this.id}/${keyTag(key)}`;
  }

  /** Feeds one event of `key` (events arrive in event-time order; expired runs are gone already). */
  onEvent(key: Key, value: unknown, ts: number, id: number): void {
    let state = this.keys.get(key);
    const runs = state === undefined ? NO_RUNS : state.runs;
    const next = this.#next;
    this.#ctx.key = key;
    for (let i = 0; i < runs.length; i++) this.#step(runs[i], value, ts, id, next);
    this.#start(value, ts, id, next);
    if (state === undefined) {
      if (next.length === 0 && this.#candidates.length === 0) return;
      state = new KeyState(key, this.entryOf(key));
      this.keys.set(key, state);
    }
    state.runs = next;
    if (runs === NO_RUNS) this.#next = [];
    else {
      runs.length = 0;
      this.#next = runs;
    }
    this.#markDirty(state);
    if (this.#candidates.length > 0) this.#resolve(state, key);
    this.#arm(state);
  }

  /** Expires the runs of `state` whose deadline is at or before `now`. */
  expire(state: KeyState, now: number): void {
    const within = this.pattern.withinMs;
    const runs = state.runs;
    let kept = 0;
    let expired: Run[] | undefined;
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i];
      if (r.startTs + within <= now) (expired ??= []).push(r);
      else runs[kept++] = r;
    }
    runs.length = kept;
    if (expired !== undefined) {
      this.#markDirty(state);
      // Deadline order, then start order: Array.prototype.sort is stable.
      expired.sort((a, b) => a.startTs - b.startTs || a.startId - b.startId);
      const n = this.pattern.steps.length;
      for (const r of expired) {
        if (r.step === n)
          this.#candidates.push({ node: r.last, startId: r.startId, ts: r.startTs + within, pruned: false });
      }
      if (this.#candidates.length > 0) this.#resolve(state, state.key);
      if (this.timeouts) {
        const seen = new Set<EventNode>();
        for (const r of expired) {
          if (r.step === n || seen.has(r.last)) continue;
          seen.add(r.last);
          const match = this.#build(r.last, state.key);
          match.timedOut = true;
          this.#host.match(this, state.key, match, r.startTs + within);
        }
      }
    }
    this.#arm(state);
  }

  #markDirty(state: KeyState): void {
    if (!state.dirty) {
      state.dirty = true;
      this.dirty.push(state);
    }
  }

  /** Asks for a timer at the earliest deadline of the key's runs, if none is armed. */
  #arm(state: KeyState): void {
    const within = this.pattern.withinMs;
    if (within === Number.POSITIVE_INFINITY || state.timerAt !== Number.POSITIVE_INFINITY) return;
    const runs = state.runs;
    if (runs.length === 0) return;
    let min = Number.POSITIVE_INFINITY;
    for (let i = 0; i < runs.length; i++) if (runs[i].startTs < min) min = runs[i].startTs;
    this.#host.arm(this, state, min + within);
  }

  #test(cond: Condition<unknown>, value: unknown): boolean {
    try {
      return Boolean(cond(value, this.#ctx));
    } catch {
      return false;
    }
  }

  #step(run: Run, value: unknown, ts: number, id: number, next: Run[]): void {
    const p = this.pattern;
    this.#ctx.node = run.last;
    if (run.count === 0) {
      const negs = p.negations[run.anchor][run.step];
      if (negs !== null) {
        for (const c of negs.relaxed) if (this.#test(c, value)) return;
        if (run.fresh) for (const c of negs.strict) if (this.#test(c, value)) return;
      }
      if (run.greedyFrom >= 0 && this.#test(p.steps[run.greedyFrom].cond, value)) return;
      if (run.step === p.steps.length) {
        // Waiting for the end: this event was allowed. With no notFollowedBy left, that completes it.
        run.fresh = false;
        if (negs!.relaxed.length === 0)
          this.#candidates.push({ node: run.last, startId: run.startId, ts, pruned: false });
        else next.push(run);
        return;
      }
    } else {
      // Repeating: a notFollowedBy right after this step already forbids its event (as in FlinkCEP).
      const negs = p.negations[run.step][run.step + 1];
      if (negs !== null) for (const c of negs.relaxed) if (this.#test(c, value)) return;
    }
    const s = p.steps[run.step];
    const take = run.count < s.max && this.#test(s.cond, value);
    const contiguity = run.count === 0 ? s.outer : s.inner;
    if (contiguity === ANY || (contiguity === RELAXED && !take)) {
      run.fresh = false;
      next.push(run);
    }
    if (take) {
      const node: EventNode = { value, ts, id, step: run.step, prev: run.last };
      this.#taken(run.step, run.count + 1, node, run.startTs, run.startId, next);
    }
  }

  /** A fresh run starting at this event: step 0, or later steps while the ones before are optional. */
  #start(value: unknown, ts: number, id: number, next: Run[]): void {
    const steps = this.pattern.steps;
    this.#ctx.node = null;
    for (let j = 0; j < steps.length; j++) {
      if (this.#test(steps[j].cond, value)) {
        this.#taken(j, 1, { value, ts, id, step: j, prev: null }, ts, id, next);
      }
      if (!steps[j].optional) return;
    }
  }

  /** Step `i` took its `count`-th event `node`: repeat, move on, or complete. */
  #taken(i: number, count: number, node: EventNode, startTs: number, startId: number, next: Run[]): void {
    const p = this.pattern;
    const s = p.steps[i];
    const repeats = count < s.max;
    if (repeats) {
      next.push({ step: i, count, last: node, startTs, startId, fresh: true, anchor: i, greedyFrom: -1 });
    }
    if (count < s.min) return;
    const greedyFrom = s.greedy && repeats ? i : -1;
    const n = p.steps.length;
    for (let j = i + 1; ; j++) {
      if (j === n) {
        if (p.negations[i][n] !== null) {
          next.push({ step: n, count: 0, last: node, startTs, startId, fresh: true, anchor: i, greedyFrom });
        } else {
          this.#candidates.push({ node, startId, ts: node.ts, pruned: false });
        }
        return;
      }
      next.push({ step: j, count: 0, last: node, startTs, startId, fresh: true, anchor: i, greedyFrom });
      if (!p.steps[j].optional) return;
    }
  }

  /** Emits the completed matches in start order, applying the skip strategy after each. */
  #resolve(state: KeyState, key: Key): void {
    const candidates = this.#candidates;
    const p = this.pattern;
    if (candidates.length > 1) candidates.sort((a, b) => a.startId - b.startId);
    for (let i = 0; i < candidates.length; i++) {
      const c = candidates[i];
      if (c.pruned) continue;
      this.#host.match(this, key, this.#build(c.node, key), c.ts);
      if (p.skip === NO_SKIP) continue;
      const cut = this.#pruningId(c.node);
      if (cut < 0) continue;
      // skipToNext and skipPastLastEvent drop runs that started at the cut; skipTo{First,Last} keep them.
      const bound = p.skip === SKIP_TO_NEXT || p.skip === SKIP_PAST_LAST_EVENT ? cut + 1 : cut;
      const runs = state.runs;
      let kept = 0;
      for (let r = 0; r < runs.length; r++) if (runs[r].startId >= bound) runs[kept++] = runs[r];
      runs.length = kept;
      for (let j = i + 1; j < candidates.length; j++)
        if (candidates[j].startId < bound) candidates[j].pruned = true;
    }
    candidates.length = 0;
  }

  /** The event id the skip strategy cuts at, or -1 (no such event). */
  #pruningId(last: EventNode): number {
    const p = this.pattern;
    switch (p.skip) {
      case SKIP_PAST_LAST_EVENT:
        return last.id;
      case SKIP_TO_NEXT: {
        let n = last;
        while (n.prev !== null) n = n.prev;
        return n.id;
      }
      case SKIP_TO_FIRST: {
        let id = -1;
        for (let n: EventNode | null = last; n !== null; n = n.prev) if (n.step === p.skipStep) id = n.id;
        return id;
      }
      default: {
        for (let n: EventNode | null = last; n !== null; n = n.prev) if (n.step === p.skipStep) return n.id;
        return -1;
      }
    }
  }

  #build(last: EventNode, key: Key): PatternMatch {
    const steps = this.pattern.steps;
    const chain: EventNode[] = [];
    for (let n: EventNode | null = last; n !== null; n = n.prev) chain.push(n);
    // Oldest first, so steps appear in the order of their first event.
    const events: Record<string, unknown[]> = {};
    for (let i = chain.length - 1; i >= 0; i--) {
      const name = steps[chain[i].step].name;
      const list = events[name];
      if (list === undefined) events[name] = [chain[i].value];
      else list.push(chain[i].value);
    }
    return { pattern: this.name, key, events, start: chain[chain.length - 1].ts, end: last.ts };
  }
}
