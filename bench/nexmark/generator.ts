/**
 * The Nexmark event generator: a TypeScript port of the reference generator (nexmark-flink
 * `generator/**`, Apache-2.0), following the spec in `reference/stream-engines.md` §5b.
 *
 * Everything about event `n` is a pure function of (config, n). Its kind comes from `id % 50` (1 person,
 * 3 auctions, 46 bids), its ids from epoch/offset arithmetic over the event id, its timestamp from `n`
 * and the event rate, and its field values from a SplitMix64 stream seeded by (seed, event id). So any
 * range or stride of the stream can be generated on its own, in any order, on any worker, and two runs
 * with the same seed compare event for event. Nothing is remembered between events except two lazily
 * filled constant tables (channel URLs and the padding text).
 *
 * Two quirks of nexmark-flink are deliberately not reproduced:
 *
 * 1. Bidder ids. nexmark-flink adds FIRST_PERSON_ID to `bidder` twice (`BidGenerator`), so its bidders
 *    sit 2,000 above the person ids and `Bid ⋈ Person ON bidder = id` rarely matches. Here it is added
 *    once, as in Beam's original generator: a bidder is a person id (or one of the 10 "lead" ids about
 *    to be created, like sellers).
 * 2. Seeding. nexmark-flink draws from an unseeded `SplittableRandom`, so values differ run to run. Here
 *    event `id` draws from SplitMix64 started at `H(seed) XOR id`, where `H(seed)` is one SplitMix64 output
 *    (hashing the seed keeps seeds 0 and 1 from yielding the same values with adjacent events swapped).
 *    Channel URLs, which nexmark-flink draws once per process, are derived from the seed the same way.
 *
 * Also different by design: one global timeline (event `n` is at `baseTime + n / firstEventRate`
 * whatever the number of workers, so split the work by ranges or strides of `n` rather than by
 * generator instances); a constant rate (nexmark-flink's generator also ignores rate shapes); no
 * occasional delays (`probDelayedEvent` exists in its configuration but its generator never uses it);
 * `extra` is a slice of one shared 1 MiB random text (as newer nexmark-flink does) instead of freshly
 * drawn letters, so padding costs one substring.
 */
import { StreamsightError } from '../../src/errors/index.ts';
import {
  type Auction,
  type Bid,
  FIRST_AUCTION_ID,
  FIRST_CATEGORY_ID,
  FIRST_PERSON_ID,
  type NexmarkEvent,
  type Person,
} from './model.ts';

/** Generator settings; every field is optional and defaults to the Nexmark configuration. */
export interface NexmarkConfig {
  /** Seeds every drawn value; a non-negative safe integer (default 0). */
  seed?: number;
  /**
   * Event time of event 0 in ms since the epoch. Default 2025-01-01T00:00:00Z, fixed so that runs
   * reproduce; pass `Date.now()` for live-looking times.
   */
  baseTime?: number;
  /** Events per second of event time (default 10,000): event `n` is at `baseTime + floor(n * 1000 / rate)` ms. */
  firstEventRate?: number;
  /** The event mix: per `person + auction + bid` consecutive ids (default 1 : 3 : 46). */
  personProportion?: number;
  auctionProportion?: number;
  bidProportion?: number;
  /** A bid goes to the current hot auction with probability `1 - 1/hotAuctionRatio` (default 2). */
  hotAuctionRatio?: number;
  /** An auction is opened by the current hot seller with probability `1 - 1/hotSellersRatio` (default 4). */
  hotSellersRatio?: number;
  /** A bid comes from the current hot bidder with probability `1 - 1/hotBiddersRatio` (default 4). */
  hotBiddersRatio?: number;
  /** Other bids pick among this many most recent auctions, plus 10 ids ahead (default 100). */
  numInFlightAuctions?: number;
  /** Other sellers and bidders are among this many most recent persons, plus 10 ids ahead (default 1000). */
  numActivePeople?: number;
  /**
   * Pad each event's `extra` field so the event averages its Nexmark size (±20 %), counting 8 bytes per
   * number plus the string lengths, as the reference does (which leaves a bid's channel and url uncounted).
   * Default true: benchmark events are Nexmark-sized. `false` leaves `extra` empty for lean events.
   */
  padExtra?: boolean;
  /** Average sizes in bytes (default 200 / 500 / 100); at most 1 MiB. */
  avgPersonByteSize?: number;
  avgAuctionByteSize?: number;
  avgBidByteSize?: number;
  /**
   * Default 1 (in order). With `g > 1`, each group of `g` consecutive events is emitted in a fixed
   * shuffled order (event `n` carries id `base + (n * 953) % g`), so event times are out of order by
   * less than `g` events; `watermark(n)` bounds them. Must not be a multiple of 953.
   */
  outOfOrderGroupSize?: number;
}

