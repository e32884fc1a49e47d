/**
 * Meetup RSVP analytics: the seed system of ../shared/reference/seed-systems.md §2 (Storm → Kafka →
 * Spark Streaming → Elasticsearch → Kibana) as one app. RSVPs arrive on the `rsvps` topic (file
 * replay, the WebSocket source, or the synthetic generator), keyed by group id with event time
 * `mtime`. One pipeline turns them into latest-wins changes (latest-wins.ts) and fans out into:
 *
 * - responses per country and for the world per 1-minute window, with running totals;
 * - trending topics (global top n, and the top n per country) over 5-minute windows sliding every 10 s,
 *   counting distinct RSVPs, with a minimum count; rising topics (this minute against the last);
 * - alerts: topic spikes and event surges.
 *
 * Batch reports (reports.ts) are SQL over the archived raw records. The README lists every view and
 * its columns, and the counting semantics.
 */

import {
  type App,
  type Duration,
  defineApp,
  type Log,
  type Simulator,
  StreamsightError,
  tumbling,
  type WindowOptions,
  type WindowResult,
} from '../../src/index.ts';
import type { ViewReader } from '../../src/views/view-store.ts';
import { eventSurges } from './event-surge.ts';
import { RsvpGenerator } from './generator.ts';
import { latestWins } from './latest-wins.ts';
import { type Responses, type RunningTotal, responses, runningTotals } from './responses.ts';
import { type Rsvp, RsvpSchema, rsvpProducerRecord } from './schema.ts';
import { risingTopics, topicSpikes } from './topic-signals.ts';
import { ofKind, topicCounts, topicRankings } from './topic-windows.ts';

export { reportJobs } from './reports.ts';

export const APP_NAME = 'meetup-rsvp';
export const RSVP_TOPIC = 'rsvps';

export interface MeetupOptions {
  /** Partitions of `rsvps` (default 4). */
  partitions?: number;
  /** Watermark lag behind the highest mtime (default 10 s). */
  outOfOrderness?: Duration;
  /** Trending, per-country trending and rising topics show topics with at least this many RSVPs in the window (default 5). */
  trendingMinCount?: number;
  /** Topics in the global top list, and in each country's list, per window (default 10). */
  trendingTop?: number;
  /** Topic spikes: factor over the 10-minute average (default 3) and minimum 1-minute count (default 5). */
  spikeFactor?: number;
  spikeMinCount?: number;
  /** Event surges: yes RSVPs within 5 minutes (default 10). */
  surgeThreshold?: number;
  /** Forget an RSVP this long after its last mtime (default 30 days: the stream re-emits old RSVPs). */
  rsvpTtlMs?: number;
  /** Early (speculative) updates of the 1-minute windows and the running totals (default '1s'). */
  earlyEvery?: Duration | false;
}

const MINUTE = 60_000;
const TRENDING = { size: 5 * MINUTE, every: 10_000 };

function positiveInt(name: string, v: number | undefined, fallback: number, min = 1): number {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || v < min) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `meetup-rsvp: ${name} must be an integer ≥ ${min}`);
  }
  return v;
}

/** Reads options from the environment (worker threads import the module, so env is how they agree). */
export function optionsFromEnv(env: NodeJS.ProcessEnv = process.env): MeetupOptions {
  const num = (name: string): number | undefined => {
    const raw = env[name];
    if (raw === undefined || raw === '') return undefined;
    const n = Number(raw);
    if (!Number.isFinite(n)) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `${name} must be a number, got ${JSON.stringify(raw)}`,
      );
    }
    return n;
  };
  return {
    trendingMinCount: num('STREAMSIGHT_MEETUP_TRENDING_MIN_COUNT'),
    trendingTop: num('STREAMSIGHT_MEETUP_TRENDING_TOP'),
    surgeThreshold: num('STREAMSIGHT_MEETUP_SURGE_THRESHOLD'),
  };
}

/**
 * Builds the app.
 *
 * @example
 * const app = meetupApp({ trendingMinCount: 2 });
 * const running = await runApp(app, { log, bounded: true });
 */
