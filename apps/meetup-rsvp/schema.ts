/**
 * The RSVP record of Meetup's stream (`stream.meetup.com/2/rsvps`), as a zod schema: the topic
 * validates every record with it, so a record that is JSON but not an RSVP becomes a dead letter
 * (SS_ERR_SCHEMA) with the failing paths as its reason. Objects are loose (unknown keys are kept):
 * the stream added fields over the years and the archive should keep what arrived.
 */

import { z } from 'zod';

const topic = z.looseObject({ urlkey: z.string().min(1), topic_name: z.string() });

/** One RSVP message. Only the fields the app reads are required. */
export const RsvpSchema = z.looseObject({
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

export type Rsvp = z.infer<typeof RsvpSchema>;

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
