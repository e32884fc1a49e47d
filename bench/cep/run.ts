/**
 * The CEP benchmark: a 3-step sequence per bidder over Nexmark bids, on one worker thread (the
 * calling thread), decoding from the log included — like `bench/nexmark/run-query.ts` in throughput
 * mode. `events` bids (JSON, one partition keyed by bidder, event time = dateTime with the Nexmark
 * DDL's 4 s out-of-orderness) are appended to a fresh embedded log first (not timed); then the app
 * runs bounded over them and the clock measures the run from start to the last commit.
 *
 * The pattern, "price escalation": a bid under $10, then (relaxed) a bid at least 10× higher, then a
 * bid at least 10× higher again, all within 10 s of event time, skipping past each match's last event.
 *
 * Run: node bench/cep/run.ts [events]   or   streamsight bench cep --events N --json
 */

import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createAppTopics,
  defineApp,
  jsonCodec,
  pattern,
  runApp,
  skipPastLastEvent,
} from '../../src/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';
import { NexmarkGenerator } from '../nexmark/generator.ts';
import type { Bid } from '../nexmark/model.ts';

export interface CepBenchResult {
  events: number;
  seconds: number;
  eventsPerSecond: number;
  matches: number;
}

/** The benchmark's pattern (exported for its test). */
export const escalation = pattern<Bid>('cheap', { skip: skipPastLastEvent() })
  .where((b) => b.price < 1_000)
  .followedBy('higher')
  .where((b, ctx) => b.price >= 10 * ctx.last('cheap')!.price)
  .followedBy('highest')
  .where((b, ctx) => b.price >= 10 * ctx.last('higher')!.price)
  .within('10s');

/**
 * Runs the benchmark over `events` bids.
 *
 * @example
 * const { eventsPerSecond } = await runCepBench(1_000_000);
 */
export async function runCepBench(events: number): Promise<CepBenchResult> {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-cep-bench-'));
  const log = await openEmbeddedLog({ path: join(dir, 'log') });
  try {
    let matches = 0;
    const app = defineApp('cep-bench', (a) => {
      const bids = a.topic<Bid>('bids', {
        partitions: 1,
        key: (b) => b.bidder,
        time: (b) => b.dateTime,
        outOfOrderness: 4000,
      });
      bids
        .keyedStream<number>()
        .pattern(escalation, { name: 'escalation' })
        .sink({
          write(records) {
            matches += records.length;
          },
        });
    });
    await createAppTopics(app, log);
    const generator = new NexmarkGenerator({ seed: 1 });
    let appended = 0;
    let batch: { value: Uint8Array; timestamp: number; partition: number }[] = [];
    for (const e of generator.events()) {
      if (appended >= events) break;
      if (e.type !== 'bid') continue;
      batch.push({ value: jsonCodec.encode(e.bid), timestamp: e.bid.dateTime, partition: 0 });
      appended++;
      if (batch.length === 8192 || appended === events) {
        await log.append('bids', batch);
        batch = [];
      }
    }
    const started = performance.now();
    const running = await runApp(app, { log, bounded: true });
    await running.done;
    const seconds = (performance.now() - started) / 1000;
    return { events, seconds, eventsPerSecond: Math.round(events / seconds), matches };
  } finally {
    await log.close();
    await rm(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === import.meta.filename) {
  const events = Number(process.argv[2] ?? 1_000_000);
  process.stdout.write(`${JSON.stringify(await runCepBench(events))}\n`);
}
