/**
 * Crash test: a windowed aggregation over 200,000 records is killed with SIGKILL at 10 random moments
 * and restarted each time; its output must equal an uninterrupted run's, record for record.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppTopics } from '../../src/dataflow/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import { crashApp, type Reading } from '../fixtures/crash-app.ts';
import { committedShare, random, runChild } from '../helpers/crash.ts';
import { readAll } from '../helpers/temp-log.ts';

const RECORDS = 200_000;
const KILLS = 10;
const fixture = join(import.meta.dirname, '..', 'fixtures', 'crash-app.ts');

async function prepare(path: string): Promise<void> {
  const log = await openEmbeddedLog({ path });
  await createAppTopics(crashApp, log);
  const rnd = random(42);
  const enc = new TextEncoder();
  for (let i = 0; i < RECORDS; i += 10_000) {
    const batch = [];
    for (let j = i; j < i + 10_000; j++) {
      // Mostly increasing time with a little disorder (within the 50 ms bound).
      const r: Reading = {
        device: Math.floor(rnd() * 500),
        value: Math.floor(rnd() * 100),
        ts: j * 2 + Math.floor(rnd() * 40),
      };
      batch.push({
        key: enc.encode(String(r.device)),
        value: enc.encode(JSON.stringify(r)),
        timestamp: r.ts,
      });
    }
    await log.append('readings', batch);
  }
  await log.close();
}

const progress = committedShare('crash.totals', 'readings', RECORDS);
const run = (path: string, share?: number) =>
  runChild(fixture, path, share === undefined ? undefined : { share, progress });

async function output(path: string): Promise<string[]> {
  const log = await openEmbeddedLog({ path });
  const dec = new TextDecoder();
  const rows = (await readAll(log, 'totals')).map((r) => dec.decode(r.value!));
  await log.close();
  return rows.sort();
}

describe('crash test: SIGKILL at random moments', { timeout: 600_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamsight-crash-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('produces exactly the output of an uninterrupted run', async () => {
    const reference = join(dir, 'reference');
    const crashed = join(dir, 'crashed');
    await prepare(reference);
    await prepare(crashed);

    await run(reference);
    const expected = await output(reference);
    assert.ok(expected.length > 1000, `expected many window results, got ${expected.length}`);
    assert.equal(new Set(expected).size, expected.length, 'the reference output has duplicates');

    // Kill points: 10 random shares of the input, in order, each ahead of the last commit.
    const rnd = random(7);
    const points = Array.from({ length: KILLS }, () => 0.05 + rnd() * 0.9).sort((a, b) => a - b);
    let killedMidStream = 0;
    for (const point of points) {
      const { killed } = await run(crashed, point);
      if (killed) killedMidStream++;
    }
    await run(crashed);
    const actual = await output(crashed);

    assert.equal(killedMidStream, KILLS, `only ${killedMidStream} of ${KILLS} kills hit a running child`);
    const missing = expected.filter((r) => !actual.includes(r));
    assert.equal(
      actual.length,
      expected.length,
      `${actual.length} rows vs ${expected.length}; missing e.g. ${missing.slice(0, 3)}`,
    );
    assert.deepEqual(actual, expected);
  });
});