export function meetupApp(options: MeetupOptions = {}): App {
  const minCount = positiveInt('trendingMinCount', options.trendingMinCount, 5);
  const top = positiveInt('trendingTop', options.trendingTop, 10);
  const spikeMin = positiveInt('spikeMinCount', options.spikeMinCount, 5);
  const surge = positiveInt('surgeThreshold', options.surgeThreshold, 10, 2);
  const spikeFactor = options.spikeFactor ?? 3;
  if (!(spikeFactor > 0))
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'meetup-rsvp: spikeFactor must be > 0');
  const ttlMs = positiveInt('rsvpTtlMs', options.rsvpTtlMs, 30 * 86_400_000);
  const early = options.earlyEvery === undefined ? '1s' : options.earlyEvery;
  const windowOptions: WindowOptions = early === false ? {} : { emit: { early } };

  return defineApp(APP_NAME, (a) => {
    const rsvps = a.topic<Rsvp>(RSVP_TOPIC, {
      partitions: options.partitions ?? 4,
      schema: RsvpSchema,
      key: (r) => String(r.group.group_id),
      time: (r) => r.mtime,
      outOfOrderness: options.outOfOrderness ?? '10s',
      idleTimeout: '10s',
      // By size, not age: retention by age counts from each record's own timestamp (its `mtime`), so a
      // replayed capture from 2017 would be deleted before the app read it. The raw archive keeps all.
      retentionBytes: 512 * 1024 * 1024,
      archive: true,
    });
    // Filled by the batch reports (reports.ts), not by a pipeline.
    a.view('group-report');
    a.view('event-report');

    a.pipeline('analytics', () => {
      const changes = rsvps.keyedStream<string>().process(() => latestWins({ windowMs: MINUTE, ttlMs }));

      // Responses per country and for the world, per minute, and the running totals.
      const perCountry = changes
        .keyBy((c) => c.country)
        .window(tumbling({ size: '1m' }), windowOptions)
        .aggregate(responses());
      perCountry.toView('country-minute');
      perCountry.process(() => runningTotals()).toView('country-totals');
      const world = changes
        .keyBy(() => 'world')
        .window(tumbling({ size: '1m' }), windowOptions)
        .aggregate(responses());
      world.toView('world-minute');
      world.process(() => runningTotals()).toView('world-totals');

      // Distinct RSVPs per topic and (country, topic) over the sliding windows and per minute: counted
      // per partition where the RSVPs are, then summed and ranked in one task (topic-windows.ts).
      const rankings = changes
        .process(() => topicCounts({ sizeMs: TRENDING.size, everyMs: TRENDING.every, minuteMs: MINUTE }))
        .keyBy(() => 'topics')
        .process(() => topicRankings({ top, minCount, sizeMs: TRENDING.size, minuteMs: MINUTE }));
      rankings
        .filter(ofKind('trending'))
        .map((s) => s.result)
        .toView('trending-topics');
      rankings
        .filter(ofKind('country'))
        .map((s) => s.result)
        .toView('country-trending');

      // Per topic and minute: rising topics (this minute against the one before) and spikes (over
      // 3x the 10-minute average).
      const perTopicMinute = rankings
        .filter(ofKind('minute'))
        .map((s) => s.result)
        .keyBy((r) => r.key);
      perTopicMinute.process(() => risingTopics({ sizeMs: MINUTE, minCount })).toView('rising-topics');
      perTopicMinute.process(() => topicSpikes({ factor: spikeFactor, minCount: spikeMin })).toView('alerts');
      changes.process(() => eventSurges({ threshold: surge, withinMs: 5 * MINUTE })).toView('alerts');
    });

    a.page({
      id: 'meetup-rsvp',
      title: 'Meetup RSVPs',
      widgets: [
        {
          kind: 'tiles',
          view: 'world-totals',
          title: 'Running totals',
          width: 12,
          tiles: [
            { label: 'yes', field: 'yes' },
            { label: 'no', field: 'no' },
            { label: 'guests', field: 'guests' },
            { label: 'attendees', field: 'attendees' },
          ],
        },
        {
          kind: 'worldmap',
          view: 'country-totals',
          title: 'Attendees by country',
          width: 7,
          country: 'country',
          value: 'attendees',
        },
        {
          kind: 'bars',
          view: 'country-totals',
          title: 'Top countries by attendees',
          width: 5,
          category: 'country',
          value: 'attendees',
          limit: 10,
        },
        {
          kind: 'timeseries',
          view: 'world-minute',
          title: 'Yes / no per minute',
          width: 12,
          x: 'window_start',
          series: [
            { field: 'value_yes', label: 'yes' },
            { field: 'value_no', label: 'no' },
          ],
          spanMs: 60 * MINUTE,
        },
        {
          kind: 'table',
          view: 'trending-topics',
          title: 'Trending topics (5 min)',
          width: 4,
          latestWindow: true,
          orderBy: 'value_count',
          desc: true,
          limit: 10,
          columns: [
            { field: 'key', label: 'topic', format: 'text' },
            { field: 'value_count', label: 'RSVPs' },
          ],
        },
        {
          kind: 'table',
          view: 'country-trending',
          title: 'Trending topics by country (5 min)',
          width: 4,
          latestWindow: true,
          orderBy: 'value_count',
          desc: true,
          limit: 15,
          columns: [
            { field: 'value_country', label: 'country', format: 'text' },
            { field: 'value_topic', label: 'topic', format: 'text' },
            { field: 'value_count', label: 'RSVPs' },
          ],
        },
        {
          kind: 'table',
          view: 'rising-topics',
          title: 'Rising topics (this minute vs the last)',
          width: 4,
          latestWindow: true,
          orderBy: 'value_growth',
          desc: true,
          limit: 10,
          columns: [
            { field: 'key', label: 'topic', format: 'text' },
            { field: 'value_count', label: 'now' },
            { field: 'value_previous', label: 'before' },
          ],
        },
        {
          kind: 'table',
          view: 'alerts',
          title: 'Alerts',
          width: 12,
          orderBy: 'window_end',
          desc: true,
          limit: 20,
          columns: [
            { field: 'window_end', label: 'at', format: 'time' },
            { field: 'value_kind', label: 'kind', format: 'text' },
            { field: 'value_message', label: 'alert', format: 'text' },
          ],
        },
        {
          kind: 'table',
          view: 'group-report',
          title: 'Groups today (batch)',
          width: 7,
          orderBy: 'attendees',
          desc: true,
          limit: 15,
          columns: [
            { field: 'group_name', label: 'group', format: 'text' },
            { field: 'group_country', label: 'country', format: 'text' },
            { field: 'members', label: 'members' },
            { field: 'events', label: 'events' },
            { field: 'attendees', label: 'attendees' },
          ],
        },
        {
          kind: 'table',
          view: 'event-report',
          title: 'Events today (batch)',
          width: 5,
          orderBy: 'attendees',
          desc: true,
          limit: 15,
          columns: [
            { field: 'event_name', label: 'event', format: 'text' },
            { field: 'responses', label: 'responses' },
            { field: 'yes', label: 'yes' },
            { field: 'attendees', label: 'attendees' },
          ],
        },
      ],
    });
  });
}

