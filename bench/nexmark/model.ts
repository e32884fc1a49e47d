/**
 * The Nexmark data model: an online auction site where people register, open auctions and bid.
 *
 * Field names and meanings follow the reference schema (`nexmark-flink` `queries/ddl_gen.sql`) so the
 * Nexmark queries port word for word. Two representation choices keep the benchmark hot path cheap:
 * ids and prices are plain JS numbers (every generated value stays far below 2^53), and `dateTime` /
 * `expires` are epoch milliseconds, not `Date` objects.
 */

/** A registered user. */
export interface Person {
  id: number;
  name: string;
  emailAddress: string;
  creditCard: string;
  city: string;
  state: string;
  /** Event time, ms since the epoch. */
  dateTime: number;
  /** Padding up to the configured average person size (empty when padding is off). */
  extra: string;
}

/** An item put up for sale by `seller` (a person id). */
export interface Auction {
  id: number;
  itemName: string;
  description: string;
  initialBid: number;
  reserve: number;
  /** Event time, ms since the epoch. */
  dateTime: number;
  /** When the auction closes, ms since the epoch (always after `dateTime`). */
  expires: number;
  seller: number;
  /** 10..14. */
  category: number;
  extra: string;
}

/** A bid of `bidder` (a person id) on `auction` (an auction id). */
export interface Bid {
  auction: number;
  bidder: number;
  /** In cents, log-uniform over 100 … 100,000,000. */
  price: number;
  channel: string;
  url: string;
  /** Event time, ms since the epoch. */
  dateTime: number;
  extra: string;
}

/**
 * One Nexmark event: the reference's wrapper row (`event_type` + three nullable rows) as a
 * discriminated union. The event time is the inner row's `dateTime`.
 *
 * @example
 * function eventTime(e: NexmarkEvent): number {
 *   return e.type === 'bid' ? e.bid.dateTime : e.type === 'auction' ? e.auction.dateTime : e.person.dateTime;
 * }
 */
export type NexmarkEvent =
  | { type: 'person'; person: Person }
  | { type: 'auction'; auction: Auction }
  | { type: 'bid'; bid: Bid };

/** The first person id; person ids are dense from here on. */
export const FIRST_PERSON_ID = 1000;
/** The first auction id; auction ids are dense from here on. */
export const FIRST_AUCTION_ID = 1000;
/** The first category id; auctions use categories 10..14. */
export const FIRST_CATEGORY_ID = 10;
