/** A fresh embedded log in a temporary folder, removed after the test. */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Log, LogRecord } from '../../src/log/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';

export interface TempLog {
  log: Log;
  dir: string;
  cleanup(): Promise<void>;
}

export async function tempLog(): Promise<TempLog> {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-test-'));
  const log = await openEmbeddedLog({ path: join(dir, 'log') });
  return {
    log,
    dir,
    async cleanup() {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Every record of a topic, partition by partition. */
export async function readAll(log: Log, topic: string): Promise<LogRecord[]> {
  const d = await log.describeTopic(topic);
  const out: LogRecord[] = [];
  for (const p of d.partitions) {
    let offset = p.startOffset;
    while (offset < p.endOffset) {
      const r = await log.fetch(topic, p.partition, offset, { maxRecords: 10_000 });
      out.push(...r.records);
      offset = r.nextOffset;
    }
  }
  return out;
}

const encoder = new TextEncoder();

/** Appends JSON values to a topic, each with an explicit partition (default 0). */
export async function produceJson(log: Log, topic: string, values: unknown[], partition = 0): Promise<void> {
  await log.append(
    topic,
    values.map((v) => ({
      value: encoder.encode(JSON.stringify(v)),
      partition,
      timestamp: (v as { ts?: number }).ts ?? 0,
    })),
  );
}