const app: App = meetupApp(optionsFromEnv());
export default app;

/** How `streamsight replay` reads a capture: JSON lines, keyed by group, event time `mtime`. */
export const replay = { topic: RSVP_TOPIC, format: 'jsonl', key: 'group.group_id', time: 'mtime' } as const;

/** Status lines for the terminal, read from the views in the store. */
export async function report(read: ViewReader): Promise<string[]> {
  const lines: string[] = [];
  const [w] = (await read('world-totals', { limit: 1 })).rows as unknown as RunningTotal[];
  if (w) lines.push(`totals: ${w.yes} yes, ${w.no} no, ${w.guests} guests, ${w.attendees} attendees`);
  const [latest] = (await read('trending-topics', { orderBy: 'window_start', desc: true, limit: 1 })).rows;
  if (latest) {
    const now = (
      await read('trending-topics', {
        where: { window_start: latest.window_start as number },
        orderBy: 'value_rank',
        limit: 5,
      })
    ).rows;
    lines.push(`trending: ${now.map((t) => `${t.key} (${t.value_count})`).join(', ')}`);
  }
  const alerts = (await read('alerts', { limit: 1 })).total;
  if (alerts > 0) lines.push(`alerts: ${alerts}`);
  return lines;
}

/** Per-minute responses, for callers that read the in-memory views. */
export type CountryMinute = WindowResult<string, Responses>;

/**
 * The synthetic RSVP stream at `rate` RSVPs/s (default 50) with mtime = wall time, numbering on
 * from the records already in the log, so a restarted demo continues its stream.
 */
export const simulators: Simulator[] = [
  {
    name: 'meetup-rsvps',
    async run(log: Log, { signal, rate = 50 }) {
      const d = await log.describeTopic(RSVP_TOPIC);
      const already = d.partitions.reduce((n, p) => n + p.endOffset, 0);
      const generator = new RsvpGenerator({
        seed: already + 1,
        rate,
        startTime: Date.now(),
        firstRsvpId: 1_000_000_000 + already,
      });
      const tickMs = 100;
      let due = Date.now();
      while (!signal.aborted) {
        const batch = [];
        const n = Math.max(1, Math.round((rate * tickMs) / 1000));
        for (let i = 0; i < n; i++) {
          const { rsvp, json } = generator.next();
          batch.push(rsvpProducerRecord(rsvp, json));
        }
        await log.append(RSVP_TOPIC, batch);
        due += tickMs;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
    },
  },
];
