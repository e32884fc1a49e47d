import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eventually, type Harness, startHarness } from './harness.ts';

describe('read routes, SQL, metrics and health', { timeout: 60_000 }, () => {
  let h: Harness;
  const get = (url: string, auth = h.keys.admin) =>
    h.server.inject({ method: 'GET', url, headers: { authorization: auth } });
  /** A page that must be served: any other status fails with the response body. */
  const page = async (url: string, auth = h.keys.admin) => {
    const res = await get(url, auth);
    assert.equal(res.statusCode, 200, `GET ${url}: ${res.body}`);
    return res.json();
  };
  const sql = (body: object, auth = h.keys.read) =>
    h.server.inject({
      method: 'POST',
      url: '/api/v1/query',
      headers: { authorization: auth },
      payload: body,
    });

  before(async () => {
    h = await startHarness();
    const orders = [
      { user: 'ann', amount: 10, at: 1000, note: 'first' },
      { user: 'bob', amount: 20, at: 1100 },
      { user: 'ann', amount: 30, at: 1200, note: "O'Brien; DROP TABLE x" },
      { user: 'cy', amount: 40, at: 5000 },
    ];
    const res = await h.server.inject({
      method: 'POST',
      url: '/api/v1/topics/orders/records',
      headers: { authorization: h.keys.produce },
      payload: orders,
    });
    assert.equal(res.statusCode, 202);
    // A record that fails the schema on the log (written around the API) becomes a dead letter.
    await h.log.append('orders', [{ key: null, value: Buffer.from('{"user":7}'), partition: 0 }]);
    await eventually(async () => (await get('/api/v1/views/shop/last-order')).json().total === 3);
  });
  after(() => h.close());

  it('pages a view with filters, order, limit and offset', async () => {
    const top = await page('/api/v1/views/shop/last-order?orderBy=amount&desc=true');
    assert.deepEqual(
      top.rows.map((r: { key: string; amount: number }) => [r.key, r.amount]),
      [
        ['cy', 40],
        ['ann', 30],
        ['bob', 20],
      ],
    );
    assert.ok(top.columns.some((c: { name: string }) => c.name === 'view_key'));
    const ann = await page('/api/v1/views/shop/last-order?where.key=ann');
    assert.equal(ann.total, 1);
    assert.equal(ann.rows[0].note, "O'Brien; DROP TABLE x");
    const second = (await get('/api/v1/views/shop/last-order?orderBy=amount&limit=1&offset=1')).json();
    assert.deepEqual([second.rows.length, second.rows[0].key, second.total], [1, 'ann', 3]);
    const numeric = (await get('/api/v1/views/shop/last-order?where.amount=20')).json();
    assert.equal(numeric.rows[0]?.key, 'bob');
    const unknown = await get('/api/v1/views/shop/last-order?where.nope=1');
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.code, 'SS_ERR_INVALID_QUERY');
    const badLimit = await get('/api/v1/views/shop/last-order?limit=abc');
    assert.equal(badLimit.json().error.code, 'SS_ERR_INVALID_QUERY');
    const missing = await get('/api/v1/views/shop/nothing');
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error.code, 'SS_ERR_VIEW_NOT_FOUND');
  });

  it('forces a per-user scope to its own rows', async () => {
    const mine = await page('/api/v1/views/shop/last-order?where.key=bob', h.keys.ann);
    assert.deepEqual(
      mine.rows.map((r: { key: string }) => r.key),
      ['ann'],
    );
    const views = (await get('/api/v1/views', h.keys.ann)).json();
    assert.deepEqual(
      views.views.map((v: { name: string }) => v.name),
      ['last-order'],
    );
    assert.equal((await get('/api/v1/views/shop/orders-per-user', h.keys.ann)).statusCode, 403);
  });

  it('lists apps with pages, topics with offsets and rates, pipelines with tasks and graphs', async () => {
    const apps = (await get('/api/v1/apps')).json().apps;
    assert.equal(apps[0].name, 'shop');
    assert.deepEqual(apps[0].views.sort(), ['last-order', 'orders-per-user']);
    assert.equal(apps[0].pages[0].id, 'overview');
    const topics = (await get('/api/v1/topics')).json().topics;
    const orders = topics.find((t: { name: string }) => t.name === 'orders');
    assert.equal(orders.partitions, 2);
    assert.equal(orders.records, 5);
    assert.equal(typeof orders.ratePerSec, 'number');
    assert.ok(topics.some((t: { name: string }) => t.name === 'shop.dead-letters'));
    const pipelines = (await get('/api/v1/pipelines')).json().pipelines;
    const last = pipelines.find((p: { name: string }) => p.name === 'last-order');
    assert.equal(last.status, 'running');
    assert.equal(last.tasks.length, 2);
    assert.equal(
      last.tasks.reduce((n: number, t: { recordsIn: number }) => n + t.recordsIn, 0),
      4,
    );
    assert.ok(last.tasks[0].operators.length > 0);
    assert.deepEqual(
      last.graph.nodes.map((n: { kind: string }) => n.kind),
      ['source', 'map', 'sink'],
    );
    assert.equal(last.graph.edges.length, 2);
    const overview = (await get('/api/v1/overview')).json();
    assert.deepEqual(overview.apps, ['shop']);
    assert.equal(typeof overview.uptimeSec, 'number');
  });

  it('tails topic records, reads from an offset and finds by key', async () => {
    const tail = (await get('/api/v1/topics/orders/records?limit=2')).json();
    assert.equal(tail.records.length, 2);
    const byKey = (await get('/api/v1/topics/orders/records?key=ann')).json();
    assert.deepEqual(
      byKey.records.map((r: { value: { amount: number } }) => r.value.amount).sort(),
      [10, 30],
    );
    const p = byKey.records[0].partition;
    const from = (await get(`/api/v1/topics/orders/records?partition=${p}&from=0&limit=1`)).json();
    assert.equal(from.records[0].offset, 0);
    assert.equal((await get('/api/v1/topics/orders/records?limit=5000')).statusCode, 400);
  });

  it('lists dead letters with code, origin and raw bytes', async () => {
    const dead = await eventually(async () => {
      const r = (await get('/api/v1/dead-letters?app=shop')).json().records;
      return r.length >= 2 ? r : undefined; // one per pipeline reading orders
    });
    assert.equal(dead[0].code, 'SS_ERR_SCHEMA');
    assert.equal(dead[0].raw, '{"user":7}');
    assert.deepEqual(dead[0].origin, { topic: 'orders', partition: 0, offset: dead[0].origin.offset });
  });

  it('runs parameterised read-only SQL and rejects writes, several statements and injection', async () => {
    const ok = await sql({
      sql: 'SELECT key, amount FROM last_order WHERE key = $1',
      params: ['ann'],
      app: 'shop',
    });
    assert.equal(ok.statusCode, 200, ok.body);
    assert.deepEqual(ok.json().rows, [{ key: 'ann', amount: 30 }]);
    // A parameter is data, never SQL.
    const injected = await sql({
      sql: 'SELECT count(*) AS n FROM last_order WHERE key = $1',
      params: ["ann' OR '1'='1"],
      app: 'shop',
    });
    assert.equal(Number(injected.json().rows[0].n), 0);
    for (const attempt of [
      'DELETE FROM last_order',
      'DROP TABLE last_order',
      'SELECT 1; DELETE FROM last_order',
      "SELECT * FROM last_order WHERE key = 'ann'; DROP TABLE last_order; --",
      'UPDATE last_order SET amount = 0',
      "COPY last_order TO '/tmp/x.csv'",
      "SELECT * FROM read_csv('/etc/passwd')",
      "ATTACH '/tmp/evil.db' AS evil",
      'WITH x AS (DELETE FROM last_order RETURNING *) SELECT * FROM x',
      'CREATE TABLE t AS SELECT 1',
      'INSTALL httpfs',
    ]) {
      const res = await sql({ sql: attempt, app: 'shop' });
      assert.equal(res.statusCode, 400, `${attempt}: ${res.body}`);
      assert.equal(res.json().error.code, 'SS_ERR_QUERY_REJECTED', attempt);
    }
    const still = await sql({ sql: 'SELECT count(*) AS n FROM last_order', app: 'shop' });
    assert.equal(Number(still.json().rows[0].n), 3, 'nothing was changed');
    const nonAdmin = await sql({ sql: 'SELECT 1' });
    assert.equal(nonAdmin.statusCode, 403);
    const bad = await sql({ sql: { select: 1 }, app: 'shop' });
    assert.equal(bad.statusCode, 400);
  });

  it('cuts results at the row limit and times out long queries with 408', async () => {
    const big = await sql({ sql: 'SELECT * FROM range(20000)', app: 'shop' });
    assert.equal(big.statusCode, 200, big.body);
    assert.equal(big.json().rows.length, 10_000);
    assert.equal(big.json().truncated, true);
    const slow = await sql({
      sql: 'SELECT count(*) FROM range(100000000) a, range(100000) b WHERE a.range * b.range = 7',
      app: 'shop',
    });
    assert.equal(slow.statusCode, 408, slow.body);
    assert.equal(slow.json().error.code, 'SS_ERR_QUERY_TIMEOUT');
  });

  it('serves /metrics and /healthz', async () => {
    const metrics = await h.server.inject({ method: 'GET', url: '/metrics' });
    assert.equal(metrics.statusCode, 200);
    assert.match(metrics.body, /streamsight_records_in_total\{app="shop",pipeline="last-order"\} 4/);
    assert.match(metrics.body, /streamsight_http_requests_total/);
    assert.match(metrics.body, /streamsight_ws_clients 0/);
    assert.match(metrics.body, /process_cpu_seconds_total/);
    const health = await h.server.inject({ method: 'GET', url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.equal(health.json().status, 'ok');
  });
});
