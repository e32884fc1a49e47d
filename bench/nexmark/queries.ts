/**
 * Nexmark queries q0, q1, q2, q3, q5, q7, q8 and q11, written with the public API only.
 * Window sizes follow the Flink SQL of the nexmark project: q5 HOP 2 s slide / 10 s size, q7 and q8
 * TUMBLE 10 s, q11 SESSION 10 s gap. The source is one topic of JSON-encoded `NexmarkEvent`s with
 * event time = the inner row's dateTime and a 4 s bounded out-of-orderness (the DDL's watermark).
 */

import {
  type App,
  count,
  defineApp,
  hopping,
  maxBy,
  type Sink,
  session,
  type Topic,
  tumbling,
  type WindowResult,
} from '../../src/index.ts';
import type { Auction, Bid, NexmarkEvent, Person } from './model.ts';

export const QUERIES = ['q0', 'q1', 'q2', 'q3', 'q5', 'q7', 'q8', 'q11'] as const;
export type QueryName = (typeof QUERIES)[number];

export interface NexmarkAppOptions {
  partitions?: number;
  /** Out-of-orderness of the events topic (default 4 s, as the Nexmark DDL). */
  outOfOrdernessMs?: number;
  sink: Sink<unknown>;
  /** App name (default `nexmark-<q>`) and events topic (default `events`): runs on a shared Kafka keep apart. */
  name?: string;
  eventsTopic?: string;
}

export function eventTime(e: NexmarkEvent): number {
  return e.type === 'bid' ? e.bid.dateTime : e.type === 'auction' ? e.auction.dateTime : e.person.dateTime;
}

const isBid = (e: NexmarkEvent): e is { type: 'bid'; bid: Bid } => e.type === 'bid';
const isAuction = (e: NexmarkEvent): e is { type: 'auction'; auction: Auction } => e.type === 'auction';
const isPerson = (e: NexmarkEvent): e is { type: 'person'; person: Person } => e.type === 'person';

export interface Q3Row {
  name: string;
  city: string;
  state: string;
  id: number;
}
export interface Q8Row {
  id: number;
  name: string;
  start: number;
}
export interface Q11Row {
  bidder: number;
  bids: number;
  start: number;
  end: number;
}

/** Builds query `q`'s pipeline on the events topic. */
function build(q: QueryName, events: Topic<NexmarkEvent>, sink: Sink<unknown>): void {
  const bids = () =>
    events
      .stream()
      .filter(isBid)
      .map((e) => e.bid);
  switch (q) {
    case 'q0': // pass-through
      bids().sink(sink);
      return;
    case 'q1': // currency conversion
      bids()
        .map((b) => ({
          auction: b.auction,
          bidder: b.bidder,
          price: Math.floor(b.price * 0.908),
          dateTime: b.dateTime,
        }))
        .sink(sink);
      return;
    case 'q2': // selection
      bids()
        .filter((b) => b.auction % 123 === 0)
        .map((b) => ({ auction: b.auction, price: b.price }))
        .sink(sink);
      return;
    case 'q3': {
      // local item suggestion: sellers in OR/ID/CA with auctions in category 10 (unbounded join)
      const persons = events
        .stream()
        .filter(isPerson)
        .map((e) => e.person)
        .filter((p) => p.state === 'OR' || p.state === 'ID' || p.state === 'CA')
        .keyBy((p) => p.id);
      events
        .stream()
        .filter(isAuction)
        .map((e) => e.auction)
        .filter((a) => a.category === 10)
        .keyBy((a) => a.seller)
        .join(persons, {}, (a, p): Q3Row => ({ name: p.name, city: p.city, state: p.state, id: a.id }))
        .sink(sink);
      return;
    }
    case 'q5': // hot items: the auctions with the most bids per 10 s window, every 2 s
      bids()
        .keyBy((b) => b.auction)
        .window(hopping({ size: '10s', every: '2s' }))
        .aggregate(count())
        .topK(1, { by: (r) => r.value, withTies: true })
        .sink(sink);
      return;
    case 'q7': // highest bid per 10 s window
      bids()
        .keyBy(() => 0)
        .window(tumbling({ size: '10s' }))
        .aggregate(maxBy((b: Bid) => b.price))
        .sink(sink);
      return;
    case 'q8': {
      // new users: persons who opened an auction in the 10 s window they registered in
      const sellers = events
        .stream()
        .filter(isAuction)
        .map((e) => e.auction)
        .keyBy((a) => a.seller)
        .window(tumbling({ size: '10s' }))
        .aggregate(count());
      events
        .stream()
        .filter(isPerson)
        .map((e) => e.person)
        .keyBy((p) => p.id)
        .join(
          sellers,
          { window: tumbling({ size: '10s' }) },
          (p, w: WindowResult<number, number>): Q8Row => ({
            id: p.id,
            name: p.name,
            start: w.start,
          }),
        )
        .sink(sink);
      return;
    }
    case 'q11': // user sessions: bids per bidder session with a 10 s gap
      bids()
        .keyBy((b) => b.bidder)
        .window(session({ gap: '10s' }))
        .aggregate(count())
        .map((r): Q11Row => ({ bidder: r.key, bids: r.value, start: r.start, end: r.end }))
        .sink(sink);
      return;
  }
}

/**
 * An app running one Nexmark query over the `events` topic.
 *
 * @example
 * const app = nexmarkApp('q5', { sink: { write: (rows) => console.log(rows) } });
 */
export function nexmarkApp(q: QueryName, options: NexmarkAppOptions): App {
  return defineApp(options.name ?? `nexmark-${q}`, (app) => {
    const events = app.topic<NexmarkEvent>(options.eventsTopic ?? 'events', {
      partitions: options.partitions ?? 1,
      time: eventTime,
      outOfOrderness: options.outOfOrdernessMs ?? 4000,
    });
    app.pipeline(q, () => build(q, events, options.sink));
  });
}
