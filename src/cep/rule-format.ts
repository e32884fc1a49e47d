/**
 * Runtime rules: patterns written as JSON, so they can be added while an app runs (documented with
 * examples in docs/cep.md). A rule is validated in full before it is accepted, with
 * SS_ERR_INVALID_RULE naming the offending path (`steps[1].where.and[0].op`), then compiled to the
 * same automaton as a pattern built in TypeScript. Conditions compile to closures once per rule.
 */

import { type Duration, toMillis } from '../dataflow/duration.ts';
import { StreamsightError } from '../errors/index.ts';
import { type CompiledPattern, compilePattern } from './compile.ts';
import {
  type Condition,
  type Contiguity,
  noSkip,
  type Pattern,
  pattern,
  type SkipStrategy,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from './pattern.ts';

/** A literal a field is compared with. */
export type RuleValue = string | number | boolean | null;

/** A condition on the event's fields (dotted paths such as `order.total`). */
export type RuleCondition =
  | { field: string; op: '==' | '!=' | '<' | '<=' | '>' | '>='; value: RuleValue }
  /** Compares with a field of the last event an earlier step took: `ref: "<step>.<path>"`. */
  | { field: string; op: '==' | '!=' | '<' | '<=' | '>' | '>='; ref: string }
  | { field: string; op: 'in' | 'notIn'; value: RuleValue[] }
  | { field: string; op: 'contains' | 'startsWith' | 'endsWith'; value: string }
  | { field: string; op: 'exists' | 'missing' }
  | { and: RuleCondition[] }
  | { or: RuleCondition[] }
  | { not: RuleCondition };

/** One step of a rule. */
export interface RuleStep {
  /** Unique within the rule; the key of the step's events in a match. */
  name: string;
  /** How the step follows the previous one (ignored on the first step); default 'followedBy'. */
  after?: Contiguity;
  /** An absence: no event matching `where` right after the previous step (`after: 'next'`) or before the next step / the deadline. */
  absent?: boolean;
  /** Default: every event matches. */
  where?: RuleCondition;
  /** Exactly n events, or from `min` to `max` (no `max`: no upper bound). */
  times?: number | { min: number; max?: number };
  optional?: boolean;
  greedy?: boolean;
  /** The repeated step's events must be consecutive. */
  consecutive?: boolean;
  /** The repeated step takes every combination of matching events. */
  allowCombinations?: boolean;
}

/**
 * A runtime rule.
 *
 * @example
 * const rule: Rule = {
 *   id: 'many-high-votes',
 *   steps: [{ name: 'votes', where: { field: 'stars', op: '>=', value: 4 }, times: 4 }],
 *   within: '1h',
 *   skip: 'skipPastLastEvent',
 * };
 */
export interface Rule {
  /** Names the rule and its alert topic `<app>.alerts.<id>`. */
  id: string;
  description?: string;
  steps: RuleStep[];
  /** A match must end within this long after its first event ('10s', '5m', or ms). */
  within?: Duration;
  skip?: 'noSkip' | 'skipToNext' | 'skipPastLastEvent' | { skipToFirst: string } | { skipToLast: string };
  /** Also emit partial matches whose `within` deadline passed (`timedOut: true`). */
  timeouts?: boolean;
}

/** A command of a rules control topic. */
export type RuleCommand = { op: 'add'; rule: Rule } | { op: 'remove'; id: string };

/** A compiled rule: what the pattern operator runs. */
export interface CompiledRule {
  rule: Rule;
  pattern: CompiledPattern;
}

const RULE_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const STEP_NAME = /^[A-Za-z_][A-Za-z0-9_-]{0,63}$/;
const COMPARISONS = ['==', '!=', '<', '<=', '>', '>='];
const OPS = [...COMPARISONS, 'in', 'notIn', 'contains', 'startsWith', 'endsWith', 'exists', 'missing'];
const SKIPS = ['noSkip', 'skipToNext', 'skipPastLastEvent'];
const MAX_STEPS = 32;
const MAX_DEPTH = 16;
const MAX_LIST = 10_000;
const MAX_TIMES = 10_000;

function fail(id: unknown, path: string, message: string): never {
  const name = typeof id === 'string' && RULE_ID.test(id) ? `rule ${id}` : 'rule';
  throw new StreamsightError('SS_ERR_INVALID_RULE', `${name}: ${path}: ${message}`, { details: { path } });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function isLiteral(v: unknown): v is RuleValue {
  return (
    v === null ||
    typeof v === 'string' ||
    typeof v === 'boolean' ||
    (typeof v === 'number' && Number.isFinite(v))
  );
}

function onlyKeys(o: Record<string, unknown>, allowed: string[], id: unknown, path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k))
      fail(id, path, `unknown property ${JSON.stringify(k)} (allowed: ${allowed.join(', ')})`);
  }
}

