/** `.pattern(p)` in running apps: event-time order from the log, late records, state across restarts. */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { type PatternMatch, pattern } from '../../src/cep/index.ts';
import { createAppTopics, defineApp, runApp, type SinkRecord } from '../../src/dataflow/index.ts';
import type { Log } from '../../src/log/index.ts';
import { readAll, type TempLog, tempLog } from '../helpers/temp-log.ts';
import { type Ev, events, is, render } from './harness.ts';

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

async function produce(log: Log, topic: string, list: Ev[]): Promise<void> {
  await log.append(
    topic,
    list.map((e) => ({ key: Buffer.from(e.key), value: Buffer.from(JSON.stringify(e)), timestamp: e.ts })),
  );
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

const abc = pattern<Ev>('a').where(is('a')).next('b').where(is('b')).followedBy('c').where(is('c'));

describe('.pattern(p) in an app', () => {
  it('matches in event-time order across out-of-order input; records behind the watermark go to the late topic', async () => {
    const out: SinkRecord<PatternMatch<Ev>>[] = [];
    const app = defineApp('cep', (a) => {
      const input = a.topic<Ev>('events', {
        partitions: 2,
        key: (e) => e.key,
        time: (e) => e.ts,
        outOfOrderness: 30,
      });
      const late = a.topic<Ev>('late', { partitions: 1 });
      input
        .keyedStream<string>()
        .pattern(abc, { name: 'abc', late })
        .sink({ write: (records) => void out.push(...records) });
    });
    await createAppTopics(app, t.log);
    // Arrival order: b1 before a1 (reordered by the watermark), then a late a2 (behind c1's watermark).
    await produce(t.log, 'events', events('b1@10/u a1@0/u x@15/v c1@100/u a2@5/u b9@110/v'));
    await (await runApp(app, { log: t.log, bounded: true })).done;
    assert.deepEqual(
      out.map((r) => [r.key, render(r.value), r.value.pattern, r.value.start, r.value.end, r.timestamp]),
      [['u', 'a1 b1 c1', 'abc', 0, 100, 100]],
    );
    assert.deepEqual(out[0].value.events, {
      a: [{ id: 'a1', kind: 'a', v: 0, ts: 0, key: 'u' }],
      b: [{ id: 'b1', kind: 'b', v: 0, ts: 10, key: 'u' }],
      c: [{ id: 'c1', kind: 'c', v: 0, ts: 100, key: 'u' }],
    });
    const late = (await readAll(t.log, 'late')).map((r) => JSON.parse(Buffer.from(r.value!).toString()).id);
    assert.deepEqual(late, ['a2']);
  });

  it('keeps partial matches and waiting records across a restart, and writes matches to a topic', async () => {
    const app = defineApp('cep', (a) => {
      const input = a.topic<Ev>('events', {
        partitions: 1,
        key: (e) => e.key,
        time: (e) => e.ts,
        outOfOrderness: 20,
      });
      const matches = a.topic<PatternMatch<Ev, string>>('matches', { partitions: 1 });
      input.keyedStream<string>().pattern(abc).to(matches);
    });
    await createAppTopics(app, t.log);
    const matched = async () =>
      (await readAll(t.log, 'matches')).map((r) => render(JSON.parse(Buffer.from(r.value!).toString())));

    let running = await runApp(app, { log: t.log });
    // a1 b1 are a partial match; b2@25 is still waiting for the watermark (max 30 - 20 = 10).
    await produce(t.log, 'events', events('a1@0 b1@5 b2@25 a2@30'));
    await new Promise((r) => setTimeout(r, 200));
    await running.stop();
    assert.deepEqual(await matched(), []);

    running = await runApp(app, { log: t.log });
    await produce(t.log, 'events', events('c1@40 c2@100'));
    await until(async () => (await matched()).length >= 1, 'the match');
    await running.stop();
    assert.deepEqual(await matched(), ['a1 b1 c1']);
  });
});
