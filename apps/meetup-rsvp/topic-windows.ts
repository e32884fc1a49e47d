/**
 * Distinct RSVPs per topic over sliding windows, the operators behind trending topics, per-country
 * trending and the per-minute topic counts (rising topics, spikes).
 *
 * Counted where the RSVPs are: an RSVP lives in one partition of `rsvps` (keyed by group), so the
 * distinct RSVPs of a topic in a window are the sum over partitions of each partition's distinct
 * RSVPs. `topicCounts` runs in the source task, right behind latest-wins, and keeps per partition one
 * integer counter per topic and per (country, topic) pair; `topicRankings`, behind a `keyBy` to a
 * single key, adds up the partitions' changes and ranks. An RSVP costs a few counter updates where it
 * enters and leaves the sliding window, and nothing crosses a repartition per RSVP: each partition
 * sends one record per window (the counters that changed) and one per minute.
 *
 * Why not `window(hopping(...)).aggregate(distinctCount(...))`: the engine keeps one exact set per
 * (10 s pane, key) and merges the 30 panes of every key when a 5-minute window fires — each record is
 * copied 30 times. An earlier version of this file repartitioned every (RSVP, topic) to a task per
 * topic and kept maps of RSVP ids per key: about 40 % of the app's time.
 *
 * `topicCounts`, per task (input: latest-wins changes; only on-time versions, `onTime && isVersion`):
 *
 * - An RSVP version's *profile* is its country and its group's topics (interned; a group's topics
 *   rarely change). Its *keys* are the topics and the (country, topic) pairs of the profile.
 * - panes: pane start (a multiple of `everyMs`) → flat [rsvp, profile, ...] of the on-time versions
 *   whose mtime falls in it, append-only. Kept until the last window containing it has fired.
 * - live: for the window [liveTo − size, liveTo) that fired last, per RSVP the latest live pane and
 *   its profile. An RSVP counts once in each key of its profile; one whose group changed topics or
 *   country inside a window has several live profiles and counts once in each key of their union.
 * - Firing: when the watermark reaches the next window end E (empty stretches are skipped), the panes
 *   in [liveTo, E) enter in time order (a new RSVP adds 1 to its keys) and those before E − size
 *   leave (an RSVP whose latest pane leaves subtracts 1). It then emits `{ kind: 'window', end: E }`
 *   with the counters that changed since its previous window, as deltas; and, when E is a multiple of
 *   `minuteMs`, `{ kind: 'minute' }` with every topic's distinct RSVPs in [E − minuteMs, E).
 *
 * Lateness: the app only feeds versions on time at the task's own watermark, which never lie behind
 * a fired window (windows fire at that same watermark); any other record goes to the late output.
 *
 * Checkpoints write only what changed: the (rsvp, profile) pairs added to a pane since the last
 * checkpoint as one entry `<pane>:<n>` (msgpack: the profiles it uses, then the pairs), deleted when
 * the pane is dropped; and `~meta` = [liveTo]. Restore rebuilds the panes and recounts the live
 * window, which is what the last window emitted, so deltas go on from there. Entries of the earlier
 * layout (flat topic, country, rsvp triples) are read as one single-topic profile per triple.
 */

import { StreamsightError } from '../../src/errors/index.ts';
import {
  msgpackCodec,
  type ProcessContext,
  type ProcessOperator,
  type StatePut,
  type WindowResult,
} from '../../src/index.ts';
import { LabelSet } from '../../src/ml/label-set.ts';
import { grown } from './columns.ts';
import { IntMap } from './int-map.ts';
import type { RsvpChange } from './latest-wins.ts';

/** What `topicCounts` sends to `topicRankings`, per partition. */
export interface TopicCounts {
  kind: 'window' | 'minute';
  end: number;
  /** window: [topic, delta, ...] since this partition's previous window; minute: [topic, count, ...]. */
  topics: (string | number)[];
  /** window: [country, topic, delta, ...]; minute: empty. */
  pairs: (string | number)[];
}

/** A trending row (the `trending-topics` view value). */
export interface Trending {
  count: number;
  rank: number;
}

/** A per-country trending row (the `country-trending` view value): rank 1 is the country's top topic. */
export interface CountryTrending {
  country: string;
  topic: string;
  count: number;
  rank: number;
}

