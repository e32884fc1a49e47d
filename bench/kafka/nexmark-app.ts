/**
 * The app `bench/kafka/run.ts` hands to `streamsight worker`: one Nexmark query (SS_BENCH_QUERY) over
 * an `events` topic of SS_BENCH_PARTITIONS partitions, named SS_BENCH_APP so runs never share topics.
 * Its sink counts results and, in rate mode, records end-to-end latencies — the time a result's
 * checkpoint became durable minus the time it was due (event time for stateless queries, window end +
 * the 4 s watermark bound for windowed ones, as in `bench/nexmark/run-query.ts`) — and writes them to
 * SS_BENCH_STATS.<pid>.json when the worker exits.
 */

import { writeFileSync } from 'node:fs';
import type { Sink, SinkRecord } from '../../src/index.ts';
import { nexmarkApp, QUERIES, type QueryName } from '../nexmark/queries.ts';

const query = (process.env.SS_BENCH_QUERY ?? 'q0') as QueryName;
if (!QUERIES.includes(query))
  throw new Error(`SS_BENCH_QUERY=${query}: expected one of ${QUERIES.join(', ')}`);
const WINDOWED = new Set<QueryName>(['q5', 'q7', 'q8', 'q11']);
const BOUND_MS = 4000;
const stats = process.env.SS_BENCH_STATS;
let outputs = 0;
const latencies: number[] = [];
const pending: SinkRecord<unknown>[] = [];

const sink: Sink<unknown> = {
  write(records) {
    outputs += records.length;
    if (stats) for (const r of records) pending.push(r);
  },
  committed() {
    const now = Date.now();
    for (const r of pending)
      latencies.push(now - (WINDOWED.has(query) ? r.timestamp + 1 + BOUND_MS : r.timestamp));
    pending.length = 0;
  },
};
if (stats) {
  process.on('exit', () =>
    writeFileSync(`${stats}.${process.pid}.json`, JSON.stringify({ outputs, latencies })),
  );
}

const name = process.env.SS_BENCH_APP ?? `nexmark-${query}`;
export default nexmarkApp(query, {
  partitions: Number(process.env.SS_BENCH_PARTITIONS ?? 4),
  sink,
  name,
  eventsTopic: `${name}.events`,
});
