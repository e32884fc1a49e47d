/**
 * View upsert throughput: rows/s for DuckDB (appender + merge, and multi-row INSERT … VALUES) and
 * PostgreSQL (COPY + merge, when STREAMSIGHT_POSTGRES_URL is set), in batches of 1k and 10k rows.
 * Half of each batch updates keys already stored, as a view fed by windows does.
 *
 *   node bench/views/upsert.ts [--rows 200000] [--json]
 */

import { parseArgs } from 'node:util';
import { openDuckDbViewStore } from '../../src/views/index.ts';
import type { ViewRow, ViewStore } from '../../src/views/view-store.ts';

const { values } = parseArgs({
  options: { rows: { type: 'string', default: '200000' }, json: { type: 'boolean' } },
});
const total = Number(values.rows);
if (!Number.isInteger(total) || total < 1000) throw new Error('--rows must be an integer >= 1000');

function batchOf(size: number, round: number): ViewRow[] {
  return Array.from({ length: size }, (_, i) => {
    // Half new keys, half keys written in the previous round.
    const k = i % 2 === 0 ? round * size + i : Math.max(0, (round - 1) * size + i);
    return {
      viewKey: `item-${k}@60000`,
      timestamp: 60_000 + round,
      value: {
        key: `item-${k}`,
        start: 60_000,
        end: 120_000,
        value: { n: round, sum: i * 1.5 },
        final: true,
      },
    };
  });
}

async function measure(name: string, store: ViewStore, batch: number): Promise<Record<string, unknown>> {
  const app = `bench-${process.pid}`;
  await store.dropApp(app);
  await store.ensureView({ app, name: 'v' });
  const rounds = Math.max(1, Math.floor(total / batch));
  const batches = Array.from({ length: rounds }, (_, r) => batchOf(batch, r));
  const started = performance.now();
  for (const b of batches) await store.upsert(app, 'v', b);
  const seconds = (performance.now() - started) / 1000;
  const rows = (await store.read(app, 'v', { limit: 1 })).total;
  await store.dropApp(app);
  return {
    store: name,
    batch,
    rowsWritten: rounds * batch,
    rowsStored: rows,
    rowsPerSecond: Math.round((rounds * batch) / seconds),
  };
}

const results: Record<string, unknown>[] = [];
for (const batch of [1000, 10_000]) {
  for (const upsertMethod of ['appender', 'insert'] as const) {
    const store = await openDuckDbViewStore({ path: ':memory:', upsertMethod });
    try {
      results.push(await measure(`duckdb-${upsertMethod}`, store, batch));
    } finally {
      await store.close();
    }
  }
  const url = process.env.STREAMSIGHT_POSTGRES_URL;
  if (url) {
    const { openPostgresViewStore } = await import('../../src/views/postgres-view-store.ts');
    const store = await openPostgresViewStore({ url });
    try {
      results.push(await measure('postgres-copy', store, batch));
    } finally {
      await store.close();
    }
  }
}
if (values.json) process.stdout.write(`${JSON.stringify(results)}\n`);
else
  for (const r of results)
    console.log(
      `${String(r.store).padEnd(16)} batch ${String(r.batch).padStart(6)}  ${r.rowsPerSecond} rows/s`,
    );
