import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { NexmarkGenerator, SplitMix64 } from '../../bench/nexmark/generator.ts';
import type { Auction, Bid, NexmarkEvent, Person } from '../../bench/nexmark/model.ts';
import { isStreamsightError } from '../../src/errors/index.ts';

function eventTime(e: NexmarkEvent): number {
  return e.type === 'bid' ? e.bid.dateTime : e.type === 'auction' ? e.auction.dateTime : e.person.dateTime;
}

function split(events: Iterable<NexmarkEvent>): { persons: Person[]; auctions: Auction[]; bids: Bid[] } {
  const out = { persons: [] as Person[], auctions: [] as Auction[], bids: [] as Bid[] };
  for (const e of events) {
    if (e.type === 'person') out.persons.push(e.person);
    else if (e.type === 'auction') out.auctions.push(e.auction);
    else out.bids.push(e.bid);
  }
  return out;
}

/** The textbook SplitMix64 on BigInt, returning the high 32 bits of each output. */
function splitMix64Reference(state: bigint, draws: number): number[] {
  const mask = (1n << 64n) - 1n;
  const out: number[] = [];
  for (let i = 0; i < draws; i++) {
    state = (state + 0x9e3779b97f4a7c15n) & mask;
    let z = state;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & mask;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & mask;
    out.push(Number((z ^ (z >> 31n)) >> 32n));
  }
  return out;
}

describe('SplitMix64', () => {
  test('matches the 64-bit reference', () => {
    const rng = new SplitMix64();
    for (const [hi, lo] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [0xffffffff, 0xffffffff],
      [0x12345678, 0x9abcdef0],
    ]) {
      rng.setState(hi, lo);
      const draws = Array.from({ length: 20 }, () => rng.nextUint32());
      assert.deepEqual(draws, splitMix64Reference((BigInt(hi) << 32n) | BigInt(lo), 20));
    }
  });
});

