/**
 * eventSurges and latestWins (apps/meetup-rsvp) across restores: both operators are checkpointed into
 * maps at random points and, now and then, thrown away, restored and fed again from their last
 * checkpoint (uncommitted outputs discarded), as a task does after a crash. Their committed outputs
 * must equal an uninterrupted run's, also when restored from the earlier state layout (one entry per
 * RSVP); and the surges equal a brute-force count.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eventSurges } from '../../apps/meetup-rsvp/event-surge.ts';
import { RsvpGenerator } from '../../apps/meetup-rsvp/generator.ts';
import { latestWins, type RsvpChange } from '../../apps/meetup-rsvp/latest-wins.ts';
import type { Rsvp } from '../../apps/meetup-rsvp/schema.ts';
import { msgpackCodec, type ProcessContext, type ProcessOperator } from '../../src/index.ts';

const WITHIN = 300_000;
const THRESHOLD = 4;

interface Run {
  changes: RsvpChange[];
  alerts: unknown[];
}

/**
 * The stores in the operators' earlier layouts: latestWins one entry per RSVP, `<id>` = [mtime, yes,
 * guests, country, counted]; eventSurges `e:<event>` = [above, name] with the yes mtimes apart, one
 * entry per RSVP, `y:<rsvp>:<event>` = mtime (any distinct ids: only the mtimes count). A removed
 * mtime may be any equal one: the multiset is what counts.
 */
function toLegacy(stores: Map<string, Uint8Array>[]): void {
  const [lw, surge] = stores;
  for (const [k, v] of [...lw]) {
    if (!k.startsWith('b:')) continue;
    lw.delete(k);
    const f = msgpackCodec.decode(v) as (number | string)[];
    for (let i = 0; i < f.length; i += 6) lw.set(String(f[i]), msgpackCodec.encode(f.slice(i + 1, i + 6)));
  }
  // eventSurges: the snapshot and journal, replayed here, become the earlier layout (unless the store
  // still is in it: no checkpoint since the last restore).
  if (![...surge.keys()].some((k) => k === 's' || k.startsWith('j:'))) return;
  const events = new Map<string, [boolean, string, number[]]>();
  const journals: [number, (number | string)[]][] = [];
  for (const [k, v] of surge) {
    if (k === 's')
      for (const [id, above, name, times] of msgpackCodec.decode(v) as [string, boolean, string, number[]][])
        events.set(id, [above, name, [...times]]);
    else if (k.startsWith('j:'))
      journals.push([Number(k.slice(2)), msgpackCodec.decode(v) as (number | string)[]]);
  }
  journals.sort((x, y) => x[0] - y[0]);
  for (const [, ops] of journals)
    for (let i = 0; i < ops.length; i += 3) {
      const [op, id, value] = ops.slice(i, i + 3) as [number, string, number | string];
      if (op === 3) {
        if (!events.has(id)) events.set(id, [false, value as string, []]);
        continue;
      }
      const e = events.get(id);
      if (!e) continue;
      if (op === 0) e[2].push(value as number);
      else if (op === 1) {
        const at = e[2].indexOf(value as number);
        if (at >= 0) e[2].splice(at, 1);
      } else e[0] = value === 1;
    }
  surge.clear();
  let fake = 0;
  for (const [id, [above, name, times]] of events) {
    surge.set(`e:${id}`, msgpackCodec.encode([above, name]));
    for (const t of times) surge.set(`y:${fake++}:${id}`, msgpackCodec.encode(t));
  }
}

/**
 * Runs latestWins → eventSurges over `rsvps`; with `crashes`, restores both now and then (from the
 * earlier state layout with `legacy`).
 */