/** What `topicRankings` emits: one kind per downstream consumer. */
export type TopicWindowOutput =
  | { kind: 'trending'; result: WindowResult<string, Trending> }
  | { kind: 'country'; result: WindowResult<string, CountryTrending> }
  | { kind: 'minute'; result: WindowResult<string, number> };

/**
 * A type guard picking one kind of `topicRankings` output.
 *
 * @example
 * rankings.filter(ofKind('country')).map((s) => s.result).toView('country-trending')
 */
export function ofKind<K extends TopicWindowOutput['kind']>(
  kind: K,
): (o: TopicWindowOutput) => o is Extract<TopicWindowOutput, { kind: K }> {
  return (o): o is Extract<TopicWindowOutput, { kind: K }> => o.kind === kind;
}

export interface TopicCountOptions {
  /** Sliding window size (ms). */
  sizeMs: number;
  /** Slide (ms): window ends are its multiples, and panes are this long. */
  everyMs: number;
  /** Tumbling per-topic counts of this size (ms): a multiple of `everyMs`, at most `sizeMs`. */
  minuteMs: number;
}

const META = '~meta';

/** Counters by dense id, with the ids changed since the last `drain` and the value then. */
class Counters {
  #count = new Int32Array(256);
  #emitted = new Int32Array(256);
  #dirty = new Uint8Array(256);
  readonly #changed: number[] = [];

