import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { createAppTopics, defineApp, type MemoryView, runApp, tumbling } from '../../src/dataflow/index.ts';
import { produceJson, type TempLog, tempLog } from '../helpers/temp-log.ts';

interface Order {
  id: number;
  customer: string;
  ts: number;
}
interface Customer {
  name: string;
  city: string;
  ts: number;
}
interface Click {
  user: string;
  ts: number;
}

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

describe('stream–table lookup', () => {
  it('enriches with the latest row at the time of the record', async () => {
    let view!: MemoryView<{ id: number; city: string | null }>;
    const app = defineApp('shop', (a) => {
      const orders = a.topic<Order>('orders', { partitions: 2, time: (o) => o.ts });
      const customers = a.topic<Customer>('customers', {
        partitions: 2,
        key: (c) => c.name,
        time: (c) => c.ts,
      });
      const table = a.table<string, Customer>(customers);
      view = orders
        .stream()
        .keyBy((o) => o.customer, { partitions: 2 })
        .lookup(table, (o, c) => ({ id: o.id, city: c?.city ?? null }))
        .toView('enriched');
    });
    await createAppTopics(app, t.log);
    const { partitionFor } = await import('../../src/log/index.ts');
    const enc = new TextEncoder();
    const p = (name: string) => partitionFor(enc.encode(name), 2);
    await produceJson(t.log, 'customers', [{ name: 'ann', city: 'Oslo', ts: 1 }], p('ann'));
    await produceJson(t.log, 'customers', [{ name: 'bob', city: 'Rome', ts: 1 }], p('bob'));
    await produceJson(t.log, 'orders', [
      { id: 1, customer: 'ann', ts: 10 },
      { id: 2, customer: 'bob', ts: 11 },
      { id: 3, customer: 'cid', ts: 12 },
    ]);
    await (await runApp(app, { log: t.log, bounded: true })).done;
    const rows = [...view.rows().values()].sort((x, y) => x.id - y.id);
    assert.deepEqual(rows, [
      { id: 1, city: 'Oslo' },
      { id: 2, city: 'Rome' },
      { id: 3, city: null },
    ]);
  });
});

describe('windowed stream–stream join', () => {
  it('joins records of equal key in the same tumbling window only', async () => {
    const out: string[] = [];
    const app = defineApp('ads', (a) => {
      const views = a.topic<Click>('views', { partitions: 1, time: (c) => c.ts });
      const clicks = a.topic<Click>('clicks', { partitions: 1, time: (c) => c.ts });
      views
        .stream()
        .keyBy((v) => v.user)
        .join(
          clicks.stream().keyBy((c) => c.user),
          { window: tumbling({ size: 10 }) },
          (v, c, user) => `${user}:${v.ts}-${c.ts}`,
        )
        .sink({ write: (records) => void out.push(...records.map((r) => r.value)) });
    });
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'views', [
      { user: 'u1', ts: 1 },
      { user: 'u2', ts: 2 },
      { user: 'u1', ts: 12 },
    ]);
    await produceJson(t.log, 'clicks', [
      { user: 'u1', ts: 5 },
      { user: 'u1', ts: 15 },
      { user: 'u3', ts: 5 },
    ]);
    await (await runApp(app, { log: t.log, bounded: true })).done;
    assert.deepEqual(out.sort(), ['u1:1-5', 'u1:12-15']);
  });

  it('interval join matches records at most `within` apart', async () => {
    const out: string[] = [];
    const app = defineApp('ads2', (a) => {
      const views = a.topic<Click>('views', { partitions: 1, time: (c) => c.ts });
      const clicks = a.topic<Click>('clicks', { partitions: 1, time: (c) => c.ts });
      views
        .stream()
        .keyBy((v) => v.user)
        .join(
          clicks.stream().keyBy((c) => c.user),
          { within: 5 },
          (v, c) => `${v.ts}-${c.ts}`,
        )
        .sink({ write: (records) => void out.push(...records.map((r) => r.value)) });
    });
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'views', [
      { user: 'u', ts: 10 },
      { user: 'u', ts: 30 },
    ]);
    await produceJson(t.log, 'clicks', [
      { user: 'u', ts: 4 },
      { user: 'u', ts: 14 },
      { user: 'u', ts: 16 },
      { user: 'u', ts: 33 },
    ]);
    await (await runApp(app, { log: t.log, bounded: true })).done;
    assert.deepEqual(out.sort(), ['10-14', '30-33']);
  });
});
