/**
 * Feeds the `connections` topic: replays an NSL-KDD file with the file-replay producer, in blocks as
 * STREAMER does (it sends 50 records every 10 s: `streamsight run intrusion-detection --rate 5`), or,
 * when no file is found, generates synthetic connections with the same schema.
 *
 * The simulator resumes where the topic stopped (records already in it are skipped), and starts the
 * file over when it reaches its end, so the demo keeps running; from the second pass on the model
 * sees records it has learned before, so only the first pass's metrics are a fair test.
 */

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  FileReplay,
  isStreamsightError,
  jsonCodec,
  type Log,
  type Simulator,
  StreamsightError,
} from '../../src/index.ts';
import { COLUMNS } from './schema.ts';
import { SyntheticConnections } from './synthetic.ts';

export const TOPIC = 'connections';
const FILE_NAME = 'KDDTrain+_20Percent.txt';

/**
 * The NSL-KDD file to replay: `$STREAMSIGHT_NSL_KDD`, else `KDDTrain+_20Percent.txt` in
 * `$STREAMSIGHT_SHARED_DIR/data/nsl-kdd/` or in `../shared/data/nsl-kdd/` beside the checkout;
 * undefined when none exists.
 *
 * @example
 * nslKddFile(); // '/work/shared/data/nsl-kdd/KDDTrain+_20Percent.txt'
 */
export function nslKddFile(): string | undefined {
  const candidates = [
    process.env.STREAMSIGHT_NSL_KDD,
    process.env.STREAMSIGHT_SHARED_DIR &&
      join(process.env.STREAMSIGHT_SHARED_DIR, 'data', 'nsl-kdd', FILE_NAME),
    join(import.meta.dirname, '..', '..', '..', 'shared', 'data', 'nsl-kdd', FILE_NAME),
  ];
  return candidates.find((p): p is string => typeof p === 'string' && p !== '' && existsSync(p));
}

export interface ConnectionsSimulatorOptions {
  /** The NSL-KDD file; default `nslKddFile()`; null: always synthetic. */
  path?: string | null;
  /** Records per block (50, as STREAMER). */
  recordsPerBlock?: number;
  /** Start the file over at its end (true). */
  loop?: boolean;
  /** Seed of the synthetic generator (1). */
  seed?: number;
}

/**
 * The simulator `streamsight run` starts. `rate` (records/s, default 200) sets the block interval:
 * blocks of `recordsPerBlock` every `recordsPerBlock / rate` seconds.
 *
 * @example
 * await connectionsSimulator({ path: 'KDDTest+.txt', loop: false }).run(log, { signal, rate: 5 });
 */
export function connectionsSimulator(options: ConnectionsSimulatorOptions = {}): Simulator {
  const block = options.recordsPerBlock ?? 50;
  if (!Number.isInteger(block) || block < 1) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'connections simulator: recordsPerBlock must be a positive integer',
      {
        details: { option: 'recordsPerBlock', value: block },
      },
    );
  }
  return {
    name: TOPIC,
    async run(log, { signal, rate = 200 }) {
      const path = options.path === undefined ? nslKddFile() : options.path;
      const intervalMs = (block * 1000) / rate;
      const d = await log.describeTopic(TOPIC);
      const already = d.partitions.reduce((n, p) => n + p.endOffset, 0);
      if (path === null || path === undefined) {
        await synthetic(log, signal, rate, already, options.seed ?? 1);
        return;
      }
      const rows = (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '').length;
      let skip = rows === 0 ? 0 : already % rows;
      while (!signal.aborted) {
        try {
          await new FileReplay(log, {
            path,
            format: 'csv',
            csv: { columns: COLUMNS, cast: true },
            topics: TOPIC,
            key: 'service',
            skipLines: skip,
            mode: { type: 'block', recordsPerBlock: block, intervalMs },
            signal,
            progressBar: false,
            onMalformed: (m) =>
              process.stderr.write(`${path}:${m.lineNumber}: skipped (${m.code}): ${m.message}\n`),
          }).run();
        } catch (err) {
          if (isStreamsightError(err, 'SS_ERR_ABORTED')) return;
          throw err;
        }
        skip = 0;
        if (options.loop === false) return;
      }
    },
  };
}

/** Synthetic connections at `rate` records/s, continuing the seeded sequence after `already`. */
async function synthetic(log: Log, signal: AbortSignal, rate: number, already: number, seed: number) {
  const gen = new SyntheticConnections({ seed });
  for (let i = 0; i < already; i++) gen.next();
  const tickMs = 250;
  let due = Date.now();
  let carry = 0;
  while (!signal.aborted) {
    carry += (rate * tickMs) / 1000;
    const n = Math.floor(carry);
    carry -= n;
    if (n > 0) {
      const batch = [];
      for (let i = 0; i < n; i++) {
        const c = gen.next();
        batch.push({ key: new TextEncoder().encode(c.service), value: jsonCodec.encode(c), partition: 0 });
      }
      await log.append(TOPIC, batch);
    }
    due += tickMs;
    const wait = due - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
}
