/**
 * Latest-wins per RSVP: the operator that turns the raw stream, which re-emits an RSVP under the same
 * `rsvp_id` every time it changes, into changes that the window and total pipelines can simply add up.
 *
 * It runs right behind the topic, keyed by group id without a repartition: every source keys an RSVP
 * by its group, so all versions of one RSVP sit in one partition in arrival order, and "latest" means
 * "arrived last" — the stream's own order. (`mtime` is not reliable for that: the capture re-emits
 * RSVPs with `mtime` cut to the second, i.e. going back by up to 999 ms.)
 *
 * For each version v of RSVP r, with p the version of r seen before (if any):
 *
 * - v equal to p in `mtime`, `response` and `guests` changes no count and is dropped. That covers the
 *   stream's byte-identical re-emissions (`repeats` in the metrics).
 * - Running totals move by contribution(v) − contribution(p), whatever the windows: a change from
 *   yes to no moves one response from yes to no, and a member is never counted twice.
 * - Windows: v counts in the window of its own `mtime` — the minute in which the response was given.
 *   When p counted in that same 1-minute window, p is retracted from it, so a window counts each RSVP
 *   once, as it stood at the end of the window. A p in an earlier window stays there: that window
 *   reported what happened in it and has closed.
 * - v is *on time* when its `mtime` is not behind the task's watermark (the highest `mtime` seen
 *   before it in its partition minus the topic's out-of-orderness). Only on-time versions count in
 *   windows (responses per minute, trending, rising, spikes). A late version still moves the running
 *   totals: its change is stamped with the watermark instead of its `mtime`, so no window has closed
 *   for it, and it counts as activity nowhere. Nothing is dropped: the capture holds updates to
 *   RSVPs whose `mtime` is weeks old, and they must still correct the totals.
 *
 * Contribution of a version: yes = 1 if yes, no = 1 if no, guests = its guests when yes (a "no"
 * brings nobody), attendees = yes × (1 + guests).
 *
 * State: per RSVP, the last version's mtime, response, guests, country and whether it counted in a
 * window; forgotten `ttl` after its mtime (by the watermark), so memory stays bounded on a live stream.
 * A version of a forgotten RSVP counts as a new RSVP.
 */

import { msgpackCodec, type ProcessOperator, type StatePut } from '../../src/index.ts';
import type { Rsvp } from './schema.ts';

/** What the operator emits: one change per country it touches (usually one). */
export interface RsvpChange {
  rsvp: number;
  member: number;
  event: string;
  eventName: string;
  group: number;
  groupName: string;
  country: string;
  city: string;
  lat: number;
  lon: number;
  /** Topic url keys of the group (empty on a retraction from another country). */
  topics: string[];
  mtime: number;
  yes: boolean;
  /** The RSVP's guests field as sent. */
  guests: number;
  /** The version counts in windows (see the header). */
  onTime: boolean;
  /** False on the extra change that retracts a previous version filed under another country. */
  isVersion: boolean;
  /** Activity in the 1-minute window of `mtime`: this version less the previous one's when it counted in that minute. */
  aYes: number;
  aNo: number;
  aGuests: number;
  aAttendees: number;
  /** Change of the running totals. */
  dYes: number;
  dNo: number;
  dGuests: number;
  dAttendees: number;
}

/** Saved per RSVP: [mtime, yes 0|1, guests counted (0 unless yes), country, counted in a window 0|1]. */
type Last = [number, number, number, string, number];

export interface LatestWinsOptions {
  /** The window size responses are counted in (ms); retractions within one window use it. */
  windowMs: number;
  /** Forget an RSVP this long after its last mtime (ms). */
  ttlMs: number;
}

export interface LatestWinsMetrics {
  versions: number;
  repeats: number;
  late: number;
}

const MINUTE_SWEEP_MS = 10_000;

/**
 * The latest-wins operator for `rsvps.keyedStream().process(...)`.
 *
 * @example
 * rsvps.keyedStream<string>().process(() => latestWins({ windowMs: 60_000, ttlMs: 7 * 86_400_000 }))
 */