  add(id: number, d: number): void {
    if (id >= this.#count.length) this.#grow(id);
    this.#count[id] += d;
    if (this.#dirty[id] === 0) {
      this.#dirty[id] = 1;
      this.#changed.push(id);
    }
  }

  /** Calls `f(id, delta)` for every counter that changed since the last drain. */
  drain(f: (id: number, delta: number) => void): void {
    for (const id of this.#changed) {
      this.#dirty[id] = 0;
      const d = this.#count[id] - this.#emitted[id];
      if (d === 0) continue;
      this.#emitted[id] = this.#count[id];
      f(id, d);
    }
    this.#changed.length = 0;
  }

  #grow(id: number): void {
    const n = Math.max(id + 1, this.#count.length * 2);
    this.#count = grown(this.#count, n);
    this.#emitted = grown(this.#emitted, n);
    this.#dirty = grown(this.#dirty, n);
  }
}

/**
 * Per-partition distinct RSVPs per topic and (country, topic) over sliding windows, and per topic per
 * minute (see the header).
 *
 * @example
 * changes.process(() => topicCounts({ sizeMs: 300_000, everyMs: 10_000, minuteMs: 60_000 }))
 */
export function topicCounts(options: TopicCountOptions): ProcessOperator<string, RsvpChange, TopicCounts> {
  const { sizeMs, everyMs, minuteMs } = options;
  if (!(everyMs > 0) || sizeMs % everyMs !== 0 || minuteMs % everyMs !== 0 || minuteMs > sizeMs) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'topicCounts: sizeMs and minuteMs must be multiples of everyMs, and minuteMs ≤ sizeMs',
    );
  }
  const topics = new LabelSet<string>();
  const countries = new LabelSet<string>();
  /** countryId × 2^24 + topicId → pair id */
  const pairIds = new Map<number, number>();
  const pairCountry: number[] = [];
  const pairTopic: number[] = [];
  // Profiles: country and topics; keyed by `country\ttopic\t…` to intern them.
  const profileIds = new Map<string, number>();
  const profileCountry: string[] = [];
  const profileTopicNames: string[][] = [];
  const profileTopics: Int32Array[] = [];
  const profilePairs: Int32Array[] = [];
  /** group id → its last profile (the cheap path: most versions repeat their group's profile) */
  const groupProfile = new Map<number, number>();

  const topicCount = new Counters();
  const pairCount = new Counters();

  /** pane start → flat [rsvp, profile, ...] */
  const panes = new Map<number, number[]>();
  /** Sorted pane starts; those below liveTo are live. */
  const starts: number[] = [];
  let liveTo = Number.NEGATIVE_INFINITY;
  // Live RSVPs: rsvp → row; per row the latest live pane and its profile, or -1 when the RSVP has
  // several live profiles (then `multi` holds flat [profile, latest pane, ...]).
  const live = new IntMap(4096);
  let livePane = new Float64Array(1024);
  let liveProfile = new Int32Array(1024);
  const freeRows: number[] = [];
  let usedRows = 0;
  const multi = new Map<number, number[]>();

  // Checkpoint bookkeeping: pairs added per pane since the last checkpoint, entries written per pane.
  const delta = new Map<number, number[]>();
  const written = new Map<number, number>();
  const garbage: string[] = [];
  let metaDirty = false;

  const profileOf = (country: string, names: string[]): number => {
    const key = `${country}\t${names.join('\t')}`;
    let id = profileIds.get(key);
    if (id !== undefined) return id;
    id = profileCountry.length;
    profileIds.set(key, id);
    const c = countries.indexOf(country);
    const t = names.map((n) => topics.indexOf(n));
    const p = t.map((topic) => {
      const k = c * 2 ** 24 + topic;
      let pair = pairIds.get(k);
      if (pair === undefined) {
        pair = pairCountry.length;
        pairIds.set(k, pair);
        pairCountry.push(c);
        pairTopic.push(topic);
      }
      return pair;
    });
    profileCountry.push(country);
    profileTopicNames.push(names);
    profileTopics.push(Int32Array.from(new Set(t)));
    profilePairs.push(Int32Array.from(new Set(p)));
    return id;
  };

  const sameProfile = (id: number, country: string, names: string[]): boolean => {
    if (profileCountry[id] !== country) return false;
    const known = profileTopicNames[id];
    if (known.length !== names.length) return false;
    for (let i = 0; i < names.length; i++) if (known[i] !== names[i]) return false;
    return true;
  };

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

  const paneOf = (p: number): number[] => {
    let items = panes.get(p);
    if (!items) {
      items = [];
      panes.set(p, items);
      if (starts.length === 0 || starts[starts.length - 1] < p) starts.push(p);
      else starts.splice(lowerBound(p), 0, p);
    }
    return items;
  };

  const addPair = (p: number, rsvp: number, profile: number): void => {
    paneOf(p).push(rsvp, profile);
    let d = delta.get(p);
    if (!d) {
      d = [];
      delta.set(p, d);
    }
    d.push(rsvp, profile);
  };

  /** Adds d to the keys of `profile` that none of `others` (flat [profile, pane, ...]) holds. */
  const count = (profile: number, d: number, others?: number[]): void => {
    const ts = profileTopics[profile];
    const ps = profilePairs[profile];
    if (others === undefined || others.length === 0) {
      for (let i = 0; i < ts.length; i++) topicCount.add(ts[i], d);
      for (let i = 0; i < ps.length; i++) pairCount.add(ps[i], d);
      return;
    }
    const held = (key: number, of: Int32Array[]): boolean => {
      for (let j = 0; j < others.length; j += 2) if (of[others[j]].includes(key)) return true;
      return false;
    };
    for (let i = 0; i < ts.length; i++) if (!held(ts[i], profileTopics)) topicCount.add(ts[i], d);
    for (let i = 0; i < ps.length; i++) if (!held(ps[i], profilePairs)) pairCount.add(ps[i], d);
  };

  /** Pane p joins the live window (panes enter in time order). */
  const enter = (p: number): void => {
    const items = panes.get(p)!;
    for (let i = 0; i < items.length; i += 2) {
      const rsvp = items[i];
      const profile = items[i + 1];
      let row = live.get(rsvp);
      if (row < 0) {
        row = freeRows.pop() ?? usedRows++;
        if (row >= livePane.length) {
          livePane = grown(livePane, livePane.length * 2);
          liveProfile = grown(liveProfile, liveProfile.length * 2);
        }
        live.set(rsvp, row);
        livePane[row] = p;
        liveProfile[row] = profile;
        count(profile, 1);
        continue;
      }
      const current = liveProfile[row];
      if (current === profile) {
        livePane[row] = p;
        continue;
      }
      // Another profile for this RSVP: count the keys it adds.
      let list = multi.get(rsvp);
      if (list === undefined) {
        list = [current, livePane[row]];
        multi.set(rsvp, list);
        liveProfile[row] = -1;
      }
      let j = 0;
      while (j < list.length && list[j] !== profile) j += 2;
      if (j < list.length) list[j + 1] = p;
      else {
        count(profile, 1, list);
        list.push(profile, p);
      }
    }
  };

  /** Pane p leaves the live window and is dropped. */
  const leave = (p: number): void => {
    const items = panes.get(p)!;
    for (let i = 0; i < items.length; i += 2) {
      const rsvp = items[i];
      const row = live.get(rsvp);
      if (row < 0) continue;
      if (liveProfile[row] >= 0) {
        if (livePane[row] !== p) continue;
        count(liveProfile[row], -1);
        live.delete(rsvp);
        freeRows.push(row);
        continue;
      }
      const list = multi.get(rsvp)!;
      const profile = items[i + 1];
      let j = 0;
      while (j < list.length && !(list[j] === profile && list[j + 1] === p)) j += 2;
      if (j === list.length) continue;
      list.splice(j, 2);
      count(profile, -1, list);
      if (list.length === 0) {
        multi.delete(rsvp);
        live.delete(rsvp);
        freeRows.push(row);
      }
    }
    panes.delete(p);
    delta.delete(p);
    const n = written.get(p) ?? 0;
    for (let i = 0; i < n; i++) garbage.push(`${p}:${i}`);
    written.delete(p);
  };

  /** Every topic's distinct RSVPs in the minute [end − minuteMs, end) (its panes are all present). */
  const minute = (end: number): (string | number)[] => {
    const counts = new Map<number, number>();
    /** rsvp → its first profile in the minute; `extra` holds the topics of any further ones. */
    const first = new Map<number, number>();
    const extra = new Map<number, Set<number>>();
    const bump = (t: number) => counts.set(t, (counts.get(t) ?? 0) + 1);
    for (let i = lowerBound(end - minuteMs); i < starts.length && starts[i] < end; i++) {
      const items = panes.get(starts[i])!;
      for (let j = 0; j < items.length; j += 2) {
        const rsvp = items[j];
        const profile = items[j + 1];
        const seen = first.get(rsvp);
        if (seen === undefined) {
          first.set(rsvp, profile);
          for (const t of profileTopics[profile]) bump(t);
        } else if (seen !== profile) {
          let s = extra.get(rsvp);
          if (s === undefined) {
            s = new Set(profileTopics[seen]);
            extra.set(rsvp, s);
          }
          for (const t of profileTopics[profile]) {
            if (s.has(t)) continue;
            s.add(t);
            bump(t);
          }
        }
      }
    }
    const out: (string | number)[] = [];
    for (const [t, n] of counts) out.push(topics.labels[t], n);
    return out;
  };

  const emitWindow = (end: number, ctx: ProcessContext<TopicCounts>): void => {
    const t: (string | number)[] = [];
    topicCount.drain((id, d) => {
      t.push(topics.labels[id], d);
    });
    const pairs: (string | number)[] = [];
    pairCount.drain((id, d) => {
      pairs.push(countries.labels[pairCountry[id]], topics.labels[pairTopic[id]], d);
    });
    ctx.emit({ kind: 'window', end, topics: t, pairs }, 'topics', end - 1);
    if (end % minuteMs === 0)
      ctx.emit({ kind: 'minute', end, topics: minute(end), pairs: [] }, 'topics', end - 1);
  };

  /** Fires every window whose end the watermark reached. */
  const fire = (wm: number, ctx: ProcessContext<TopicCounts> | undefined): void => {
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
      if (ctx) emitWindow(end, ctx);
    }
    // Nothing left to fire: windows up to the watermark count as fired.
    if (starts.length === 0 && Number.isFinite(wm)) {
      const aligned = wm - (((wm % everyMs) + everyMs) % everyMs);
      if (aligned > liveTo) {
        liveTo = aligned;
        metaDirty = true;
      }
    }
  };

  return {
    process(c, _key, ts, ctx) {
      if (!c.onTime || !c.isVersion) return;
      const p = ts - (((ts % everyMs) + everyMs) % everyMs);
      if (p < liveTo) {
        ctx.late({ rsvp: c.rsvp, country: c.country, topics: c.topics }, c.rsvp, ts);
        return;
      }
      let profile = groupProfile.get(c.group);
      if (profile === undefined || !sameProfile(profile, c.country, c.topics)) {
        profile = profileOf(c.country, c.topics);
        groupProfile.set(c.group, profile);
      }
      addPair(p, c.rsvp, profile);
    },
    onWatermark(wm, ctx) {
      fire(wm, ctx);
    },
    checkpoint(put: StatePut) {
      for (const k of garbage) put(k, null);
      garbage.length = 0;
      for (const [p, d] of delta) {
        // The profiles this entry uses, by local index, then [rsvp, local index, ...].
        const local = new Map<number, number>();
        const used: [string, string[]][] = [];
        const flat: number[] = [];
        for (let i = 0; i < d.length; i += 2) {
          let l = local.get(d[i + 1]);
          if (l === undefined) {
            l = used.length;
            local.set(d[i + 1], l);
            used.push([profileCountry[d[i + 1]], profileTopicNames[d[i + 1]]]);
          }
          flat.push(d[i], l);
        }
        const n = written.get(p) ?? 0;
        put(`${p}:${n}`, msgpackCodec.encode([used, flat]));
        written.set(p, n + 1);
      }
      delta.clear();
      if (metaDirty) {
        put(META, msgpackCodec.encode([liveTo]));
        metaDirty = false;
      }
    },
    restore(entries) {
      const all: [number, number, [[string, string[]][], number[]]][] = [];
      let to = Number.NEGATIVE_INFINITY;
      for (const [k, v] of entries) {
        if (k === META) {
          to = (msgpackCodec.decode(v) as [number | null])[0] ?? Number.NEGATIVE_INFINITY;
          continue;
        }
        const colon = k.indexOf(':');
        const value = msgpackCodec.decode(v) as [[string, string[]][], number[]] | (string | number)[];
        let entry: [[string, string[]][], number[]];
        if (typeof value[0] === 'string') {
          // The earlier layout, flat (topic, country, rsvp) triples: a profile per triple, and an RSVP
          // with several topics has several live profiles, which count once per key all the same.
          const flat = value as (string | number)[];
          const used: [string, string[]][] = [];
          const items: number[] = [];
          for (let i = 0; i < flat.length; i += 3) {
            items.push(flat[i + 2] as number, used.length);
            used.push([flat[i + 1] as string, [flat[i] as string]]);
          }
          entry = [used, items];
        } else entry = value as [[string, string[]][], number[]];
        all.push([Number(k.slice(0, colon)), Number(k.slice(colon + 1)), entry]);
      }
      // Entries in written order, so each pane's pairs come back in the order they arrived.
      all.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
      for (const [p, n, [used, flat]] of all) {
        if (p + sizeMs < to) {
          garbage.push(`${p}:${n}`);
          continue;
        }
        written.set(p, Math.max(written.get(p) ?? 0, n + 1));
        const ids = used.map(([country, names]) => profileOf(country, names));
        const items = paneOf(p);
        for (let i = 0; i < flat.length; i += 2) items.push(flat[i], ids[flat[i + 1]]);
      }
      // Recount the live window as the last fired window left it: that is what was emitted.
      fire(to, undefined);
      liveTo = to;
      metaDirty = false;
      topicCount.drain(() => {});
      pairCount.drain(() => {});
    },
  };
}

