import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  count,
  createAppTopics,
  defineApp,
  hopping,
  type MemoryView,
  runApp,
  session,
  sum,
  tumbling,
  type WindowResult,
} from '../../src/dataflow/index.ts';
import { produceJson, readAll, type TempLog, tempLog } from '../helpers/temp-log.ts';

interface Ev {
  k: string;
  ts: number;
  v?: number;
}

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

/** Runs `build` bounded over `events` (all in partition 0) and returns the view's rows sorted. */
async function windowed(
  build: (s: any) => MemoryView<WindowResult<string, unknown>>,
  events: Ev[],
  topicOptions: { outOfOrderness?: number } = {},
  keyed = false,
) {
  let view!: MemoryView<WindowResult<string, unknown>>;
  const app = defineApp('w', (a) => {
    const events = a.topic<Ev>('events', {
      partitions: 1,
      time: (e) => e.ts,
      key: (e) => e.k,
      ...topicOptions,
    });
    view = build(keyed ? events.keyedStream() : events.stream());
  });
  await createAppTopics(app, t.log);
  await produceJson(t.log, 'events', events);
  const running = await runApp(app, { log: t.log, bounded: true });
  await running.done;
  const rows = [...view.rows().values()].map((r) => [r.key, r.start, r.end, r.value]);
  rows.sort((a, b) => String(a[0]).localeCompare(String(b[0])) || (a[1] as number) - (b[1] as number));
  return { rows, app };
}

describe('tumbling windows', () => {
  it('counts per key and window, [start, end)', async () => {
    const { rows } = await windowed(
      (s: any) =>
        s
          .keyBy((e: Ev) => e.k)
          .window(tumbling({ size: 1000 }))
          .aggregate(count())
          .toView('v'),
      [
        { k: 'a', ts: 0 },
        { k: 'a', ts: 500 },
        { k: 'b', ts: 999 },
        { k: 'a', ts: 1000 },
        { k: 'a', ts: 2500 },
      ],
    );
    assert.deepEqual(rows, [
      ['a', 0, 1000, 2],
      ['a', 1000, 2000, 1],
      ['a', 2000, 3000, 1],
      ['b', 0, 1000, 1],
    ]);
  });
});

describe('hopping windows', () => {
  it('puts each record in size/every windows', async () => {
    const { rows } = await windowed(
      (s: any) =>
        s
          .keyBy((e: Ev) => e.k)
          .window(hopping({ size: 10, every: 5 }))
          .aggregate(sum((e: Ev) => e.v ?? 0))
          .toView('v'),
      [
        { k: 'a', ts: 1, v: 1 },
        { k: 'a', ts: 6, v: 10 },
        { k: 'a', ts: 12, v: 100 },
      ],
    );
    // Windows containing 1: [-5,5), [0,10); 6: [0,10), [5,15); 12: [5,15), [10,20).
    assert.deepEqual(rows, [
      ['a', -5, 5, 1],
      ['a', 0, 10, 11],
      ['a', 5, 15, 110],
      ['a', 10, 20, 100],
    ]);
  });
});

describe('session windows', () => {
  it('closes a session after the gap and merges bridging records', async () => {
    const { rows } = await windowed(
      (s: any) =>
        s
          .keyBy((e: Ev) => e.k)
          .window(session({ gap: 10 }))
          .aggregate(count())
          .toView('v'),
      [
        { k: 'a', ts: 0 },
        { k: 'a', ts: 5 },
        { k: 'a', ts: 30 },
        { k: 'b', ts: 3 },
        { k: 'a', ts: 20 }, // bridges [0,15) and [30,40)? no: [20,30) touches [30,40) only at the edge
        { k: 'a', ts: 14 }, // bridges [0,15) and [20,30)
      ],
      { outOfOrderness: 100 },
    );
    assert.deepEqual(rows, [
      ['a', 0, 30, 4],
      ['a', 30, 40, 1],
      ['b', 3, 13, 1],
    ]);
  });
});

