/** Helpers shared by the CLI commands. */

import { join } from 'node:path';
import type { Command } from 'commander';
import type { Log } from '../../log/log.ts';
import { type Config, openConfiguredLog, resolveConfig } from '../config.ts';

/** The global options merged with the command's own (a `--log` flag, where a command has one). */
export function configOf(command: Command): Config {
  const opts = command.optsWithGlobals() as {
    dataDir?: string;
    workers?: string;
    log?: string;
    views?: string;
  };
  return resolveConfig({ dataDir: opts.dataDir, workers: opts.workers, log: opts.log, views: opts.views });
}

export function logPath(config: Config): string {
  return join(config.dataDir, 'log');
}

/**
 * The configured log: embedded under `<data-dir>/log`, or Kafka when `--log`/`STREAMSIGHT_LOG` is a
 * `kafka://` URL (the Kafka client is loaded only then).
 *
 * @example
 * const log = await openLog(configOf(command));
 */
export async function openLog(config: Config): Promise<Log> {
  return openConfiguredLog(config);
}

/** Prints rows as aligned columns. */
export function printTable(rows: Array<Array<string | number>>): void {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => String(r[i]).length)));
  for (const r of rows)
    process.stdout.write(
      `${r
        .map((c, i) => String(c).padEnd(widths[i]))
        .join('  ')
        .trimEnd()}\n`,
    );
}
