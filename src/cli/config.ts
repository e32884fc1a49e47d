/**
 * Configuration of the CLI, resolved once: flag, then environment variable, then default.
 * Every value is validated here with a coded error naming where it came from.
 */

import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { StreamsightError } from '../errors/index.ts';

export interface Config {
  /** Folder of the embedded log and state (flag --data-dir, env STREAMSIGHT_DATA_DIR, default ./.streamsight). */
  dataDir: string;
  /** Worker threads for `run` (flag --workers, env STREAMSIGHT_WORKERS, default one per core; 0 = run in the main thread). */
  workers: number;
}

export interface ConfigFlags {
  dataDir?: string;
  workers?: string;
}

export function resolveConfig(flags: ConfigFlags, env: NodeJS.ProcessEnv = process.env): Config {
  const log = env.STREAMSIGHT_LOG;
  if (log !== undefined && log !== '' && log !== 'embedded') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `STREAMSIGHT_LOG=${log}: only the embedded log is available in this version (the Kafka adapter is not built yet)`,
    );
  }
  const dataDir = resolve(flags.dataDir ?? env.STREAMSIGHT_DATA_DIR ?? '.streamsight');
  const workersText = flags.workers ?? env.STREAMSIGHT_WORKERS;
  const source = flags.workers !== undefined ? '--workers' : 'STREAMSIGHT_WORKERS';
  const workers =
    workersText === undefined ? availableParallelism() : parseCount(workersText, source, 0, 256);
  return { dataDir, workers };
}

/** Parses a whole number in [min, max]; SS_ERR_INVALID_ARGUMENT naming `what` otherwise. */
export function parseCount(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || n < min || n > max) {
    throw new StreamsightError(
      'SS_ERR_INVALID_ARGUMENT',
      `${what}: expected a whole number in ${min}..${max}, got ${JSON.stringify(text)}`,
    );
  }
  return n;
}
