/**
 * Responses per window: yes, no, guests and attendees as given in the window (activity), and the
 * change of the running totals the window carries (net). Both are sums of the `RsvpChange` fields
 * emitted by latest-wins, so an update that moves yes to no within a minute nets out there, and the
 * totals follow every change, late ones included.
 */

import type { Aggregator, ProcessOperator, StatePut, WindowResult } from '../../src/index.ts';
import { msgpackCodec } from '../../src/index.ts';
import type { RsvpChange } from './latest-wins.ts';

export interface Responses {
  yes: number;
  no: number;
  guests: number;
  attendees: number;
  /** Change of the running totals carried by this window. */
  net_yes: number;
  net_no: number;
  net_guests: number;
  net_attendees: number;
}

type Acc = [number, number, number, number, number, number, number, number];

/**
 * Sums the change fields into `Responses` (one array accumulator: it survives msgpack and merges
 * without allocating per field).
 *
 * @example
 * changes.keyBy((c) => c.country).window(tumbling({ size: '1m' })).aggregate(responses())
 */
export function responses(): Aggregator<RsvpChange, Acc, Responses> {
  return {
    init: () => [0, 0, 0, 0, 0, 0, 0, 0],
    add(a, c) {
      a[0] += c.aYes;
      a[1] += c.aNo;
      a[2] += c.aGuests;
      a[3] += c.aAttendees;
      a[4] += c.dYes;
      a[5] += c.dNo;
      a[6] += c.dGuests;
      a[7] += c.dAttendees;
      return a;
    },
    merge(a, b) {
      for (let i = 0; i < 8; i++) a[i] += b[i];
      return a;
    },
    result: (a) => ({
      yes: a[0],
      no: a[1],
      guests: a[2],
      attendees: a[3],
      net_yes: a[4],
      net_no: a[5],
      net_guests: a[6],
      net_attendees: a[7],
    }),
  };
}

/** A running total: the current yes, no, guests and attendees of a country (or of the world). */
export interface RunningTotal {
  country: string;
  yes: number;
  no: number;
  guests: number;
  attendees: number;
  /** End of the latest window folded in (event time, ms). */
  as_of: number;
}

type Net = [number, number, number, number];

/**
 * Running totals from the per-window results of `responses()`: the sum of every window's net change.
 * Windows may emit early (`emit: { early }`), so a window's latest early result stands in for it until
 * its final result folds it into the closed sum — a window is never counted twice.
 *
 * @example
 * perMinute.process(() => runningTotals())
 */
export function runningTotals(): ProcessOperator<string, WindowResult<string, Responses>, RunningTotal> {
  const closed = new Map<string, Net>();
  const open = new Map<string, Map<number, Net>>();
  const dirty = new Set<string>();
  return {
    process(r, key, _ts, ctx) {
      const k = String(key);
      const net: Net = [r.value.net_yes, r.value.net_no, r.value.net_guests, r.value.net_attendees];
      let windows = open.get(k);
      if (!windows) {
        windows = new Map();
        open.set(k, windows);
      }
      if (r.final) {
        windows.delete(r.start);
        const c = closed.get(k) ?? [0, 0, 0, 0];
        for (let i = 0; i < 4; i++) c[i] += net[i];
        closed.set(k, c);
      } else {
        windows.set(r.start, net);
      }
      dirty.add(k);
      const t = [...(closed.get(k) ?? [0, 0, 0, 0])];
      for (const n of windows.values()) for (let i = 0; i < 4; i++) t[i] += n[i];
      ctx.emit(
        { country: k, yes: t[0], no: t[1], guests: t[2], attendees: t[3], as_of: r.end },
        key,
        r.end - 1,
      );
    },
    checkpoint(put: StatePut) {
      for (const k of dirty) {
        put(k, msgpackCodec.encode([closed.get(k) ?? [0, 0, 0, 0], [...(open.get(k) ?? new Map())]]));
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries) {
        const [c, o] = msgpackCodec.decode(v) as [Net, [number, Net][]];
        closed.set(k, c);
        open.set(k, new Map(o));
      }
    },
  };
}