describe('out-of-order input and late data', () => {
  it('accepts disorder within the bound, sends records beyond it to the dead letters', async () => {
    const { rows, app } = await windowed(
      (s: any) =>
        s
          .window(tumbling({ size: 10 }))
          .aggregate(count())
          .toView('v'),
      [
        { k: 'a', ts: 5 },
        { k: 'a', ts: 25 }, // watermark 25 - 10 = 15: window [0,10) fires
        { k: 'a', ts: 8 }, // late: [0,10) closed
        { k: 'a', ts: 16 }, // within the bound: [10,20) still open
      ],
      { outOfOrderness: 10 },
      true,
    );
    assert.deepEqual(rows, [
      ['a', 0, 10, 1],
      ['a', 10, 20, 1],
      ['a', 20, 30, 1],
    ]);
    const dead = await readAll(t.log, app.deadLetterTopic.name);
    assert.equal(dead.length, 1);
    assert.equal(dead[0].headers['ss-code'], 'SS_ERR_LATE_RECORD');
    assert.equal(dead[0].headers['ss-offset'], '2');
  });

  it('catches late records before a repartition too (pre-aggregation decides lateness per record)', async () => {
    const { rows, app } = await windowed(
      (s: any) =>
        s
          .keyBy((e: Ev) => e.k)
          .window(tumbling({ size: 10 }))
          .aggregate(count())
          .toView('v'),
      [
        { k: 'a', ts: 5 },
        { k: 'a', ts: 25 },
        { k: 'a', ts: 8 },
        { k: 'a', ts: 16 },
      ],
      { outOfOrderness: 10 },
    );
    assert.deepEqual(rows, [
      ['a', 0, 10, 1],
      ['a', 10, 20, 1],
      ['a', 20, 30, 1],
    ]);
    const dead = await readAll(t.log, app.deadLetterTopic.name);
    assert.deepEqual(
      dead.map((d) => [d.headers['ss-code'], d.headers['ss-offset']]),
      [['SS_ERR_LATE_RECORD', '2']],
    );
  });

  it('updates a fired window within the allowed lateness', async () => {
    const updates: Array<[number, unknown]> = [];
    const { rows } = await windowed(
      (s: any) => {
        const v = s
          .window(tumbling({ size: 10 }), { allowedLateness: 20 })
          .aggregate(count())
          .toView('v');
        v.onChange((changes: Array<{ record: { value: WindowResult<string, number> } }>) => {
          for (const c of changes) updates.push([c.record.value.start, c.record.value.value]);
        });
        return v;
      },
      [
        { k: 'a', ts: 5 },
        { k: 'a', ts: 15 }, // watermark 15: [0,10) fires with 1
        { k: 'a', ts: 7 }, // late but allowed: [0,10) re-emitted with 2
        { k: 'a', ts: 40 }, // watermark 40 ≥ 10 + 20: [0,10) gone for good
        { k: 'a', ts: 9 }, // too late
      ],
      {},
      true,
    );
    assert.deepEqual(rows[0], ['a', 0, 10, 2]);
    assert.deepEqual(
      updates.filter(([start]) => start === 0),
      [
        [0, 1],
        [0, 2],
      ],
    );
  });
});

describe('top-k over hopping windows', () => {
  interface Hit {
    k: string;
    ts: number;
  }
  const hits: Hit[] = Array.from({ length: 3000 }, (_, i) => ({ k: `k${(i * 7919) % 13}`, ts: i * 3 }));

  function topApp(out: string[]) {
    return defineApp('top', (a) => {
      const topic = a.topic<Hit>('hits', { partitions: 1, time: (h) => h.ts });
      topic
        .stream()
        .keyBy((h) => h.k)
        .window(hopping({ size: 100, every: 20 }))
        .aggregate(count())
        .topK(2, { by: (r) => r.value, withTies: true })
        .sink({ write: (rs) => void out.push(...rs.map((r) => JSON.stringify(r.value))) });
    });
  }

  it('gives the same windows when stopped and restarted mid-stream', async () => {
    const expected: string[] = [];
    const whole = topApp(expected);
    await createAppTopics(whole, t.log);
    await produceJson(t.log, 'hits', hits);
    await (await runApp(whole, { log: t.log, bounded: true })).done;
    assert.ok(expected.length > 100);

    const other = await tempLog();
    try {
      const actual: string[] = [];
      const first = topApp(actual);
      await createAppTopics(first, other.log);
      await produceJson(other.log, 'hits', hits.slice(0, 1700));
      const running = await runApp(first, { log: other.log });
      const deadline = Date.now() + 10_000;
      while (running.metrics().reduce((n, m) => n + m.recordsIn, 0) < 1700 && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 10));
      }
      await running.stop();
      await produceJson(other.log, 'hits', hits.slice(1700));
      await (await runApp(topApp(actual), { log: other.log, bounded: true })).done;
      assert.deepEqual(actual.sort(), expected.sort());
    } finally {
      await other.cleanup();
    }
  });
});
