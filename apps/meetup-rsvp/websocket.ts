/**
 * The live RSVP source: Meetup's stream protocol (one JSON RSVP per WebSocket frame, `since_mtime`
 * to resume) into the `rsvps` topic, keyed by group like every other source. Frames that are not an
 * RSVP's JSON become dead letters of the app with their reason.
 */

import { StreamsightError } from '../../src/errors/index.ts';
import { WebSocketSource, type WebSocketSourceStats } from '../../src/io/index.ts';
import type { Log } from '../../src/log/log.ts';
import { rsvpProducerRecord } from './schema.ts';

/** Parses one frame; throws (→ dead letter) when it has no group id or mtime to key and time it by. */
export function rsvpFrameToRecord(text: string) {
  const r = JSON.parse(text);
  if (typeof r?.group?.group_id !== 'number' || typeof r?.mtime !== 'number') {
    throw new StreamsightError('SS_ERR_MALFORMED_LINE', 'an RSVP needs group.group_id and mtime numbers');
  }
  return rsvpProducerRecord(r, text);
}

/**
 * Streams RSVPs from `url` (Meetup's protocol) into `rsvps` until the signal aborts.
 *
 * @example
 * await streamRsvps(log, { url: 'ws://localhost:8080/2/rsvps', signal });
 */
export function streamRsvps(
  log: Pick<Log, 'append'>,
  options: { url: string; signal: AbortSignal; app?: string },
): Promise<WebSocketSourceStats> {
  return new WebSocketSource(log, {
    url: options.url,
    topic: 'rsvps',
    toRecord: rsvpFrameToRecord,
    resumeParam: 'since_mtime',
    deadLetterTopic: `${options.app ?? 'meetup-rsvp'}.dead-letters`,
    signal: options.signal,
  }).run();
}
