/**
 * Distinct RSVPs per topic over sliding windows, incrementally: the operator behind trending topics,
 * per-country trending and the per-minute topic counts (rising topics, spikes).
 *
 * Why not `window(hopping(...)).aggregate(distinctCount(...))`: the engine keeps one exact set per
 * (10 s pane, key) and, when a 5-minute window fires, merges its 30 panes for every key — each record
 * is copied 30 times, and at 200 RSVPs/s (60,000 RSVPs per window, ≈10,000 country|topic keys) that
 * merge was half the pipeline's time. Here the cost is O(records): each (pane, key, rsvp) is added to
 * the sliding state once and removed once.
 *
 * It runs keyed by topic (all records of a topic meet in one task), so a topic's per-country counts
 * live in the same task. Input: `TopicBatch`es from `topicBatches` — per topic, the (country, rsvp,
 * mtime) of on-time RSVP versions whose group has the topic, grouped per fetched batch upstream, so a
 * topic crosses the repartition once per batch instead of once per RSVP (on the generator, a batch of
 * 2,048 RSVPs of one partition has ≈6,000 (RSVP, topic) pairs over ≈360 topics: 17× fewer records to
 * encode, commit, fetch and decode). State, per task:
 *
 * - panes: pane start (a multiple of `everyMs`) → topic → country → the RSVP ids that arrived for it,
 *   append-only (an RSVP updated twice in a pane is there twice). A pane is kept until the last window
 *   containing it (ending at start + size) fired.
 * - live: for the window that fired last, [liveTo − size, liveTo): per topic and per (country, topic),
 *   RSVP id → the latest of the window's panes holding it. The map's size is the window's distinct
 *   count.
 *
 * Firing: when the watermark reaches the next window end E (liveTo + every; empty stretches are
 * skipped, as the engine's windows skip them), the panes in [liveTo, E) enter `live` in time order
 * (id → this pane: one map write per record and key) and the panes before E − size leave it (an id
 * whose latest pane is the leaving one is in no later pane: deleted; one read, and a delete, per
 * record and key); a dropped pane's arrays go with it. Then it emits, with event time E − 1:
 *
 * - `country`: per country, this task's top `top` (country, topic) pairs with at least `minCount`
 *   distinct RSVPs (count desc, then topic) — the pairs at or above the minimum are kept in a set as
 *   counts cross the threshold, so keys below it cost nothing at firing; `countryTrendingTop` ranks
 *   every task's candidates into each country's top n;
 * - `trending`: this task's top `top` topics with at least `minCount` (count desc, then topic): the
 *   global top n is among the union of every task's local top n, which `trendingTop` ranks;
 * - `minute`: when E is a multiple of `minuteMs`, every topic's distinct RSVPs in the minute
 *   [E − minuteMs, E) (the union of its panes), for rising topics and spikes.
 *
 * Lateness (the engine's rule with no allowed lateness): a record whose windows have all fired
 * (pane + size ≤ liveTo) goes to the late output. A record behind the fired frontier but inside an
 * open window counts in the windows not yet fired (it joins `live` at once); fired windows and minutes
 * are final and not re-emitted. In the app neither happens: only versions on time at the source reach
 * this operator, and the source's watermark is ahead of this task's.
 *
 * Checkpoints write only what changed: the (topic, country, rsvp) triples added to a pane since the
 * last checkpoint, as one entry `<pane>:<n>` per pane and checkpoint (msgpack, flat), deleted when the
 * pane is dropped; and `~meta` = [liveTo]. Restore rebuilds the panes and `live` from them.
 */

import { StreamsightError } from '../../src/errors/index.ts';
import {
  msgpackCodec,
  type ProcessContext,
  type ProcessOperator,
  type StatePut,
  type WindowResult,
} from '../../src/index.ts';
import type { RsvpChange } from './latest-wins.ts';

/**
 * On-time RSVP versions of one topic, from one fetched batch of one source task: `items` is flat,
 * [country, rsvp, mtime, country, rsvp, mtime, ...] (JSON across the repartition: arrays of scalars are
 * the cheapest to encode and parse).
 */
export interface TopicBatch {
  topic: string;
  items: (string | number)[];
}

/** A per-country trending row (the `country-trending` view). */
export interface CountryTopic {
  country: string;
  topic: string;
  count: number;
}

/** What the operator emits: one kind per downstream consumer. */
export type TopicWindowOutput =
  | { kind: 'trending'; result: WindowResult<string, number> }
  | { kind: 'country'; result: WindowResult<string, CountryTopic> }
  | { kind: 'minute'; result: WindowResult<string, number> };

