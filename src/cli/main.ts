#!/usr/bin/env node
/**
 * The `streamsight` command. Bad flags and arguments print a clear message and exit with code 2;
 * runtime failures exit with 1.
 */

import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { isStreamsightError } from '../errors/index.ts';
import { benchCommand } from './commands/bench.ts';
import { keysCommand, usersCommand } from './commands/keys.ts';
import { modelCommand } from './commands/model.ts';
import { produceCommand } from './commands/produce.ts';
import { queryCommand } from './commands/query.ts';
import { replayCommand } from './commands/replay.ts';
import { rulesCommand } from './commands/rules.ts';
import { runCommand } from './commands/run.ts';
import { serveCommand } from './commands/serve.ts';
import { topicsCommand } from './commands/topics.ts';
import { workerCommand } from './commands/worker.ts';

export function buildProgram(): Command {
  const program = new Command('streamsight')
    .description('Real-time stream analytics with machine learning in the loop')
    .version('0.1.0')
    .addOption(
      new Option('--data-dir <dir>', 'folder of the embedded log and state').env('STREAMSIGHT_DATA_DIR'),
    )
    .addOption(
      new Option('--views <spec>', 'view store: embedded (DuckDB) or postgres://…').env('STREAMSIGHT_VIEWS'),
    )
    .showHelpAfterError('(run streamsight --help for usage)')
    .exitOverride();
  program.addCommand(runCommand());
  program.addCommand(topicsCommand());
  program.addCommand(produceCommand());
  program.addCommand(replayCommand());
  program.addCommand(benchCommand());
  program.addCommand(rulesCommand());
  program.addCommand(modelCommand());
  program.addCommand(queryCommand());
  program.addCommand(workerCommand());
  program.addCommand(serveCommand());
  program.addCommand(keysCommand());
  program.addCommand(usersCommand());
  for (const c of program.commands) {
    c.exitOverride();
    for (const sub of c.commands) sub.exitOverride();
  }
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (
        err.code === 'commander.helpDisplayed' ||
        err.code === 'commander.version' ||
        err.code === 'commander.help'
      )
        return 0;
      return 2; // commander has printed the message
    }
    if (isStreamsightError(err)) {
      process.stderr.write(`error ${err.code}: ${err.message}\n`);
      return err.code === 'SS_ERR_INVALID_ARGUMENT' ||
        err.code === 'SS_ERR_INVALID_OPTION' ||
        err.code === 'SS_ERR_APP_NOT_FOUND'
        ? 2
        : 1;
    }
    process.stderr.write(`error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

// Run when executed (import.meta.main needs Node 24.2; compare paths so Node 22.18 works too).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv);
}
