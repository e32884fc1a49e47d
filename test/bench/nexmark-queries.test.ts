/**
 * Each Nexmark query, run by the engine over a small generated stream (2 partitions, so repartitions
 * and watermark merging take part), against a plain computation of the same query.
 */

import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NexmarkGenerator } from '../../bench/nexmark/generator.ts';
import type { Bid, NexmarkEvent } from '../../bench/nexmark/model.ts';
import { eventTime, nexmarkApp, type QueryName } from '../../bench/nexmark/queries.ts';
import { createAppTopics, jsonCodec, runApp, type TopK, type WindowResult } from '../../src/index.ts';
import { type TempLog, tempLog } from '../helpers/temp-log.ts';

const EVENTS = 40_000; // 20 s of event time at 2,000 events/s
const events: NexmarkEvent[] = [
  ...new NexmarkGenerator({ seed: 3, padExtra: false, firstEventRate: 2_000 }).events(0, EVENTS),
];
const bids = events.filter((e) => e.type === 'bid').map((e) => e.bid);
const persons = events.filter((e) => e.type === 'person').map((e) => e.person);
const auctions = events.filter((e) => e.type === 'auction').map((e) => e.auction);

let t: TempLog;
before(async () => {
  t = await tempLog();
});
after(async () => {
  await t.cleanup();
});

async function run(q: QueryName): Promise<unknown[]> {
  const out: unknown[] = [];
  const app = nexmarkApp(q, {
    partitions: 2,
    sink: { write: (records) => void out.push(...records.map((r) => r.value)) },
  });
  await createAppTopics(app, t.log);
  await t.log.append(
    'events',
    events.map((e, i) => ({ value: jsonCodec.encode(e), timestamp: eventTime(e), partition: i % 2 })),
  );
  const running = await runApp(app, { log: t.log, bounded: true });
  await running.done;
  await t.log.deleteTopic('events');
  return out;
}

const sorted = <T>(xs: T[]): string[] => xs.map((x) => JSON.stringify(x)).sort();
const floorTo = (t: number, step: number) => t - (t % step);

describe('Nexmark queries match a plain computation', { timeout: 120_000 }, () => {
  it('q0 passes every bid through', async () => {
    assert.deepEqual(sorted(await run('q0')), sorted(bids));
  });

  it('q1 converts prices to euros', async () => {
    const expected = bids.map((b) => ({
      auction: b.auction,
      bidder: b.bidder,
      price: Math.floor(b.price * 0.908),
      dateTime: b.dateTime,
    }));
    assert.deepEqual(sorted(await run('q1')), sorted(expected));
  });

  it('q2 selects auctions divisible by 123', async () => {
    const expected = bids
      .filter((b) => b.auction % 123 === 0)
      .map((b) => ({ auction: b.auction, price: b.price }));
    assert.ok(expected.length > 0);
    assert.deepEqual(sorted(await run('q2')), sorted(expected));
  });

  it('q3 joins category-10 auctions with sellers in OR, ID, CA', async () => {
    const sellers = new Map(
      persons.filter((p) => ['OR', 'ID', 'CA'].includes(p.state)).map((p) => [p.id, p]),
    );
    const expected = auctions
      .filter((a) => a.category === 10 && sellers.has(a.seller))
      .map((a) => {
        const p = sellers.get(a.seller)!;
        return { name: p.name, city: p.city, state: p.state, id: a.id };
      });
    assert.ok(expected.length > 10);
    assert.deepEqual(sorted(await run('q3')), sorted(expected));
  });

  it('q5 finds the hottest auctions per 10 s window sliding by 2 s', async () => {
    const windows = new Map<number, Map<number, number>>();
    for (const b of bids) {
      for (let start = floorTo(b.dateTime, 2000) - 8000; start <= b.dateTime; start += 2000) {
        if (b.dateTime >= start + 10_000) continue;
        const counts = windows.get(start) ?? new Map<number, number>();
        counts.set(b.auction, (counts.get(b.auction) ?? 0) + 1);
        windows.set(start, counts);
      }
    }
    const expected = [...windows].map(([start, counts]) => {
      const top = Math.max(...counts.values());
      const hot = [...counts]
        .filter(([, n]) => n === top)
        .map(([a]) => a)
        .sort((a, b) => a - b);
      return { start, hot, top };
    });
    const actual = (await run('q5')).map((r) => {
      const w = r as TopK<WindowResult<number, number>>;
      return { start: w.start, hot: w.items.map((i) => i.key).sort((a, b) => a - b), top: w.items[0].value };
    });
    assert.deepEqual(sorted(actual), sorted(expected));
  });

  it('q7 finds the highest bids per 10 s window', async () => {
    const windows = new Map<number, Bid[]>();
    for (const b of bids) {
      const start = floorTo(b.dateTime, 10_000);
      const best = windows.get(start);
      if (!best || b.price > best[0].price) windows.set(start, [b]);
      else if (b.price === best[0].price) best.push(b);
    }
    const expected = [...windows].map(([start, best]) => ({
      start,
      price: best[0].price,
      bids: sorted(best),
    }));
    const actual = (await run('q7')).map((r) => {
      const w = r as WindowResult<number, { max: number; items: Bid[] }>;
      return { start: w.start, price: w.value.max, bids: sorted(w.value.items) };
    });
    assert.deepEqual(sorted(actual), sorted(expected));
  });

  it('q8 finds persons who opened an auction in the window they registered in', async () => {
    const sellersByWindow = new Set(auctions.map((a) => `${a.seller}@${floorTo(a.dateTime, 10_000)}`));
    const expected = persons
      .filter((p) => sellersByWindow.has(`${p.id}@${floorTo(p.dateTime, 10_000)}`))
      .map((p) => ({ id: p.id, name: p.name, start: floorTo(p.dateTime, 10_000) }));
    assert.ok(expected.length > 0);
    assert.deepEqual(sorted(await run('q8')), sorted(expected));
  });

  it('q11 counts bids per bidder session (10 s gap)', async () => {
    const byBidder = new Map<number, number[]>();
    for (const b of bids) byBidder.set(b.bidder, [...(byBidder.get(b.bidder) ?? []), b.dateTime]);
    const expected: unknown[] = [];
    for (const [bidder, times] of byBidder) {
      times.sort((a, b) => a - b);
      let start = times[0];
      let last = times[0];
      let n = 1;
      for (const ts of times.slice(1)) {
        if (ts < last + 10_000) {
          last = ts;
          n++;
          continue;
        }
        expected.push({ bidder, bids: n, start, end: last + 10_000 });
        start = last = ts;
        n = 1;
      }
      expected.push({ bidder, bids: n, start, end: last + 10_000 });
    }
    assert.deepEqual(sorted(await run('q11')), sorted(expected));
  });
});