/**
 * A type guard picking one kind of `topicWindows` output.
 *
 * @example
 * signals.filter(ofKind('country')).map((s) => s.result).toView('country-trending')
 */
export function ofKind<K extends TopicWindowOutput['kind']>(
  kind: K,
): (o: TopicWindowOutput) => o is Extract<TopicWindowOutput, { kind: K }> {
  return (o): o is Extract<TopicWindowOutput, { kind: K }> => o.kind === kind;
}

export interface TopicWindowOptions {
  /** Sliding window size (ms). */
  sizeMs: number;
  /** Slide (ms): window ends are its multiples, and panes are this long. */
  everyMs: number;
  /** Tumbling per-topic counts of this size (ms): a multiple of `everyMs`, at most `sizeMs`. */
  minuteMs: number;
  /** Trending and per-country rows need at least this many distinct RSVPs. */
  minCount: number;
  /** Topics per window in this task's trending candidates, and per country in its per-country ones. */
  top: number;
}

interface Live {
  topic: string;
  country: string;
  /** rsvp id → the latest live pane holding it */
  ids: Map<number, number>;
}

interface LiveTopic extends Live {
  byCountry: Map<string, Live>;
}

const META = '~meta';

/** Distinct count desc, then topic asc. */
const byCountDesc = (a: Live, b: Live): number =>
  b.ids.size - a.ids.size || (a.topic < b.topic ? -1 : a.topic > b.topic ? 1 : 0);

/**
 * Groups the topics of on-time RSVP versions into one `TopicBatch` per topic and fetched batch, for
 * `topicWindows` behind a `keyBy` on the topic. The task calls `onTimer` after every fetched batch and
 * before every checkpoint, which is when the batches are emitted: they are committed with the input
 * positions they come from. (Should a checkpoint ever find batches pending, they are saved as state
 * and emitted after a restore, so none is lost or doubled.)
 *
 * @example
 * changes.process(() => topicBatches()).keyBy((b) => b.topic).process(() => topicWindows({ ... }))
 */
export function topicBatches(): ProcessOperator<string, RsvpChange, TopicBatch> {
  let pending = new Map<string, TopicBatch & { ts: number }>();
  let saved = false;
  return {
    process(c, _key, ts) {
      if (!c.onTime || !c.isVersion) return;
      for (const topic of c.topics) {
        const b = pending.get(topic);
        if (b === undefined) pending.set(topic, { topic, items: [c.country, c.rsvp, ts], ts });
        else {
          b.items.push(c.country, c.rsvp, ts);
          if (ts < b.ts) b.ts = ts;
        }
      }
    },
    onTimer(_now, ctx) {
      if (pending.size === 0) return;
      for (const b of pending.values()) ctx.emit({ topic: b.topic, items: b.items }, b.topic, b.ts);
      pending = new Map();
    },
    checkpoint(put: StatePut) {
      if (pending.size > 0) {
        put('pending', msgpackCodec.encode([...pending.values()]));
        saved = true;
      } else if (saved) {
        put('pending', null);
        saved = false;
      }
    },
    restore(entries) {
      for (const [k, v] of entries) {
        if (k !== 'pending') continue;
        for (const b of msgpackCodec.decode(v) as (TopicBatch & { ts: number })[]) pending.set(b.topic, b);
        saved = true;
      }
    },
  };
}

/**
 * @example
 * batches.keyBy((b) => b.topic).process(() => topicWindows({ sizeMs: 300_000, everyMs: 10_000, minuteMs: 60_000, minCount: 5, top: 10 }))
 */
