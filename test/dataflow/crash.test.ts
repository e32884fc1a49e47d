/**
 * Crash test: a windowed aggregation over 200,000 records is killed with SIGKILL at 10 random moments
 * and restarted each time; its output must equal an uninterrupted run's, record for record.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createAppTopics } from '../../src/dataflow/index.ts';
import { type Log, openEmbeddedLog } from '../../src/log/index.ts';
import { crashApp, type Reading } from '../fixtures/crash-app.ts';
import { readAll } from '../helpers/temp-log.ts';

const RECORDS = 200_000;
const KILLS = 10;
const fixture = join(import.meta.dirname, '..', 'fixtures', 'crash-app.ts');

/** Deterministic pseudo-random numbers (mulberry32). */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

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

/**
 * Runs the app in a child process. With `killAt`, watches the input the child has committed (LMDB lets
 * this process read while the child writes) and SIGKILLs it once that share reaches `killAt`, so every
 * kill lands mid-stream, at a random point of the work, however fast or loaded the machine is.
 */
async function runChild(path: string, killAt?: number): Promise<{ killed: boolean }> {
  const child = spawn(process.execPath, [fixture, path], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => resolve({ code, signal }));
  });
  if (killAt !== undefined) {
    const log = await openEmbeddedLog({ path });
    let running = true;
    void exited.then(() => {
      running = false;
    });
    while (running) {
      if ((await progress(log)) >= killAt) {
        child.kill('SIGKILL');
        break;
      }
      await new Promise((r) => setTimeout(r, 2));
    }
    await log.close();
  }
  const { code, signal } = await exited;
  if (signal === 'SIGKILL') return { killed: true };
  if (code !== 0) throw new Error(`child failed (${code}): ${stderr}`);
  return { killed: false };
}

/** Share of the input the pipeline's first stage has committed. */
async function progress(log: Log): Promise<number> {
  const committed = await log.committedOffsets('crash.totals', 'readings');
  return [...committed.values()].reduce((n, o) => n + o, 0) / RECORDS;
}

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

    await runChild(reference);
    const expected = await output(reference);
    assert.ok(expected.length > 1000, `expected many window results, got ${expected.length}`);
    assert.equal(new Set(expected).size, expected.length, 'the reference output has duplicates');

    // Kill points: 10 random shares of the input, in order, each ahead of the last commit.
    const rnd = random(7);
    const points = Array.from({ length: KILLS }, () => 0.05 + rnd() * 0.9).sort((a, b) => a - b);
    let killedMidStream = 0;
    for (const point of points) {
      const { killed } = await runChild(crashed, point);
      if (killed) killedMidStream++;
    }
    await runChild(crashed);
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
