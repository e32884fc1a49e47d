import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  createAppTopics,
  defineApp,
  msgpackCodec,
  type ProcessOperator,
  runApp,
} from '../../src/dataflow/index.ts';
import { produceJson, type TempLog, tempLog } from '../helpers/temp-log.ts';

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

/** Emits `user` each time its click count reaches the latest threshold from the broadcast topic. */
function thresholdAlerts(): ProcessOperator<string, Click, string> {
  const counts = new Map<string, number>();
  const dirty = new Set<string>();
  let threshold = Number.POSITIVE_INFINITY;
  return {
    process(_value, key, _ts, ctx) {
      const n = (counts.get(key) ?? 0) + 1;
      counts.set(key, n);
      dirty.add(key);
      if (n === threshold) ctx.emit(`${key}@${n}`);
    },
    onBroadcast(_topic, value) {
      threshold = (value as { threshold: number }).threshold;
      dirty.add('~threshold');
    },
    checkpoint(put) {
      for (const k of dirty) put(k, msgpackCodec.encode(k === '~threshold' ? threshold : counts.get(k)));
      dirty.clear();
    },
    restore(entries) {
      for (const [k, v] of entries) {
        if (k === '~threshold') threshold = msgpackCodec.decode(v) as number;
        else counts.set(k, msgpackCodec.decode(v) as number);
      }
    },
  };
}

describe('process operators with broadcast topics', () => {
  it('every task sees the broadcast records; state survives a restart', async () => {
    const out: string[] = [];
    const app = defineApp('alerts', (a) => {
      const clicks = a.topic<Click>('clicks', { partitions: 2, key: (c) => c.user, time: (c) => c.ts });
      const config = a.topic<{ threshold: number }>('config', { partitions: 1 });
      clicks
        .keyedStream<string>()
        .process(thresholdAlerts, { broadcast: [config] })
        .sink({ write: (records) => void out.push(...records.map((r) => r.value)) });
    });
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'config', [{ threshold: 2 }]);
    await produceJson(t.log, 'clicks', [{ user: 'ann', ts: 1 }], 0);
    await produceJson(t.log, 'clicks', [{ user: 'bob', ts: 1 }], 1);
    await (await runApp(app, { log: t.log, bounded: true })).done;
    assert.deepEqual(out, []);

    // Second run: counts restored (ann and bob at 1), thresholds from the restored position.
    await produceJson(t.log, 'clicks', [{ user: 'ann', ts: 2 }], 0);
    await produceJson(t.log, 'clicks', [{ user: 'bob', ts: 2 }], 1);
    await (await runApp(app, { log: t.log, bounded: true })).done;
    assert.deepEqual(out.sort(), ['ann@2', 'bob@2']);
  });
});