export function topicWindows(
  options: TopicWindowOptions,
): ProcessOperator<string, TopicBatch, TopicWindowOutput> {
  const { sizeMs, everyMs, minuteMs, minCount, top } = options;
  if (
    !(everyMs > 0) ||
    sizeMs % everyMs !== 0 ||
    minuteMs % everyMs !== 0 ||
    minuteMs > sizeMs ||
    !(minCount >= 1)
  ) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'topicWindows: sizeMs and minuteMs must be multiples of everyMs, minuteMs ≤ sizeMs, minCount ≥ 1',
    );
  }
  /** pane start → topic → country → rsvp ids (append-only; an id may repeat) */
  const panes = new Map<number, Map<string, Map<string, number[]>>>();
  /** Sorted pane starts; those below liveTo are in `live`. */
  const starts: number[] = [];
  const live = new Map<string, LiveTopic>();
  const hotTopics = new Set<Live>();
  const hotCountries = new Set<Live>();
  let liveTo = Number.NEGATIVE_INFINITY;
  // Checkpoint bookkeeping: items added per pane since the last checkpoint, entries written per pane.
  const delta = new Map<number, (string | number)[]>();
  const written = new Map<number, number>();
  const garbage: string[] = [];
  let metaDirty = false;

  const lowerBound = (t: number): number => {
    let lo = 0;
    let hi = starts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (starts[mid] < t) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };

  /** The ids of (topic, country) in pane p, created when missing. */
  const paneIds = (p: number, topic: string, country: string): number[] => {
    let byTopic = panes.get(p);
    if (!byTopic) {
      byTopic = new Map();
      panes.set(p, byTopic);
      if (starts.length === 0 || starts[starts.length - 1] < p) starts.push(p);
      else starts.splice(lowerBound(p), 0, p);
    }
    let byCountry = byTopic.get(topic);
    if (!byCountry) {
      byCountry = new Map();
      byTopic.set(topic, byCountry);
    }
    let ids = byCountry.get(country);
    if (!ids) {
      ids = [];
      byCountry.set(country, ids);
    }
    return ids;
  };

  const liveOf = (topic: string, country: string): [LiveTopic, Live] => {
    let t = live.get(topic);
    if (!t) {
      t = { topic, country: '', ids: new Map(), byCountry: new Map() };
      live.set(topic, t);
    }
    let c = t.byCountry.get(country);
    if (!c) {
      c = { topic, country, ids: new Map() };
      t.byCountry.set(country, c);
    }
    return [t, c];
  };

  // A live map holds, per id, the latest live pane holding it: panes enter in time order, so entering
  // is one `set`; a leaving pane removes the ids whose latest pane it is (they are in no later one).
  // The map's size is the distinct count. Panes stay plain arrays: a repeated id is harmless.
  const seen = (m: Map<number, number>, id: number, p: number): void => {
    const q = m.get(id);
    if (q === undefined || q < p) m.set(id, p);
  };
  const hot = (l: Live, set: Set<Live>): void => {
    if (l.ids.size >= minCount) set.add(l);
    else set.delete(l);
  };

  /** Pane p joins the live window (panes enter in time order). */
  const enter = (p: number): void => {
    for (const [topic, byCountry] of panes.get(p)!) {
      for (const [country, ids] of byCountry) {
        const [t, c] = liveOf(topic, country);
        const tm = t.ids;
        const cm = c.ids;
        for (let i = 0; i < ids.length; i++) {
          tm.set(ids[i], p);
          cm.set(ids[i], p);
        }
        hot(c, hotCountries);
      }
      hot(live.get(topic)!, hotTopics);
    }
  };

  /** Pane p leaves the live window and is dropped. */
  const leave = (p: number): void => {
    for (const [topic, byCountry] of panes.get(p)!) {
      const t = live.get(topic)!;
      for (const [country, ids] of byCountry) {
        const c = t.byCountry.get(country)!;
        const tm = t.ids;
        const cm = c.ids;
        for (let i = 0; i < ids.length; i++) {
          if (tm.get(ids[i]) === p) tm.delete(ids[i]);
          if (cm.get(ids[i]) === p) cm.delete(ids[i]);
        }
        hot(c, hotCountries);
        if (c.ids.size === 0) t.byCountry.delete(country);
      }
      hot(t, hotTopics);
      if (t.ids.size === 0) live.delete(topic);
    }
    panes.delete(p);
    delta.delete(p);
    const n = written.get(p) ?? 0;
    for (let i = 0; i < n; i++) garbage.push(`${p}:${i}`);
    written.delete(p);
  };

  const emitWindow = (end: number, ctx: ProcessContext<TopicWindowOutput>): void => {
    const start = end - sizeMs;
    const ts = end - 1;
    // Per country, this task's top `top` (country, topic) pairs at or above the minimum: the top n of
    // a country is among the union of every task's local top n, which `countryTrendingTop` ranks.
    if (hotCountries.size > 0) {
      const byCountry = new Map<string, Live[]>();
      for (const c of hotCountries) {
        const list = byCountry.get(c.country);
        if (list === undefined) byCountry.set(c.country, [c]);
        else list.push(c);
      }
      for (const list of byCountry.values()) {
        if (list.length > 1) list.sort(byCountDesc);
        for (let i = 0; i < list.length && i < top; i++) {
          const c = list[i];
          const key = `${c.country}|${c.topic}`;
          ctx.emit(
            {
              kind: 'country',
              result: {
                key,
                start,
                end,
                value: { country: c.country, topic: c.topic, count: c.ids.size },
                final: true,
              },
            },
            key,
            ts,
          );
        }
      }
    }
    if (hotTopics.size > 0) {
      const ranked = [...hotTopics].sort(byCountDesc);
      for (let i = 0; i < ranked.length && i < top; i++) {
        const t = ranked[i];
        ctx.emit(
          { kind: 'trending', result: { key: t.topic, start, end, value: t.ids.size, final: true } },
          t.topic,
          ts,
        );
      }
    }
    if (end % minuteMs === 0) {
      // The minute's panes are all live (minuteMs ≤ sizeMs): the union of their ids per topic.
      const union = new Map<string, Set<number>>();
      for (let i = lowerBound(end - minuteMs); i < starts.length && starts[i] < end; i++) {
        for (const [topic, byCountry] of panes.get(starts[i])!) {
          let u = union.get(topic);
          if (u === undefined) {
            u = new Set();
            union.set(topic, u);
          }
          for (const ids of byCountry.values()) for (let j = 0; j < ids.length; j++) u.add(ids[j]);
        }
      }
      for (const [topic, ids] of union) {
        ctx.emit(
          {
            kind: 'minute',
            result: { key: topic, start: end - minuteMs, end, value: ids.size, final: true },
          },
          topic,
          ts,
        );
      }
    }
  };

  return {
    process(batch, _key, _ts, ctx) {
      const topic = batch.topic;
      const items = batch.items;
      for (let i = 0; i < items.length; i += 3) {
        const country = items[i] as string;
        const rsvp = items[i + 1] as number;
        const ts = items[i + 2] as number;
        const p = ts - (((ts % everyMs) + everyMs) % everyMs);
        if (p + sizeMs <= liveTo) {
          ctx.late({ topic, country, rsvp }, topic, ts);
          continue;
        }
        paneIds(p, topic, country).push(rsvp);
        let d = delta.get(p);
        if (!d) {
          d = [];
          delta.set(p, d);
        }
        d.push(topic, country, rsvp);
        if (p < liveTo) {
          // Behind the fired frontier, inside windows still open: it joins them now.
          const [t, c] = liveOf(topic, country);
          seen(t.ids, rsvp, p);
          seen(c.ids, rsvp, p);
          hot(t, hotTopics);
          hot(c, hotCountries);
        }
      }
    },
    onWatermark(wm, ctx) {
      for (;;) {
        if (starts.length === 0) break;
        let end: number;
        if (liveTo === Number.NEGATIVE_INFINITY || starts[0] >= liveTo) {
          // Nothing live: skip to the first window holding the oldest pane.
          end = Math.max(liveTo + everyMs, starts[0] + everyMs);
        } else end = liveTo + everyMs;
        if (end > wm) break;
        for (let i = lowerBound(liveTo); i < starts.length && starts[i] < end; i++) enter(starts[i]);
        while (starts.length > 0 && starts[0] < end - sizeMs) leave(starts.shift()!);
        liveTo = end;
        metaDirty = true;
        emitWindow(end, ctx);
      }
      // Nothing left to fire: windows up to the watermark count as fired.
      if (starts.length === 0 && Number.isFinite(wm)) {
        const aligned = wm - (((wm % everyMs) + everyMs) % everyMs);
        if (aligned > liveTo) {
          liveTo = aligned;
          metaDirty = true;
        }
      }
    },
    checkpoint(put: StatePut) {
      for (const k of garbage) put(k, null);
      garbage.length = 0;
      for (const [p, d] of delta) {
        const n = written.get(p) ?? 0;
        put(`${p}:${n}`, msgpackCodec.encode(d));
        written.set(p, n + 1);
      }
      delta.clear();
      if (metaDirty) {
        put(META, msgpackCodec.encode([liveTo]));
        metaDirty = false;
      }
    },
    restore(entries) {
      const all: [number, number, (string | number)[]][] = [];
      for (const [k, v] of entries) {
        if (k === META) {
          const [to] = msgpackCodec.decode(v) as [number | null];
          liveTo = to ?? Number.NEGATIVE_INFINITY;
          continue;
        }
        const colon = k.indexOf(':');
        all.push([
          Number(k.slice(0, colon)),
          Number(k.slice(colon + 1)),
          msgpackCodec.decode(v) as (string | number)[],
        ]);
      }
      // Entries in written order, so each pane's ids come back in the order they arrived.
      all.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      for (const [p, n, d] of all) {
        if (p + sizeMs < liveTo) {
          garbage.push(`${p}:${n}`);
          continue;
        }
        written.set(p, Math.max(written.get(p) ?? 0, n + 1));
        for (let i = 0; i < d.length; i += 3)
          paneIds(p, d[i] as string, d[i + 1] as string).push(d[i + 2] as number);
      }
      for (let i = 0; i < starts.length && starts[i] < liveTo; i++) enter(starts[i]);
    },
  };
}

