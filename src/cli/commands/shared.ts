/** Helpers shared by the CLI commands. */

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Command } from 'commander';
import { openEmbeddedLog } from '../../log/index.ts';
import type { Log } from '../../log/log.ts';
import { type Config, resolveConfig } from '../config.ts';

/** The global options merged with the command's own. */
export function configOf(command: Command): Config {
  const opts = command.optsWithGlobals() as { dataDir?: string; workers?: string };
  return resolveConfig({ dataDir: opts.dataDir, workers: opts.workers });
}

export function logPath(config: Config): string {
  return join(config.dataDir, 'log');
}

export async function openLog(config: Config): Promise<Log> {
  await mkdir(config.dataDir, { recursive: true });
  return openEmbeddedLog({ path: logPath(config) });
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
