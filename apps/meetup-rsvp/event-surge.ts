/**
 * Event surges: an event collecting at least N yes RSVPs within 5 minutes. It runs behind
 * latest-wins in the same task (an event belongs to one group, and the stream is keyed by group), so
 * it sees every version of the event's RSVPs in arrival order with no repartition.
 *
 * Per event it keeps the RSVPs whose latest version is yes, with their mtime. At each on-time version
 * of one of the event's RSVPs (mtime m) it counts those with mtime in (m − 5 min, m]; when the count
 * reaches N while it was below N at the event's previous evaluation, it emits one alert. A yes turned
 * into no leaves the set, so an alert never rests on withdrawn RSVPs. The mtimes are also kept
 * sorted, so the count is two binary searches, not a scan of the event's RSVPs. Entries older than
 * the watermark − 5 min can no longer be counted by an on-time version and are dropped (a sweep every
 * 10 s of processing time); an event with none left is forgotten (with N ≥ 2 that cannot change an
 * outcome).
 *
 * Why not a CEP pattern (`yes{N,} within 5m`): a pattern counts messages and cannot take back a
 * yes that became a no; this set does both exactly.
 */

import { StreamsightError } from '../../src/errors/index.ts';
import { msgpackCodec, type ProcessOperator, type StatePut, type WindowResult } from '../../src/index.ts';
import type { RsvpChange } from './latest-wins.ts';
import type { Alert } from './topic-signals.ts';

interface EventState {
  /** rsvp id → mtime, for the RSVPs whose latest version is yes */
  yes: Map<number, number>;
  /** The same mtimes, sorted: the count in (m − within, m] is two binary searches. */
  times: number[];
  above: boolean;
  name: string;
}

