/**
 * The ViewStore contract on the embedded DuckDB store, plus what only a file-backed store shows:
 * rows survive a reopen, and a read-only open serves reads and SQL but refuses writes.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { openDuckDbViewStore } from '../../src/views/index.ts';
import { viewStoreContract } from './view-store-contract.ts';

viewStoreContract(
  'duckdb',
  {
    slowSql: 'SELECT count(*) FROM range(100000000000) a, range(10) b',
    fileSql: "SELECT * FROM read_csv('/etc/passwd')",
  },
  async () => {
    const store = await openDuckDbViewStore({ path: ':memory:' });
    return { store, cleanup: () => store.close() };
  },
);

describe('DuckDB view store file', () => {
  it('keeps rows across a reopen and opens read-only', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamsight-views-'));
    const path = join(dir, 'nested', 'views.duckdb');
    try {
      const store = await openDuckDbViewStore({ path });
      await store.ensureView({ app: 'shop', name: 'revenue' });
      await store.upsert('shop', 'revenue', [{ viewKey: 'alice', timestamp: 5, value: { total: 42 } }]);
      await store.close();
      await store.close();

      const ro = await openDuckDbViewStore({ path, readOnly: true });
      try {
        assert.deepEqual((await ro.read('shop', 'revenue')).rows, [
          { view_key: 'alice', updated_at: 5, total: 42 },
        ]);
        assert.deepEqual((await ro.query('SELECT total FROM revenue', { app: 'shop' })).rows, [
          { total: 42 },
        ]);
        await assert.rejects(
          ro.upsert('shop', 'revenue', [{ viewKey: 'bob', timestamp: 6, value: { total: 1 } }]),
          (err) => isStreamsightError(err, 'SS_ERR_STORAGE'),
        );
      } finally {
        await ro.close();
      }
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('writes the same rows with either upsert method', async () => {
    const results = [];
    for (const upsertMethod of ['appender', 'insert'] as const) {
      const store = await openDuckDbViewStore({ path: ':memory:', upsertMethod });
      try {
        await store.ensureView({ app: 'a', name: 'v' });
        const rows = Array.from({ length: 3000 }, (_, i) => ({
          viewKey: `k${i % 1000}`,
          timestamp: i,
          value: { n: i, s: `x${i}`, b: i % 2 === 0, tags: [i] },
        }));
        await store.upsert('a', 'v', rows);
        await store.upsert('a', 'v', rows.slice(0, 500));
        results.push((await store.read('a', 'v', { limit: 10_000 })).rows);
      } finally {
        await store.close();
      }
    }
    assert.equal(results[0].length, 1000);
    assert.deepEqual(results[0], results[1]);
  });

  it('rejects bad options', async () => {
    await assert.rejects(openDuckDbViewStore({ path: '' }), (err) =>
      isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
    await assert.rejects(openDuckDbViewStore({ path: ':memory:', upsertMethod: 'x' as never }), (err) =>
      isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
  });
});