describe('NexmarkGenerator', () => {
  test('is deterministic: same seed, same events, whatever the order of generation', () => {
    const a = [...new NexmarkGenerator({ seed: 42 }).events(0, 3000)];
    const b = [...new NexmarkGenerator({ seed: 42 }).events(0, 3000)];
    assert.deepEqual(a, b);

    const generator = new NexmarkGenerator({ seed: 42 });
    assert.deepEqual([...generator.events(1234, 500)], a.slice(1234, 1734));
    for (let n = 2999; n >= 0; n -= 7) assert.deepEqual(generator.event(n), a[n]);
  });

  test('different seeds give different values with the same structure', () => {
    const a = split(new NexmarkGenerator({ seed: 0 }).events(0, 500)).bids;
    const b = split(new NexmarkGenerator({ seed: 1 }).events(0, 500)).bids;
    assert.equal(a.length, b.length);
    const samePrice = a.filter((bid, i) => bid.price === b[i].price).length;
    assert.ok(samePrice < 5, `${samePrice} equal prices`);
    // Seeds 0 and 1 must not be the same stream shifted by one event (the seed is hashed).
    const shifted = a.slice(1).filter((bid, i) => bid.price === b[i].price).length;
    assert.ok(shifted < 5, `${shifted} equal prices one event apart`);
  });

  test('the mix is exactly 1 person, 3 auctions and 46 bids per 50 events, in that order', () => {
    const events = [...new NexmarkGenerator().events(0, 50 * 200)];
    for (let epoch = 0; epoch < 200; epoch++) {
      const types = events.slice(epoch * 50, epoch * 50 + 50).map((e) => e.type);
      assert.deepEqual(types, ['person', 'auction', 'auction', 'auction', ...Array(46).fill('bid')]);
    }
    const custom = [
      ...new NexmarkGenerator({ personProportion: 2, auctionProportion: 3, bidProportion: 5 }).events(0, 100),
    ];
    const counts = { person: 0, auction: 0, bid: 0 };
    for (const e of custom) counts[e.type]++;
    assert.deepEqual(counts, { person: 20, auction: 30, bid: 50 });
  });

  test('person and auction ids are dense from 1000; bids, sellers and bidders reference them', () => {
    const ID_LEAD = 10;
    let lastPerson = 999;
    let lastAuction = 999;
    let bids = 0;
    let bidsOnExistingAuction = 0;
    let bidsByExistingPerson = 0;
    let hotAuctionBids = 0;
    for (const e of new NexmarkGenerator({ seed: 3 }).events(0, 200_000)) {
      if (e.type === 'person') {
        assert.equal(e.person.id, ++lastPerson);
      } else if (e.type === 'auction') {
        assert.equal(e.auction.id, ++lastAuction);
        assert.ok(e.auction.seller >= 1000 && e.auction.seller <= lastPerson + ID_LEAD);
        assert.ok(e.auction.seller >= lastPerson - 1000 || e.auction.seller % 100 === 0);
        assert.ok(e.auction.category >= 10 && e.auction.category <= 14);
      } else {
        const { auction, bidder } = e.bid;
        assert.ok(auction >= 1000 && auction <= lastAuction + ID_LEAD, `auction ${auction} > ${lastAuction}`);
        assert.ok(bidder >= 1000 && bidder <= lastPerson + ID_LEAD, `bidder ${bidder} > ${lastPerson}`);
        bids++;
        if (auction <= lastAuction) bidsOnExistingAuction++;
        if (bidder <= lastPerson) bidsByExistingPerson++;
        if (auction === Math.floor((lastAuction - 1000) / 100) * 100 + 1000) hotAuctionBids++;
      }
    }
    assert.ok(bidsOnExistingAuction / bids > 0.95, `${bidsOnExistingAuction / bids}`);
    assert.ok(bidsByExistingPerson / bids > 0.95, `${bidsByExistingPerson / bids}`);
    // hotAuctionRatio 2: half the bids go to the hot auction, plus the random picks that land on it.
    assert.ok(Math.abs(hotAuctionBids / bids - 0.5) < 0.02, `${hotAuctionBids / bids}`);
  });

  test('in order, event n is at baseTime + n / rate and times never decrease', () => {
    const generator = new NexmarkGenerator({ baseTime: 1_000_000, firstEventRate: 4000 });
    let previous = Number.NEGATIVE_INFINITY;
    let n = 0;
    for (const e of generator.events(0, 20_000)) {
      const time = eventTime(e);
      assert.equal(time, 1_000_000 + Math.floor(n / 4));
      assert.ok(time >= previous);
      assert.equal(generator.watermark(n), time);
      previous = time;
      n++;
    }
  });

  test('out-of-order groups shuffle events within a group, bounded by the watermark', () => {
    const g = 16;
    const inOrder = [...new NexmarkGenerator({ firstEventRate: 1000 }).events(0, 50 * g)];
    const generator = new NexmarkGenerator({ firstEventRate: 1000, outOfOrderGroupSize: g });
    const shuffled = [...generator.events(0, 50 * g)];
    let inversions = 0;
    for (let base = 0; base < shuffled.length; base += g) {
      const group = shuffled.slice(base, base + g);
      // The same events, in another order.
      const key = (e: NexmarkEvent) => JSON.stringify(e);
      assert.deepEqual(
        group.map(key).sort(),
        inOrder
          .slice(base, base + g)
          .map(key)
          .sort(),
      );
      for (let i = 0; i < g; i++) {
        const time = eventTime(group[i]);
        assert.ok(time >= generator.watermark(base + i));
        assert.ok(time < generator.watermark(base) + g, 'disorder stays within one group');
        if (i > 0 && time < eventTime(group[i - 1])) inversions++;
      }
    }
    assert.ok(inversions > 0, 'some events are out of order');
  });

  test('prices are log-uniform cents in [100, 100,000,000]; reserves exceed initial bids', () => {
    const { auctions, bids } = split(new NexmarkGenerator({ seed: 9 }).events(0, 100_000));
    let below = 0;
    for (const { price } of bids) {
      assert.ok(Number.isInteger(price) && price >= 100 && price <= 100_000_000, `${price}`);
      if (price < 100_000) below++;
    }
    // The median of 10^(6U) * 100 is 10^5.
    assert.ok(Math.abs(below / bids.length - 0.5) < 0.02, `${below / bids.length}`);
    for (const a of auctions) {
      assert.ok(a.initialBid >= 100 && a.initialBid <= 100_000_000);
      assert.ok(a.reserve >= a.initialBid + 100);
      assert.ok(a.expires > a.dateTime);
    }
  });

  test('extra pads events to their Nexmark sizes ±20 %, or not at all', () => {
    const { persons, auctions, bids } = split(new NexmarkGenerator().events(0, 50_000));
    const bidSizes = bids.map((b) => 32 + b.extra.length);
    for (const size of bidSizes) assert.ok(size >= 80 && size <= 120, `${size}`);
    const mean = bidSizes.reduce((s, x) => s + x, 0) / bidSizes.length;
    assert.ok(Math.abs(mean - 100) < 1, `${mean}`);
    for (const p of persons) {
      const size =
        8 + p.name.length + p.emailAddress.length + p.creditCard.length + p.city.length + p.state.length;
      assert.ok(Math.abs(size + p.extra.length - 200) <= 0.2 * (200 - size) + 1);
    }
    for (const a of auctions) assert.ok(/^[a-z]+$/.test(a.extra));

    const lean = split(new NexmarkGenerator({ padExtra: false }).events(0, 500));
    assert.ok([...lean.persons, ...lean.auctions, ...lean.bids].every((x) => x.extra === ''));
  });

  test('channels: half from the four hot ones, URLs fixed per channel', () => {
    const { bids } = split(new NexmarkGenerator({ seed: 5 }).events(0, 20_000));
    const hot = new Set(['Google', 'Facebook', 'Baidu', 'Apple']);
    const urlOf = new Map<string, string>();
    let hotCount = 0;
    for (const { channel, url } of bids) {
      if (hot.has(channel)) hotCount++;
      else assert.match(channel, /^channel-\d{1,4}$/);
      assert.match(
        url,
        /^https:\/\/www\.nexmark\.com\/[a-z_]{3,4}\/[a-z_]{3,4}\/[a-z_]{3,4}\/item\.htm\?query=1(&channel_id=\d+)?$/,
      );
      assert.equal(urlOf.get(channel) ?? url, url);
      urlOf.set(channel, url);
    }
    assert.ok(Math.abs(hotCount / bids.length - 0.5) < 0.02);
    // Another generator with the same seed derives the same URLs, even visiting channels in another order.
    const again = new NexmarkGenerator({ seed: 5 });
    for (let n = 19_999; n >= 0; n -= 3) {
      const e = again.event(n);
      if (e.type === 'bid') assert.equal(e.bid.url, urlOf.get(e.bid.channel));
    }
  });

  test('rejects invalid configurations with SS_ERR_INVALID_OPTION', () => {
    const bad: unknown[] = [
      { seed: -1 },
      { seed: 1.5 },
      { firstEventRate: 0 },
      { personProportion: 0 },
      { outOfOrderGroupSize: 953 * 2 },
      { padExtra: 'yes' },
      { avgBidByteSize: 2 ** 21 },
      { bidsPerSecond: 10 },
    ];
    for (const config of bad) {
      assert.throws(
        () => new NexmarkGenerator(config as never),
        (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
        JSON.stringify(config),
      );
    }
    assert.throws(
      () => new NexmarkGenerator().events(-1, 5),
      (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
  });
});
