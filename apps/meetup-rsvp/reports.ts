/**
 * Batch reports: per-group and per-event daily statistics, by SQL over the raw RSVPs archived from the
 * `rsvps` topic (`meetup_rsvp.rsvps_archive`: partition, "offset", timestamp, key, value JSON). The
 * SQL is portable between DuckDB (embedded) and PostgreSQL (scaled out): JSON with `->`/`->>`, casts,
 * `row_number()`, and days as epoch ms (`mtime - mtime % 86400000`) instead of dialect date functions.
 *
 * Semantics, the same as the live pipeline's running totals: latest wins per `rsvp_id` — the row
 * that arrived last (greatest offset; all versions of an RSVP share a partition because records are
 * keyed by group) — and that version's `mtime` picks the UTC day. Per group or event and day: members
 * and events are exact distinct counts (the seed counted rows), responses = RSVPs, yes, no, guests of
 * yes RSVPs, attendees = yes × (1 + guests).
 *
 * On demand: run `GROUP_REPORT_SQL` or `EVENT_REPORT_SQL` through the query API
 * (`streamsight query --app meetup-rsvp "..."`, `POST /api/v1/query`). Scheduled: `runReports` runs
 * both and upserts their rows into the views `group-report` and `event-report` (view key
 * `<day>|<id>`), which the dashboard's tables read; `reportJobs` says how often (see app README).
 */

import { StreamsightError } from '../../src/errors/index.ts';
import type { ViewRow, ViewStore } from '../../src/views/view-store.ts';

const LATEST = `
  WITH ranked AS (
    SELECT value, row_number() OVER (
      PARTITION BY value->>'rsvp_id'
      ORDER BY "offset" DESC, CAST(value->>'mtime' AS BIGINT) DESC, partition DESC) AS rn
    FROM meetup_rsvp.rsvps_archive
  ),
  latest AS (
    SELECT
      CAST(value->>'rsvp_id' AS BIGINT) AS rsvp_id,
      CAST(value->>'mtime' AS BIGINT) AS mtime,
      CASE WHEN value->>'response' = 'yes' THEN 1 ELSE 0 END AS yes,
      CAST(value->>'guests' AS BIGINT) AS guests,
      CAST(value->'member'->>'member_id' AS BIGINT) AS member_id,
      value->'event'->>'event_id' AS event_id,
      value->'event'->>'event_name' AS event_name,
      CAST(value->'event'->>'time' AS BIGINT) AS event_time,
      CAST(value->'group'->>'group_id' AS BIGINT) AS group_id,
      value->'group'->>'group_name' AS group_name,
      value->'group'->>'group_city' AS group_city,
      lower(value->'group'->>'group_country') AS group_country,
      CAST(value->'group'->>'group_lat' AS DOUBLE PRECISION) AS group_lat,
      CAST(value->'group'->>'group_lon' AS DOUBLE PRECISION) AS group_lon
    FROM ranked WHERE rn = 1
  ),
  r AS (SELECT *, mtime - mtime % 86400000 AS day FROM latest)`;

const COUNTS = `
    COUNT(DISTINCT member_id) AS members,
    COUNT(*) AS responses,
    SUM(yes) AS yes,
    SUM(1 - yes) AS no,
    SUM(yes * guests) AS guests,
    SUM(yes * (1 + guests)) AS attendees`;

/** Per group and UTC day (epoch ms): members, events, responses, yes, no, guests, attendees. */
export const GROUP_REPORT_SQL = `${LATEST}
  SELECT day, group_id, MAX(group_name) AS group_name, MAX(group_city) AS group_city,
    MAX(group_country) AS group_country, MAX(group_lat) AS group_lat, MAX(group_lon) AS group_lon,
    COUNT(DISTINCT event_id) AS events,${COUNTS}
  FROM r GROUP BY day, group_id ORDER BY day, attendees DESC, group_id`;

/** Per event and UTC day (epoch ms): members, responses, yes, no, guests, attendees. */
export const EVENT_REPORT_SQL = `${LATEST}
  SELECT day, event_id, MAX(event_name) AS event_name, MAX(event_time) AS event_time,
    MAX(group_id) AS group_id, MAX(group_name) AS group_name, MAX(group_country) AS group_country,${COUNTS}
  FROM r GROUP BY day, event_id ORDER BY day, attendees DESC, event_id`;

export interface ReportCounts {
  groups: number;
  events: number;
}

const NUMERIC = new Set([
  'day',
  'group_id',
  'event_time',
  'group_lat',
  'group_lon',
  'members',
  'events',
  'responses',
  'yes',
  'no',
  'guests',
  'attendees',
]);

/** BIGINT and HUGEINT come back as bigint (DuckDB) or text (pg); views store plain numbers. */
function plain(row: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(row)) out[k] = NUMERIC.has(k) && v !== null ? Number(v) : v;
  return out;
}

/**
 * Runs both reports on `store` and upserts their rows into the `group-report` and `event-report`
 * views of `app` (default 'meetup-rsvp').
 *
 * @example
 * const store = await openDuckDbViewStore({ path: '.streamsight/views.duckdb' });
 * await runReports(store); // then: SELECT * FROM group_report ORDER BY attendees DESC
 */
export async function runReports(
  store: ViewStore,
  options: { app?: string; now?: number; timeoutMs?: number } = {},
): Promise<ReportCounts> {
  const app = options.app ?? 'meetup-rsvp';
  const now = options.now ?? Date.now();
  const counts: ReportCounts = { groups: 0, events: 0 };
  for (const [view, sql, id, field] of [
    ['group-report', GROUP_REPORT_SQL, 'group_id', 'groups'],
    ['event-report', EVENT_REPORT_SQL, 'event_id', 'events'],
  ] as const) {
    const result = await store.query(sql, {
      app,
      maxRows: 1_000_000,
      timeoutMs: options.timeoutMs ?? 60_000,
    });
    if (result.truncated) {
      throw new StreamsightError(
        'SS_ERR_QUERY_REJECTED',
        `${view}: more than 1,000,000 rows; report fewer days`,
      );
    }
    await store.ensureView({ app, name: view });
    const rows: ViewRow[] = result.rows.map((row) => {
      const value = plain(row);
      return { viewKey: `${value.day}|${value[id]}`, timestamp: now, value };
    });
    for (let i = 0; i < rows.length; i += 5000) await store.upsert(app, view, rows.slice(i, i + 5000));
    counts[field] = rows.length;
  }
  return counts;
}

/**
 * Scheduled batch jobs of the app, for the runtime that owns the view store (`streamsight run`,
 * `streamsight replay`): run `job(store)` every `everyMs` of processing time, and once when a replay
 * ends. Idempotent, so an overlapping or repeated run only rewrites the same rows.
 */
export const reportJobs = [
  { name: 'daily-reports', everyMs: 60_000, run: (store: ViewStore) => runReports(store) },
];
