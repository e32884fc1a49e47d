import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { createAppTopics, runApp } from '../../src/dataflow/index.ts';
import { runAppOnWorkers } from '../../src/dataflow/workers.ts';
import { type Log, openEmbeddedLog } from '../../src/log/index.ts';
import { crashApp } from '../fixtures/crash-app.ts';
import { readAll } from '../helpers/temp-log.ts';

const fixture = pathToFileURL(join(import.meta.dirname, '..', 'fixtures', 'crash-app.ts')).href;

async function prepare(path: string): Promise<Log> {
  const log = await openEmbeddedLog({ path });
  await createAppTopics(crashApp, log);
  const enc = new TextEncoder();
  const batch = [];
  for (let i = 0; i < 20_000; i++) {
    const r = { device: (i * 7919) % 97, value: i % 13, ts: i * 3 };
    batch.push({ key: enc.encode(String(r.device)), value: enc.encode(JSON.stringify(r)), timestamp: r.ts });
  }
  await log.append('readings', batch);
  return log;
}

async function totals(log: Log): Promise<string[]> {
  const dec = new TextDecoder();
  return (await readAll(log, 'totals')).map((r) => dec.decode(r.value!)).sort();
}

describe('worker threads', { timeout: 120_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamsight-workers-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('two worker threads produce what one thread produces', async () => {
    const single = await prepare(join(dir, 'single'));
    await (await runApp(crashApp, { log: single, bounded: true })).done;
    const expected = await totals(single);
    await single.close();

    const path = join(dir, 'threads');
    const log = await prepare(path);
    const running = await runAppOnWorkers({
      appModule: fixture,
      exportName: 'crashApp',
      log,
      logPath: path,
      workers: 2,
      bounded: true,
    });
    await running.done;
    const tasks = running.metrics();
    assert.equal(tasks.length, 8, 'all 8 tasks (2 stages × 4 partitions) reported metrics');
    assert.ok(tasks.every((m) => m.finished));
    assert.deepEqual(await totals(log), expected);
    assert.ok(expected.length > 100);
    await log.close();
  });
});
