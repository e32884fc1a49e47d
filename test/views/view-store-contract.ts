/**
 * The contract every `ViewStore` passes: DuckDB (embedded) and PostgreSQL. It talks to the store
 * through the interface only; every case uses an app name unique to the run and drops it afterwards,
 * so a shared PostgreSQL works as well as a temp file.
 *
 * @example
 * viewStoreContract('duckdb', { slowSql: 'SELECT count(*) FROM range(100000000000)' }, async () => {
 *   const store = await openDuckDbViewStore({ path: ':memory:' });
 *   return { store, cleanup: () => store.close() };
 * });
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { describe, it } from 'node:test';
import { type ErrorCode, isStreamsightError } from '../../src/errors/index.ts';
import type { LogRecord } from '../../src/log/index.ts';
import type { ViewRow, ViewStore } from '../../src/views/index.ts';

export interface ViewStoreUnderTest {
  store: ViewStore;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /** A read-only statement that runs for seconds (for the timeout case). */
  slowSql: string;
  /** A statement reading a server file, which the store must refuse. */
  fileSql: string;
}

let unique = 0;
const appName = () => `vt-${process.pid}-${Date.now() % 100000}-${unique++}`;

async function rejects(p: Promise<unknown>, codes: ErrorCode[]): Promise<void> {
  await assert.rejects(p, (err) => {
    assert.ok(isStreamsightError(err), `expected a StreamsightError, got ${String(err)}`);
    assert.ok(codes.includes(err.code), `expected ${codes.join(' or ')}, got ${err.code}: ${err.message}`);
    return true;
  });
}

const encoder = new TextEncoder();

function record(partition: number, offset: number, value: string, key: string | null = null): LogRecord {
  return {
    topic: 'clicks',
    partition,
    offset,
    key: key === null ? null : encoder.encode(key),
    value: encoder.encode(value),
    timestamp: 1000 + offset,
    headers: { source: 'test' },
  };
}

