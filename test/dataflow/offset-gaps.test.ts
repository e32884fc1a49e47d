/**
 * Offsets that hold nothing for readers. Kafka puts commit markers (and aborted transactions) between
 * records, and a broker may answer a fetch with only those: no records, but a `nextOffset` past them.
 * A task must move its position there, or it asks for the same offset forever (the stall the Kafka
 * failover test hit). Here a log wrapper gives every record an empty offset before it (record r of
 * the embedded log is at 2r + 1) and answers a fetch at an empty offset with nothing but the next
 * offset; the results must equal a run on the plain log.
 */

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
import type { FetchOptions, FetchResult, Log, TopicDescription } from '../../src/log/log.ts';
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

/** The log with an empty offset before every record: fetch and describeTopic see offsets 2r + 1. */
function gapped(log: Log): Log {
  const fetch = async (
    topic: string,
    partition: number,
    offset: number,
    options?: FetchOptions,
  ): Promise<FetchResult> => {
    const real = await log.fetch(topic, partition, Math.ceil((offset - 1) / 2), options);
    // An empty offset: nothing to return, only where to go on (as a broker answering with a marker).
    // The answer takes a turn of the event loop, like a network round trip, so a task that keeps
    // asking spins without starving the timers that report the stall.
    if (offset % 2 === 0) await new Promise((resolve) => setImmediate(resolve));
    if (offset % 2 === 0)
      return { records: [], nextOffset: offset + 1, highWatermark: 2 * real.highWatermark };
    return {
      records: real.records.map((r) => ({ ...r, offset: 2 * r.offset + 1 })),
      nextOffset: 2 * real.nextOffset,
      highWatermark: 2 * real.highWatermark,
    };
  };
  const describeTopic = async (name: string): Promise<TopicDescription> => {
    const d = await log.describeTopic(name);
    return {
      ...d,
      partitions: d.partitions.map((p) => ({
        ...p,
        startOffset: 2 * p.startOffset,
        endOffset: 2 * p.endOffset,
      })),
    };
  };
  return new Proxy(log, {
    get(target, name) {
      if (name === 'fetch') return fetch;
      if (name === 'describeTopic') return describeTopic;
      const value = Reflect.get(target, name, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

async function counts(log: Log, name: string, events: Ev[]) {
  let view!: MemoryView<WindowResult<string, number>>;
  const app = defineApp(name, (a) => {
    const source = a.topic<Ev>(`${name}.events`, { partitions: 2, time: (e) => e.ts, key: (e) => e.k });
    view = source
      .stream()
      .keyBy((e) => e.k)
      .window(tumbling({ size: 1000 }))
      .aggregate(count())
      .toView('counts');
  });
  await createAppTopics(app, t.log);
  await produceJson(t.log, `${name}.events`, events.slice(0, events.length / 2), 0);
  await produceJson(t.log, `${name}.events`, events.slice(events.length / 2), 1);
  const running = await runApp(app, { log, bounded: true, fetchMaxRecords: 7 });
  let timer: NodeJS.Timeout | undefined;
  const stalled = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('the run stalled')), 20_000);
  });
  try {
    await Promise.race([running.done, stalled]);
  } finally {
    clearTimeout(timer);
    await running.stop().catch(() => {});
  }
  return [...view.rows().values()].map((r) => `${r.key}@${r.start}=${r.value}`).sort();
}

describe('offsets without records', () => {
  it('a task reads past them, to the same results as without', async () => {
    const events: Ev[] = [];
    for (let i = 0; i < 200; i++) events.push({ k: `k${i % 7}`, ts: i * 37 });
    const plain = await counts(t.log, 'plain', events);
    const withGaps = await counts(gapped(t.log), 'gaps', events);
    assert.ok(plain.length > 20);
    assert.deepEqual(withGaps, plain);
  });
});
