/**
 * topicCounts → topicRankings (apps/meetup-rsvp/topic-windows.ts) against a brute-force recount of
 * every window, with crashes: three partitions' topicCounts and the one topicRankings are checkpointed
 * into maps at random points and, now and then, thrown away, restored from the map and fed again from
 * their last checkpoint (uncommitted outputs discarded), as tasks do after a crash. RSVPs change
 * country and topics between versions, so an RSVP can have several profiles in one window. Also the
 * lateness rule, and a restore from the earlier state layout.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { RsvpChange } from '../../apps/meetup-rsvp/latest-wins.ts';
import {
  type TopicCounts,
  type TopicWindowOutput,
  topicCounts,
  topicRankings,
} from '../../apps/meetup-rsvp/topic-windows.ts';
import { msgpackCodec, type ProcessContext, type ProcessOperator } from '../../src/index.ts';

const SIZE = 60_000;
const EVERY = 10_000;
const MINUTE = 30_000;
const MIN = 2;
const TOP = 3;
const LAG = 5000;
const PARTITIONS = 3;

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

function harness<U>(watermark = Number.NEGATIVE_INFINITY): Harness<U> {
  const out: U[] = [];
  const late: unknown[] = [];
  const ctx = {
    watermark,
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

/** An on-time version as latest-wins emits it (only the fields topicCounts reads matter). */
function change(rsvp: number, group: number, country: string, topics: string[], mtime: number): RsvpChange {
  return {
    rsvp,
    event: `e${group}`,
    eventName: '',
    group,
    groupName: '',
    country,
    topics,
    mtime,
    yes: true,
    guests: 0,
    onTime: true,
    previousYes: false,
    previousMtime: 0,
    isVersion: true,
    aYes: 1,
    aNo: 0,
    aGuests: 0,
    aAttendees: 1,
    dYes: 1,
    dNo: 0,
    dGuests: 0,
    dAttendees: 1,
  };
}

/**
 * A task running `make()`'s operator over `inputs` (with the watermark `wmAt(i)` after input i), with
 * random checkpoints and crashes; `committed` holds the outputs of committed checkpoints.
 */
class CrashyTask<T, U> {
  readonly store = new Map<string, Uint8Array>();
  readonly committed: U[] = [];
  crashes = 0;
  readonly make: () => ProcessOperator<string, T, U>;
  readonly inputs: T[];
  readonly ts: (t: T) => number;
  readonly random: () => number;
  #op: ProcessOperator<string, T, U>;
  #h = harness<U>();
  #next = 0;
  #checkpointAt = 0;
  #wmAtCheckpoint = Number.NEGATIVE_INFINITY;

  constructor(
    make: () => ProcessOperator<string, T, U>,
    inputs: T[],
    ts: (t: T) => number,
    random: () => number,
  ) {
    this.make = make;
    this.inputs = inputs;
    this.ts = ts;
    this.random = random;
    this.#op = make();
  }

  /** The watermark as of the last commit (what downstream has been told). */
  committedWatermark = Number.NEGATIVE_INFINITY;

  /** Processes inputs until `available` are consumed, then advances to `wm`; maybe checkpoints or crashes. */
  step(available: number, wm: number): void {
    while (this.#next < Math.min(available, this.inputs.length)) {
      const t = this.inputs[this.#next++];
      this.#op.process(t, 'k', this.ts(t), this.#h.ctx);
    }
    if (wm > this.#h.ctx.watermark) {
      this.#h.ctx.watermark = wm;
      this.#op.onWatermark?.(wm, this.#h.ctx);
    }
    const last = wm === Number.POSITIVE_INFINITY;
    if (last || this.random() < 0.25) {
      this.#op.checkpoint((k, v) => {
        if (v === null) this.store.delete(k);
        else this.store.set(k, v);
      });
      this.committed.push(...this.#h.out);
      this.#h.out.length = 0;
      this.#checkpointAt = this.#next;
      this.#wmAtCheckpoint = this.#h.ctx.watermark;
      this.committedWatermark = this.#h.ctx.watermark;
    } else if (this.random() < 0.1) {
      this.crashes++;
      this.#op = this.make();
      this.#op.restore(this.store.entries());
      this.#h = harness<U>(this.#wmAtCheckpoint);
      this.#next = this.#checkpointAt;
    }
  }