/** A trending row (the `trending-topics` view value). */
export interface Trending {
  count: number;
  rank: number;
}

/**
 * The global top n per window from every task's local candidates (`topicWindows`' `trending`
 * output), keyed by window start so that one window's candidates meet in one task. A window fires
 * when the watermark reaches its end — every upstream task has then sent its candidates — ranked by
 * count desc, then topic; the top `top` with at least `minCount` are emitted keyed by topic, with
 * their rank. State: the candidates of unfired windows, one entry per window.
 *
 * @example
 * candidates.keyBy((r) => r.start).process(() => trendingTop({ top: 10, minCount: 5 })).toView('trending-topics')
 */
export function trendingTop(options: {
  top: number;
  minCount: number;
}): ProcessOperator<number, WindowResult<string, number>, WindowResult<string, Trending>> {
  const { top, minCount } = options;
  /** window start → [end, [topic, count]...] */
  const windows = new Map<number, [number, [string, number][]]>();
  const dirty = new Set<number>();
  return {
    process(r) {
      let w = windows.get(r.start);
      if (!w) {
        w = [r.end, []];
        windows.set(r.start, w);
      }
      w[1].push([r.key, r.value]);
      dirty.add(r.start);
    },
    onWatermark(wm, ctx) {
      const due = [...windows.keys()].filter((s) => windows.get(s)![0] <= wm).sort((a, b) => a - b);
      for (const start of due) {
        const [end, items] = windows.get(start)!;
        windows.delete(start);
        dirty.add(start);
        items.sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
        for (let i = 0; i < items.length && i < top; i++) {
          const [topic, count] = items[i];
          if (count < minCount) break;
          ctx.emit({ key: topic, start, end, value: { count, rank: i + 1 }, final: true }, topic, end - 1);
        }
      }
    },
    checkpoint(put: StatePut) {
      for (const s of dirty) {
        const w = windows.get(s);
        put(String(s), w === undefined ? null : msgpackCodec.encode(w));
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries)
        windows.set(Number(k), msgpackCodec.decode(v) as [number, [string, number][]]);
    },
  };
}

