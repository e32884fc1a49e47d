/**
 * The materializer against a real run: views land in the store (a rerun over the same input changes
 * nothing), subscribers see stored rows, MemoryViews stop holding rows, pending rows survive a failing
 * store, and archived topics are copied once, resuming from the committed offsets.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { count, createAppTopics, defineApp, runApp, sum, tumbling } from '../../src/dataflow/index.ts';
import { isStreamsightError } from '../../src/errors/index.ts';
import { materializeViews, type ViewStore } from '../../src/views/index.ts';
import { produceJson, type TempLog } from '../helpers/temp-log.ts';
import { withLogAndViewStore } from '../helpers/temp-view-store.ts';

interface Ev {
  k: string;
  ts: number;
  v: number;
}

const events: Ev[] = Array.from({ length: 300 }, (_, i) => ({ k: `k${i % 7}`, ts: i * 1000, v: i }));

function shopApp(archive = false) {
  return defineApp('shop-m', (a) => {
    const t = a.topic<Ev>('events', { partitions: 2, time: (e) => e.ts, key: (e) => e.k, archive });
    a.pipeline('totals', () => {
      t.stream()
        .keyBy((e) => e.k)
        .window(tumbling({ size: '1m' }))
        .aggregate(count())
        .toView('per-minute');
      t.stream()
        .keyBy((e) => e.k)
        .window(tumbling({ size: '1h' }))
        .aggregate(sum((e: Ev) => e.v))
        .toView('totals');
    });
  });
}

let t: TempLog;
let store: ViewStore;
withLogAndViewStore((fresh) => ({ t, store } = fresh));

describe('materializeViews', () => {
  it('stores every view, idempotently, and tells subscribers after the write', async () => {
    const app = shopApp();
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'events', events.slice(0, 150), 0);
    await produceJson(t.log, 'events', events.slice(150), 1);
    const m = await materializeViews(app, store, { flushIntervalMs: 10 });
    const seen: Record<string, unknown>[] = [];
    let storedWhenSeen = true;
    m.subscribe('totals', (rows) => {
      seen.push(...rows);
      // The rows are in the store when the listener runs.
      void store.read('shop-m', 'totals', { where: { view_key: String(rows[0].view_key) } }).then((p) => {
        if (p.total !== 1) storedWhenSeen = false;
      });
    });
    const running = await runApp(app, { log: t.log, bounded: true });
    await running.done;
    await m.flush();
    const totals = await store.read('shop-m', 'totals', { orderBy: 'view_key' });
    assert.equal(totals.total, 7);
    const expected = new Map<string, number>();
    for (const e of events) expected.set(e.k, (expected.get(e.k) ?? 0) + e.v);
    for (const r of totals.rows) assert.equal(r.value, expected.get(String(r.key)));
    const windows = await store.read('shop-m', 'per-minute', { limit: 1000 });
    // 300 s of events in 1-minute windows: 5 windows, each with all 7 keys.
    assert.equal(windows.total, 35);
    assert.equal(
      windows.rows.reduce((n, r) => n + Number(r.value), 0),
      300,
    );
    assert.ok(seen.length >= 7);
    assert.ok(seen.every((r) => typeof r.view_key === 'string' && typeof r.updated_at === 'number'));
    assert.equal(storedWhenSeen, true);
    // The MemoryViews no longer hold rows: the store does.
    assert.equal(app.views.get('totals')?.rows().size, 0);
    await m.close();
    await m.close();

    // Rewriting the same results (a replay) leaves the store as it was.
    const before = await store.read('shop-m', 'per-minute', { limit: 1000 });
    const again = shopApp();
    const m2 = await materializeViews(again, store);
    const view = again.views.get('per-minute');
    assert.ok(view);
    await view.write(
      before.rows.map((r) => ({
        key: r.key as string,
        timestamp: r.updated_at as number,
        value: { key: r.key, start: r.window_start, end: r.window_end, value: r.value, final: r.final },
      })),
    );
    await m2.close();
    assert.deepEqual(await store.read('shop-m', 'per-minute', { limit: 1000 }), before);
  });

  it('keeps rows pending while the store fails, and writes them when it recovers', async () => {
    const app = shopApp();
    let failing = true;
    const flaky = new Proxy(store, {
      get(target, prop) {
        if (prop === 'upsert') {
          return async (...args: Parameters<ViewStore['upsert']>) => {
            if (failing) throw new Error('disk on fire');
            return target.upsert(...args);
          };
        }
        const v = Reflect.get(target, prop);
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const errors: string[] = [];
    const m = await materializeViews(app, flaky, {
      flushIntervalMs: 5,
      maxBatchRows: 3,
      retainRows: true,
      onError: (e) => errors.push(e.code),
    });
    const view = app.views.get('totals');
    assert.ok(view);
    await view.write([
      { key: 'a', timestamp: 1, value: 1 },
      { key: 'b', timestamp: 1, value: 2 },
    ]);
    await assert.rejects(m.flush(), /disk on fire/);
    await view.write([
      { key: 'a', timestamp: 2, value: 10 },
      { key: 'c', timestamp: 2, value: 3 },
    ]);
    assert.ok(errors.length > 0);
    assert.equal(view.rows().size, 3); // retainRows: true keeps the MemoryView's rows
    failing = false;
    await m.flush();
    const rows = (await store.read('shop-m', 'totals')).rows.map((r) => [r.view_key, r.value]);
    // Plain (non-window) values are one column `value`.
    assert.deepEqual(rows, [
      ['a', 10],
      ['b', 2],
      ['c', 3],
    ]);
    await m.close();
  });

  it('archives a topic once, resuming from committed offsets', async () => {
    const app = shopApp(true);
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'events', events.slice(0, 100), 0);
    await produceJson(t.log, 'events', events.slice(100, 130), 1);
    const waitFor = async (n: number) => {
      for (let i = 0; i < 200; i++) {
        const r = await store.query('SELECT count(*) AS n FROM events_archive', { app: 'shop-m' });
        if (r.rows[0].n === n) return;
        await new Promise((res) => setTimeout(res, 25));
      }
      assert.fail(`archive never reached ${n} rows`);
    };
    const m = await materializeViews(app, store, { log: t.log });
    await waitFor(130);
    await m.close();
    await produceJson(t.log, 'events', events.slice(130, 160), 1);
    const m2 = await materializeViews(app, store, { log: t.log });
    await waitFor(160);
    await m2.close();
    const committed = await t.log.committedOffsets('shop-m.archive', 'events');
    assert.deepEqual(Object.fromEntries(committed), { 0: 100, 1: 60 });
    const r = await store.query(
      'SELECT value FROM events_archive WHERE partition = 1 ORDER BY "offset" LIMIT 1',
      {
        app: 'shop-m',
      },
    );
    assert.deepEqual(r.rows[0].value, events[100]);
  });

  it('validates options', async () => {
    const app = shopApp(true);
    await assert.rejects(materializeViews(app, store), (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'));
    await assert.rejects(materializeViews(shopApp(), store, { flushIntervalMs: 0 }), (e) =>
      isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
    );
    await assert.rejects(materializeViews(shopApp(), store, { retention: { nope: '1h' } }), (e) =>
      isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
    );
    const m = await materializeViews(shopApp(), store);
    assert.throws(
      () => m.subscribe('nope', () => {}),
      (e) => isStreamsightError(e, 'SS_ERR_VIEW_NOT_FOUND'),
    );
    await m.close();
  });
});