  get late(): unknown[] {
    return this.#h.late;
  }
}

const key = (o: TopicWindowOutput) => `${o.kind} ${o.result.key}@${o.result.start}`;

test('topicCounts → topicRankings: every window equals a brute-force recount, across restores from checkpoints', () => {
  const random = rng(7);
  const topics = ['a', 'b', 'c', 'd', 'e'];
  const countries = ['us', 'gb', 'de'];
  // Groups with a country and topics; now and then a group moves or changes its topics.
  const groups = Array.from({ length: 8 }, (_, g) => ({
    country: countries[g % countries.length],
    topics: topics.filter(() => random() < 0.5),
  }));
  const perPartition: RsvpChange[][] = Array.from({ length: PARTITIONS }, () => []);
  const all: RsvpChange[] = [];
  let now = 1_000_000;
  for (let i = 0; i < 1500; i++) {
    now += Math.floor(random() * 400) + (i === 700 ? 3 * SIZE : 0);
    const g = Math.floor(random() ** 2 * groups.length);
    if (random() < 0.02) groups[g].country = countries[Math.floor(random() * countries.length)];
    if (random() < 0.02) groups[g].topics = topics.filter(() => random() < 0.5);
    const rsvp = g * 1000 + Math.floor(random() * 40);
    const c = change(
      rsvp,
      g,
      groups[g].country,
      [...groups[g].topics],
      now - Math.floor(random() * (LAG - 1)),
    );
    perPartition[g % PARTITIONS].push(c);
    all.push(c);
  }

  // The partitions, each with its own watermark (highest mtime − LAG), step by step.
  const options = { sizeMs: SIZE, everyMs: EVERY, minuteMs: MINUTE };
  const tasks = perPartition.map(
    (inputs) =>
      new CrashyTask(
        () => topicCounts(options),
        inputs,
        (c) => c.mtime,
        random,
      ),
  );
  const maxes = perPartition.map((inputs) => {
    const m: number[] = [];
    let max = Number.NEGATIVE_INFINITY;
    for (const c of inputs) m.push((max = Math.max(max, c.mtime)));
    return m;
  });
  // The ranking task reads every partition's committed records, in commit order.
  const delivered: TopicCounts[] = [];
  const rankings = new CrashyTask(
    () => topicRankings({ top: TOP, minCount: MIN, sizeMs: SIZE, minuteMs: MINUTE }),
    delivered,
    (r) => r.end - 1,
    random,
  );
  const read = tasks.map(() => 0);
  for (let step = 0; ; step++) {
    let done = true;
    tasks.forEach((t, p) => {
      const available = Math.min(step * 7, t.inputs.length);
      const finished = available === t.inputs.length && step * 7 > t.inputs.length + 7;
      t.step(available, finished ? Number.POSITIVE_INFINITY : (maxes[p][available - 1] ?? -Infinity) - LAG);
      delivered.push(...t.committed.slice(read[p]));
      read[p] = t.committed.length;
      if (t.committedWatermark !== Number.POSITIVE_INFINITY) done = false;
    });
    rankings.step(delivered.length, Math.min(...tasks.map((t) => t.committedWatermark)));
    if (done) break;
  }
  assert.ok(tasks.reduce((n, t) => n + t.crashes, 0) > 5 && rankings.crashes > 1);
  for (const t of tasks) {
    assert.equal(t.late.length, 0);
    // Only the meta entry is left once every pane is dropped.
    assert.deepEqual([...t.store.keys()], ['~meta']);
  }

  // Brute force: per window, the distinct RSVPs per topic and per (country, topic).
  const expected = new Map<string, unknown>();
  const ends = new Set<number>();
  for (const c of all) {
    const p = c.mtime - (c.mtime % EVERY);
    for (let e = p + EVERY; e <= p + SIZE; e += EVERY) ends.add(e);
  }
  const ranked = (m: Map<string, Set<number>>) =>
    [...m]
      .filter(([, s]) => s.size >= MIN)
      .sort((x, y) => y[1].size - x[1].size || (x[0] < y[0] ? -1 : 1))
      .slice(0, TOP);
  for (const end of ends) {
    const start = end - SIZE;
    const byTopic = new Map<string, Set<number>>();
    const byCountry = new Map<string, Map<string, Set<number>>>();
    const minute = new Map<string, Set<number>>();
    const add = (m: Map<string, Set<number>>, k: string, r: number) => {
      if (!m.has(k)) m.set(k, new Set());
      m.get(k)!.add(r);
    };
    for (const c of all) {
      if (c.mtime < start || c.mtime >= end) continue;
      if (!byCountry.has(c.country)) byCountry.set(c.country, new Map());
      for (const t of c.topics) {
        add(byTopic, t, c.rsvp);
        add(byCountry.get(c.country)!, t, c.rsvp);
        if (c.mtime >= end - MINUTE) add(minute, t, c.rsvp);
      }
    }
    ranked(byTopic).forEach(([t, s], i) => {
      expected.set(`trending ${t}@${start}`, { count: s.size, rank: i + 1 });
    });
    for (const [country, m] of byCountry)
      ranked(m).forEach(([t, s], i) => {
        expected.set(`country ${country}|${t}@${start}`, { country, topic: t, count: s.size, rank: i + 1 });
      });
    if (end % MINUTE === 0) for (const [t, s] of minute) expected.set(`minute ${t}@${end - MINUTE}`, s.size);
  }
  const got = new Map<string, unknown>();
  for (const o of rankings.committed) {
    assert.ok(!got.has(key(o)), `emitted twice: ${key(o)}`);
    got.set(key(o), o.result.value);
  }
  assert.deepEqual(got, expected);
});

