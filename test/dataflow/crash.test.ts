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
import { openEmbeddedLog } from '../../src/log/index.ts';
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

interface ChildRun {
  killed: boolean;
  /** From "ready" (state restored, tasks running) to exit. */
  processingMs: number;
}

/** Runs the app in a child; with `killAfterMs`, SIGKILLs it that long after it reports ready. */
function runChild(path: string, killAfterMs?: number): Promise<ChildRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [fixture, path], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    let readyAt = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.on('data', (d) => {
      if (readyAt === 0 && String(d).includes('ready')) {
        readyAt = Date.now();
        if (killAfterMs !== undefined) timer = setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      }
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const processingMs = readyAt === 0 ? 0 : Date.now() - readyAt;
      if (signal === 'SIGKILL') resolve({ killed: true, processingMs });
      else if (code !== 0) reject(new Error(`child failed (${code}): ${stderr}`));
      else resolve({ killed: false, processingMs });
    });
  });
}

/** Share of the input the pipeline's first stage has committed. */
async function progress(path: string): Promise<number> {
  const log = await openEmbeddedLog({ path });
  const committed = await log.committedOffsets('crash.totals', 'readings');
  await log.close();
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

    const { processingMs } = await runChild(reference);
    const expected = await output(reference);
    assert.ok(expected.length > 1000, `expected many window results, got ${expected.length}`);
    assert.equal(new Set(expected).size, expected.length, 'the reference output has duplicates');

    // Each kill lands at a random moment of the work that is left, so every run is cut mid-stream.
    const rnd = random(7);
    let killedMidStream = 0;
    for (let i = 0; i < KILLS; i++) {
      const left = Math.max(0.05, 1 - (await progress(crashed)));
      const { killed } = await runChild(crashed, Math.floor(rnd() * processingMs * left));
      if (killed) killedMidStream++;
    }
    await runChild(crashed);
    const actual = await output(crashed);

    assert.ok(killedMidStream >= KILLS / 2, `only ${killedMidStream} of ${KILLS} kills hit a running child`);
    const missing = expected.filter((r) => !actual.includes(r));
    assert.equal(
      actual.length,
      expected.length,
      `${actual.length} rows vs ${expected.length}; missing e.g. ${missing.slice(0, 3)}`,
    );
    assert.deepEqual(actual, expected);
  });
});
