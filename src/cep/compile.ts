/**
 * From a pattern (as the builder records it) to what the automaton runs: the positive steps with
 * one combined condition each, contiguities as small integers, the negations that guard each gap
 * between steps, `within` in ms and the skip strategy. Whole-pattern rules are checked here, once.
 */

import { StreamsightError } from '../errors/index.ts';
import type { Condition, Contiguity, Pattern, SkipStrategy, StepDef } from './pattern.ts';

/** Contiguity codes: strict (`next`), relaxed (`followedBy`), non-deterministic relaxed (`followedByAny`). */
export const STRICT = 0;
export const RELAXED = 1;
export const ANY = 2;

/** Skip strategy codes. */
export const NO_SKIP = 0;
export const SKIP_TO_NEXT = 1;
export const SKIP_PAST_LAST_EVENT = 2;
export const SKIP_TO_FIRST = 3;
export const SKIP_TO_LAST = 4;

export interface CompiledStep {
  readonly name: string;
  readonly cond: Condition<any>;
  readonly min: number;
  readonly max: number;
  readonly optional: boolean;
  readonly greedy: boolean;
  /** Contiguity of the step's first event with the previous step's last event. */
  readonly outer: number;
  /** Contiguity between the step's own events. */
  readonly inner: number;
}

/** The absence conditions guarding one gap: `strict` (notNext) and `relaxed` (notFollowedBy). */
export interface Negations {
  readonly strict: readonly Condition<any>[];
  readonly relaxed: readonly Condition<any>[];
}

export interface CompiledPattern {
  readonly steps: readonly CompiledStep[];
  /**
   * `negations[a][j]`: the absence conditions that apply while a partial match whose last event was
   * taken by step `a` waits for the first event of step `j` (`j = steps.length`: for the end of the
   * pattern). Those are the negations declared anywhere between step `a` and step `j`, including
   * before optional steps skipped on the way; null when there are none.
   */
  readonly negations: readonly (readonly (Negations | null)[])[];
  /** Infinity when the pattern has no `within`. */
  readonly withinMs: number;
  readonly skip: number;
  /** The step skipToFirst / skipToLast refer to (-1 otherwise). */
  readonly skipStep: number;
  /** Step name → index. */
  readonly names: ReadonlyMap<string, number>;
}

const TRUE: Condition<any> = () => true;

const CONTIGUITY: Record<Contiguity, number> = { next: STRICT, followedBy: RELAXED, followedByAny: ANY };

function combine<T>(step: StepDef<T>): Condition<T> {
  const groups = step.conditions;
  if (groups.length === 0) return TRUE;
  if (groups.length === 1 && groups[0].length === 1) return groups[0][0];
  // Built once per step, never per record.
  return (event, ctx) => {
    for (const group of groups) {
      let all = true;
      for (const c of group) {
        if (!c(event, ctx)) {
          all = false;
          break;
        }
      }
      if (all) return true;
    }
    return false;
  };
}

function skipCode(skip: SkipStrategy): number {
  switch (skip.kind) {
    case 'noSkip':
      return NO_SKIP;
    case 'skipToNext':
      return SKIP_TO_NEXT;
    case 'skipPastLastEvent':
      return SKIP_PAST_LAST_EVENT;
    case 'skipToFirst':
      return SKIP_TO_FIRST;
    case 'skipToLast':
      return SKIP_TO_LAST;
  }
}

/**
 * Compiles and validates a pattern (SS_ERR_INVALID_OPTION when malformed).
 *
 * @example
 * const compiled = compilePattern(pattern<Bid>('a').followedBy('b'));
 */
export function compilePattern<T>(p: Pattern<T>): CompiledPattern {
  const def = p.def;
  const steps: CompiledStep[] = [];
  /** gaps[j]: negations declared right before positive step j (j = steps.length: trailing). */
  const gaps: { strict: Condition<any>[]; relaxed: Condition<any>[] }[] = [{ strict: [], relaxed: [] }];
  const names = new Map<string, number>();
  for (const s of def.steps) {
    if (s.kind === 'take') {
      names.set(s.name, steps.length);
      steps.push({
        name: s.name,
        cond: combine(s),
        min: s.min,
        max: s.max,
        optional: s.optional,
        greedy: s.greedy,
        outer: CONTIGUITY[s.contiguity],
        inner: CONTIGUITY[s.inner],
      });
      gaps.push({ strict: [], relaxed: [] });
    } else {
      const gap = gaps[gaps.length - 1];
      (s.kind === 'notNext' ? gap.strict : gap.relaxed).push(combine(s));
    }
  }
  const n = steps.length;
  if (steps.every((s) => s.optional)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'pattern: at least one step must not be optional');
  }
  const trailing = gaps[n];
  if (trailing.relaxed.length > 0 && def.withinMs === undefined) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'pattern: a pattern that ends with notFollowedBy needs within(...) (until when must the event be absent?)',
    );
  }
  let skipStep = -1;
  if (def.skip.kind === 'skipToFirst' || def.skip.kind === 'skipToLast') {
    const i = names.get(def.skip.name);
    if (i === undefined) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `pattern: ${def.skip.kind}(${def.skip.name}) names no step that takes events`,
      );
    }
    skipStep = i;
  }
  const negations: (Negations | null)[][] = [];
  for (let a = 0; a < n; a++) {
    const row: (Negations | null)[] = [];
    const strict: Condition<any>[] = [];
    const relaxed: Condition<any>[] = [];
    for (let j = 0; j <= n; j++) {
      if (j > a) {
        strict.push(...gaps[j].strict);
        relaxed.push(...gaps[j].relaxed);
      }
      row.push(
        j > a && strict.length + relaxed.length > 0
          ? { strict: strict.slice(), relaxed: relaxed.slice() }
          : null,
      );
    }
    negations.push(row);
  }
  return {
    steps,
    negations,
    withinMs: def.withinMs ?? Number.POSITIVE_INFINITY,
    skip: skipCode(def.skip),
    skipStep,
    names,
  };
}