test('topicCounts: a version behind the fired windows is late; the earlier state layout is restored', () => {
  const options = { sizeMs: SIZE, everyMs: EVERY, minuteMs: MINUTE };
  const t0 = 10 * SIZE;
  const op = topicCounts(options);
  const h = harness<TopicCounts>();
  op.process(change(1, 1, 'us', ['a'], t0 + 1000), 'k', t0 + 1000, h.ctx);
  op.onWatermark?.(t0 + 2 * EVERY, h.ctx);
  assert.deepEqual(
    h.out.map((r) => [r.kind, r.end, r.topics]),
    [
      ['window', t0 + EVERY, ['a', 1]],
      ['window', t0 + 2 * EVERY, []],
    ],
  );
  op.process(change(2, 1, 'us', ['a'], t0 + 5000), 'k', t0 + 5000, h.ctx);
  assert.equal(h.late.length, 1);

  // The earlier layout: `<pane>:<n>` = flat (topic, country, rsvp) triples. RSVP 1 with topics a and b
  // counts once in each.
  const old = new Map<string, Uint8Array>([
    [`${t0}:0`, msgpackCodec.encode(['a', 'us', 1, 'b', 'us', 1, 'a', 'us', 2])],
    ['~meta', msgpackCodec.encode([t0 + EVERY])],
  ]);
  const restored = topicCounts(options);
  restored.restore(old.entries());
  const h2 = harness<TopicCounts>();
  restored.process(change(3, 1, 'us', ['a', 'b'], t0 + EVERY + 1), 'k', t0 + EVERY + 1, h2.ctx);
  restored.onWatermark?.(t0 + 2 * EVERY, h2.ctx);
  assert.deepEqual(
    h2.out.map((r) => [r.end, r.topics, r.pairs]),
    [[t0 + 2 * EVERY, ['a', 1, 'b', 1], ['us', 'a', 1, 'us', 'b', 1]]],
  );
});
