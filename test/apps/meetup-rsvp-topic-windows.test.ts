/**
 * topicWindows (apps/meetup-rsvp/topic-windows.ts) against a brute-force recount of every window, with
 * crashes: the operator is checkpointed into a map at random points and, now and then, thrown away,
 * restored from the map and fed again from its last checkpoint (its uncommitted outputs discarded), as
 * a task does after a crash. Also the lateness rules and the rankings of trendingTop and countryTrendingTop.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  type CountryTopic,
  countryTrendingTop,
  type TopicBatch,
  type TopicWindowOutput,
  topicWindows,
  trendingTop,
} from '../../apps/meetup-rsvp/topic-windows.ts';
import type { ProcessContext, WindowResult } from '../../src/index.ts';

const SIZE = 60_000;
const EVERY = 10_000;
const MINUTE = 30_000;
const MIN = 2;
const TOP = 3;
const options = { sizeMs: SIZE, everyMs: EVERY, minuteMs: MINUTE, minCount: MIN, top: TOP };

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = Math.imul(a ^ (a >>> 15), a | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Harness<U> {
  ctx: ProcessContext<U> & { watermark: number };
  out: U[];
  late: unknown[];
}

function harness<U>(): Harness<U> {
  const out: U[] = [];
  const late: unknown[] = [];
  const ctx = {
    watermark: Number.NEGATIVE_INFINITY,
    partition: 0,
    emit: (v: U) => {
      out.push(v);
    },
    output: () => {},
    late: (v: unknown) => {
      late.push(v);
    },
  };
  return { ctx, out, late };
}

const id = (o: TopicWindowOutput) => `${o.kind} ${o.result.key}@${o.result.start}`;

test('topicWindows: every window equals a brute-force recount, across restores from checkpoints', () => {
  const random = rng(7);
  const topics = ['a', 'b', 'c', 'd'];
  const countries = ['us', 'gb', 'de'];
  // Batches of (country, rsvp, ts): time moves forward with jitter, RSVPs repeat, a gap of 3 windows.
  const batches: TopicBatch[] = [];
  const all: [string, string, number, number][] = [];
  let now = 1_000_000;
  for (let b = 0; b < 400; b++) {
    now += Math.floor(random() * 3000) + (b === 200 ? 3 * SIZE : 0);
    const topic = topics[Math.floor(random() ** 2 * topics.length)];
    const items: (string | number)[] = [];
    for (let k = 0, n = 1 + Math.floor(random() * 4); k < n; k++) {
      const country = countries[Math.floor(random() * countries.length)];
      const rsvp = Math.floor(random() * 60);
      const ts = now - Math.floor(random() * 2000);
      items.push(country, rsvp, ts);
      all.push([topic, country, rsvp, ts]);
    }
    batches.push({ topic, items });
  }

  // Run with checkpoints and crashes. Watermark: highest ts − 5 s, after every batch.
  const store = new Map<string, Uint8Array>();
  let committed: TopicWindowOutput[] = [];
  let op = topicWindows(options);
  let h = harness<TopicWindowOutput>();
  let checkpointAt = 0;
  let max = Number.NEGATIVE_INFINITY;
  let savedMax = max;
  let crashes = 0;
  for (let i = 0; i <= batches.length; i++) {
    const finished = i === batches.length;
    if (!finished) {
      const b = batches[i];
      op.process(b, b.topic, 0, h.ctx);
      for (let k = 2; k < b.items.length; k += 3) max = Math.max(max, b.items[k] as number);
    }
    const wm = finished ? Number.POSITIVE_INFINITY : max - 5000;
    if (wm > h.ctx.watermark) {
      h.ctx.watermark = wm;
      op.onWatermark?.(wm, h.ctx);
    }
    if (finished || random() < 0.2) {
      op.checkpoint((k, v) => {
        if (v === null) store.delete(k);
        else store.set(k, v);
      });
      committed = committed.concat(h.out);
      h.out.length = 0;
      checkpointAt = i + 1;
      savedMax = max;
    } else if (random() < 0.1) {
      // Crash: uncommitted outputs vanish; restore and replay from the checkpoint.
      crashes++;
      op = topicWindows(options);
      h = harness<TopicWindowOutput>();
      op.restore(store.entries());
      max = savedMax;
      h.ctx.watermark = max - 5000;
      i = checkpointAt - 1;
    }
  }
  assert.ok(crashes > 3, `crashes ${crashes}`);
  assert.equal(h.late.length, 0);
  // The store holds only the meta entry once every pane is dropped.
  assert.deepEqual([...store.keys()], ['~meta']);

  // Brute force.
  const expected = new Map<string, unknown>();
  const ends = new Set<number>();
  for (const [, , , ts] of all) {
    const p = ts - (ts % EVERY);
    for (let e = p + EVERY; e <= p + SIZE; e += EVERY) ends.add(e);
  }
  for (const end of ends) {
    const start = end - SIZE;
    const inWindow = all.filter(([, , , ts]) => ts >= start && ts < end);
    const byTopic = new Map<string, Set<number>>();
    const byPair = new Map<string, Set<number>>();
    for (const [t, c, r] of inWindow) {
      if (!byTopic.has(t)) byTopic.set(t, new Set());
      byTopic.get(t)!.add(r);
      if (!byPair.has(`${c}|${t}`)) byPair.set(`${c}|${t}`, new Set());
      byPair.get(`${c}|${t}`)!.add(r);
    }
    // Per country: the top TOP pairs with at least MIN (count desc, then topic).
    const perCountry = new Map<string, [string, number][]>();
    for (const [k, s] of byPair) {
      const [country, topic] = k.split('|');
      if (s.size < MIN) continue;
      if (!perCountry.has(country)) perCountry.set(country, []);
      perCountry.get(country)!.push([topic, s.size]);
    }
    for (const [country, list] of perCountry) {
      list.sort((x, y) => y[1] - x[1] || (x[0] < y[0] ? -1 : 1));
      for (const [topic, count] of list.slice(0, TOP))
        expected.set(`country ${country}|${topic}@${start}`, { country, topic, count });
    }
    const ranked = [...byTopic]
      .filter(([, s]) => s.size >= MIN)
      .sort((x, y) => y[1].size - x[1].size || (x[0] < y[0] ? -1 : 1))
      .slice(0, TOP);
    for (const [t, s] of ranked) expected.set(`trending ${t}@${start}`, s.size);
    if (end % MINUTE === 0) {
      const minute = new Map<string, Set<number>>();
      for (const [t, , r, ts] of all) {
        if (ts < end - MINUTE || ts >= end) continue;
        if (!minute.has(t)) minute.set(t, new Set());
        minute.get(t)!.add(r);
      }
      for (const [t, s] of minute) expected.set(`minute ${t}@${end - MINUTE}`, s.size);
    }
  }
  const got = new Map<string, unknown>();
  for (const o of committed) {
    assert.ok(!got.has(id(o)), `emitted twice: ${id(o)}`);
    got.set(id(o), o.result.value);
  }
  assert.deepEqual(got, expected);
});

test('topicWindows: a record behind the fired windows counts in the open ones; one past all of them is late', () => {
  const op = topicWindows(options);
  const h = harness<TopicWindowOutput>();
  const t0 = 10 * SIZE;
  op.process({ topic: 'a', items: ['us', 1, t0 + 1000, 'us', 2, t0 + 2000] }, 'a', 0, h.ctx);
  h.ctx.watermark = t0 + 2 * EVERY;
  op.onWatermark?.(h.ctx.watermark, h.ctx);
  const fired = h.out.filter((o) => o.kind === 'country').map((o) => o.result.end);
  assert.deepEqual(fired, [t0 + EVERY, t0 + 2 * EVERY]);
  h.out.length = 0;
  // Behind the frontier (windows ending t0+10s and t0+20s fired) but inside windows still open.
  op.process({ topic: 'a', items: ['us', 3, t0 + 5000] }, 'a', 0, h.ctx);
  // All of its windows have fired: late.
  op.process({ topic: 'a', items: ['us', 4, t0 - SIZE + 1000] }, 'a', 0, h.ctx);
  assert.equal(h.late.length, 1);
  h.ctx.watermark = t0 + 3 * EVERY;
  op.onWatermark?.(h.ctx.watermark, h.ctx);
  const row = h.out.find((o) => o.kind === 'country');
  assert.equal(row?.result.end, t0 + 3 * EVERY);
  assert.equal(row?.result.value && (row.result.value as { count: number }).count, 3);
});

test('trendingTop: ranks every task candidates by count, then topic, with the minimum count', () => {
  const op = trendingTop({ top: 2, minCount: 2 });
  const h = harness<WindowResult<string, { count: number; rank: number }>>();
  const r = (key: string, value: number): WindowResult<string, number> => ({
    key,
    start: 0,
    end: 100,
    value,
    final: true,
  });
  for (const c of [r('b', 5), r('a', 5), r('c', 9), r('d', 1)]) op.process(c, 0, 99, h.ctx);
  op.onWatermark?.(99, h.ctx);
  assert.equal(h.out.length, 0);
  op.onWatermark?.(100, h.ctx);
  assert.deepEqual(
    h.out.map((o) => [o.key, o.value.count, o.value.rank]),
    [
      ['c', 9, 1],
      ['a', 5, 2],
    ],
  );
});

test('countryTrendingTop: ranks every task candidates per country by count, then topic', () => {
  const op = countryTrendingTop({ top: 2 });
  const h = harness<WindowResult<string, { country: string; topic: string; count: number; rank: number }>>();
  const r = (country: string, topic: string, count: number): WindowResult<string, CountryTopic> => ({
    key: `${country}|${topic}`,
    start: 0,
    end: 100,
    value: { country, topic, count },
    final: true,
  });
  // Two tasks' local top 2 per country.
  for (const c of [r('us', 'b', 5), r('us', 'c', 4), r('gb', 'x', 2), r('us', 'a', 5), r('us', 'd', 9)])
    op.process(c, 0, 99, h.ctx);
  op.onWatermark?.(99, h.ctx);
  assert.equal(h.out.length, 0);
  op.onWatermark?.(100, h.ctx);
  assert.deepEqual(
    h.out.map((o) => [o.key, o.value.count, o.value.rank]),
    [
      ['gb|x', 2, 1],
      ['us|d', 9, 1],
      ['us|a', 5, 2],
    ],
  );
});
