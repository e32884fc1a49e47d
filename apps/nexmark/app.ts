/**
 * The live Nexmark demo: an online auction site's events (persons, auctions, bids) generated at a
 * steady rate, and four pipelines over them — hot items (q5), the highest bid (q7), new sellers (q8)
 * and bidder sessions (q11) — each kept in a view. `npm start` runs it.
 */

import { NexmarkGenerator } from '../../bench/nexmark/generator.ts';
import type { Bid, NexmarkEvent } from '../../bench/nexmark/model.ts';
import { eventTime } from '../../bench/nexmark/queries.ts';
import {
  type App,
  count,
  defineApp,
  hopping,
  jsonCodec,
  type Log,
  maxBy,
  ruleSet,
  type Simulator,
  session,
  type TopK,
  tumbling,
  type WindowResult,
} from '../../src/index.ts';
import type { ViewReader } from '../../src/views/view-store.ts';

const PARTITIONS = 4;

const app: App = defineApp('nexmark', (a) => {
  const events = a.topic<NexmarkEvent>('nexmark-events', {
    partitions: PARTITIONS,
    time: eventTime,
    outOfOrderness: '4s',
    idleTimeout: '10s',
    retention: '1h',
  });
  const bids = () =>
    events
      .stream()
      .filter((e): e is { type: 'bid'; bid: Bid } => e.type === 'bid')
      .map((e) => e.bid);

  a.pipeline('hot-items', () => {
    bids()
      .keyBy((b) => b.auction)
      .window(hopping({ size: '10s', every: '2s' }))
      .aggregate(count())
      .topK(3, { by: (r) => r.value })
      .toView('hot-items');
  });
  a.pipeline('highest-bid', () => {
    bids()
      .keyBy(() => 0)
      .window(tumbling({ size: '10s' }), { emit: { early: '1s' } })
      .aggregate(maxBy((b: Bid) => b.price))
      .toView('highest-bid');
  });
  // Runtime CEP rules over each bidder's bids: `streamsight rules add rule.json --app nexmark` while
  // the demo runs; matches land in `nexmark.alerts` and in one topic per rule.
  const rules = ruleSet(a);
  a.pipeline('bid-rules', () => {
    bids()
      .keyBy((b) => b.bidder)
      .pattern(rules)
      .to(rules.alerts);
  });
  a.pipeline('bidder-sessions', () => {
    bids()
      .keyBy((b) => b.bidder)
      .window(session({ gap: '10s' }))
      .aggregate(count())
      .toView('bidder-sessions');
  });
  a.page({
    id: 'auctions',
    title: 'Auctions',
    widgets: [
      {
        kind: 'tiles',
        view: 'highest-bid',
        title: 'Latest window',
        width: 4,
        orderBy: 'window_start',
        tiles: [
          { label: 'highest bid (cents)', field: 'value_max' },
          { label: 'window start', field: 'window_start', format: 'time' },
        ],
      },
      {
        kind: 'timeseries',
        view: 'highest-bid',
        title: 'Highest bid per 10 s window (cents)',
        width: 8,
        x: 'window_start',
        series: [{ field: 'value_max', label: 'highest bid' }],
        spanMs: 5 * 60_000,
      },
      {
        kind: 'table',
        view: 'hot-items',
        title: 'Hot items (top 3 auctions by bids, 10 s windows every 2 s)',
        width: 6,
        orderBy: 'start',
        limit: 8,
        columns: [
          { field: 'start', label: 'window' },
          { field: 'items', label: 'auction (bids)' },
        ],
      },
      {
        kind: 'bars',
        view: 'bidder-sessions',
        title: 'Busiest bidder sessions (bids per session)',
        width: 6,
        category: 'key',
        value: 'value',
        limit: 10,
      },
      {
        kind: 'donut',
        view: 'bidder-sessions',
        title: 'Bids by bidder (latest sessions)',
        width: 5,
        category: 'key',
        value: 'value',
        limit: 8,
      },
      {
        kind: 'table',
        view: 'bidder-sessions',
        title: 'Recently closed bidder sessions',
        width: 7,
        limit: 12,
        columns: [
          { field: 'key', label: 'bidder' },
          { field: 'window_start', label: 'from' },
          { field: 'window_end', label: 'to' },
          { field: 'value', label: 'bids' },
        ],
      },
    ],
  });
});
export default app;

const time = (ms: number) => new Date(ms).toISOString().slice(11, 19);

/** Status lines for the terminal, read from the views in the store. */
export async function report(read: ViewReader): Promise<string[]> {
  const lines: string[] = [];
  const [hot] = (await read('hot-items', { orderBy: 'start', desc: true, limit: 1 })).rows as unknown as TopK<
    WindowResult<number, number>
  >[];
  if (hot) {
    const items = hot.items.map((i) => `#${i.key} (${i.value} bids)`).join(', ');
    lines.push(`hot items ${time(hot.start)}–${time(hot.end)}: ${items}`);
  }
  const [top] = (await read('highest-bid', { orderBy: 'window_start', desc: true, limit: 1 })).rows as {
    window_start: number;
    window_end: number;
    final: boolean;
    value_max: number;
  }[];
  if (top)
    lines.push(
      `highest bid ${time(top.window_start)}–${time(top.window_end)}${top.final ? '' : ' (so far)'}: $${(top.value_max / 100).toFixed(2)}`,
    );
  const sessions = (await read('bidder-sessions', { limit: 1 })).total;
  lines.push(`bidder sessions closed: ${sessions}`);
  return lines;
}

/**
 * Generates Nexmark events at `rate` events/s with event time = wall time, numbering on from the
 * events already in the log, so a restarted demo continues the same stream.
 */
export const simulators: Simulator[] = [
  {
    name: 'nexmark-events',
    async run(log: Log, { signal, rate = 2000 }) {
      const d = await log.describeTopic('nexmark-events');
      let next = d.partitions.reduce((n, p) => n + p.endOffset, 0);
      const generator = new NexmarkGenerator({
        seed: 1,
        baseTime: Date.now() - (next * 1000) / rate,
        firstEventRate: rate,
      });
      const tickMs = 20;
      let due = Date.now();
      while (!signal.aborted) {
        const batch = [];
        const until = next + Math.max(1, Math.round((rate * tickMs) / 1000));
        for (; next < until; next++) {
          const e = generator.event(next);
          batch.push({
            value: jsonCodec.encode(e),
            timestamp: eventTime(e),
            partition: next % PARTITIONS,
          });
        }
        await log.append('nexmark-events', batch);
        due += tickMs;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    },
  },
];
