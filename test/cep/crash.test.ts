/**
 * CEP crash test: the app of `crash-app.ts` (a pattern with partial matches spanning many records,
 * plus runtime rules) is killed with SIGKILL at 10 random moments while partial matches are open and
 * restarted each time; every output topic must equal an uninterrupted run's, record for record — no
 * match lost, none repeated.
 */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { addRule } from '../../src/cep/index.ts';
import { createAppTopics } from '../../src/dataflow/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import { committedShare, random, runChild } from '../helpers/crash.ts';
import { readAll } from '../helpers/temp-log.ts';
import { type Click, cepCrashApp } from './crash-app.ts';

const RECORDS = 300_000;
const KILLS = 10;
const fixture = join(import.meta.dirname, 'crash-app.ts');
const OUTPUTS = ['matches', 'cepcrash.alerts', 'cepcrash.alerts.count', 'cepcrash.alerts.absence'];

async function prepare(path: string): Promise<void> {
  const log = await openEmbeddedLog({ path });
  await createAppTopics(cepCrashApp, log);
  await addRule(log, 'cepcrash', {
    id: 'count',
    steps: [{ name: 'high', where: { field: 'v', op: '>=', value: 7 }, times: 3 }],
    within: 200,
    skip: 'skipPastLastEvent',
  });
  await addRule(log, 'cepcrash', {
    id: 'absence',
    steps: [
      { name: 'b', where: { field: 'kind', op: '==', value: 'b' } },
      { name: 'noC', absent: true, where: { field: 'kind', op: '==', value: 'c' } },
    ],
    within: 150,
    timeouts: true,
  });
  const rnd = random(42);
  const kinds: Click['kind'][] = ['a', 'b', 'b', 'c', 'x'];
  for (let i = 0; i < RECORDS; i += 10_000) {
    const batch = [];
    for (let j = i; j < i + 10_000; j++) {
      // Mostly increasing time with disorder within the 50 ms bound.
      const c: Click = {
        id: j,
        user: Math.floor(rnd() * 40),
        kind: kinds[Math.floor(rnd() * kinds.length)],
        v: Math.floor(rnd() * 10),
        ts: j * 2 + Math.floor(rnd() * 40),
      };
      batch.push({
        key: Buffer.from(String(c.user)),
        value: Buffer.from(JSON.stringify(c)),
        timestamp: c.ts,
      });
    }
    await log.append('clicks', batch);
  }
  await log.close();
}

const progress = committedShare('cepcrash.patterns', 'clicks', RECORDS);
const run = (path: string, share?: number) =>
  runChild(fixture, path, share === undefined ? undefined : { share, progress });

/** Every output topic's records as sorted `timestamp value` lines. */
async function outputs(path: string): Promise<Record<string, string[]>> {
  const log = await openEmbeddedLog({ path });
  const out: Record<string, string[]> = {};
  for (const topic of OUTPUTS) {
    out[topic] = (await readAll(log, topic))
      .map((r) => `${r.timestamp} ${Buffer.from(r.value!).toString()}`)
      .sort();
  }
  await log.close();
  return out;
}

describe('CEP crash test: SIGKILL with partial matches open', { timeout: 600_000 }, () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'streamsight-cep-crash-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('neither loses nor repeats a match', async () => {
    const reference = join(dir, 'reference');
    const crashed = join(dir, 'crashed');
    await prepare(reference);
    await prepare(crashed);

    await run(reference);
    const expected = await outputs(reference);
    const matches = expected.matches.filter((m) => !m.includes('"timedOut"'));
    assert.ok(matches.length > 200, `expected many matches, got ${matches.length}`);
    assert.ok(expected.matches.length - matches.length > 200, 'expected many timed-out partial matches');
    assert.ok(expected['cepcrash.alerts.count'].length > 200, 'expected many count-rule alerts');
    assert.ok(expected['cepcrash.alerts.absence'].length > 200, 'expected many absence-rule alerts');
    for (const topic of OUTPUTS) {
      assert.equal(
        new Set(expected[topic]).size,
        expected[topic].length,
        `the reference ${topic} has duplicates`,
      );
    }

    // Kill points: 10 random shares of the input, in order, each ahead of the last commit.
    const rnd = random(7);
    const points = Array.from({ length: KILLS }, () => 0.05 + rnd() * 0.9).sort((a, b) => a - b);
    let killedMidStream = 0;
    for (const point of points) {
      const { killed } = await run(crashed, point);
      if (killed) killedMidStream++;
    }
    await run(crashed);
    const actual = await outputs(crashed);

    assert.equal(killedMidStream, KILLS, `only ${killedMidStream} of ${KILLS} kills hit a running child`);
    for (const topic of OUTPUTS) {
      const got = new Set(actual[topic]);
      const missing = expected[topic].filter((r) => !got.has(r));
      assert.equal(
        actual[topic].length,
        expected[topic].length,
        `${topic}: ${actual[topic].length} records vs ${expected[topic].length}; missing e.g. ${missing.slice(0, 2)}`,
      );
      assert.deepEqual(actual[topic], expected[topic], topic);
    }
  });
});
