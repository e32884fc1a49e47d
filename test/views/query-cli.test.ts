/**
 * `streamsight query`: directly on `<data-dir>/views.duckdb` when no server runs, through the server
 * named in `<data-dir>/server.json` when it answers, and back to direct when that file is stale.
 */

import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { typedParam } from '../../src/cli/commands/query.ts';
import { openDuckDbViewStore } from '../../src/views/index.ts';
import { runCli as cli, tempDir } from '../helpers/cli.ts';

describe('streamsight query', { timeout: 120_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await tempDir('streamsight-query-');
    const store = await openDuckDbViewStore({ path: join(dir, 'views.duckdb') });
    await store.ensureView({ app: 'shop', name: 'revenue' });
    await store.upsert('shop', 'revenue', [
      { viewKey: 'alice', timestamp: 5, value: { total: 42, tags: ['vip'] } },
      { viewKey: 'bob', timestamp: 6, value: { total: 7, tags: [] } },
    ]);
    await store.close();
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  /** `streamsight --data-dir <dir> query --app shop <args>`. */
  const shopQuery = (...args: string[]) => cli(['--data-dir', dir, 'query', '--app', 'shop', ...args]);

  /** Counts the revenue view through the CLI: the store still holds its two rows. */
  async function assertTwoRevenueRows(): Promise<void> {
    const r = await shopQuery('SELECT count(*) AS n FROM revenue', '--json');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [{ n: 2 }]);
  }

  it('runs SQL directly on the store and prints JSON rows', async () => {
    const r = await shopQuery(
      'SELECT view_key, total, tags FROM revenue WHERE total > $1 ORDER BY total',
      '--param',
      '5',
      '--json',
    );
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [
      { view_key: 'bob', total: 7, tags: [] },
      { view_key: 'alice', total: 42, tags: ['vip'] },
    ]);
  });

  it('prints a readable table', async () => {
    const r = await shopQuery('SELECT view_key, total FROM revenue ORDER BY 1');
    assert.equal(r.code, 0, r.stderr);
    assert.deepEqual(r.stdout.trim().split('\n'), [
      'view_key  total',
      'alice     42',
      'bob       7',
      '(2 rows)',
    ]);
  });

  it('exits 1 with the coded message on bad SQL and 2 on bad flags', async () => {
    const rejected = await shopQuery('DROP TABLE revenue');
    assert.equal(rejected.code, 1);
    assert.match(rejected.stderr, /SS_ERR_QUERY_REJECTED/);
    const invalid = await shopQuery('SELECT nope FROM revenue');
    assert.equal(invalid.code, 1);
    assert.match(invalid.stderr, /SS_ERR_INVALID_QUERY/);
    const flag = await cli(['--data-dir', dir, 'query', 'SELECT 1', '--max-rows', 'lots']);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /SS_ERR_INVALID_ARGUMENT.*--max-rows/);
    const app = await cli(['--data-dir', dir, 'query', '--app', 'bad app', 'SELECT 1']);
    assert.equal(app.code, 2);
    const unknown = await cli(['--data-dir', dir, 'query', 'SELECT 1', '--bogus']);
    assert.equal(unknown.code, 2);
    // The store is untouched.
    await assertTwoRevenueRows();
  });

  it('goes through the server named in server.json, and falls back when it is gone', async () => {
    const seen: unknown[] = [];
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        seen.push({ url: req.url, auth: req.headers.authorization, body: JSON.parse(body) });
        res.setHeader('content-type', 'application/json');
        if (JSON.parse(body).sql === 'bad') {
          res.statusCode = 400;
          res.end(
            JSON.stringify({ error: { code: 'SS_ERR_QUERY_REJECTED', message: 'no way', details: {} } }),
          );
          return;
        }
        res.end(
          JSON.stringify({ columns: [{ name: 'x', type: 'bigint' }], rows: [{ x: 1 }], truncated: false }),
        );
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const serverJson = join(dir, 'server.json');
    await writeFile(serverJson, JSON.stringify({ url: `http://127.0.0.1:${port}`, key: 'ss_test' }), {
      mode: 0o600,
    });
    try {
      const r = await shopQuery('SELECT 1 AS x', '--param', 'a', '--json');
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [{ x: 1 }]);
      assert.deepEqual(seen[0], {
        url: '/api/v1/query',
        auth: 'Bearer ss_test',
        body: { sql: 'SELECT 1 AS x', params: ['a'], app: 'shop' },
      });
      const bad = await cli(['--data-dir', dir, 'query', 'bad']);
      assert.equal(bad.code, 1);
      assert.match(bad.stderr, /SS_ERR_QUERY_REJECTED: no way/);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    // The server is gone: the stale file is ignored and the store answers directly.
    await assertTwoRevenueRows();
    await rm(serverJson);
  });

  it('answers without any store yet, and types parameters', async () => {
    const empty = await tempDir('streamsight-query-empty-');
    try {
      const r = await cli(['--data-dir', empty, 'query', 'SELECT 1 + 1 AS two', '--json']);
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), [{ two: 2 }]);
    } finally {
      await rm(empty, { recursive: true, force: true });
    }
    assert.deepEqual(['5', '-1.5', '1e3', 'true', 'false', 'null', 'abc', '5a', ''].map(typedParam), [
      5,
      -1.5,
      1000,
      true,
      false,
      null,
      'abc',
      '5a',
      '',
    ]);
  });
});
