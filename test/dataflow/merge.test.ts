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

interface Click {
  page: string;
  ts: number;
}

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

describe('merge', () => {
  it('merges co-partitioned topics into one stream, the watermark following the slower one', async () => {
    let view!: MemoryView<WindowResult<string, number>>;
    const app = defineApp('site', (a) => {
      const web = a.topic<Click>('web', { partitions: 2, time: (c) => c.ts });
      const mobile = a.topic<Click>('mobile', { partitions: 2, time: (c) => c.ts });
      view = web
        .stream()
        .merge(mobile.stream())
        .keyBy((c) => c.page)
        .window(tumbling({ size: 10 }))
        .aggregate(count())
        .toView('views');
    });
    await createAppTopics(app, t.log);
    await produceJson(
      t.log,
      'web',
      [
        { page: 'home', ts: 1 },
        { page: 'cart', ts: 12 },
      ],
      0,
    );
    await produceJson(t.log, 'web', [{ page: 'home', ts: 3 }], 1);
    await produceJson(
      t.log,
      'mobile',
      [
        { page: 'home', ts: 2 },
        { page: 'home', ts: 15 },
      ],
      1,
    );
    await (await runApp(app, { log: t.log, bounded: true })).done;
    const rows = [...view.rows().values()].map((r) => [r.key, r.start, r.value]).sort();
    assert.deepEqual(rows, [
      ['cart', 10, 1],
      ['home', 0, 3],
      ['home', 10, 1],
    ]);
  });

  it('rejects inputs that are not co-partitioned, naming them', () => {
    const app = defineApp('bad', (a) => {
      const x = a.topic<Click>('x', { partitions: 2 });
      const y = a.topic<Click>('y', { partitions: 3 });
      x.stream()
        .merge(y.stream())
        .sink({ write() {} });
    });
    return assert.rejects(runApp(app, { log: t.log }), {
      code: 'SS_ERR_INVALID_PIPELINE',
      message: /x, y.*2 ≠ 3/,
    });
  });
});
