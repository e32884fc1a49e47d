import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  count,
  createAppTopics,
  defineApp,
  type MemoryView,
  runApp,
  tumbling,
  type WindowResult,
} from '../../src/dataflow/index.ts';
import { produceJson, type TempLog, tempLog } from '../helpers/temp-log.ts';

interface Ev {
  k: string;
  ts: number;
}

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

async function until(predicate: () => boolean, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (predicate()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return predicate();
}

describe('watermarks across partitions', () => {
  function app(idleTimeout: number) {
    let view!: MemoryView<WindowResult<string, number>>;
    const a = defineApp('wm', (b) => {
      const events = b.topic<Ev>('events', { partitions: 2, time: (e) => e.ts, idleTimeout });
      view = events
        .stream()
        .keyBy((e) => e.k)
        .window(tumbling({ size: 10 }))
        .aggregate(count())
        .toView('v');
    });
    return { a, view: () => view };
  }

  it('a silent partition holds time back until its idle timeout passes', async () => {
    const { a, view } = app(300);
    await createAppTopics(a, t.log);
    // Partition 0 moves time to 25; partition 1 has one record at 5 and then falls silent.
    await produceJson(t.log, 'events', [{ k: 'x', ts: 5 }], 1);
    const running = await runApp(a, { log: t.log });
    try {
      await produceJson(
        t.log,
        'events',
        [
          { k: 'x', ts: 1 },
          { k: 'x', ts: 25 },
        ],
        0,
      );
      // Watermark = min(25, 5) = 5 while partition 1 is active: [0,10) must not fire yet.
      await new Promise((r) => setTimeout(r, 150));
      assert.equal(view().rows().size, 0);
      // After 300 ms partition 1 is idle: the watermark follows partition 0 alone and [0,10) fires.
      assert.ok(
        await until(() => view().rows().size === 1, 3000),
        'the window fired once the partition went idle',
      );
      assert.deepEqual(
        [...view().rows().values()].map((r) => [r.start, r.value]),
        [[0, 2]],
      );
    } finally {
      await running.stop();
    }
  });

  it('the slowest active partition sets the watermark', async () => {
    const { a, view } = app(60_000);
    await createAppTopics(a, t.log);
    const running = await runApp(a, { log: t.log });
    try {
      await produceJson(
        t.log,
        'events',
        [
          { k: 'x', ts: 1 },
          { k: 'x', ts: 35 },
        ],
        0,
      );
      await produceJson(
        t.log,
        'events',
        [
          { k: 'x', ts: 2 },
          { k: 'x', ts: 12 },
        ],
        1,
      );
      // min(35, 12) = 12: only [0,10) may fire.
      assert.ok(await until(() => view().rows().size === 1, 3000));
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        [...view().rows().values()].map((r) => [r.start, r.value]),
        [[0, 2]],
      );
      await produceJson(t.log, 'events', [{ k: 'x', ts: 40 }], 1);
      // min(35, 40) = 35: [10,20) fires; [30,40) still waits.
      assert.ok(await until(() => view().rows().size === 2, 3000), 'partition 1 caught up: [10,20) fires');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        [...view().rows().values()].map((r) => [r.start, r.value]),
        [
          [0, 2],
          [10, 1],
        ],
      );
    } finally {
      await running.stop();
    }
  });
});