function run(rsvps: Rsvp[], crashes: boolean, legacy = false): Run {
  let seed = 11;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const stores = [new Map<string, Uint8Array>(), new Map<string, Uint8Array>()];
  const make = (): [
    ProcessOperator<string, Rsvp, RsvpChange>,
    ProcessOperator<string, RsvpChange, unknown>,
  ] => [
    latestWins({ windowMs: 60_000, ttlMs: 3_600_000 }),
    eventSurges({ threshold: THRESHOLD, withinMs: WITHIN }),
  ];
  let ops = make();
  const committed: Run = { changes: [], alerts: [] };
  let pending: Run = { changes: [], alerts: [] };
  let max = Number.NEGATIVE_INFINITY;
  let saved = { at: 0, max };
  let clock = 0;
  const ctxs = () => {
    const surge: ProcessContext<unknown> = {
      watermark: max - 10_000,
      partition: 0,
      emit: (a) => {
        pending.alerts.push(a);
      },
      output: () => {},
      late: () => {},
    };
    const lw: ProcessContext<RsvpChange> = {
      watermark: max - 10_000,
      partition: 0,
      emit: (c) => {
        pending.changes.push(c);
        ops[1].process(c, '', c.mtime, surge);
      },
      output: () => {},
      late: () => {},
    };
    return { lw, surge };
  };
  let restarts = 0;
  for (let i = 0; i <= rsvps.length; i++) {
    const finished = i === rsvps.length;
    if (!finished) {
      const r = rsvps[i];
      const { lw, surge } = ctxs();
      ops[0].process(r, String(r.group.group_id), r.mtime, lw);
      max = Math.max(max, r.mtime);
      // A sweep now and then (processing time moves 5 s a record).
      clock += 5000;
      ops[0].onTimer?.(clock, lw);
      ops[1].onTimer?.(clock, { ...surge, watermark: max - 10_000 });
    }
    if (finished || random() < 0.05) {
      ops.forEach((op, k) => {
        op.checkpoint((key, v) => {
          if (v === null) stores[k].delete(key);
          else stores[k].set(key, v);
        });
      });
      committed.changes.push(...pending.changes);
      committed.alerts.push(...pending.alerts);
      pending = { changes: [], alerts: [] };
      saved = { at: i + 1, max };
    } else if (crashes && random() < 0.03) {
      restarts++;
      ops = make();
      if (legacy) toLegacy(stores);
      ops.forEach((op, k) => {
        op.restore(stores[k].entries());
      });
      pending = { changes: [], alerts: [] };
      max = saved.max;
      i = saved.at - 1;
    }
  }
  if (crashes) assert.ok(restarts > 3, `restarts ${restarts}`);
  // Every entry of an earlier layout was rewritten (the run ends with a checkpoint).
  assert.ok([...stores[0].keys()].every((k) => k.startsWith('b:')));
  assert.ok([...stores[1].keys()].every((k) => k === 's' || k.startsWith('j:')));
  return committed;
}

test('eventSurges and latestWins: restored from checkpoints, they emit what an uninterrupted run does', () => {
  const gen = new RsvpGenerator({ seed: 5, rate: 2, startTime: Date.UTC(2024, 0, 1), groups: 12 });
  const rsvps: Rsvp[] = [];
  for (let i = 0; i < 3000; i++) rsvps.push(gen.next().rsvp);
  const plain = run(rsvps, false);
  const crashed = run(rsvps, true);
  assert.ok(plain.alerts.length > 10, `alerts ${plain.alerts.length}`);
  assert.deepEqual(crashed.changes, plain.changes);
  assert.deepEqual(crashed.alerts, plain.alerts);
  // Restored from state in the earlier layout (one entry per RSVP): the same.
  const legacy = run(rsvps, true, true);
  assert.deepEqual(legacy.changes, plain.changes);
  assert.deepEqual(legacy.alerts, plain.alerts);

  // Brute force: at each on-time version, the event's RSVPs whose latest version is yes with mtime in
  // (m − within, m]; an alert when that reaches the threshold after being below it.
  const yes = new Map<string, Map<number, number>>();
  const above = new Map<string, boolean>();
  const expected: [string, number, number][] = [];
  for (const c of plain.changes) {
    if (!c.isVersion) continue;
    if (!yes.has(c.event)) yes.set(c.event, new Map());
    const m = yes.get(c.event)!;
    if (c.yes) m.set(c.rsvp, c.mtime);
    else m.delete(c.rsvp);
    if (!c.onTime) continue;
    let n = 0;
    for (const t of m.values()) if (t > c.mtime - WITHIN && t <= c.mtime) n++;
    const now = n >= THRESHOLD;
    if (now && !above.get(c.event)) expected.push([c.event, c.mtime, n]);
    above.set(c.event, now);
  }
  const got = (plain.alerts as { value: { subject: string; count: number }; end: number }[]).map(
    (a): [string, number, number] => [a.value.subject, a.end, a.value.count],
  );
  assert.deepEqual(got, expected);
});