export function viewStoreContract(
  name: string,
  options: ContractOptions,
  open: () => Promise<ViewStoreUnderTest>,
): void {
  describe(`ViewStore contract: ${name}`, () => {
    /** Runs `body` with a fresh store and app; drops the app and closes the store afterwards. */
    async function withStore(body: (store: ViewStore, app: string) => Promise<void>): Promise<void> {
      const { store, cleanup } = await open();
      const app = appName();
      try {
        await body(store, app);
      } finally {
        await store.dropApp(app).catch(() => {});
        await cleanup();
      }
    }

    it('ensureView is idempotent and listViews describes the view', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'hot-items' });
        await store.ensureView({ app, name: 'hot-items' });
        await store.upsert(app, 'hot-items', [{ viewKey: 'a', timestamp: 5, value: { n: 1, label: 'x' } }]);
        const views = await store.listViews(app);
        assert.equal(views.length, 1);
        assert.equal(views[0].name, 'hot-items');
        assert.equal(views[0].rows, 1);
        assert.match(views[0].table, /\.hot_items$/);
        assert.deepEqual(
          views[0].columns.map((c) => [c.name, c.type]),
          [
            ['view_key', 'text'],
            ['updated_at', 'bigint'],
            ['n', 'double'],
            ['label', 'text'],
          ],
        );
      }));

    it('replaying the same upserts never double counts', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'counts' });
        const batch: ViewRow[] = Array.from({ length: 50 }, (_, i) => ({
          viewKey: `k${i}`,
          timestamp: 1000 + i,
          value: { count: i },
        }));
        await store.upsert(app, 'counts', batch);
        const first = await store.read(app, 'counts', { limit: 1000 });
        await store.upsert(app, 'counts', batch);
        await store.upsert(app, 'counts', batch.slice(10, 20));
        const again = await store.read(app, 'counts', { limit: 1000 });
        assert.equal(again.total, 50);
        assert.deepEqual(again.rows, first.rows);
        const sum = await store.query('SELECT sum(count) AS s, count(*) AS n FROM counts', { app });
        assert.deepEqual(sum.rows, [{ s: 1225, n: 50 }]);
      }));

    it('the latest upsert wins, within a batch and across batches, replacing the whole row', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'latest' });
        await store.upsert(app, 'latest', [
          { viewKey: 'a', timestamp: 1, value: { n: 1, note: 'first' } },
          { viewKey: 'a', timestamp: 2, value: { n: 2, note: 'second' } },
          { viewKey: 'b', timestamp: 1, value: { n: 10, note: 'b' } },
        ]);
        let page = await store.read(app, 'latest');
        assert.deepEqual(
          page.rows.map((r) => [r.view_key, r.updated_at, r.n, r.note]),
          [
            ['a', 2, 2, 'second'],
            ['b', 1, 10, 'b'],
          ],
        );
        await store.upsert(app, 'latest', [{ viewKey: 'a', timestamp: 3, value: { n: 3 } }]);
        page = await store.read(app, 'latest', { where: { view_key: 'a' } });
        assert.deepEqual(page.rows, [{ view_key: 'a', updated_at: 3, n: 3, note: null }]);
      }));

    it('window results are keyed by key and window start and flattened', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'per-minute' });
        const w = (key: string, start: number, n: number, sum: number) => ({
          viewKey: `${key}@${start}`,
          timestamp: start + 59_000,
          value: { key, start, end: start + 60_000, value: { n, sum }, final: true },
        });
        await store.upsert(app, 'per-minute', [w('x', 0, 1, 5), w('x', 60_000, 2, 7), w('y', 0, 3, 9)]);
        await store.upsert(app, 'per-minute', [w('x', 0, 4, 8)]); // a late update of the first window
        const page = await store.read(app, 'per-minute', { orderBy: 'window_start' });
        assert.deepEqual(
          page.rows.map((r) => [
            r.view_key,
            r.key,
            r.window_start,
            r.window_end,
            r.value_n,
            r.value_sum,
            r.final,
          ]),
          [
            ['x@0', 'x', 0, 60_000, 4, 8, true],
            ['y@0', 'y', 0, 60_000, 3, 9, true],
            ['x@60000', 'x', 60_000, 120_000, 2, 7, true],
          ],
        );
        const cols = new Map(page.columns.map((c) => [c.name, c.type]));
        assert.equal(cols.get('window_start'), 'bigint');
        assert.equal(cols.get('window_end'), 'bigint');
        assert.equal(cols.get('final'), 'boolean');
        // from/to select on the window start for windowed views.
        const later = await store.read(app, 'per-minute', { from: 60_000, to: 120_000 });
        assert.deepEqual(
          later.rows.map((r) => r.view_key),
          ['x@60000'],
        );
      }));

    it('a field seen later adds a column; nested values are stored as JSON', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'evolving' });
        await store.upsert(app, 'evolving', [{ viewKey: 'a', timestamp: 1, value: { n: 1 } }]);
        await store.upsert(app, 'evolving', [
          {
            viewKey: 'b',
            timestamp: 2,
            value: { n: 2, tags: ['x', 'y'], geo: { lat: 1.5, deep: { z: 1 } } },
          },
        ]);
        const page = await store.read(app, 'evolving');
        const cols = new Map(page.columns.map((c) => [c.name, c.type]));
        assert.equal(cols.get('tags'), 'json');
        assert.equal(cols.get('geo_lat'), 'double');
        assert.equal(cols.get('geo_deep'), 'json');
        assert.deepEqual(page.rows[0], {
          view_key: 'a',
          updated_at: 1,
          n: 1,
          tags: null,
          geo_lat: null,
          geo_deep: null,
        });
        assert.deepEqual(page.rows[1], {
          view_key: 'b',
          updated_at: 2,
          n: 2,
          tags: ['x', 'y'],
          geo_lat: 1.5,
          geo_deep: { z: 1 },
        });
        // A scalar value is one column `value`.
        await store.ensureView({ app, name: 'scalar' });
        await store.upsert(app, 'scalar', [{ viewKey: 'k', timestamp: 1, value: 42 }]);
        assert.deepEqual((await store.read(app, 'scalar')).rows, [
          { view_key: 'k', updated_at: 1, value: 42 },
        ]);
      }));

    it('a read racing the upsert that adds columns still knows them afterwards', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'raced' });
        // Neither awaited: the read looks the view up while the upsert is adding its columns.
        const wrote = store.upsert(app, 'raced', [{ viewKey: 'a', timestamp: 1, value: { amount: 5 } }]);
        const early = store.read(app, 'raced');
        await Promise.all([wrote, early]);
        const page = await store.read(app, 'raced', { orderBy: 'amount', where: { amount: 5 } });
        assert.deepEqual(
          page.rows.map((r) => [r.view_key, r.amount]),
          [['a', 5]],
        );
      }));

    it('reads page, filter and order on known columns', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'paged' });
        await store.upsert(
          app,
          'paged',
          Array.from({ length: 25 }, (_, i) => ({
            viewKey: `k${String(i).padStart(2, '0')}`,
            timestamp: i * 10,
            value: { n: i, group: i % 2 === 0 ? 'even' : 'odd', big: i > 20 },
          })),
        );
        const p = await store.read(app, 'paged', { orderBy: 'n', desc: true, limit: 5, offset: 5 });
        assert.equal(p.total, 25);
        assert.deepEqual(
          p.rows.map((r) => r.n),
          [19, 18, 17, 16, 15],
        );
        const odd = await store.read(app, 'paged', { where: { group: 'odd', big: true }, limit: 10 });
        assert.deepEqual(
          odd.rows.map((r) => r.n),
          [21, 23],
        );
        assert.equal(odd.total, 2);
        const ranged = await store.read(app, 'paged', { from: 50, to: 100 });
        assert.deepEqual(
          ranged.rows.map((r) => r.n),
          [5, 6, 7, 8, 9],
        );
        const num = await store.read(app, 'paged', { where: { n: 3 } });
        assert.deepEqual(
          num.rows.map((r) => r.view_key),
          ['k03'],
        );
      }));

    it('bad reads fail with SS_ERR_INVALID_QUERY and unknown views with SS_ERR_VIEW_NOT_FOUND', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'v' });
        await store.upsert(app, 'v', [{ viewKey: 'a', timestamp: 1, value: { n: 1 } }]);
        await rejects(store.read(app, 'v', { where: { nope: 1 } }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { where: { 'n; DROP TABLE v': 1 } }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { orderBy: 'n DESC; DROP TABLE v' }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { limit: 0 }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { limit: 10_001 }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { offset: -1 }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { from: Number.NaN }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'v', { where: { n: { $gt: 1 } as never } }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.read(app, 'missing'), ['SS_ERR_VIEW_NOT_FOUND']);
        await rejects(store.upsert(app, 'missing', [{ viewKey: 'a', timestamp: 1, value: 1 }]), [
          'SS_ERR_VIEW_NOT_FOUND',
        ]);
        await rejects(store.upsert(app, 'v', [{ viewKey: 7 as never, timestamp: 1, value: 1 }]), [
          'SS_ERR_INVALID_OPTION',
        ]);
        await rejects(store.ensureView({ app, name: 'bad name!' }), ['SS_ERR_INVALID_OPTION']);
        assert.equal((await store.read(app, 'v')).total, 1);
      }));

    it('archives records idempotently by partition and offset', () =>
      withStore(async (store, app) => {
        await store.ensureArchive(app, 'clicks');
        await store.ensureArchive(app, 'clicks');
        const batch = [
          record(0, 0, '{"page":"/a","ms":3}', 'u1'),
          record(0, 1, 'not json'),
          record(1, 0, '{"page":"/b"}', 'u2'),
        ];
        await store.archive(app, 'clicks', batch);
        await store.archive(app, 'clicks', batch); // a replay after a crash before the offset commit
        await store.archive(app, 'clicks', [record(0, 1, 'not json'), record(0, 2, '[1,2]')]);
        const r = await store.query(
          'SELECT partition, "offset", timestamp, key, value, headers FROM clicks_archive ORDER BY partition, "offset"',
          { app },
        );
        assert.equal(r.rows.length, 4);
        assert.deepEqual(
          r.rows.map((x) => [x.partition, x.offset, x.timestamp, x.key, x.value]),
          [
            [0, 0, 1000, 'u1', { page: '/a', ms: 3 }],
            [0, 1, 1001, null, 'not json'],
            [0, 2, 1002, null, [1, 2]],
            [1, 0, 1000, 'u2', { page: '/b' }],
          ],
        );
        assert.deepEqual(r.rows[0].headers, { source: 'test' });
        assert.equal(r.columns.find((c) => c.name === 'value')?.type, 'json');
        await rejects(store.archive(app, 'other', batch), ['SS_ERR_VIEW_NOT_FOUND']);
      }));

    it('retention deletes rows not updated within the view retention', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'recent', retentionMs: 1000 });
        await store.ensureView({ app, name: 'forever' });
        const rows = [
          { viewKey: 'old', timestamp: 1_000, value: { n: 1 } },
          { viewKey: 'new', timestamp: 9_500, value: { n: 2 } },
        ];
        await store.upsert(app, 'recent', rows);
        await store.upsert(app, 'forever', rows);
        await store.enforceRetention(10_000);
        assert.deepEqual(
          (await store.read(app, 'recent')).rows.map((r) => r.view_key),
          ['new'],
        );
        assert.equal((await store.read(app, 'forever')).total, 2);
        await rejects(store.ensureView({ app, name: 'neg', retentionMs: -1 }), ['SS_ERR_INVALID_OPTION']);
      }));

    it('runs read-only SQL with parameters, in the app schema', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'people' });
        await store.upsert(app, 'people', [
          { viewKey: 'a', timestamp: 1, value: { age: 30, name: 'Ann' } },
          { viewKey: 'b', timestamp: 2, value: { age: 40, name: 'Bob' } },
        ]);
        const r = await store.query(
          'SELECT name, age FROM people WHERE age > $1 AND name <> $2 ORDER BY age',
          {
            app,
            params: [20, 'Bob'],
          },
        );
        assert.deepEqual(r.rows, [{ name: 'Ann', age: 30 }]);
        assert.deepEqual(
          r.columns.map((c) => [c.name, c.type]),
          [
            ['name', 'text'],
            ['age', 'double'],
          ],
        );
        assert.equal(r.truncated, false);
        const table = (await store.listViews(app))[0].table;
        const q = await store.query(`WITH x AS (SELECT * FROM ${table}) SELECT count(*) AS n FROM x;`);
        assert.deepEqual(q.rows, [{ n: 2 }]);
        await rejects(store.query('SELECT nosuchcolumn FROM people', { app }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.query('SELEC 1'), ['SS_ERR_QUERY_REJECTED', 'SS_ERR_INVALID_QUERY']);
        await rejects(store.query(''), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.query('SELECT $1 AS x', { params: [{}] as never }), ['SS_ERR_INVALID_QUERY']);
        await rejects(store.query('SELECT 1', { timeoutMs: -5 }), ['SS_ERR_INVALID_QUERY']);
      }));

    it('rejects every write, DDL, file and multi-statement attack and changes nothing', () =>
      withStore(async (store, app) => {
        await store.ensureView({ app, name: 'target' });
        await store.upsert(app, 'target', [{ viewKey: 'a', timestamp: 1, value: { n: 1 } }]);
        const table = (await store.listViews(app))[0].table;
        const before = await store.read(app, 'target');
        const lexical = [
          `SELECT 1; DROP TABLE ${table}`,
          `SELECT * FROM ${table}; DELETE FROM ${table}`,
          `DROP TABLE ${table}`,
          `COPY ${table} TO '/tmp/streamsight-attack.csv'`,
          "ATTACH '/tmp/streamsight-attack.db' AS evil",
          'INSTALL httpfs',
          "SET search_path = 'public'",
          'PRAGMA version',
          'CREATE TABLE evil (a int)',
          `INSERT INTO ${table} (view_key, updated_at) VALUES ('evil', 1)`,
          `UPDATE ${table} SET n = 99`,
          `WITH gone AS (DELETE FROM ${table} RETURNING *) SELECT * FROM gone`,
          `SELECT set_config('role', 'postgres', true)`,
          "SELECT pg_read_file('/etc/passwd')",
          `SELECT * FROM ${table} /* ; */ ; -- x\n DROP TABLE ${table}`,
          `SELECT 'a'';' AS s; DROP TABLE ${table}`,
        ];
        for (const sql of lexical) await rejects(store.query(sql, { app }), ['SS_ERR_QUERY_REJECTED']);
        await rejects(store.query(options.fileSql, { app }), [
          'SS_ERR_QUERY_REJECTED',
          'SS_ERR_INVALID_QUERY',
        ]);
        assert.equal(existsSync('/tmp/streamsight-attack.csv'), false);
        assert.equal(existsSync('/tmp/streamsight-attack.db'), false);
        assert.deepEqual(await store.read(app, 'target'), before);
        assert.deepEqual(
          (await store.listViews(app)).map((v) => v.name),
          ['target'],
        );
        // Words in strings and quoted names are data, not statements.
        const ok = await store.query(`SELECT 'DROP TABLE x; DELETE' AS "insert" FROM ${table}`);
        assert.deepEqual(ok.rows, [{ insert: 'DROP TABLE x; DELETE' }]);
      }));

    it('cancels a statement past its time limit', () =>
      withStore(async (store) => {
        const started = Date.now();
        await rejects(store.query(options.slowSql, { timeoutMs: 200 }), ['SS_ERR_QUERY_TIMEOUT']);
        assert.ok(Date.now() - started < 5000, `took ${Date.now() - started} ms`);
        // The store still answers.
        assert.deepEqual((await store.query('SELECT 1 AS one')).rows, [{ one: 1 }]);
      }));

    it('cuts results at maxRows and says so', () =>
      withStore(async (store) => {
        const r = await store.query('SELECT x FROM generate_series(1, 5000) AS g(x)', { maxRows: 10 });
        assert.equal(r.rows.length, 10);
        assert.equal(r.truncated, true);
        const all = await store.query('SELECT x FROM generate_series(1, 5) AS g(x) ORDER BY x');
        assert.deepEqual(
          all.rows.map((x) => x.x),
          [1, 2, 3, 4, 5],
        );
        assert.equal(all.truncated, false);
      }));

    it('dropApp removes the app and close is idempotent', async () => {
      const { store, cleanup } = await open();
      const app = appName();
      try {
        await store.ensureView({ app, name: 'v' });
        await store.upsert(app, 'v', [{ viewKey: 'a', timestamp: 1, value: 1 }]);
        await store.dropApp(app);
        assert.deepEqual(await store.listViews(app), []);
        await rejects(store.read(app, 'v'), ['SS_ERR_VIEW_NOT_FOUND']);
      } finally {
        await cleanup();
      }
      await store.close();
      await rejects(store.read(app, 'v'), ['SS_ERR_CLOSED']);
    });
  });
}
