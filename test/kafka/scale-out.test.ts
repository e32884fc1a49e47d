/**
 * Scaled out end to end: two `streamsight worker` processes on Kafka materialize their views into
 * PostgreSQL; a `streamsight serve` process (no tasks) takes records through the ingest API into
 * Kafka, serves the view from PostgreSQL and pushes live rows it follows on `<app>.view-changes`.
 * The same app module runs embedded elsewhere in the suite.
 *
 * Runs where Kafka and PostgreSQL are available (STREAMSIGHT_KAFKA_BROKERS and STREAMSIGHT_POSTGRES_URL
 * set, as in CI); skips otherwise.
 */

import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import WebSocket from 'ws';
import type { Order } from './fixtures/view-app.ts';
import { spawnWorker, stopWorker, uniqueAppName, type WorkerProcess, waitFor } from './harness.ts';

const brokers = process.env.STREAMSIGHT_KAFKA_BROKERS;
const postgres = process.env.STREAMSIGHT_POSTGRES_URL;
const root = join(import.meta.dirname, '..', '..');
const fixture = join(import.meta.dirname, 'fixtures', 'view-app.ts');

describe('scale-out: workers on Kafka, views in PostgreSQL, a stateless server', () => {
  if (!brokers || !postgres) {
    it.skip('needs Kafka and PostgreSQL (STREAMSIGHT_KAFKA_BROKERS and STREAMSIGHT_POSTGRES_URL)', () => {});
    return;
  }
  const app = uniqueAppName('views');
  const env = { STREAMSIGHT_VIEWS: postgres, SS_TEST_APP: app };
  const workers: WorkerProcess[] = [];
  let server: ChildProcess | undefined;
  let dataDir = '';

  after(async () => {
    server?.kill('SIGTERM');
    await Promise.all(workers.map((w) => stopWorker(w)));
    const { openPostgresViewStore } = await import('../../src/views/postgres-view-store.ts');
    const store = await openPostgresViewStore({ url: postgres });
    await store.dropApp(app);
    await store.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
  });

  it('ingests through the API, computes on workers, serves the view and its live rows', async () => {
    for (const name of ['w1', 'w2']) {
      workers.push(spawnWorker(name, app, brokers, { env, appModule: fixture }));
    }
    dataDir = await mkdtemp(join(tmpdir(), 'streamsight-serve-'));
    let serverLog = '';
    server = spawn(
      process.execPath,
      [join(root, 'src', 'cli', 'main.ts'), 'serve', fixture, '--log', `kafka://${brokers}`, '--port', '0'],
      {
        cwd: root,
        env: { ...process.env, ...env, STREAMSIGHT_DATA_DIR: dataDir },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    server.stdout!.on('data', (chunk) => (serverLog += chunk));
    server.stderr!.on('data', (chunk) => (serverLog += chunk));
    let info: { url: string; key: string } | undefined;
    await waitFor(
      () => `the server, which printed:\n${serverLog}`,
      60_000,
      async () => {
        info = await readFile(join(dataDir, 'server.json'), 'utf8')
          .then((text) => JSON.parse(text))
          .catch(() => undefined);
        return info !== undefined;
      },
    );
    const { url, key } = info!;
    const auth = { authorization: `Bearer ${key}` };

    const live = new Map<string, number>();
    const ws = new WebSocket(`${url.replace('http', 'ws')}/api/v1/live?key=${key}`);
    await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
    ws.on('message', (data) => {
      const message = JSON.parse(String(data));
      if (message.type === 'delta' || message.type === 'snapshot') {
        for (const row of message.rows) live.set(String(row.key), Number(row.value_orders));
      }
    });
    ws.send(JSON.stringify({ op: 'subscribe', channel: `${app}/per-user` }));

    const t0 = Date.UTC(2024, 0, 1);
    const orders: Order[] = Array.from({ length: 2000 }, (_, i) => ({
      user: `u${i % 40}`,
      amount: i % 7,
      ts: t0 + i * 100,
    }));
    for (let b = 0; b < 4; b++) {
      const body = orders
        .slice(b * 500, (b + 1) * 500)
        .map((o) => JSON.stringify(o))
        .join('\n');
      const res = await fetch(`${url}/api/v1/topics/${app}.orders/records`, {
        method: 'POST',
        headers: { ...auth, 'content-type': 'application/x-ndjson' },
        body,
      });
      const text = await res.text();
      assert.equal(res.status, 202, text);
      assert.equal((JSON.parse(text) as { offsets: unknown[] }).offsets.length, 500);
    }
    const bad = await fetch(`${url}/api/v1/topics/${app}.orders/records`, {
      method: 'POST',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify([{ user: '', amount: 'x', ts: 1 }]),
    });
    assert.equal(bad.status, 400);

    const expected = new Map<string, { orders: number; amount: number }>();
    for (const o of orders) {
      const e = expected.get(o.user) ?? { orders: 0, amount: 0 };
      e.orders++;
      e.amount += o.amount;
      expected.set(o.user, e);
    }
    let rows: Record<string, unknown>[] = [];
    await waitFor('the view to hold every order', 120_000, async () => {
      const res = await fetch(`${url}/api/v1/views/${app}/per-user?limit=1000`, { headers: auth });
      if (res.status !== 200) return false;
      rows = ((await res.json()) as { rows: Record<string, unknown>[] }).rows;
      return rows.length === 40 && rows.reduce((n, r) => n + Number(r.value_orders), 0) === orders.length;
    });
    for (const row of rows) {
      const e = expected.get(String(row.key))!;
      assert.equal(row.value_orders, e.orders, `orders of ${row.key}`);
      assert.equal(row.value_amount, e.amount, `amount of ${row.key}`);
    }
    // Live rows arrive through the change feed; they end where the store ends.
    await waitFor('live rows for every user', 30_000, () =>
      [...expected].every(([user, e]) => live.get(user) === e.orders),
    );
    ws.close();
    for (const w of workers) assert.doesNotMatch(w.stderr(), /views: |view change feed: /);
  });
});