const DEFAULT_CONFIG: Readonly<Required<NexmarkConfig>> = {
  seed: 0,
  baseTime: Date.UTC(2025, 0, 1),
  firstEventRate: 10_000,
  personProportion: 1,
  auctionProportion: 3,
  bidProportion: 46,
  hotAuctionRatio: 2,
  hotSellersRatio: 4,
  hotBiddersRatio: 4,
  numInFlightAuctions: 100,
  numActivePeople: 1000,
  padExtra: true,
  avgPersonByteSize: 200,
  avgAuctionByteSize: 500,
  avgBidByteSize: 100,
  outOfOrderGroupSize: 1,
};

/** Hot sellers, bidders and auctions are the first (bidders: second) of each batch of this many ids. */
const HOT_BATCH = 100;
/** Random person and auction picks may run this many ids ahead of the last one created. */
const ID_LEAD = 10;
const NUM_CATEGORIES = 5;
const CHANNELS = 10_000;
const HOT_CHANNELS = ['Google', 'Facebook', 'Baidu', 'Apple'];
/** The out-of-order permutation multiplier (prime). */
const SHUFFLE = 953;
const PADDING_LENGTH = 1 << 20;

const FIRST_NAMES = [
  'Peter',
  'Paul',
  'Luke',
  'John',
  'Saul',
  'Vicky',
  'Kate',
  'Julie',
  'Sarah',
  'Deiter',
  'Walter',
];
const LAST_NAMES = ['Shultz', 'Abrams', 'Spencer', 'White', 'Bartels', 'Walton', 'Smith', 'Jones', 'Noris'];
const US_CITIES = [
  'Phoenix',
  'Los Angeles',
  'San Francisco',
  'Boise',
  'Portland',
  'Bend',
  'Redmond',
  'Seattle',
  'Kent',
  'Cheyenne',
];
const US_STATES = ['AZ', 'CA', 'ID', 'OR', 'WA', 'WY'];
const LETTERS = 'abcdefghijklmnopqrstuvwxyz';
const TWO_POW_32 = 4294967296;

/**
 * Deterministic Nexmark events: persons, auctions and bids in the 1 : 3 : 46 mix, with hot auctions,
 * sellers and bidders, log-uniform prices and Nexmark-sized padding.
 *
 * @example
 * const generator = new NexmarkGenerator({ seed: 42 });
 * for (const event of generator.events(0, 1_000_000)) {
 *   if (event.type === 'bid') total += event.bid.price;
 * }
 * generator.event(123).type; // 'bid' — the same event on every run with seed 42
 */
export class NexmarkGenerator {
  /** The effective configuration (defaults filled in). */
  readonly config: Readonly<Required<NexmarkConfig>>;

  readonly #rng = new SplitMix64();
  /** `H(seed)`: the per-event state is this XOR the event id. */
  readonly #keyHi: number;
  readonly #keyLo: number;
  /** Seeds the constant tables (channel URLs) apart from every event stream. */
  readonly #tableKeyHi: number;
  readonly #tableKeyLo: number;
  // Derived from the config once, for the per-event arithmetic.
  readonly #persons: number;
  readonly #auctions: number;
  readonly #total: number;
  readonly #usPerEvent: number;
  readonly #groupSize: number;
  /** Events until `numInFlightAuctions` more auctions exist: sets auction lengths. */
  readonly #auctionHorizonEvents: number;
  readonly #hotUrls: string[] = [];
  /** Channel names and URLs, filled on first use (nexmark-flink caches them the same way). */
  readonly #channelNames: string[] = new Array<string>(CHANNELS);
  readonly #channelUrls: string[] = new Array<string>(CHANNELS);

