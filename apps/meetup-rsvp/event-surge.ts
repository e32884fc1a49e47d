/**
 * Event surges: an event collecting at least N yes RSVPs within 5 minutes. It runs behind
 * latest-wins in the same task (an event belongs to one group, and the stream is keyed by group), so
 * it sees every version of the event's RSVPs in arrival order with no repartition.
 *
 * Per event it keeps the RSVPs whose latest version is yes, with their mtime. At each on-time version
 * of one of the event's RSVPs (mtime m) it counts those with mtime in (m − 5 min, m]; when the count
 * reaches N while it was below N at the event's previous evaluation, it emits one alert. A yes turned
 * into no leaves the set, so an alert never rests on withdrawn RSVPs. Entries older than the
 * watermark − 5 min can no longer be counted by an on-time version and are dropped; an event with
 * none left is forgotten (with N ≥ 2 that cannot change an outcome).
 *
 * Why not a CEP pattern (`yes{N,} within 5m`): a pattern counts messages and cannot take back a
 * yes that became a no; this set does both exactly.
 */

import { StreamsightError } from '../../src/errors/index.ts';
import { msgpackCodec, type ProcessOperator, type StatePut, type WindowResult } from '../../src/index.ts';
import type { RsvpChange } from './latest-wins.ts';
import type { Alert } from './topic-signals.ts';

interface EventState {
  yes: Map<number, number>;
  above: boolean;
  name: string;
}

/**
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
  const dirty = new Set<string>();
  let lastSweep = 0;
  return {
    process(c, _key, _ts, ctx) {
      if (!c.isVersion) return;
      let e = events.get(c.event);
      if (!e) {
        e = { yes: new Map(), above: false, name: c.eventName };
        events.set(c.event, e);
      }
      if (c.yes) e.yes.set(c.rsvp, c.mtime);
      else e.yes.delete(c.rsvp);
      dirty.add(c.event);
      if (!c.onTime) return;
      const horizon = ctx.watermark - withinMs;
      let n = 0;
      for (const [id, m] of e.yes) {
        if (m <= horizon) e.yes.delete(id);
        else if (m > c.mtime - withinMs && m <= c.mtime) n++;
      }
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
      e.above = above;
    },
    onTimer(now, ctx) {
      if (now - lastSweep < 10_000 || !Number.isFinite(ctx.watermark)) return;
      lastSweep = now;
      const horizon = ctx.watermark - withinMs;
      for (const [id, e] of events) {
        let newest = Number.NEGATIVE_INFINITY;
        for (const m of e.yes.values()) if (m > newest) newest = m;
        if (newest <= horizon) {
          events.delete(id);
          dirty.add(id);
        }
      }
    },
    checkpoint(put: StatePut) {
      for (const id of dirty) {
        const e = events.get(id);
        put(id, e ? msgpackCodec.encode([[...e.yes], e.above, e.name]) : null);
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [id, v] of entries) {
        const [yes, above, name] = msgpackCodec.decode(v) as [[number, number][], boolean, string];
        events.set(id, { yes: new Map(yes), above, name });
      }
    },
  };
}
