import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { z } from 'zod';
import {
  count,
  createAppTopics,
  defineApp,
  type MemoryView,
  runApp,
  tumbling,
  type WindowResult,
} from '../../src/dataflow/index.ts';
import { readAll, type TempLog, tempLog } from '../helpers/temp-log.ts';

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

const Reading = z.object({ sensor: z.string(), value: z.number(), ts: z.number() });

describe('dead letters', () => {
  it('keeps undecodable, invalid and crashing records with their reason and goes on', async () => {
    let view!: MemoryView<WindowResult<string, number>>;
    const app = defineApp('sensors', (a) => {
      const readings = a.topic('readings', { partitions: 1, schema: Reading, time: (r) => r.ts });
      view = readings
        .stream()
        .map((r) => {
          if (r.value < 0) throw new RangeError(`negative reading ${r.value}`);
          return r;
        })
        .keyBy((r) => r.sensor)
        .window(tumbling({ size: 100 }))
        .aggregate(count())
        .toView('counts');
    });
    await createAppTopics(app, t.log);
    const enc = new TextEncoder();
    const lines = [
      '{"sensor":"s1","value":1,"ts":1}',
      '{"sensor":"s1","value":', // truncated JSON
      '{"sensor":"s1","value":"high","ts":2}', // schema: value must be a number
      '{"sensor":"s1","value":-5,"ts":3}', // user code throws
      '{"sensor":"s1","value":2,"ts":4}',
    ];
    await t.log.append(
      'readings',
      lines.map((l) => ({ value: enc.encode(l), partition: 0 })),
    );
    await (await runApp(app, { log: t.log, bounded: true })).done;

    assert.deepEqual(
      [...view.rows().values()].map((r) => r.value),
      [2],
    );
    const dead = await readAll(t.log, 'sensors.dead-letters');
    assert.deepEqual(
      dead.map((d) => [d.headers['ss-code'], d.headers['ss-topic'], d.headers['ss-offset']]),
      [
        ['SS_ERR_DECODE', 'readings', '1'],
        ['SS_ERR_SCHEMA', 'readings', '2'],
        ['SS_ERR_USER_CODE', 'readings', '3'],
      ],
    );
    assert.equal(new TextDecoder().decode(dead[1].value!), lines[2]);
    assert.match(dead[1].headers['ss-message'], /value/);
    assert.match(dead[2].headers['ss-message'], /RangeError: negative reading -5/);
  });
});
