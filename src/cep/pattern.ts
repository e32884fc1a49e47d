/**
 * The pattern language: a fluent, immutable builder in the shape of FlinkCEP's `Pattern` API. Every
 * method returns a new pattern, and every argument is checked when the method is called
 * (SS_ERR_INVALID_OPTION); rules that need the whole pattern (a trailing `notFollowedBy` needs
 * `within`, skip targets must name a step) are checked by `compilePattern` when the pattern is handed
 * to `.pattern(...)`.
 */

import type { Key } from '../dataflow/codec.ts';
import { type Duration, toMillis } from '../dataflow/duration.ts';
import { StreamsightError } from '../errors/index.ts';

/**
 * What a condition may read besides the event: the events the partial match took so far.
 *
 * @example
 * // A bid above the previous step's bid.
 * .followedBy('higher').where((bid, ctx) => bid.price > ctx.last('first')!.price)
 */
export interface MatchContext<T> {
  /** The key of the partial match. */
  readonly key: Key;
  /** Events the partial match took for step `name`, oldest first ([] when none). */
  get(name: string): T[];
  /** The latest event the partial match took for step `name`. */
  last(name: string): T | undefined;
}

/**
 * A condition on an event. It may look at the partial match's earlier events (`ctx`). It should be a
 * pure function of its arguments: after a crash, events are matched again and must decide alike. A
 * condition that throws counts as false for that event.
 */
export type Condition<T> = (event: T, ctx: MatchContext<T>) => boolean;

/**
 * How an event relates to the one before it in a match (FlinkCEP's contiguity):
 * `next` strict (the very next event of the key), `followedBy` relaxed (skip events until the first
 * that matches), `followedByAny` non-deterministic relaxed (every later event that matches, each in
 * its own branch).
 */
export type Contiguity = 'next' | 'followedBy' | 'followedByAny';

/** After a match, which partial matches to drop (FlinkCEP's after-match skip strategies). */
export type SkipStrategy =
  | { readonly kind: 'noSkip' }
  | { readonly kind: 'skipToNext' }
  | { readonly kind: 'skipPastLastEvent' }
  | { readonly kind: 'skipToFirst'; readonly name: string }
  | { readonly kind: 'skipToLast'; readonly name: string };

/** Every match is emitted (the default). @example pattern('a', { skip: noSkip() }) */
export function noSkip(): SkipStrategy {
  return { kind: 'noSkip' };
}

/**
 * Drops partial matches that started at or before the match's first event.
 *
 * @example
 * pattern('a', { skip: skipToNext() })
 */
export function skipToNext(): SkipStrategy {
  return { kind: 'skipToNext' };
}

/**
 * Drops partial matches that started at or before the match's last event: matches never share events.
 *
 * @example
 * pattern('a', { skip: skipPastLastEvent() })
 */
export function skipPastLastEvent(): SkipStrategy {
  return { kind: 'skipPastLastEvent' };
}

/**
 * Drops partial matches that started before the match's first event of step `name` (no-op for a
 * match without such an event).
 *
 * @example
 * pattern('a', { skip: skipToFirst('b') })
 */
export function skipToFirst(name: string): SkipStrategy {
  checkName(name, 'skipToFirst');
  return { kind: 'skipToFirst', name };
}

/**
 * Drops partial matches that started before the match's last event of step `name` (no-op for a
 * match without such an event).
 *
 * @example
 * pattern('a', { skip: skipToLast('b') })
 */
export function skipToLast(name: string): SkipStrategy {
  checkName(name, 'skipToLast');
  return { kind: 'skipToLast', name };
}

/** @internal One step of a pattern as the builder records it. */
export interface StepDef<T> {
  readonly name: string;
  /** take: events are matched; notNext / notFollowedBy: a forbidden event (absence). */
  readonly kind: 'take' | 'notNext' | 'notFollowedBy';
  /** How the step's first event relates to the previous step's last event. */
  readonly contiguity: Contiguity;
  /** Disjunction of conjunctions: `where(a).where(b).or(c)` is `(a && b) || c`. */
  readonly conditions: readonly (readonly Condition<T>[])[];
  /** When the step is not skipped (optional), it takes from min to max events. */
  readonly min: number;
  readonly max: number;
  readonly optional: boolean;
  readonly quantified: boolean;
  readonly greedy: boolean;
  /** Contiguity between the events of a repeated step (default followedBy). */
  readonly inner: Contiguity;
}

