/**
 * The RSVP record of Meetup's stream (`stream.meetup.com/2/rsvps`), as a zod schema: the topic
 * validates every record with it, so a record that is JSON but not an RSVP becomes a dead letter
 * (SS_ERR_SCHEMA) with the failing paths as its reason. Objects are loose (unknown keys are kept):
 * the stream added fields over the years and the archive should keep what arrived.
 *
 * `RsvpSchema` is the zod schema behind a fast path: a hand-written check of exactly the same
 * constraints accepts a valid RSVP as it is (the parsed JSON, unknown keys and all, without zod's
 * copy of every nested object); anything it does not accept goes to zod, which decides and names the
 * failing paths. The check is never looser than zod (it only passes what zod passes, with the value
 * zod would return up to object identity), so the dead letters are zod's.
 */

import type { StandardSchemaV1 } from '@standard-schema/spec';
import { z } from 'zod';

const topic = z.looseObject({ urlkey: z.string().min(1), topic_name: z.string() });

/** One RSVP message, in zod. Only the fields the app reads are required. */
export const RsvpZodSchema = z.looseObject({
  rsvp_id: z.number().int(),
  response: z.enum(['yes', 'no']),
  guests: z.number().int().min(0).max(1000),
  mtime: z.number().int().positive(),
  visibility: z.string().optional(),
  event: z.looseObject({
    event_id: z.string().min(1),
    event_name: z.string(),
    event_url: z.string().optional(),
    time: z.number().optional(),
  }),
  group: z.looseObject({
    group_id: z.number().int(),
    group_name: z.string(),
    group_urlname: z.string().optional(),
    group_city: z.string(),
    group_country: z.string().min(2),
    group_state: z.string().optional(),
    group_lat: z.number(),
    group_lon: z.number(),
    group_topics: z.array(topic),
  }),
  member: z.looseObject({ member_id: z.number().int(), member_name: z.string().optional() }),
  venue: z.looseObject({ venue_id: z.number().optional(), venue_name: z.string().optional() }).optional(),
});

export type Rsvp = z.infer<typeof RsvpZodSchema>;

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const isInt = (v: unknown): v is number => Number.isSafeInteger(v);
const isNum = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const optStr = (v: unknown): boolean => v === undefined || typeof v === 'string';
const optNum = (v: unknown): boolean => v === undefined || isNum(v);
const str = (v: unknown, min: number): boolean => typeof v === 'string' && v.length >= min;

/** `RsvpZodSchema`'s constraints, hand-written: true only for values zod accepts. */
function isRsvp(v: unknown): v is Rsvp {
  if (!isObj(v)) return false;
  const g = v.rsvp_id;
  if (!isInt(g) || (v.response !== 'yes' && v.response !== 'no')) return false;
  const guests = v.guests;
  if (!isInt(guests) || guests < 0 || guests > 1000) return false;
  if (!isInt(v.mtime) || v.mtime <= 0 || !optStr(v.visibility)) return false;
  const e = v.event;
  if (!isObj(e) || !str(e.event_id, 1) || typeof e.event_name !== 'string') return false;
  if (!optStr(e.event_url) || !optNum(e.time)) return false;
  const gr = v.group;
  if (!isObj(gr) || !isInt(gr.group_id) || typeof gr.group_name !== 'string') return false;
  if (!optStr(gr.group_urlname) || typeof gr.group_city !== 'string' || !str(gr.group_country, 2))
    return false;
  if (!optStr(gr.group_state) || !isNum(gr.group_lat) || !isNum(gr.group_lon)) return false;
  const topics = gr.group_topics;
  if (!Array.isArray(topics)) return false;
  for (let i = 0; i < topics.length; i++) {
    const t = topics[i];
    if (!isObj(t) || !str(t.urlkey, 1) || typeof t.topic_name !== 'string') return false;
  }
  const m = v.member;
  if (!isObj(m) || !isInt(m.member_id) || !optStr(m.member_name)) return false;
  const venue = v.venue;
  if (venue !== undefined && (!isObj(venue) || !optNum(venue.venue_id) || !optStr(venue.venue_name)))
    return false;
  return true;
}

const zodStandard = RsvpZodSchema['~standard'];

/**
 * The schema of the `rsvps` topic (Standard Schema): the fast check, then zod for what it does not
 * pass (see the header).
 */
export const RsvpSchema: StandardSchemaV1<unknown, Rsvp> = {
  '~standard': {
    version: 1,
    vendor: 'meetup-rsvp',
    validate: (value) => (isRsvp(value) ? { value } : zodStandard.validate(value)),
  },
};

/** The record key of an RSVP: its group id (as text, the way the file replay reads `group.group_id`). */
export function rsvpKey(r: Pick<Rsvp, 'group'>): string {
  return String(r.group.group_id);
}

/**
 * A producer record for an RSVP given as its JSON text. Every source (file replay, WebSocket,
 * generator) keys by the group id the same way, so all versions of one RSVP land in one partition
 * in arrival order: latest-wins needs that.
 *
 * @example
 * await log.append('rsvps', [rsvpProducerRecord(rsvp, JSON.stringify(rsvp))]);
 */
export function rsvpProducerRecord(
  r: Pick<Rsvp, 'group' | 'mtime'>,
  json: string,
): { key: Uint8Array; value: Uint8Array; timestamp: number } {
  return { key: Buffer.from(rsvpKey(r)), value: Buffer.from(json), timestamp: r.mtime };
}