function checkPath(field: unknown, id: unknown, path: string): void {
  if (typeof field !== 'string' || field === '' || field.split('.').some((s) => s === '')) {
    fail(id, path, 'expected a dotted field path such as "order.total"');
  }
}

function checkCondition(c: unknown, id: unknown, path: string, earlier: Set<string>, depth: number): void {
  if (depth > MAX_DEPTH) fail(id, path, `conditions nest deeper than ${MAX_DEPTH}`);
  if (!isObject(c)) fail(id, path, 'expected a condition object');
  for (const combinator of ['and', 'or'] as const) {
    if (combinator in c) {
      onlyKeys(c, [combinator], id, path);
      const list = c[combinator];
      if (!Array.isArray(list) || list.length === 0)
        fail(id, `${path}.${combinator}`, 'expected a non-empty array');
      list.forEach((x, i) => {
        checkCondition(x, id, `${path}.${combinator}[${i}]`, earlier, depth + 1);
      });
      return;
    }
  }
  if ('not' in c) {
    onlyKeys(c, ['not'], id, path);
    checkCondition(c.not, id, `${path}.not`, earlier, depth + 1);
    return;
  }
  onlyKeys(c, ['field', 'op', 'value', 'ref'], id, path);
  checkPath(c.field, id, `${path}.field`);
  const op = c.op;
  if (typeof op !== 'string' || !OPS.includes(op)) fail(id, `${path}.op`, `expected one of ${OPS.join(' ')}`);
  if (op === 'exists' || op === 'missing') {
    if ('value' in c || 'ref' in c) fail(id, path, `${op} takes no value`);
    return;
  }
  if ('ref' in c) {
    if (!COMPARISONS.includes(op)) fail(id, `${path}.ref`, `ref works with ${COMPARISONS.join(' ')} only`);
    if ('value' in c) fail(id, path, 'give either value or ref, not both');
    const ref = c.ref;
    const dot = typeof ref === 'string' ? ref.indexOf('.') : -1;
    if (typeof ref !== 'string' || dot < 1) fail(id, `${path}.ref`, 'expected "<step>.<field path>"');
    const step = ref.slice(0, dot);
    if (!earlier.has(step)) fail(id, `${path}.ref`, `${step} is not an earlier step that takes events`);
    checkPath(ref.slice(dot + 1), id, `${path}.ref`);
    return;
  }
  if (!('value' in c)) fail(id, `${path}.value`, 'missing');
  const value = (c as { value: unknown }).value;
  if (op === 'in' || op === 'notIn') {
    if (!Array.isArray(value) || value.length > MAX_LIST || !value.every(isLiteral)) {
      fail(
        id,
        `${path}.value`,
        `expected an array of at most ${MAX_LIST} strings, numbers, booleans or nulls`,
      );
    }
  } else if (op === 'contains' || op === 'startsWith' || op === 'endsWith') {
    if (typeof value !== 'string') fail(id, `${path}.value`, 'expected a string');
  } else if (!isLiteral(value)) {
    fail(id, `${path}.value`, 'expected a string, a finite number, a boolean or null');
  }
}