/** @internal Everything a pattern holds. */
export interface PatternDef<T> {
  readonly steps: readonly StepDef<T>[];
  readonly withinMs: number | undefined;
  readonly skip: SkipStrategy;
}

export interface PatternOptions {
  /** After-match skip strategy (default `noSkip()`). */
  skip?: SkipStrategy;
}

const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;

function checkName(name: string, where: string): void {
  if (typeof name !== 'string' || !STEP_NAME.test(name)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `${where}: step name ${JSON.stringify(name)} must match ${STEP_NAME}`,
    );
  }
}

function checkCount(n: number, what: string, min: number): void {
  if (!Number.isInteger(n) || n < min) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `${what}: expected an integer ≥ ${min}, got ${n}`);
  }
}

/**
 * A pattern of events per key. Build it with `pattern(name)`, then add steps with `next`,
 * `followedBy`, `followedByAny` (events that must occur) and `notNext`, `notFollowedBy` (events
 * that must not); each step's `where` and quantifiers apply to the step added last.
 *
 * @example
 * // A user who logs in, then withdraws more than 1,000 within 10 minutes, with no logout in between.
 * const p = pattern<Tx>('login')
 *   .where((t) => t.type === 'login')
 *   .notFollowedBy('logout').where((t) => t.type === 'logout')
 *   .followedBy('withdraw').where((t) => t.type === 'withdraw' && t.amount > 1000)
 *   .within('10m');
 */
export class Pattern<T> {
  /** @internal */
  readonly def: PatternDef<T>;

  /** @internal use `pattern(name)` */
  constructor(def: PatternDef<T>) {
    this.def = def;
  }

  #last(): StepDef<T> {
    return this.def.steps[this.def.steps.length - 1];
  }

  #replaceLast(changes: Partial<StepDef<T>>): Pattern<T> {
    const steps = this.def.steps.slice();
    steps[steps.length - 1] = { ...this.#last(), ...changes };
    return new Pattern({ ...this.def, steps });
  }

  #add(name: string, kind: StepDef<T>['kind'], contiguity: Contiguity): Pattern<T> {
    checkName(name, kind === 'take' ? contiguity : kind);
    if (this.def.steps.some((s) => s.name === name)) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', `pattern: step name ${name} is used twice`);
    }
    const step: StepDef<T> = {
      name,
      kind,
      contiguity,
      conditions: [],
      min: 1,
      max: 1,
      optional: false,
      quantified: false,
      greedy: false,
      inner: 'followedBy',
    };
    return new Pattern({ ...this.def, steps: [...this.def.steps, step] });
  }

  #quantify(what: string, min: number, max: number): Pattern<T> {
    const last = this.#last();
    if (last.kind !== 'take') {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `${what}: ${last.kind} step ${last.name} cannot repeat`,
      );
    }
    if (last.quantified) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `${what}: step ${last.name} has a quantifier already`,
      );
    }
    return this.#replaceLast({ min, max, quantified: true });
  }

  /** Adds a condition to the last step (conditions added with `where` must all hold). */
  where(condition: Condition<T>): Pattern<T> {
    if (typeof condition !== 'function') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'where: expected a function');
    }
    const conditions = this.#last().conditions.slice();
    if (conditions.length === 0) conditions.push([condition]);
    else conditions[conditions.length - 1] = [...conditions[conditions.length - 1], condition];
    return this.#replaceLast({ conditions });
  }

  /** Adds an alternative condition to the last step: `where(a).or(b)` holds when a or b holds. */
  or(condition: Condition<T>): Pattern<T> {
    if (typeof condition !== 'function') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'or: expected a function');
    }
    if (this.#last().conditions.length === 0) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'or: call where(...) first');
    }
    return this.#replaceLast({ conditions: [...this.#last().conditions, [condition]] });
  }

  /** The last step matches exactly `n` events, or from `n` to `m` events. */
  times(n: number, m?: number): Pattern<T> {
    checkCount(n, 'times', 1);
    if (m !== undefined) {
      checkCount(m, 'times', n);
      return this.#quantify('times', n, m);
    }
    return this.#quantify('times', n, n);
  }

  /** The last step matches `n` or more events. */
  timesOrMore(n: number): Pattern<T> {
    checkCount(n, 'timesOrMore', 1);
    return this.#quantify('timesOrMore', n, Number.POSITIVE_INFINITY);
  }

  /** The last step matches one or more events. */
  oneOrMore(): Pattern<T> {
    return this.#quantify('oneOrMore', 1, Number.POSITIVE_INFINITY);
  }

  /** The last step may match no event at all (`times(4).optional()`: none or exactly 4). */
  optional(): Pattern<T> {
    const last = this.#last();
    if (last.kind !== 'take') {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `optional: ${last.kind} step ${last.name} cannot be optional`,
      );
    }
    if (last.optional) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', `optional: step ${last.name} is optional already`);
    }
    return this.#replaceLast({ optional: true });
  }

  /**
   * The repeated last step takes as many events as it can: a branch that moved on to the next step
   * dies at an event the repetition could still have taken.
   */
  greedy(): Pattern<T> {
    const last = this.#last();
    if (!last.quantified || last.min === last.max) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `greedy: step ${last.name} needs a quantifier with a variable count (oneOrMore, timesOrMore, times(n, m))`,
      );
    }
    return this.#replaceLast({ greedy: true });
  }

  /** The repeated last step's events must be consecutive (strict contiguity between them). */
  consecutive(): Pattern<T> {
    return this.#inner('consecutive', 'next');
  }

  /** The repeated last step takes every combination of matching events (non-deterministic relaxed). */
  allowCombinations(): Pattern<T> {
    return this.#inner('allowCombinations', 'followedByAny');
  }

  #inner(what: string, inner: Contiguity): Pattern<T> {
    const last = this.#last();
    if (!last.quantified || last.max === 1) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', `${what}: step ${last.name} does not repeat`);
    }
    return this.#replaceLast({ inner });
  }

  /** A step whose first event must directly follow the previous step's last event. */
  next(name: string): Pattern<T> {
    return this.#add(name, 'take', 'next');
  }

  /** A step whose first event is the first matching event after the previous step (others are skipped). */
  followedBy(name: string): Pattern<T> {
    return this.#add(name, 'take', 'followedBy');
  }

  /** A step that takes every later matching event, each in its own branch. */
  followedByAny(name: string): Pattern<T> {
    return this.#add(name, 'take', 'followedByAny');
  }

  /** The event right after the previous step must not match this step's condition. */
  notNext(name: string): Pattern<T> {
    return this.#add(name, 'notNext', 'next');
  }

  /**
   * No event matching this step's condition may occur between the previous step and the next one;
   * at the end of a pattern, before the `within` deadline.
   */
  notFollowedBy(name: string): Pattern<T> {
    return this.#add(name, 'notFollowedBy', 'followedBy');
  }

  /** A match must end before `duration` has passed since its first event (event time). */
  within(duration: Duration): Pattern<T> {
    const ms = toMillis(duration, 'within');
    if (ms <= 0) throw new StreamsightError('SS_ERR_INVALID_OPTION', 'within: must be longer than 0 ms');
    return new Pattern({ ...this.def, withinMs: ms });
  }
}

