/**
 * The view change feed: rows a worker's materializer stores reach a follower (a server that runs no
 * task) through `<app>.view-changes`, in store order; malformed feed records are reported, not fatal.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { count, createAppTopics, defineApp, runApp, tumbling } from '../../src/dataflow/index.ts';
import { followViewChanges, publishViewChanges, viewChangesTopic } from '../../src/views/change-feed.ts';
import { materializeViews, type ViewStore } from '../../src/views/index.ts';
import { produceJson, type TempLog } from '../helpers/temp-log.ts';
import { withLogAndViewStore } from '../helpers/temp-view-store.ts';

interface Ev {
  k: string;
  ts: number;
}

const app = defineApp('feed-app', (a) => {
  const t = a.topic<Ev>('events', { partitions: 2, time: (e) => e.ts, key: (e) => e.k });
  a.pipeline('counts', () => {
    t.stream()
      .keyBy((e) => e.k)
      .window(tumbling({ size: '1m' }))
      .aggregate(count())
      .toView('per-minute');
  });
});

let t: TempLog;
let store: ViewStore;
withLogAndViewStore((fresh) => ({ t, store } = fresh));

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('view change feed', () => {
  it('delivers every stored row to a follower, latest last', async () => {
    await createAppTopics(app, t.log);
    const errors: Error[] = [];
    const follower = await followViewChanges(app, t.log, { onError: (e) => errors.push(e), pollWaitMs: 50 });
    const latest = new Map<string, unknown>();
    follower.subscribe('per-minute', (rows) => {
      for (const r of rows) latest.set(String(r.view_key), r.value);
    });
    const m = await materializeViews(app, store, { flushIntervalMs: 10 });
    const stopPublishing = await publishViewChanges(app, m, t.log, (e) => errors.push(e));
    const events = Array.from({ length: 600 }, (_, i) => ({ k: `k${i % 5}`, ts: i * 1000 }));
    await produceJson(t.log, 'events', events, 0);
    const running = await runApp(app, { log: t.log, bounded: true });
    await running.done;
    await m.flush();
    const stored = await store.read('feed-app', 'per-minute', { limit: 1000 });
    assert.equal(stored.total, 50); // 10 minutes × 5 keys
    await until(() => latest.size === stored.total);
    for (const row of stored.rows) assert.equal(latest.get(String(row.view_key)), row.value);
    assert.deepEqual(errors, []);
    stopPublishing();
    await m.close();
    await follower.close();
  });

  it('reports a malformed feed record and keeps following', async () => {
    await createAppTopics(app, t.log);
    const errors: Error[] = [];
    const follower = await followViewChanges(app, t.log, { onError: (e) => errors.push(e), pollWaitMs: 50 });
    const got: unknown[] = [];
    follower.subscribe('per-minute', (rows) => got.push(...rows));
    const topic = viewChangesTopic('feed-app');
    const bytes = (s: string) => new TextEncoder().encode(s);
    await t.log.append(topic, [
      { value: bytes('{not json') },
      { value: bytes('{"view": 3}') },
      { value: bytes(JSON.stringify({ view: 'per-minute', rows: [{ view_key: 'a', value: 1 }] })) },
    ]);
    await until(() => got.length === 1);
    assert.deepEqual(
      errors.map((e) => (e as { code?: string }).code),
      ['SS_ERR_DECODE', 'SS_ERR_DECODE'],
    );
    assert.throws(() => follower.subscribe('nope', () => {}), { code: 'SS_ERR_VIEW_NOT_FOUND' });
    await follower.close();
  });
});