/** Index of the first time > t. */
function upperBound(times: number[], t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertTime(times: number[], t: number): void {
  if (times.length === 0 || times[times.length - 1] <= t) times.push(t);
  else times.splice(upperBound(times, t), 0, t);
}

function removeTime(times: number[], t: number): void {
  const i = upperBound(times, t) - 1;
  if (i >= 0 && times[i] === t) times.splice(i, 1);
}

/** RSVP ids per yes-state entry: ids arrive roughly in order, so one checkpoint touches few buckets. */
const BUCKET = 64;

/**
 * State entries, written only when they change: `e:<event>` = [above, name] and `y:<bucket>` = the
 * yes RSVPs with ids in [bucket × 64, bucket × 64 + 64), flat [rsvp, event, mtime, ...] — one write per
 * bucket a checkpoint touched instead of one per RSVP (and one per expiry). Entries of the earlier
 * layout, `y:<rsvp>:<event>` = mtime, are read on restore and rewritten as buckets.
 *
 * @example
 * changes.process(() => eventSurges({ threshold: 10, withinMs: 300_000 })).toView('alerts')
 */
export function eventSurges(options: {
  threshold: number;
  withinMs: number;
}): ProcessOperator<string, RsvpChange, WindowResult<string, Alert>> {
  const { threshold, withinMs } = options;
  if (!Number.isInteger(threshold) || threshold < 2) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'eventSurges: threshold must be an integer ≥ 2');
  }
  const events = new Map<string, EventState>();
  /** bucket → the (rsvp, event) pairs in a yes state, keyed `<rsvp>:<event>` */
  const pairs = new Map<number, Map<string, [number, string]>>();
  /** Buckets whose entry changed. */
  const dirtyYes = new Set<number>();
  const dirtyMeta = new Set<string>();
  /** Entries of forgotten events and expired RSVPs, deleted at the next checkpoint. */
  const garbage: string[] = [];
  let lastSweep = 0;
  /** The pair (rsvp, event) entered (`yes`) or left the yes state. */
  const touch = (event: string, rsvp: number, yes: boolean): void => {
    const b = Math.floor(rsvp / BUCKET);
    let m = pairs.get(b);
    if (!m) {
      m = new Map();
      pairs.set(b, m);
    }
    const k = `${rsvp}:${event}`;
    if (yes) {
      if (!m.has(k)) m.set(k, [rsvp, event]);
    } else {
      m.delete(k);
      if (m.size === 0) pairs.delete(b);
    }
    dirtyYes.add(b);
  };
  return {
    process(c, _key, _ts, ctx) {
      if (!c.isVersion) return;
      let e = events.get(c.event);
      if (!e) {
        e = { yes: new Map(), times: [], above: false, name: c.eventName };
        events.set(c.event, e);
        dirtyMeta.add(c.event);
      }
      const before = e.yes.get(c.rsvp);
      if (c.yes) {
        if (before !== c.mtime) {
          if (before !== undefined) removeTime(e.times, before);
          e.yes.set(c.rsvp, c.mtime);
          insertTime(e.times, c.mtime);
          touch(c.event, c.rsvp, true);
        }
      } else if (before !== undefined) {
        e.yes.delete(c.rsvp);
        removeTime(e.times, before);
        touch(c.event, c.rsvp, false);
      }
      if (!c.onTime) return;
      // Yes RSVPs with mtime in (m − within, m]; entries behind the watermark − within fall outside.
      const n =
        e.times.length < threshold
          ? 0
          : upperBound(e.times, c.mtime) - upperBound(e.times, c.mtime - withinMs);
      const above = n >= threshold;
      if (above && !e.above) {
        ctx.emit(
          {
            key: `event:${c.event}`,
            start: c.mtime - withinMs,
            end: c.mtime,
            value: {
              kind: 'event-surge',
              subject: c.event,
              count: n,
              baseline: threshold,
              message: `${e.name} (${c.groupName}): ${n} yes RSVPs within ${withinMs / 60_000} min`,
            },
            final: true,
          },
          `event:${c.event}`,
        );
      }
      if (above !== e.above) {
        e.above = above;
        dirtyMeta.add(c.event);
      }
    },
    onTimer(now, ctx) {
      // Memory only: entries at or behind the watermark − within can no longer be counted.
      if (now - lastSweep < 10_000 || !Number.isFinite(ctx.watermark)) return;
      lastSweep = now;
      const horizon = ctx.watermark - withinMs;
      for (const [id, e] of events) {
        if (e.times.length > 0 && e.times[0] > horizon) continue;
        for (const [rsvp, m] of e.yes) {
          if (m <= horizon) {
            e.yes.delete(rsvp);
            touch(id, rsvp, false);
          }
        }
        e.times.splice(0, upperBound(e.times, horizon));
        if (e.yes.size === 0) {
          events.delete(id);
          dirtyMeta.delete(id);
          garbage.push(`e:${id}`);
        }
      }
    },
    checkpoint(put: StatePut) {
      for (const k of garbage) put(k, null);
      garbage.length = 0;
      for (const b of dirtyYes) {
        const flat: (string | number)[] = [];
        for (const [rsvp, id] of pairs.get(b)?.values() ?? []) {
          const m = events.get(id)?.yes.get(rsvp);
          if (m !== undefined) flat.push(rsvp, id, m);
        }
        put(`y:${b}`, flat.length === 0 ? null : msgpackCodec.encode(flat));
      }
      dirtyYes.clear();
      for (const id of dirtyMeta) {
        const e = events.get(id);
        put(`e:${id}`, e ? msgpackCodec.encode([e.above, e.name]) : null);
      }
      dirtyMeta.clear();
    },
    restore(entries) {
      const rewrite = new Set<number>();
      const yes: [string, number, number][] = [];
      for (const [k, v] of entries) {
        if (k.startsWith('e:')) {
          const [above, name] = msgpackCodec.decode(v) as [boolean, string];
          events.set(k.slice(2), { yes: new Map(), times: [], above, name });
        } else if (k.startsWith('y:')) {
          const colon = k.indexOf(':', 2);
          if (colon < 0) {
            const flat = msgpackCodec.decode(v) as (string | number)[];
            for (let i = 0; i < flat.length; i += 3)
              yes.push([flat[i + 1] as string, flat[i] as number, flat[i + 2] as number]);
          } else {
            // The earlier layout: one entry per RSVP, rewritten into its bucket at the next checkpoint.
            const rsvp = Number(k.slice(2, colon));
            yes.push([k.slice(colon + 1), rsvp, msgpackCodec.decode(v) as number]);
            garbage.push(k);
            rewrite.add(Math.floor(rsvp / BUCKET));
          }
        }
      }
      for (const [id, rsvp, m] of yes) {
        const e = events.get(id);
        if (!e) {
          // Its event is forgotten: the bucket is rewritten without it.
          rewrite.add(Math.floor(rsvp / BUCKET));
          continue;
        }
        const before = e.yes.get(rsvp);
        if (before !== undefined) removeTime(e.times, before);
        e.yes.set(rsvp, m);
        insertTime(e.times, m);
        touch(id, rsvp, true);
      }
      // Only buckets that differ from what is stored are written again.
      dirtyYes.clear();
      for (const b of rewrite) dirtyYes.add(b);
    },
  };
}
