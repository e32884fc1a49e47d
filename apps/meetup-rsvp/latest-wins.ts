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
 * window (in typed columns, `LastVersions`); forgotten `ttl` after its mtime (by the watermark), so
 * memory stays bounded on a live stream. Each checkpoint writes the RSVPs that changed, by bucket of 64
 * ids (`b:<id ÷ 64>` = flat [id, mtime, yes, guests, country, counted, ...] of the bucket's RSVPs): ids
 * arrive roughly in order, so a checkpoint writes a few buckets instead of one entry per RSVP. Entries
 * of the earlier layout (`<id>` = one RSVP) are read on restore and rewritten as buckets.
 * A version of a forgotten RSVP counts as a new RSVP.
 */

import { msgpackCodec, type ProcessOperator, type StatePut } from '../../src/index.ts';
import { LabelSet } from '../../src/ml/label-set.ts';
import { grown } from './columns.ts';
import { IntMap } from './int-map.ts';
import type { Rsvp } from './schema.ts';

/** What the operator emits: one change per country it touches (usually one). */
export interface RsvpChange {
  rsvp: number;
  event: string;
  eventName: string;
  group: number;
  groupName: string;
  country: string;
  /** Topic url keys of the group (empty on a retraction from another country). */
  topics: string[];
  mtime: number;
  yes: boolean;
  /** The RSVP's guests field as sent. */
  guests: number;
  /** The version counts in windows (see the header). */
  onTime: boolean;
  /** The RSVP's previous version (as latest-wins remembers it): a yes, and its mtime (0 when none). */
  previousYes: boolean;
  previousMtime: number;
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

/**
 * The last version of every RSVP, in columns: a map from rsvp id to a row of typed arrays (`IntMap`),
 * and countries interned. A million RSVPs then cost the map's entries and 15 bytes a row instead of three
 * heap objects each (array, boxed mtime, …) that every major GC would trace.
 */
class LastVersions {
  readonly #rows = new IntMap(1024);
  /** Rows freed by `delete`, reused first; rows ≥ #used were never used. */
  readonly #free: number[] = [];
  #used = 0;
  readonly #countries = new LabelSet<string>();
  #mtime = new Float64Array(1024);
  #guests = new Int32Array(1024);
  #country = new Uint16Array(1024);
  /** bit 0: yes; bit 1: counted in a window */
  #flags = new Uint8Array(1024);

  get size(): number {
    return this.#rows.size;
  }

  /** The row of `id`, or -1. */
  row(id: number): number {
    return this.#rows.get(id);
  }

  mtime(row: number): number {
    return this.#mtime[row];
  }
  yes(row: number): number {
    return this.#flags[row] & 1;
  }
  guests(row: number): number {
    return this.#guests[row];
  }
  country(row: number): string {
    return this.#countries.labelAt(this.#country[row]);
  }
  counted(row: number): number {
    return (this.#flags[row] >> 1) & 1;
  }

  /** Sets the last version of `id`, whose row is `row` (-1: a new RSVP). */
  set(
    id: number,
    mtime: number,
    yes: number,
    guests: number,
    country: string,
    counted: number,
    row = this.row(id),
  ): void {
    if (row < 0) {
      row = this.#free.pop() ?? this.#used++;
      if (row >= this.#mtime.length) this.#grow();
      this.#rows.set(id, row);
    }
    this.#mtime[row] = mtime;
    this.#guests[row] = guests;
    this.#country[row] = this.#countries.indexOf(country);
    this.#flags[row] = yes | (counted << 1);
  }

  delete(id: number): void {
    const row = this.#rows.get(id);
    if (row < 0) return;
    this.#rows.delete(id);
    this.#free.push(row);
  }

  /** Ids whose mtime is below `horizon`. */
  olderThan(horizon: number): number[] {
    const out: number[] = [];
    this.#rows.forEach((id, row) => {
      if (this.#mtime[row] < horizon) out.push(id);
    });
    return out;
  }

  #grow(): void {
    const n = this.#mtime.length * 2;
    this.#mtime = grown(this.#mtime, n);
    this.#guests = grown(this.#guests, n);
    this.#country = grown(this.#country, n);
    this.#flags = grown(this.#flags, n);
  }
}

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
/** RSVP ids per state entry. */
const BUCKET = 64;

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
  const last = new LastVersions();
  /** Buckets whose entry changed. */
  const dirty = new Set<number>();
  const garbage: string[] = [];
  const stats = metrics ?? { versions: 0, repeats: 0, late: 0 };
  let lastSweep = 0;
  return {
    process(r, _key, _ts, ctx) {
      const id = r.rsvp_id;
      const row = last.row(id);
      const yes = r.response === 'yes' ? 1 : 0;
      const guests = yes * r.guests;
      if (row >= 0 && last.mtime(row) === r.mtime && last.yes(row) === yes && last.guests(row) === guests) {
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
        event: r.event.event_id,
        eventName: r.event.event_name,
        group: r.group.group_id,
        groupName: r.group.group_name,
        country,
        topics: r.group.group_topics.map((t) => t.urlkey),
        mtime: r.mtime,
        yes: yes === 1,
        guests: r.guests,
        onTime,
        previousYes: row >= 0 && last.yes(row) === 1,
        previousMtime: row >= 0 ? last.mtime(row) : 0,
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
      if (row >= 0) {
        const pm = last.mtime(row);
        const py = last.yes(row);
        const pg = last.guests(row);
        const pc = last.country(row);
        const counted = last.counted(row);
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
      last.set(id, r.mtime, yes, guests, country, onTime ? 1 : 0, row);
      dirty.add(Math.floor(id / BUCKET));
      ctx.emit(change, undefined, ts);
    },
    onTimer(now, ctx) {
      // Forget RSVPs past the ttl, by event time; at most one sweep per 10 s of wall time.
      if (now - lastSweep < MINUTE_SWEEP_MS || !Number.isFinite(ctx.watermark)) return;
      lastSweep = now;
      const horizon = ctx.watermark - ttlMs;
      for (const id of last.olderThan(horizon)) {
        last.delete(id);
        dirty.add(Math.floor(id / BUCKET));
      }
    },
    checkpoint(put: StatePut) {
      for (const k of garbage) put(k, null);
      garbage.length = 0;
      for (const b of dirty) {
        const flat: (number | string)[] = [];
        for (let id = b * BUCKET, to = id + BUCKET; id < to; id++) {
          const row = last.row(id);
          if (row < 0) continue;
          flat.push(
            id,
            last.mtime(row),
            last.yes(row),
            last.guests(row),
            last.country(row),
            last.counted(row),
          );
        }
        put(`b:${b}`, flat.length === 0 ? null : msgpackCodec.encode(flat));
      }
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries) {
        if (k.startsWith('b:')) {
          const f = msgpackCodec.decode(v) as (number | string)[];
          for (let i = 0; i < f.length; i += 6)
            last.set(
              f[i] as number,
              f[i + 1] as number,
              f[i + 2] as number,
              f[i + 3] as number,
              f[i + 4] as string,
              f[i + 5] as number,
            );
        } else {
          // The earlier layout: one entry per RSVP, rewritten into its bucket at the next checkpoint.
          const id = Number(k);
          last.set(id, ...(msgpackCodec.decode(v) as Last));
          garbage.push(k);
          dirty.add(Math.floor(id / BUCKET));
        }
      }
    },
  };
}