function checkCount(v: unknown, id: unknown, path: string, min: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > MAX_TIMES) {
    fail(id, path, `expected an integer in ${min}..${MAX_TIMES}`);
  }
  return v;
}

/**
 * Checks a rule (parsed JSON) and returns it typed; throws SS_ERR_INVALID_RULE naming the path of
 * the first problem.
 *
 * @example
 * validateRule(JSON.parse(await readFile('rule.json', 'utf8')));
 */
export function validateRule(input: unknown): Rule {
  if (!isObject(input)) fail(undefined, '(root)', 'expected a JSON object');
  const id = input.id;
  onlyKeys(input, ['id', 'description', 'steps', 'within', 'skip', 'timeouts'], id, '(root)');
  if (typeof id !== 'string' || !RULE_ID.test(id)) fail(id, 'id', `expected a string matching ${RULE_ID}`);
  if (
    input.description !== undefined &&
    (typeof input.description !== 'string' || input.description.length > 1000)
  ) {
    fail(id, 'description', 'expected a string of at most 1000 characters');
  }
  const steps = input.steps;
  if (!Array.isArray(steps) || steps.length === 0 || steps.length > MAX_STEPS) {
    fail(id, 'steps', `expected an array of 1 to ${MAX_STEPS} steps`);
  }
  const names = new Set<string>();
  const earlier = new Set<string>();
  steps.forEach((s, i) => {
    const path = `steps[${i}]`;
    if (!isObject(s)) fail(id, path, 'expected a step object');
    onlyKeys(
      s,
      ['name', 'after', 'absent', 'where', 'times', 'optional', 'greedy', 'consecutive', 'allowCombinations'],
      id,
      path,
    );
    if (typeof s.name !== 'string' || !STEP_NAME.test(s.name))
      fail(id, `${path}.name`, `expected a string matching ${STEP_NAME}`);
    if (names.has(s.name)) fail(id, `${path}.name`, `${s.name} is used twice`);
    names.add(s.name);
    for (const flag of ['absent', 'optional', 'greedy', 'consecutive', 'allowCombinations']) {
      if (s[flag] !== undefined && typeof s[flag] !== 'boolean')
        fail(id, `${path}.${flag}`, 'expected true or false');
    }
    const absent = s.absent === true;
    const allowed = absent ? ['next', 'followedBy'] : ['next', 'followedBy', 'followedByAny'];
    if (s.after !== undefined && (typeof s.after !== 'string' || !allowed.includes(s.after))) {
      fail(id, `${path}.after`, `expected one of ${allowed.join(', ')}`);
    }
    if (absent) {
      if (i === 0) fail(id, `${path}.absent`, 'a rule cannot start with an absence');
      for (const k of ['times', 'optional', 'greedy', 'consecutive', 'allowCombinations']) {
        if (s[k] !== undefined) fail(id, `${path}.${k}`, 'an absent step takes no quantifier');
      }
    }
    let repeats = false;
    let variable = false;
    if (s.times !== undefined) {
      if (typeof s.times === 'number') {
        repeats = checkCount(s.times, id, `${path}.times`, 1) > 1;
      } else if (isObject(s.times)) {
        onlyKeys(s.times, ['min', 'max'], id, `${path}.times`);
        const min = checkCount(s.times.min, id, `${path}.times.min`, 1);
        const max =
          s.times.max === undefined
            ? Number.POSITIVE_INFINITY
            : checkCount(s.times.max, id, `${path}.times.max`, min);
        repeats = max > 1;
        variable = max > min;
      } else fail(id, `${path}.times`, 'expected a count or { "min": n, "max": m }');
    }
    if (s.greedy === true && !variable)
      fail(id, `${path}.greedy`, 'needs times with a variable count ({ "min": n } or min < max)');
    for (const k of ['consecutive', 'allowCombinations']) {
      if (s[k] === true && !repeats) fail(id, `${path}.${k}`, 'needs a step that repeats (times)');
    }
    if (s.consecutive === true && s.allowCombinations === true) {
      fail(id, path, 'consecutive and allowCombinations exclude each other');
    }
    if (s.where !== undefined) checkCondition(s.where, id, `${path}.where`, earlier, 1);
    if (!absent) earlier.add(s.name);
  });
  if (input.within !== undefined) {
    try {
      if (toMillis(input.within as Duration, 'within') <= 0) fail(id, 'within', 'must be longer than 0 ms');
    } catch (err) {
      if ((err as StreamsightError).code === 'SS_ERR_INVALID_RULE') throw err;
      fail(id, 'within', "expected a duration such as '10s', '5m', '1h' or a number of ms");
    }
  }
  const skip = input.skip;
  if (skip !== undefined) {
    if (typeof skip === 'string') {
      if (!SKIPS.includes(skip))
        fail(
          id,
          'skip',
          `expected one of ${SKIPS.join(', ')}, { "skipToFirst": step }, { "skipToLast": step }`,
        );
    } else if (
      isObject(skip) &&
      Object.keys(skip).length === 1 &&
      ('skipToFirst' in skip || 'skipToLast' in skip)
    ) {
      const step = skip.skipToFirst ?? skip.skipToLast;
      if (typeof step !== 'string' || !earlier.has(step))
        fail(id, 'skip', `${String(step)} is not a step that takes events`);
    } else
      fail(
        id,
        'skip',
        `expected one of ${SKIPS.join(', ')}, { "skipToFirst": step }, { "skipToLast": step }`,
      );
  }
  if (input.timeouts !== undefined && typeof input.timeouts !== 'boolean')
    fail(id, 'timeouts', 'expected true or false');
  // What remains (a trailing absence without within, all steps optional) the pattern compiler checks.
  const rule = input as unknown as Rule;
  compileRule(rule);
  return rule;
}

