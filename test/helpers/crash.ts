/**
 * Shared machinery of the crash tests: a seeded random generator and a child-process runner that
 * SIGKILLs the child once its committed progress reaches a given share, so every kill lands
 * mid-stream however fast or loaded the machine is.
 */

import { spawn } from 'node:child_process';
import { type Log, openEmbeddedLog } from '../../src/log/index.ts';

/** Deterministic pseudo-random numbers in [0, 1) (mulberry32). */
export function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let x = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    x = (x + Math.imul(x ^ (x >>> 7), 61 | x)) ^ x;
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296;
  };
}

/** The share of `records` input records a consumer group has committed on a topic. */
export function committedShare(group: string, topic: string, records: number): (log: Log) => Promise<number> {
  return async (log) => {
    const committed = await log.committedOffsets(group, topic);
    return [...committed.values()].reduce((n, o) => n + o, 0) / records;
  };
}

/**
 * Runs `fixture` with the log path as its argument. With `killAt`, watches the child's progress (LMDB
 * lets this process read while the child writes) and SIGKILLs it once `progress` reaches `killAt`.
 */
export async function runChild(
  fixture: string,
  path: string,
  killAt?: { share: number; progress: (log: Log) => Promise<number> },
): Promise<{ killed: boolean }> {
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
      if ((await killAt.progress(log)) >= killAt.share) {
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