/** A per-country trending row (the `country-trending` view value): rank 1 is the country's top topic. */
export interface CountryTrending extends CountryTopic {
  rank: number;
}

/**
 * Each country's top n topics per window from every task's local per-country candidates
 * (`topicWindows`' `country` output; a topic lives in one task, so a country's top n is among the
 * union of the local top n), keyed by window start so that one window's candidates meet in one task.
 * A window fires when the watermark reaches its end; per country, ranked by count desc, then topic,
 * the top `top` are emitted keyed by `<country>|<topic>`, with their rank (the candidates already
 * have the minimum count). State: the candidates of unfired windows, one entry per window.
 *
 * @example
 * candidates.keyBy((r) => r.start).process(() => countryTrendingTop({ top: 10 })).toView('country-trending')
 */
export function countryTrendingTop(options: {
  top: number;
}): ProcessOperator<number, WindowResult<string, CountryTopic>, WindowResult<string, CountryTrending>> {
  const { top } = options;
  /** window start → [end, [country, topic, count]...] */
  const windows = new Map<number, [number, [string, string, number][]]>();
  const dirty = new Set<number>();
  return {
    process(r) {
      let w = windows.get(r.start);
      if (!w) {
        w = [r.end, []];
        windows.set(r.start, w);
      }
      w[1].push([r.value.country, r.value.topic, r.value.count]);
      dirty.add(r.start);
    },
    onWatermark(wm, ctx) {
      const due = [...windows.keys()].filter((s) => windows.get(s)![0] <= wm).sort((a, b) => a - b);
      for (const start of due) {
        const [end, items] = windows.get(start)!;
        windows.delete(start);
        dirty.add(start);
        items.sort(
          (a, b) =>
            (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0) ||
            b[2] - a[2] ||
            (a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0),
        );
        let rank = 0;
        for (let i = 0; i < items.length; i++) {
          const [country, topic, count] = items[i];
          rank = i > 0 && items[i - 1][0] === country ? rank + 1 : 1;
          if (rank > top) continue;
          const key = `${country}|${topic}`;
          ctx.emit({ key, start, end, value: { country, topic, count, rank }, final: true }, key, end - 1);
        }
      }
    },
    checkpoint(put: StatePut) {
      for (const s of dirty) {
        const w = windows.get(s);
        put(String(s), w === undefined ? null : msgpackCodec.encode(w));
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries)
        windows.set(Number(k), msgpackCodec.decode(v) as [number, [string, string, number][]]);
    },
  };
}