/** Reads a dotted path; undefined when any part is missing. */
function getter(path: string): (event: unknown) => unknown {
  const parts = path.split('.');
  if (parts.length === 1) {
    const p = parts[0];
    return (e) => (e !== null && typeof e === 'object' ? (e as Record<string, unknown>)[p] : undefined);
  }
  return (e) => {
    let v = e;
    for (const p of parts) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string, unknown>)[p];
    }
    return v;
  };
}

/** Ordered comparison: numbers with numbers, strings with strings; anything else is false. */
function compare(op: string, a: unknown, b: unknown): boolean {
  if (op === '==') return a === b;
  if (op === '!=') return a !== b;
  if (
    !((typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string'))
  ) {
    return false;
  }
  switch (op) {
    case '<':
      return a < b;
    case '<=':
      return a <= b;
    case '>':
      return a > b;
    default:
      return a >= b;
  }
}

function compileCondition(c: RuleCondition): Condition<unknown> {
  if ('and' in c) {
    const parts = c.and.map(compileCondition);
    return (e, ctx) => {
      for (const p of parts) if (!p(e, ctx)) return false;
      return true;
    };
  }
  if ('or' in c) {
    const parts = c.or.map(compileCondition);
    return (e, ctx) => {
      for (const p of parts) if (p(e, ctx)) return true;
      return false;
    };
  }
  if ('not' in c) {
    const inner = compileCondition(c.not);
    return (e, ctx) => !inner(e, ctx);
  }
  const get = getter(c.field);
  const op = c.op;
  if (op === 'exists') return (e) => get(e) !== undefined;
  if (op === 'missing') return (e) => get(e) === undefined;
  if ('ref' in c) {
    const dot = c.ref.indexOf('.');
    const step = c.ref.slice(0, dot);
    const other = getter(c.ref.slice(dot + 1));
    return (e, ctx) => {
      const earlier = ctx.last(step);
      return earlier !== undefined && compare(op, get(e), other(earlier));
    };
  }
  const value = (c as { value: unknown }).value;
  switch (op) {
    case 'in': {
      const set = new Set(value as RuleValue[]);
      return (e) => set.has(get(e) as RuleValue);
    }
    case 'notIn': {
      const set = new Set(value as RuleValue[]);
      return (e) => !set.has(get(e) as RuleValue);
    }
    case 'contains':
      return (e) => {
        const v = get(e);
        return (typeof v === 'string' || Array.isArray(v)) && v.includes(value as string);
      };
    case 'startsWith':
      return (e) => {
        const v = get(e);
        return typeof v === 'string' && v.startsWith(value as string);
      };
    case 'endsWith':
      return (e) => {
        const v = get(e);
        return typeof v === 'string' && v.endsWith(value as string);
      };
    case '==':
      return (e) => get(e) === value;
    case '!=':
      return (e) => get(e) !== value;
    default:
      return (e) => compare(op, get(e), value);
  }
}

function skipOf(rule: Rule): SkipStrategy {
  const s = rule.skip;
  if (s === undefined || s === 'noSkip') return noSkip();
  if (s === 'skipToNext') return skipToNext();
  if (s === 'skipPastLastEvent') return skipPastLastEvent();
  return 'skipToFirst' in s ? skipToFirst(s.skipToFirst) : skipToLast(s.skipToLast);
}

/** Builds the rule's pattern with the TypeScript builder. */
function buildPattern(rule: Rule): Pattern<unknown> {
  let p: Pattern<unknown> | undefined;
  for (const s of rule.steps) {
    if (p === undefined) p = pattern<unknown>(s.name, { skip: skipOf(rule) });
    else if (s.absent) p = s.after === 'next' ? p.notNext(s.name) : p.notFollowedBy(s.name);
    else if (s.after === 'next') p = p.next(s.name);
    else if (s.after === 'followedByAny') p = p.followedByAny(s.name);
    else p = p.followedBy(s.name);
    if (s.where !== undefined) p = p.where(compileCondition(s.where));
    if (typeof s.times === 'number') p = p.times(s.times);
    else if (s.times !== undefined) {
      p = s.times.max === undefined ? p.timesOrMore(s.times.min) : p.times(s.times.min, s.times.max);
    }
    if (s.optional) p = p.optional();
    if (s.greedy) p = p.greedy();
    if (s.consecutive) p = p.consecutive();
    if (s.allowCombinations) p = p.allowCombinations();
  }
  if (rule.within !== undefined) p = p!.within(rule.within);
  return p!;
}

/**
 * Compiles a valid rule to the automaton's pattern (SS_ERR_INVALID_RULE when it cannot be).
 *
 * @example
 * const { pattern } = compileRule(validateRule(json));
 */
export function compileRule(rule: Rule): CompiledRule {
  try {
    return { rule, pattern: compilePattern(buildPattern(rule)) };
  } catch (err) {
    if ((err as StreamsightError).code !== 'SS_ERR_INVALID_OPTION') throw err;
    throw new StreamsightError('SS_ERR_INVALID_RULE', `rule ${rule.id}: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/**
 * Checks a control-topic command; throws SS_ERR_INVALID_RULE.
 *
 * @example
 * parseRuleCommand({ op: 'remove', id: 'many-high-votes' });
 */
export function parseRuleCommand(value: unknown): RuleCommand {
  if (!isObject(value))
    fail(undefined, '(command)', 'expected { "op": "add", "rule": ... } or { "op": "remove", "id": ... }');
  if (value.op === 'add') {
    onlyKeys(value, ['op', 'rule'], undefined, '(command)');
    return { op: 'add', rule: validateRule(value.rule) };
  }
  if (value.op === 'remove') {
    onlyKeys(value, ['op', 'id'], value.id, '(command)');
    if (typeof value.id !== 'string' || !RULE_ID.test(value.id))
      fail(value.id, 'id', `expected a string matching ${RULE_ID}`);
    return { op: 'remove', id: value.id };
  }
  return fail(undefined, '(command).op', 'expected "add" or "remove"');
}
