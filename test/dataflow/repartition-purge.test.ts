/**
 * Repartition topics are purged: a task deletes the records of its repartition inputs once it has
 * committed past them, so internal topics do not grow for as long as an app runs. A run that purges
 * after every checkpoint must give the results of one that never purges (30 s default, longer than
 * the run), and leave its repartition partitions starting where their readers stand.
 */

import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it } from 'node:test';
import { compilePipeline } from '../../src/dataflow/compile.ts';
import {
  count,
  createAppTopics,
  defineApp,
  type MemoryView,
  runApp,
  tumbling,
  type WindowResult,
} from '../../src/dataflow/index.ts';
import { StreamsightError } from '../../src/errors/index.ts';
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

async function run(name: string, events: Ev[], repartitionPurgeIntervalMs: number | undefined) {
  let view!: MemoryView<WindowResult<string, number>>;
  const app = defineApp(name, (a) => {
    const source = a.topic<Ev>(`${name}.events`, { partitions: 2, time: (e) => e.ts, key: (e) => e.k });
    // Not a window right behind the keyBy (that would be pre-aggregated): every record crosses.
    view = source
      .stream()
      .keyBy((e) => e.k)
      .map((e) => ({ ...e, k2: e.k }))
      .keyBy((e) => e.k2)
      .window(tumbling({ size: 1000 }))
      .aggregate(count())
      .toView('counts');
  });
  await createAppTopics(app, t.log);
  await produceJson(t.log, `${name}.events`, events.slice(0, events.length / 2), 0);
  await produceJson(t.log, `${name}.events`, events.slice(events.length / 2), 1);
  const running = await runApp(app, {
    log: t.log,
    bounded: true,
    fetchMaxRecords: 50,
    repartitionPurgeIntervalMs,
  });
  await running.done;
  const group = `${name}.${app.pipelines[0].name}`;
  const internal = compilePipeline(app, app.pipelines[0]).internalTopics;
  const partitions: { start: number; end: number; committed: number }[] = [];
  for (const topic of internal) {
    const committed = await t.log.committedOffsets(group, topic.name);
    for (const p of (await t.log.describeTopic(topic.name)).partitions)
      partitions.push({ start: p.startOffset, end: p.endOffset, committed: committed.get(p.partition) ?? 0 });
  }
  const rows = [...view.rows().values()].map((r) => `${r.key}@${r.start}=${r.value}`).sort();
  return { rows, partitions };
}

describe('repartition purge', () => {
  it('deletes what the readers committed past, with the results of a run that keeps everything', async () => {
    const events: Ev[] = [];
    for (let i = 0; i < 3000; i++) events.push({ k: `k${i % 11}`, ts: i * 13 });
    const kept = await run('kept', events, undefined);
    const purged = await run('purged', events, 0);
    assert.ok(kept.rows.length > 50);
    assert.deepEqual(purged.rows, kept.rows);
    // Never purged: every partition starts at 0. Purged: the records below the committed position are
    // gone (the embedded log deletes whole batches, so the start may stay a little behind).
    assert.ok(kept.partitions.every((p) => p.start === 0));
    const purgedRecords = purged.partitions.reduce((n, p) => n + p.start, 0);
    const all = purged.partitions.reduce((n, p) => n + p.end, 0);
    assert.ok(purgedRecords > all / 2, `${purgedRecords} of ${all} records purged`);
    for (const p of purged.partitions) assert.ok(p.start <= p.committed, 'nothing unread is deleted');
  });

  it('rejects a negative interval', async () => {
    const app = defineApp('bad', (a) => {
      a.topic<Ev>('bad.events', { partitions: 1 }).stream().toView('v');
    });
    await assert.rejects(
      runApp(app, { log: t.log, repartitionPurgeIntervalMs: -1 }),
      (err: unknown) => err instanceof StreamsightError && err.code === 'SS_ERR_INVALID_OPTION',
    );
  });
});