export function latestWins(
  options: LatestWinsOptions,
  metrics?: LatestWinsMetrics,
): ProcessOperator<string, Rsvp, RsvpChange> {
  const { windowMs, ttlMs } = options;
  const last = new Map<number, Last>();
  const dirty = new Set<number>();
  const stats = metrics ?? { versions: 0, repeats: 0, late: 0 };
  let lastSweep = 0;
  return {
    process(r, _key, _ts, ctx) {
      const id = r.rsvp_id;
      const p = last.get(id);
      const yes = r.response === 'yes' ? 1 : 0;
      const guests = yes * r.guests;
      if (p !== undefined && p[0] === r.mtime && p[1] === yes && p[2] === guests) {
        stats.repeats++;
        return;
      }
      stats.versions++;
      const wm = ctx.watermark;
      const onTime = !(r.mtime < wm);
      if (!onTime) stats.late++;
      const ts = onTime ? r.mtime : wm;
      const country = r.group.group_country.toLowerCase();
      const attendees = yes * (1 + guests);
      const change: RsvpChange = {
        rsvp: id,
        member: r.member.member_id,
        event: r.event.event_id,
        eventName: r.event.event_name,
        group: r.group.group_id,
        groupName: r.group.group_name,
        country,
        city: r.group.group_city,
        lat: r.group.group_lat,
        lon: r.group.group_lon,
        topics: r.group.group_topics.map((t) => t.urlkey),
        mtime: r.mtime,
        yes: yes === 1,
        guests: r.guests,
        onTime,
        isVersion: true,
        aYes: onTime ? yes : 0,
        aNo: onTime ? 1 - yes : 0,
        aGuests: onTime ? guests : 0,
        aAttendees: onTime ? attendees : 0,
        dYes: yes,
        dNo: 1 - yes,
        dGuests: guests,
        dAttendees: attendees,
      };
      if (p !== undefined) {
        const [pm, py, pg, pc, counted] = p;
        const sameWindow =
          onTime && counted === 1 && Math.floor(pm / windowMs) === Math.floor(r.mtime / windowMs);
        const pAtt = py * (1 + pg);
        if (pc === country) {
          change.dYes -= py;
          change.dNo -= 1 - py;
          change.dGuests -= pg;
          change.dAttendees -= pAtt;
          if (sameWindow) {
            change.aYes -= py;
            change.aNo -= 1 - py;
            change.aGuests -= pg;
            change.aAttendees -= pAtt;
          }
        } else {
          // The group moved country: retract under the old one, in the same window when it applies.
          ctx.emit(
            {
              ...change,
              country: pc,
              topics: [],
              isVersion: false,
              aYes: sameWindow ? -py : 0,
              aNo: sameWindow ? py - 1 : 0,
              aGuests: sameWindow ? -pg : 0,
              aAttendees: sameWindow ? -pAtt : 0,
              dYes: -py,
              dNo: py - 1,
              dGuests: -pg,
              dAttendees: -pAtt,
            },
            undefined,
            ts,
          );
        }
      }
      last.set(id, [r.mtime, yes, guests, country, onTime ? 1 : 0]);
      dirty.add(id);
      ctx.emit(change, undefined, ts);
    },
    onTimer(now, ctx) {
      // Forget RSVPs past the ttl, by event time; at most one sweep per 10 s of wall time.
      if (now - lastSweep < MINUTE_SWEEP_MS || !Number.isFinite(ctx.watermark)) return;
      lastSweep = now;
      const horizon = ctx.watermark - ttlMs;
      for (const [id, l] of last) {
        if (l[0] < horizon) {
          last.delete(id);
          dirty.add(id);
        }
      }
    },
    checkpoint(put: StatePut) {
      for (const id of dirty) {
        const l = last.get(id);
        put(String(id), l === undefined ? null : msgpackCodec.encode(l));
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries) last.set(Number(k), msgpackCodec.decode(v) as Last);
    },
  };
}