/** Count desc, then name asc. */
const byCountDesc = (a: [string, number], b: [string, number]): number =>
  b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/**
 * Sums every partition's `topicCounts` and ranks, behind a `keyBy` to one key (one task sees every
 * partition). A window or minute fires when the watermark reaches its end — every partition has then
 * sent its record for it — in end order: a window's deltas are added to the running sums, then it
 * emits the top `top` topics with at least `minCount` distinct RSVPs (`trending`, with rank) and each
 * country's top `top` (`country`, keyed `<country>|<topic>`); a minute emits every topic's count
 * (`minute`, keyed by topic). Ties rank by topic.
 *
 * State: the sums (`t` = every topic's, `c:<country>` = the country's pairs, rewritten when they
 * change) and the records of windows not fired yet (`w:<end>` / `m:<end>`).
 *
 * @example
 * counts.keyBy(() => 'topics').process(() => topicRankings({ top: 10, minCount: 5, minuteMs: 60_000, sizeMs: 300_000 }))
 */
export function topicRankings(options: {
  top: number;
  minCount: number;
  sizeMs: number;
  minuteMs: number;
}): ProcessOperator<string, TopicCounts, TopicWindowOutput> {
  const { top, minCount, sizeMs, minuteMs } = options;
  const topicSums = new Map<string, number>();
  /** country → topic → distinct RSVPs */
  const pairSums = new Map<string, Map<string, number>>();
  /** `w:<end>` / `m:<end>` → the records received for it */
  const pending = new Map<string, TopicCounts[]>();
  const dirtyPending = new Set<string>();
  const dirtyCountries = new Set<string>();
  let topicsDirty = false;

  const apply = (r: TopicCounts): void => {
    for (let i = 0; i < r.topics.length; i += 2) {
      const t = r.topics[i] as string;
      const n = (topicSums.get(t) ?? 0) + (r.topics[i + 1] as number);
      if (n === 0) topicSums.delete(t);
      else topicSums.set(t, n);
      topicsDirty = true;
    }
    for (let i = 0; i < r.pairs.length; i += 3) {
      const country = r.pairs[i] as string;
      let m = pairSums.get(country);
      if (!m) {
        m = new Map();
        pairSums.set(country, m);
      }
      const t = r.pairs[i + 1] as string;
      const n = (m.get(t) ?? 0) + (r.pairs[i + 2] as number);
      if (n === 0) m.delete(t);
      else m.set(t, n);
      if (m.size === 0) pairSums.delete(country);
      dirtyCountries.add(country);
    }
  };

  /** The top `top` of `counts` with at least `minCount`, ranked. */
  const ranked = (counts: Map<string, number>): [string, number][] => {
    const hot: [string, number][] = [];
    for (const e of counts) if (e[1] >= minCount) hot.push(e);
    return hot.sort(byCountDesc).slice(0, top);
  };

  const fireWindow = (end: number, records: TopicCounts[], ctx: ProcessContext<TopicWindowOutput>): void => {
    for (const r of records) apply(r);
    const start = end - sizeMs;
    const ts = end - 1;
    let rank = 0;
    for (const [topic, count] of ranked(topicSums)) {
      rank++;
      ctx.emit(
        { kind: 'trending', result: { key: topic, start, end, value: { count, rank }, final: true } },
        topic,
        ts,
      );
    }
    for (const [country, m] of pairSums) {
      rank = 0;
      for (const [topic, count] of ranked(m)) {
        rank++;
        const key = `${country}|${topic}`;
        ctx.emit(
          {
            kind: 'country',
            result: { key, start, end, value: { country, topic, count, rank }, final: true },
          },
          key,
          ts,
        );
      }
    }
  };

  const fireMinute = (end: number, records: TopicCounts[], ctx: ProcessContext<TopicWindowOutput>): void => {
    const sums = new Map<string, number>();
    for (const r of records)
      for (let i = 0; i < r.topics.length; i += 2) {
        const t = r.topics[i] as string;
        sums.set(t, (sums.get(t) ?? 0) + (r.topics[i + 1] as number));
      }
    for (const [topic, count] of sums)
      ctx.emit(
        { kind: 'minute', result: { key: topic, start: end - minuteMs, end, value: count, final: true } },
        topic,
        end - 1,
      );
  };

  return {
    process(r) {
      const k = `${r.kind === 'window' ? 'w' : 'm'}:${r.end}`;
      const list = pending.get(k);
      if (list === undefined) pending.set(k, [r]);
      else list.push(r);
      dirtyPending.add(k);
    },
    onWatermark(wm, ctx) {
      const due: [number, string][] = [];
      for (const [k, records] of pending) if (records[0].end <= wm) due.push([records[0].end, k]);
      // In end order; at one end the window before the minute (both read nothing of the other).
      due.sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? 1 : -1));
      for (const [end, k] of due) {
        const records = pending.get(k)!;
        pending.delete(k);
        dirtyPending.add(k);
        if (k[0] === 'w') fireWindow(end, records, ctx);
        else fireMinute(end, records, ctx);
      }
    },
    checkpoint(put: StatePut) {
      for (const k of dirtyPending) {
        const records = pending.get(k);
        put(k, records === undefined ? null : msgpackCodec.encode(records));
      }
      dirtyPending.clear();
      if (topicsDirty) {
        put('t', topicSums.size === 0 ? null : msgpackCodec.encode([...topicSums].flat()));
        topicsDirty = false;
      }
      for (const country of dirtyCountries) {
        const m = pairSums.get(country);
        put(`c:${country}`, m === undefined ? null : msgpackCodec.encode([...m].flat()));
      }
      dirtyCountries.clear();
    },
    restore(entries) {
      for (const [k, v] of entries) {
        const value = msgpackCodec.decode(v);
        if (k === 't') {
          const flat = value as (string | number)[];
          for (let i = 0; i < flat.length; i += 2) topicSums.set(flat[i] as string, flat[i + 1] as number);
        } else if (k.startsWith('c:')) {
          const flat = value as (string | number)[];
          const m = new Map<string, number>();
          for (let i = 0; i < flat.length; i += 2) m.set(flat[i] as string, flat[i + 1] as number);
          pairSums.set(k.slice(2), m);
        } else pending.set(k, value as TopicCounts[]);
      }
    },
  };
}
