/**
 * Event surges: an event collecting at least N yes RSVPs within 5 minutes. It runs behind
 * latest-wins in the same task (an event belongs to one group, and the stream is keyed by group), so
 * it sees every version of the event's RSVPs in arrival order with no repartition.
 *
 * Per event it keeps the sorted mtimes of the RSVPs whose latest version is yes. Latest-wins tells
 * each change what the RSVP's previous version was (`previousYes`, `previousMtime`), so a version
 * replaces its predecessor's mtime without a lookup per RSVP. At each on-time version (mtime m) it
 * counts the mtimes in (m − 5 min, m] with two binary searches; when the count reaches N while it was
 * below N at the event's previous evaluation, it emits one alert. A yes turned into no leaves the
 * set, so an alert never rests on withdrawn RSVPs. Each time the watermark has moved 5 minutes, the
 * mtimes at or behind the watermark − 5 min, which no on-time version can count any more, are
 * dropped, and an event with none left is forgotten (with N ≥ 2 that cannot change an outcome).
 *
 * Why not a CEP pattern (`yes{N,} within 5m`): a pattern counts messages and cannot take back a
 * yes that became a no; this set does both exactly.
 */

import { StreamsightError } from '../../src/errors/index.ts';
import { msgpackCodec, type ProcessOperator, type StatePut, type WindowResult } from '../../src/index.ts';
import type { RsvpChange } from './latest-wins.ts';
import type { Alert } from './topic-signals.ts';

interface EventState {
  /** The mtimes of the event's RSVPs whose latest version is yes, sorted. */
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

/** Journal operations (see eventSurges). */
const INSERT = 0;
const REMOVE = 1;
const ABOVE = 2;
const EVENT = 3;

/**
 * State: a snapshot and a journal. Each checkpoint appends one entry `j:<n>` with what changed since
 * the previous one, flat [op, event, value, ...]: insert or remove a yes mtime, set `above`, a new
 * event with its name. After each sweep (every 5 minutes of event time) the next checkpoint writes
 * the whole state as `s` = [[event, above, name, mtimes], ...] and deletes the journal. So a
 * checkpoint writes what changed, not every touched event's mtimes again, and a restore reads at most
 * 5 minutes of journal. Entries of earlier layouts (`e:<event>` = [above, name, ...mtimes] or
 * [above, name] with the yes RSVPs in `y:<bucket>` = flat [rsvp, event, mtime, ...] or
 * `y:<rsvp>:<event>` = mtime) are read on restore and replaced by a snapshot.
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
  /** Changes since the last checkpoint: [op, event, value, ...]. */
  let journal: (number | string)[] = [];
  /** Journal entries written since the last snapshot. */
  let entries = 0;
  let snapshotDue = false;
  /** Entries of earlier layouts, deleted by the next snapshot. */
  const garbage: string[] = [];
  let sweptAt = Number.NEGATIVE_INFINITY;
  return {
    process(c, _key, _ts, ctx) {
      if (!c.isVersion) return;
      let e = events.get(c.event);
      if (!e) {
        e = { times: [], above: false, name: c.eventName };
        events.set(c.event, e);
        journal.push(EVENT, c.event, c.eventName);
      }
      const before = c.previousYes ? c.previousMtime : undefined;
      const now = c.yes ? c.mtime : undefined;
      if (before !== now) {
        if (before !== undefined) {
          removeTime(e.times, before);
          journal.push(REMOVE, c.event, before);
        }
        if (now !== undefined) {
          insertTime(e.times, now);
          journal.push(INSERT, c.event, now);
        }
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
        journal.push(ABOVE, c.event, above ? 1 : 0);
      }
    },
    onTimer(_now, ctx) {
      // Mtimes at or behind the watermark − within can no longer be counted: dropped, then a snapshot.
      const wm = ctx.watermark;
      if (!Number.isFinite(wm) || wm - sweptAt < withinMs) return;
      sweptAt = wm;
      const horizon = wm - withinMs;
      for (const [id, e] of events) {
        if (e.times.length > 0 && e.times[0] > horizon) continue;
        e.times.splice(0, upperBound(e.times, horizon));
        if (e.times.length === 0) events.delete(id);
      }
      snapshotDue = true;
    },
    checkpoint(put: StatePut) {
      if (snapshotDue) {
        const all: [string, boolean, string, number[]][] = [];
        for (const [id, e] of events) all.push([id, e.above, e.name, e.times]);
        put('s', msgpackCodec.encode(all));
        for (let i = 0; i < entries; i++) put(`j:${i}`, null);
        for (const k of garbage) put(k, null);
        garbage.length = 0;
        entries = 0;
        journal = [];
        snapshotDue = false;
        return;
      }
      if (journal.length === 0) return;
      put(`j:${entries++}`, msgpackCodec.encode(journal));
      journal = [];
    },
    restore(stored) {
      const journals: [number, (number | string)[]][] = [];
      const yes: [string, number][] = [];
      for (const [k, v] of stored) {
        if (k === 's') {
          for (const [id, above, name, times] of msgpackCodec.decode(v) as [
            string,
            boolean,
            string,
            number[],
          ][])
            events.set(id, { times, above, name });
        } else if (k.startsWith('j:')) {
          journals.push([Number(k.slice(2)), msgpackCodec.decode(v) as (number | string)[]]);
        } else if (k.startsWith('e:')) {
          // Earlier layouts: one entry per event, and the yes RSVPs apart.
          const [above, name, ...times] = msgpackCodec.decode(v) as [boolean, string, ...number[]];
          events.set(k.slice(2), { times, above, name });
          garbage.push(k);
          snapshotDue = true;
        } else if (k.startsWith('y:')) {
          const value = msgpackCodec.decode(v) as number | (string | number)[];
          if (Array.isArray(value)) {
            for (let i = 0; i < value.length; i += 3)
              yes.push([value[i + 1] as string, value[i + 2] as number]);
          } else yes.push([k.slice(k.indexOf(':', 2) + 1), value]);
          garbage.push(k);
          snapshotDue = true;
        }
      }
      for (const [id, m] of yes) {
        const e = events.get(id);
        if (e) insertTime(e.times, m);
      }
      journals.sort((x, y) => x[0] - y[0]);
      for (const [n, ops] of journals) {
        entries = Math.max(entries, n + 1);
        for (let i = 0; i < ops.length; i += 3) {
          const id = ops[i + 1] as string;
          if (ops[i] === EVENT) {
            if (!events.has(id)) events.set(id, { times: [], above: false, name: ops[i + 2] as string });
            continue;
          }
          const e = events.get(id);
          if (e === undefined) continue;
          if (ops[i] === INSERT) insertTime(e.times, ops[i + 2] as number);
          else if (ops[i] === REMOVE) removeTime(e.times, ops[i + 2] as number);
          else e.above = ops[i + 2] === 1;
        }
      }
    },
  };
}
