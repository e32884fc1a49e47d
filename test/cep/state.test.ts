/**
 * Checkpoint and restore of the pattern operator, in process: a run that checkpoints every few
 * records and "crashes" anywhere (losing what came after its last checkpoint) continues from the
 * restored state to exactly the output of an uninterrupted run, in the same order.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { pattern, skipToNext } from '../../src/cep/index.ts';
import { type Ev, is, start } from './harness.ts';

function workload(n: number): Ev[] {
  let seed = 11;
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const kinds = ['a', 'b', 'b', 'c', 'x'];
  const out: Ev[] = [];
  for (let i = 0; i < n; i++) {
    const kind = kinds[Math.floor(rnd() * kinds.length)];
    // Out of order by up to 25 ms (the bound is 30).
    out.push({
      id: `${kind}${i}`,
      kind,
      v: Math.floor(rnd() * 10),
      ts: i * 5 + Math.floor(rnd() * 25),
      key: `u${Math.floor(rnd() * 7)}`,
    });
  }
  return out;
}

// Repetition, followedByAny branches, a middle and a trailing absence, within with timeouts, a skip strategy.
const p = pattern<Ev>('a', { skip: skipToNext() })
  .where(is('a'))
  .followedByAny('b')
  .where((e, ctx) => e.kind === 'b' && e.v >= ctx.last('a')!.v)
  .oneOrMore()
  .notFollowedBy('x')
  .where(is('x'))
  .followedBy('c')
  .where(is('c'))
  .notFollowedBy('late')
  .where((e) => e.kind === 'a' && e.v > 8)
  .within(120);
const options = { bound: 30, timeouts: true };

function uninterrupted(evs: Ev[]): string[] {
  const run = start(p, options);
  run.feed(evs);
  run.watermark(Number.POSITIVE_INFINITY);
  return run.rendered;
}

function crashing(evs: Ev[], crashAt: number, every: number): string[] {
  const store = new Map<string, Uint8Array>();
  const first = start(p, options);
  let committed: string[] = [];
  let resumeAt = 0;
  let maxTs = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < crashAt; i++) {
    first.feed([evs[i]]);
    if ((i + 1) % every === 0) {
      first.checkpoint(store);
      committed = first.rendered.slice();
      resumeAt = i + 1;
      maxTs = first.maxTs();
    }
  }
  const second = start(p, { ...options, restore: { store: new Map(store), maxTs } });
  second.feed(evs.slice(resumeAt));
  second.watermark(Number.POSITIVE_INFINITY);
  return [...committed, ...second.rendered];
}

describe('pattern operator state', () => {
  const evs = workload(1500);
  const expected = uninterrupted(evs);

  it('the workload has matches, timeouts and absences', () => {
    assert.ok(expected.filter((m) => !m.startsWith('~')).length > 30, `matches: ${expected.length}`);
    assert.ok(expected.filter((m) => m.startsWith('~')).length > 30);
  });

  it('restores to the same output wherever the crash hits', () => {
    for (const [crashAt, every] of [
      [1, 1],
      [100, 7],
      [333, 50],
      [777, 13],
      [1200, 1],
      [1499, 100],
      [1500, 1500],
    ]) {
      assert.deepEqual(
        crashing(evs, crashAt, every),
        expected,
        `crash at ${crashAt}, checkpoint every ${every}`,
      );
    }
  });

  it('writes only what changed: an in-order stream that matches nothing leaves the store empty', () => {
    const run = start(pattern<Ev>('a').where(is('a')).followedBy('b').where(is('b')).within(10));
    const store = new Map<string, Uint8Array>();
    const writes: string[] = [];
    run.feed(workload(200).map((e, i) => ({ ...e, kind: 'x', ts: i })));
    run.checkpoint(store);
    for (const k of store.keys()) writes.push(k);
    assert.deepEqual(writes, ['~meta']);
  });
});