/**
 * Starts a pattern with its first step (FlinkCEP's `Pattern.begin`).
 *
 * @example
 * pattern<Bid>('low', { skip: skipPastLastEvent() })
 *   .where((b) => b.price < 1_000)
 *   .followedBy('high').where((b, ctx) => b.price > 10 * ctx.last('low')!.price)
 *   .within('10s');
 */
export function pattern<T>(name: string, options: PatternOptions = {}): Pattern<T> {
  checkName(name, 'pattern');
  const skip = options.skip ?? noSkip();
  const kinds = ['noSkip', 'skipToNext', 'skipPastLastEvent', 'skipToFirst', 'skipToLast'];
  if (typeof skip !== 'object' || skip === null || !kinds.includes(skip.kind)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'pattern: skip must come from noSkip(), skipToNext(), ...',
    );
  }
  const step: StepDef<T> = {
    name,
    kind: 'take',
    contiguity: 'followedBy',
    conditions: [],
    min: 1,
    max: 1,
    optional: false,
    quantified: false,
    greedy: false,
    inner: 'followedBy',
  };
  return new Pattern<T>({ steps: [step], withinMs: undefined, skip });
}

/**
 * A counting rule: `n` events matching `where` within `within` (for example, a user casting more than
 * three high votes in an hour). Each match takes `n` events; the next match needs `n` new ones
 * (skip past the last event).
 *
 * @example
 * atLeast<Vote>(4, (v) => v.stars >= 4, '1h', 'highVotes')
 */
export function atLeast<T>(n: number, where: Condition<T>, within: Duration, name = 'events'): Pattern<T> {
  return pattern<T>(name, { skip: skipPastLastEvent() }).where(where).times(n).within(within);
}