  constructor(config: NexmarkConfig = {}) {
    this.config = Object.freeze(validateConfig(config));
    const c = this.config;
    this.#persons = c.personProportion;
    this.#auctions = c.auctionProportion;
    this.#total = c.personProportion + c.auctionProportion + c.bidProportion;
    this.#usPerEvent = 1e6 / c.firstEventRate;
    this.#groupSize = c.outOfOrderGroupSize;
    this.#auctionHorizonEvents = Math.floor((c.numInFlightAuctions * this.#total) / c.auctionProportion);

    const rng = this.#rng;
    rng.setState(Math.floor(c.seed / TWO_POW_32), c.seed >>> 0);
    this.#keyHi = rng.nextUint32();
    this.#keyLo = rng.nextUint32();
    this.#tableKeyHi = rng.nextUint32();
    this.#tableKeyLo = rng.nextUint32();
    for (let i = 0; i < HOT_CHANNELS.length; i++) {
      rng.setState(this.#tableKeyHi, this.#tableKeyLo ^ (CHANNELS + i));
      this.#hotUrls.push(randomUrl(rng));
    }
  }

  /**
   * Event number `n` (a non-negative integer; not checked, this is the hot path).
   *
   * @example
   * const generator = new NexmarkGenerator();
   * generator.event(0); // { type: 'person', person: { id: 1000, ... } }
   */
  event(n: number): NexmarkEvent {
    const id = this.#eventId(n);
    const time = this.#timestamp(id);
    this.#rng.setState(this.#keyHi ^ Math.floor(id / TWO_POW_32), this.#keyLo ^ (id >>> 0));
    const rem = id % this.#total;
    if (rem < this.#persons) return { type: 'person', person: this.#person(id, time) };
    if (rem < this.#persons + this.#auctions) return { type: 'auction', auction: this.#auction(id, time) };
    return { type: 'bid', bid: this.#bid(id, time) };
  }

  /**
   * Events `from`, `from + 1`, … (`count` of them; default: without end).
   *
   * @example
   * const bids = [...new NexmarkGenerator({ seed: 7 }).events(1000, 50)].filter((e) => e.type === 'bid');
   */
  events(from = 0, count = Number.POSITIVE_INFINITY): Generator<NexmarkEvent, void, undefined> {
    checkInteger('from', from, 0);
    if (count !== Number.POSITIVE_INFINITY) checkInteger('count', count, 0);
    return this.#range(from, from + count);
  }

  /**
   * A lower bound of the event times of event `n` and every later event: the time of the first event
   * of `n`'s out-of-order group (the event's own time when events are in order).
   *
   * @example
   * const generator = new NexmarkGenerator({ outOfOrderGroupSize: 16 });
   * const later = generator.event(101);
   * later.type === 'bid' && later.bid.dateTime >= generator.watermark(100); // true
   */
  watermark(n: number): number {
    return this.#timestamp(n - (n % this.#groupSize));
  }

  *#range(from: number, end: number): Generator<NexmarkEvent, void, undefined> {
    for (let n = from; n < end; n++) yield this.event(n);
  }

  /** The id (the adjusted event number) that event `n` carries: `n` itself unless shuffled in a group. */
  #eventId(n: number): number {
    const g = this.#groupSize;
    if (g === 1) return n;
    const offset = n % g;
    return n - offset + ((offset * SHUFFLE) % g);
  }

  #timestamp(id: number): number {
    return this.config.baseTime + Math.floor((id * this.#usPerEvent) / 1000);
  }

  #person(id: number, dateTime: number): Person {
    const rng = this.#rng;
    const name = `${FIRST_NAMES[rng.int(FIRST_NAMES.length)]} ${LAST_NAMES[rng.int(LAST_NAMES.length)]}`;
    const emailAddress = `${randomString(rng, 7, ' ')}@${randomString(rng, 5, ' ')}.com`;
    const creditCard = `${digits4(rng)} ${digits4(rng)} ${digits4(rng)} ${digits4(rng)}`;
    const city = US_CITIES[rng.int(US_CITIES.length)];
    const state = US_STATES[rng.int(US_STATES.length)];
    const size = 8 + name.length + emailAddress.length + creditCard.length + city.length + state.length;
    return {
      id: this.#lastPersonId(id) + FIRST_PERSON_ID,
      name,
      emailAddress,
      creditCard,
      city,
      state,
      dateTime,
      extra: this.#extra(size, this.config.avgPersonByteSize),
    };
  }

  #auction(id: number, dateTime: number): Auction {
    const rng = this.#rng;
    const seller =
      rng.int(this.config.hotSellersRatio) > 0
        ? Math.floor(this.#lastPersonId(id) / HOT_BATCH) * HOT_BATCH
        : this.#randomPersonId(id);
    const category = FIRST_CATEGORY_ID + rng.int(NUM_CATEGORIES);
    const initialBid = randomPrice(rng);
    // Auctions last on average as long as it takes to create numInFlightAuctions more auctions.
    const horizonMs = this.#timestamp(id + this.#auctionHorizonEvents) - dateTime;
    const expires = dateTime + 1 + rng.int(Math.max(horizonMs * 2, 1));
    const itemName = randomString(rng, 20, ' ');
    const description = randomString(rng, 100, ' ');
    const reserve = initialBid + randomPrice(rng);
    const size = 8 + itemName.length + description.length + 5 * 8;
    return {
      id: this.#lastAuctionId(id) + FIRST_AUCTION_ID,
      itemName,
      description,
      initialBid,
      reserve,
      dateTime,
      expires,
      seller: seller + FIRST_PERSON_ID,
      category,
      extra: this.#extra(size, this.config.avgAuctionByteSize),
    };
  }

  #bid(id: number, dateTime: number): Bid {
    const rng = this.#rng;
    const auction =
      rng.int(this.config.hotAuctionRatio) > 0
        ? Math.floor(this.#lastAuctionId(id) / HOT_BATCH) * HOT_BATCH
        : this.#randomAuctionId(id);
    // The second person of the batch, so that hot bidders and hot sellers differ.
    const bidder =
      rng.int(this.config.hotBiddersRatio) > 0
        ? Math.floor(this.#lastPersonId(id) / HOT_BATCH) * HOT_BATCH + 1
        : this.#randomPersonId(id);
    const price = randomPrice(rng);
    let channel: string;
    let url: string;
    if (rng.int(2) > 0) {
      const i = rng.int(HOT_CHANNELS.length);
      channel = HOT_CHANNELS[i];
      url = this.#hotUrls[i];
    } else {
      const i = rng.int(CHANNELS);
      if (this.#channelUrls[i] === undefined) this.#fillChannel(i);
      channel = this.#channelNames[i];
      url = this.#channelUrls[i];
    }
    return {
      auction: auction + FIRST_AUCTION_ID,
      bidder: bidder + FIRST_PERSON_ID,
      price,
      channel,
      url,
      dateTime,
      extra: this.#extra(4 * 8, this.config.avgBidByteSize),
    };
  }

  /** The base-0 id of the last person created at or before event `id` (its own when it is a person). */
  #lastPersonId(id: number): number {
    const epoch = Math.floor(id / this.#total);
    const offset = Math.min(id % this.#total, this.#persons - 1);
    return epoch * this.#persons + offset;
  }

  /** The base-0 id of the last auction created at or before event `id` (its own when it is an auction). */
  #lastAuctionId(id: number): number {
    let epoch = Math.floor(id / this.#total);
    let offset = (id % this.#total) - this.#persons;
    if (offset < 0) {
      epoch--; // a person event: the previous epoch's last auction
      offset = this.#auctions - 1;
    } else if (offset >= this.#auctions) {
      offset = this.#auctions - 1; // a bid event: this epoch's last auction
    }
    return epoch * this.#auctions + offset;
  }

  /** One of the `numActivePeople` most recent persons, or up to ID_LEAD ids ahead. */
  #randomPersonId(id: number): number {
    const people = this.#lastPersonId(id) + 1;
    const active = Math.min(people, this.config.numActivePeople);
    return people - active + this.#rng.int(active + ID_LEAD);
  }

  /** One of the `numInFlightAuctions` most recent auctions, or up to ID_LEAD ids ahead. */
  #randomAuctionId(id: number): number {
    const last = this.#lastAuctionId(id);
    const first = Math.max(last - this.config.numInFlightAuctions, 0);
    return first + this.#rng.int(last - first + 1 + ID_LEAD);
  }

  /** Padding that brings an event of `size` bytes to `average` bytes ±20 % on average. */
  #extra(size: number, average: number): string {
    if (!this.config.padExtra || size > average) return '';
    const target = average - size;
    const delta = Math.round(target * 0.2);
    const length = target - delta + (delta === 0 ? 0 : this.#rng.int(2 * delta));
    const start = this.#rng.int(PADDING_LENGTH - length);
    // A substring of a long flat string is an O(1) slice in V8: no per-event character drawing.
    return paddingText().slice(start, start + length);
  }

  #fillChannel(i: number): void {
    const rng = new SplitMix64(); // not this.#rng: an event is being drawn from it
    rng.setState(this.#tableKeyHi, this.#tableKeyLo ^ i);
    let url = randomUrl(rng);
    if (rng.int(10) > 0) url += `&channel_id=${Math.abs(reverseBits(i))}`;
    this.#channelNames[i] = `channel-${i}`;
    this.#channelUrls[i] = url;
  }
}

/**
 * SplitMix64 (Steele, Lea and Flood 2014) on two uint32 halves, since 64-bit BigInt arithmetic would
 * cost more than all the rest of an event. Each draw returns the high 32 bits of the 64-bit output.
 *
 * @example
 * const rng = new SplitMix64();
 * rng.setState(0, 42);
 * rng.int(6); // a die roll, the same on every run
 */
export class SplitMix64 {
  // The state halves are kept as int32 so that V8 stores them as small integers, not heap numbers.
  #hi = 0;
  #lo = 0;

  /** Sets the 64-bit state to `hi * 2^32 + lo` (both taken modulo 2^32). */
  setState(hi: number, lo: number): void {
    this.#hi = hi | 0;
    this.#lo = lo | 0;
  }

  /** The next 32 random bits as an unsigned integer. */
  nextUint32(): number {
    // state += 0x9e3779b97f4a7c15
    let lo = (this.#lo >>> 0) + 0x7f4a7c15;
    let hi = (this.#hi + 0x9e3779b9 + (lo >= TWO_POW_32 ? 1 : 0)) | 0;
    lo |= 0;
    this.#hi = hi;
    this.#lo = lo;
    // z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9
    lo ^= (lo >>> 30) | (hi << 2);
    hi ^= hi >>> 30;
    let mlo = Math.imul(lo, 0x1ce4e5b9) >>> 0;
    let mhi = (mulHigh(lo >>> 0, 0x1ce4e5b9) + Math.imul(hi, 0x1ce4e5b9) + Math.imul(lo, 0xbf58476d)) >>> 0;
    // z = (z ^ (z >>> 27)) * 0x94d049bb133111eb
    lo = mlo ^ ((mlo >>> 27) | (mhi << 5));
    hi = mhi ^ (mhi >>> 27);
    mlo = Math.imul(lo, 0x133111eb) >>> 0;
    mhi = (mulHigh(lo >>> 0, 0x133111eb) + Math.imul(hi, 0x133111eb) + Math.imul(lo, 0x94d049bb)) >>> 0;
    // z ^ (z >>> 31), high half only
    return (mhi ^ (mhi >>> 31)) >>> 0;
  }

  /** A uniform integer in `[0, n)`, for `1 <= n <= 2^32`. */
  int(n: number): number {
    return Math.floor((this.nextUint32() / TWO_POW_32) * n);
  }

  /** A uniform number in `[0, 1)` with 32 random bits. */
  double(): number {
    return this.nextUint32() / TWO_POW_32;
  }
}

/** The high 32 bits of the 64-bit product of two uint32 values, from 16-bit limbs (exact in doubles). */
function mulHigh(a: number, b: number): number {
  const aLo = a & 0xffff;
  const aHi = a >>> 16;
  const bLo = b & 0xffff;
  const bHi = b >>> 16;
  const middle = aHi * bLo + aLo * bHi + ((aLo * bLo) >>> 16);
  return aHi * bHi + Math.floor(middle / 65536);
}

/** Log-uniform cents over 100 … 100,000,000. */
function randomPrice(rng: SplitMix64): number {
  return Math.round(10 ** (rng.double() * 6) * 100);
}

/** 3 … maxLength-1 letters with a 1/13 chance of `space` each; trimmed when `space` is a space. */
function randomString(rng: SplitMix64, maxLength: number, space: string): string {
  let length = 3 + rng.int(maxLength - 3);
  let text = '';
  while (length-- > 0) {
    // One draw per character (13 * 26 outcomes: 26 of them a space) halves the cost of two draws.
    const v = rng.int(13 * 26);
    text += v < 26 ? space : LETTERS[v % 26];
  }
  return space === ' ' ? text.trim() : text;
}

function randomUrl(rng: SplitMix64): string {
  return `https://www.nexmark.com/${randomString(rng, 5, '_')}/${randomString(rng, 5, '_')}/${randomString(rng, 5, '_')}/item.htm?query=1`;
}

function digits4(rng: SplitMix64): string {
  return String(rng.int(10_000)).padStart(4, '0');
}

/** Java's `Integer.reverse`: the 32 bits of `x` in reverse order, as a signed int. */
function reverseBits(x: number): number {
  x = ((x >>> 1) & 0x55555555) | ((x & 0x55555555) << 1);
  x = ((x >>> 2) & 0x33333333) | ((x & 0x33333333) << 2);
  x = ((x >>> 4) & 0x0f0f0f0f) | ((x & 0x0f0f0f0f) << 4);
  x = ((x >>> 8) & 0x00ff00ff) | ((x & 0x00ff00ff) << 8);
  return (x >>> 16) | (x << 16);
}

let padding: string | undefined;

/** 1 MiB of random lowercase letters, built once per process on first use (the same text everywhere). */
function paddingText(): string {
  if (padding === undefined) {
    const rng = new SplitMix64();
    rng.setState(0x6e65786d, 0x61726b21); // "nexmark!"
    const bytes = Buffer.allocUnsafe(PADDING_LENGTH);
    for (let i = 0; i < PADDING_LENGTH; i++) bytes[i] = 97 + rng.int(26);
    padding = bytes.toString('latin1');
  }
  return padding;
}

function validateConfig(config: NexmarkConfig): Required<NexmarkConfig> {
  if (config === null || typeof config !== 'object') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'the Nexmark config must be an object');
  }
  for (const name of Object.keys(config)) {
    if (!(name in DEFAULT_CONFIG)) {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', `unknown Nexmark option "${name}"`, {
        details: { option: name },
      });
    }
  }
  const c: Required<NexmarkConfig> = { ...DEFAULT_CONFIG };
  for (const [name, value] of Object.entries(config)) {
    if (value !== undefined) (c as Record<string, unknown>)[name] = value;
  }
  checkInteger('seed', c.seed, 0);
  checkInteger('baseTime', c.baseTime, Number.MIN_SAFE_INTEGER);
  if (typeof c.firstEventRate !== 'number' || !(c.firstEventRate > 0 && c.firstEventRate < Infinity)) {
    throw invalid('firstEventRate', c.firstEventRate, 'a positive finite number');
  }
  checkInteger('personProportion', c.personProportion, 1);
  checkInteger('auctionProportion', c.auctionProportion, 1);
  checkInteger('bidProportion', c.bidProportion, 0);
  checkInteger('hotAuctionRatio', c.hotAuctionRatio, 1);
  checkInteger('hotSellersRatio', c.hotSellersRatio, 1);
  checkInteger('hotBiddersRatio', c.hotBiddersRatio, 1);
  checkInteger('numInFlightAuctions', c.numInFlightAuctions, 1);
  checkInteger('numActivePeople', c.numActivePeople, 1);
  if (typeof c.padExtra !== 'boolean') throw invalid('padExtra', c.padExtra, 'a boolean');
  checkInteger('avgPersonByteSize', c.avgPersonByteSize, 0, PADDING_LENGTH);
  checkInteger('avgAuctionByteSize', c.avgAuctionByteSize, 0, PADDING_LENGTH);
  checkInteger('avgBidByteSize', c.avgBidByteSize, 0, PADDING_LENGTH);
  checkInteger('outOfOrderGroupSize', c.outOfOrderGroupSize, 1);
  if (c.outOfOrderGroupSize % SHUFFLE === 0) {
    // (n * 953) % g would map a whole group onto one id instead of permuting it.
    throw invalid(
      'outOfOrderGroupSize',
      c.outOfOrderGroupSize,
      `an integer that is not a multiple of ${SHUFFLE}`,
    );
  }
  return c;
}

function checkInteger(name: string, value: unknown, min: number, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw invalid(name, value, `an integer in [${min}, ${max}]`);
  }
}

function invalid(name: string, value: unknown, expected: string): StreamsightError {
  return new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `Nexmark option "${name}" must be ${expected}, got ${String(value)}`,
    {
      details: { option: name, value },
    },
  );
}
