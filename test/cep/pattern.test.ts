/**
 * Every construct of the pattern language against hand-computed match sets. Events are written as
 * 'a1 x b1': kind = the letters, times 0, 10, 20… unless `@t` says otherwise, `:v` sets a value.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  atLeast,
  noSkip,
  type Pattern,
  pattern,
  type SkipStrategy,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
} from '../../src/cep/index.ts';
import { type Ev, events, is, matches, set, start } from './harness.ts';

const ab = (then: 'next' | 'followedBy' | 'followedByAny') =>
  pattern<Ev>('a').where(is('a'))[then]('b').where(is('b'));

describe('contiguity', () => {
  it('next: the very next event of the key', () => {
    assert.deepEqual(matches(ab('next'), 'a1 b1 a2 x b2 a3 b3'), ['a1 b1', 'a3 b3']);
  });

  it('followedBy: the first matching event, skipping others', () => {
    assert.deepEqual(set(matches(ab('followedBy'), 'a1 a2 x b1 b2')), ['a1 b1', 'a2 b1']);
  });

  it('followedByAny: every later matching event', () => {
    assert.deepEqual(matches(ab('followedByAny'), 'a1 x b1 b2'), ['a1 b1', 'a1 b2']);
  });

  it('keys are matched independently (strict contiguity is per key)', () => {
    assert.deepEqual(matches(ab('next'), 'a1/u b1/v b2/u'), ['a1 b2']);
  });
});

describe('quantifiers', () => {
  // FlinkCEP's documentation example: C D A1 A2 A3 D A4 B against c → a+ → b.
  const loop = (inner?: 'consecutive' | 'allowCombinations'): Pattern<Ev> => {
    let p = pattern<Ev>('c').where(is('c')).followedBy('a').where(is('a')).oneOrMore();
    if (inner) p = p[inner]();
    return p.followedBy('b').where(is('b'));
  };
  const input = 'c d a1 a2 a3 d a4 b';

  it('oneOrMore (relaxed between repetitions)', () => {
    assert.deepEqual(set(matches(loop(), input)), ['c a1 a2 a3 a4 b', 'c a1 a2 a3 b', 'c a1 a2 b', 'c a1 b']);
  });

  it('consecutive', () => {
    assert.deepEqual(set(matches(loop('consecutive'), input)), ['c a1 a2 a3 b', 'c a1 a2 b', 'c a1 b']);
  });

  it('allowCombinations', () => {
    assert.deepEqual(
      set(matches(loop('allowCombinations'), input)),
      set([
        'c a1 b',
        'c a1 a2 b',
        'c a1 a3 b',
        'c a1 a4 b',
        'c a1 a2 a3 b',
        'c a1 a2 a4 b',
        'c a1 a3 a4 b',
        'c a1 a2 a3 a4 b',
      ]),
    );
  });

  it('times(n), times(n, m), timesOrMore(n)', () => {
    const a = () => pattern<Ev>('a').where(is('a'));
    assert.deepEqual(matches(a().times(3), 'a1 x a2 a3 a4'), ['a1 a2 a3', 'a2 a3 a4']);
    assert.deepEqual(matches(a().times(3).consecutive(), 'a1 x a2 a3 a4'), ['a2 a3 a4']);
    assert.deepEqual(set(matches(a().times(2, 3), 'a1 a2 a3')), ['a1 a2', 'a1 a2 a3', 'a2 a3']);
    assert.deepEqual(set(matches(a().timesOrMore(2), 'a1 a2 a3')), ['a1 a2', 'a1 a2 a3', 'a2 a3']);
  });

  it('optional, also first and repeated', () => {
    const mid = pattern<Ev>('a')
      .where(is('a'))
      .followedBy('b')
      .where(is('b'))
      .optional()
      .followedBy('c')
      .where(is('c'));
    assert.deepEqual(matches(mid, 'a1 c1 b1 c2'), ['a1 c1', 'a1 b1 c2']);
    const first = pattern<Ev>('b').where(is('b')).optional().followedBy('c').where(is('c'));
    assert.deepEqual(set(matches(first, 'b1 c1 c2')), ['b1 c1', 'c1', 'c2']);
    const twice = pattern<Ev>('a')
      .where(is('a'))
      .followedBy('b')
      .where(is('b'))
      .times(2)
      .optional()
      .followedBy('c')
      .where(is('c'));
    assert.deepEqual(matches(twice, 'a1 b1 c1 b2 c2'), ['a1 c1', 'a1 b1 b2 c2']);
  });

  it('greedy: a branch that moved on dies where the repetition could go on', () => {
    const p = (greedy: boolean) => {
      let q = pattern<Ev>('c').where(is('c')).followedBy('a').where(is('a')).oneOrMore();
      if (greedy) q = q.greedy();
      return q.followedBy('b').where(is('b'));
    };
    assert.deepEqual(set(matches(p(false), 'c a1 a2 b')), ['c a1 a2 b', 'c a1 b']);
    assert.deepEqual(matches(p(true), 'c a1 a2 b'), ['c a1 a2 b']);
    assert.deepEqual(matches(p(true), 'c a1 x b'), ['c a1 b']);
  });
});

describe('conditions', () => {
  it('see earlier events of the partial match', () => {
    const higher = pattern<Ev>('a')
      .where(is('a'))
      .followedBy('b')
      .where((e, ctx) => e.kind === 'b' && e.v > ctx.last('a')!.v);
    assert.deepEqual(matches(higher, 'a1:5 b1:3 b2:7'), ['a1 b2']);
    const sum = pattern<Ev>('a')
      .where(is('a'))
      .oneOrMore()
      .followedBy('b')
      .where((e, ctx) => e.kind === 'b' && e.v === ctx.get('a').reduce((s, x) => s + x.v, 0));
    assert.deepEqual(set(matches(sum, 'a1:1 a2:2 b1:3 b2:1')), ['a1 a2 b1', 'a1 b2']);
  });

  it('where(a).where(b) is a and b; .or(c) adds an alternative; a throwing condition is false', () => {
    const p = pattern<Ev>('e')
      .where((e) => e.v > 1)
      .where((e) => e.v < 5)
      .or((e) => e.kind === 'z');
    assert.deepEqual(matches(p, 'a1:0 a2:3 a3:7 z1:9'), ['a2', 'z1']);
    const throwing = pattern<Ev>('e').where((e) => {
      if (e.v === 0) throw new Error('boom');
      return true;
    });
    assert.deepEqual(matches(throwing, 'a1:0 a2:1'), ['a2']);
  });
});

describe('within and timeouts', () => {
  const p = () => ab('followedBy').within(10);

  it('a match must end before first event + within', () => {
    assert.deepEqual(matches(p(), 'a1@0 b1@9'), ['a1 b1']);
    assert.deepEqual(matches(p(), 'a1@0 b1@10'), []);
  });

  it('timed-out partial matches are emitted on request, once per set of events', () => {
    const run = start(p(), { timeouts: true });
    run.feed(events('a1@0 x@20'));
    assert.deepEqual(run.rendered, ['~a1']);
    assert.deepEqual(run.emitted[0].ts, 10);
    assert.equal(run.emitted[0].match.timedOut, true);
    assert.equal(run.emitted[0].match.end, 0);
    const loop = pattern<Ev>('a').where(is('a')).oneOrMore().followedBy('b').where(is('b')).within(10);
    assert.deepEqual(set(matches(loop, 'a1@0 a2@5 x@20', { timeouts: true })), ['~a1', '~a1 a2', '~a2']);
    assert.deepEqual(matches(p(), 'a1@0 x@20'), [], 'no timeouts unless asked');
  });
});

describe('negation', () => {
  it('notNext: the event right after must not match', () => {
    const p = pattern<Ev>('a').where(is('a')).notNext('x').where(is('x')).followedBy('b').where(is('b'));
    assert.deepEqual(matches(p, 'a1 x1 b1 a2 y x2 b2'), ['a2 b2']);
  });

  it('notFollowedBy between steps, also while the step before repeats', () => {
    const p = pattern<Ev>('a')
      .where(is('a'))
      .notFollowedBy('x')
      .where(is('x'))
      .followedBy('b')
      .where(is('b'));
    assert.deepEqual(matches(p, 'a1 x1 b1 a2 y b2'), ['a2 b2']);
    const loop = pattern<Ev>('a')
      .where(is('a'))
      .oneOrMore()
      .notFollowedBy('x')
      .where(is('x'))
      .followedBy('b')
      .where(is('b'));
    assert.deepEqual(matches(loop, 'a1 x1 a2 b1'), ['a2 b1']);
  });

  it('notFollowedBy at the end completes when the watermark passes the within deadline', () => {
    const p = pattern<Ev>('a').where(is('a')).notFollowedBy('x').where(is('x')).within(10);
    const run = start(p);
    run.feed(events('a1@0 y@5'));
    run.watermark(9);
    assert.deepEqual(run.rendered, [], 'an x may still come before the deadline');
    run.watermark(10);
    assert.deepEqual(run.rendered, ['a1']);
    assert.equal(run.emitted[0].ts, 10);
    assert.deepEqual(matches(p, 'a1@0 x@5'), []);
    assert.deepEqual(matches(p, 'a1@0 x@10'), ['a1'], 'x at the deadline is outside the window');
    // Out of order: x@8 arrives after y@12 but is within the 5 ms bound, so it still counts.
    assert.deepEqual(matches(p, 'a1@0 y@12 x@8', { bound: 5 }), []);
  });

  it('notNext at the end completes with the next event', () => {
    const p = pattern<Ev>('a').where(is('a')).notNext('x').where(is('x'));
    const run = start(p);
    run.feed(events('a1 y a2 x'));
    assert.deepEqual(run.rendered, ['a1']);
    assert.equal(run.emitted[0].ts, 10, 'decided by y');
  });
});

describe('after-match skip strategies on overlapping matches', () => {
  const bc = (skip: SkipStrategy, greedy: boolean) => {
    let p = pattern<Ev>('b', { skip }).where(is('b')).oneOrMore();
    if (greedy) p = p.greedy();
    return p.followedBy('c').where(is('c'));
  };
  const cases: [string, SkipStrategy, string[], string[]][] = [
    // strategy, greedy b+ c (FlinkCEP's documentation table), non-greedy b+ c
    [
      'noSkip',
      noSkip(),
      ['b1 b2 b3 c', 'b2 b3 c', 'b3 c'],
      ['b1 b2 b3 c', 'b1 b2 c', 'b1 c', 'b2 b3 c', 'b2 c', 'b3 c'],
    ],
    ['skipToNext', skipToNext(), ['b1 b2 b3 c', 'b2 b3 c', 'b3 c'], ['b1 b2 b3 c', 'b2 b3 c', 'b3 c']],
    ['skipPastLastEvent', skipPastLastEvent(), ['b1 b2 b3 c'], ['b1 b2 b3 c']],
    [
      'skipToFirst(b)',
      skipToFirst('b'),
      ['b1 b2 b3 c', 'b2 b3 c', 'b3 c'],
      ['b1 b2 b3 c', 'b1 b2 c', 'b1 c', 'b2 b3 c', 'b2 c', 'b3 c'],
    ],
    ['skipToLast(b)', skipToLast('b'), ['b1 b2 b3 c', 'b3 c'], ['b1 b2 b3 c', 'b3 c']],
  ];
  for (const [name, skip, greedy, relaxed] of cases) {
    it(name, () => {
      assert.deepEqual(matches(bc(skip, true), 'b1 b2 b3 c'), greedy);
      assert.deepEqual(matches(bc(skip, false), 'b1 b2 b3 c'), relaxed);
    });
  }

  it('prune partial matches still running', () => {
    const p = (skip: SkipStrategy) =>
      pattern<Ev>('a', { skip }).where(is('a')).followedBy('b').where(is('b'));
    assert.deepEqual(matches(p(noSkip()), 'a1 a2 b1 a3 b2'), ['a1 b1', 'a2 b1', 'a3 b2']);
    assert.deepEqual(matches(p(skipToNext()), 'a1 a2 b1 a3 b2'), ['a1 b1', 'a2 b1', 'a3 b2']);
    assert.deepEqual(matches(p(skipPastLastEvent()), 'a1 a2 b1 a3 b2'), ['a1 b1', 'a3 b2']);
    const abc = (skip: SkipStrategy) =>
      pattern<Ev>('a', { skip }).where(is('a')).followedBy('b').where(is('b')).followedBy('c').where(is('c'));
    assert.deepEqual(matches(abc(noSkip()), 'a1 a2 b1 b2 c1'), ['a1 b1 c1', 'a2 b1 c1']);
    assert.deepEqual(matches(abc(skipToFirst('b')), 'a1 a2 b1 b2 c1'), ['a1 b1 c1']);
  });
});

describe('counting rules', () => {
  const high = (e: Ev) => e.v >= 4;

  it('at least N matching events within W: one match per N events', () => {
    const p = atLeast<Ev>(4, high, 100);
    assert.deepEqual(matches(p, 'h1:5 l1:1 h2:4 h3:5 h4:4 h5:5 h6:4 h7:5 h8:4'), [
      'h1 h2 h3 h4',
      'h5 h6 h7 h8',
    ]);
    assert.deepEqual(matches(p, 'h1:5@0 h2:5@50 h3:5@90 h4:5@120 h5:5@130'), ['h2 h3 h4 h5']);
  });
});

describe('event-time order', () => {
  it('reorders records within the out-of-orderness bound; records behind the watermark are late', () => {
    assert.deepEqual(matches(ab('next'), 'b1@10 a1@0', { bound: 20 }), ['a1 b1']);
    const run = start(ab('next'));
    run.feed(events('b1@10 a1@0'));
    run.watermark(Number.POSITIVE_INFINITY);
    assert.deepEqual(run.rendered, []);
    assert.deepEqual(
      run.late.map((e) => e.id),
      ['a1'],
    );
  });

  it('a shuffled stream matches exactly like the sorted one', () => {
    let seed = 3;
    const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const kinds = ['a', 'b', 'c', 'x'];
    const sorted: Ev[] = [];
    for (let i = 0; i < 2000; i++) {
      const kind = kinds[Math.floor(rnd() * 4)];
      sorted.push({
        id: `${kind}${i}`,
        kind,
        v: Math.floor(rnd() * 10),
        ts: i * 10,
        key: `k${Math.floor(rnd() * 5)}`,
      });
    }
    const shuffled = sorted.slice();
    for (let i = 0; i < shuffled.length; i += 5) {
      const chunk = shuffled.slice(i, i + 5).sort(() => rnd() - 0.5);
      shuffled.splice(i, chunk.length, ...chunk);
    }
    const p = pattern<Ev>('a')
      .where(is('a'))
      .followedBy('b')
      .where((e, ctx) => e.kind === 'b' && e.v >= ctx.last('a')!.v)
      .notFollowedBy('x')
      .where(is('x'))
      .followedBy('c')
      .where(is('c'))
      .within(200);
    const expected = matches(p, sorted, { timeouts: true });
    assert.ok(expected.length > 50, `expected many matches, got ${expected.length}`);
    assert.deepEqual(set(matches(p, shuffled, { bound: 50, timeouts: true })), set(expected));
  });
});

describe('validation (SS_ERR_INVALID_OPTION, once, when the pattern is built or handed over)', () => {
  const code = { code: 'SS_ERR_INVALID_OPTION' };
  it('rejects malformed patterns', () => {
    const a = () => pattern<Ev>('a');
    assert.throws(() => pattern<Ev>('a').followedBy('a'), code);
    assert.throws(() => pattern<Ev>('1a'), code);
    assert.throws(() => a().times(0), code);
    assert.throws(() => a().times(3, 2), code);
    assert.throws(() => a().oneOrMore().times(2), code);
    assert.throws(() => a().greedy(), code);
    assert.throws(() => a().times(2).greedy(), code);
    assert.throws(() => a().consecutive(), code);
    assert.throws(() => a().notFollowedBy('x').oneOrMore(), code);
    assert.throws(() => a().notNext('x').optional(), code);
    assert.throws(() => a().within(0), code);
    assert.throws(() => a().within('soon' as never), code);
    assert.throws(() => a().or(() => true), code);
    assert.throws(() => start(a().notFollowedBy('x')), /needs within/);
    assert.throws(() => start(pattern<Ev>('a', { skip: skipToFirst('zz') })), code);
    assert.throws(() => start(a().optional()), /at least one step/);
  });
});
