/** `streamsight produce <file> --topic T [--topic T2] --format csv|jsonl|text --mode ...`: replay a file. */

import { Command, Option } from 'commander';
import { StreamsightError } from '../../errors/index.ts';
import { FileReplay, type ReplayMode } from '../../io/index.ts';
import { parseCount } from '../config.ts';
import { configOf, openLog } from './shared.ts';

interface ProduceFlags {
  topic: string[];
  format: 'csv' | 'jsonl' | 'text';
  mode: 'max' | 'block' | 'block-by-group' | 'timestamp';
  key?: string;
  time?: string;
  timeUnit: 'ms' | 's' | 'auto';
  header?: boolean;
  delimiter?: string;
  skipLines?: string;
  blockSize?: string;
  interval?: string;
  blocks?: string;
  groupBy?: string;
  speed?: string;
  quiet?: boolean;
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function produceCommand(): Command {
  return new Command('produce')
    .description('replay a CSV, JSON-lines or text file into topics')
    .argument('<file>', 'the file to replay')
    .requiredOption('--topic <topic>', 'target topic (repeat for fan-out)', collect)
    .addOption(
      new Option('--format <format>', 'file format').choices(['csv', 'jsonl', 'text']).default('jsonl'),
    )
    .addOption(
      new Option('--mode <mode>', 'pacing')
        .choices(['max', 'block', 'block-by-group', 'timestamp'])
        .default('max'),
    )
    .option('--key <field>', 'field or column whose value is the record key')
    .option('--time <field>', 'field or column holding the event time')
    .addOption(
      new Option('--time-unit <unit>', 'unit of numeric times').choices(['ms', 's', 'auto']).default('ms'),
    )
    .option('--header', 'CSV: the first line holds column names')
    .option('--delimiter <char>', 'CSV delimiter')
    .option('--skip-lines <n>', 'lines to skip at the start')
    .option('--block-size <n>', 'block modes: records per block')
    .option('--interval <ms>', 'block modes: milliseconds between blocks')
    .option('--blocks <n>', 'block modes: stop after this many blocks')
    .option('--group-by <field>', 'block-by-group: the grouping field or column')
    .option('--speed <factor>', "timestamp mode: speed-up factor, or 'max'", '1')
    .option('--quiet', 'no progress bar')
    .action(async (file: string, flags: ProduceFlags, command: Command) => {
      const field = (f: string | undefined) =>
        f === undefined
          ? undefined
          : /^\d+$/.test(f) && flags.format === 'csv' && !flags.header
            ? Number(f)
            : f;
      const mode = replayMode(flags, field);
      const log = await openLog(configOf(command));
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.on('SIGINT', onSignal);
      let malformedShown = 0;
      try {
        const replay = new FileReplay(log, {
          path: file,
          topics: flags.topic,
          format: flags.format,
          csv:
            flags.format === 'csv'
              ? { header: flags.header ?? false, delimiter: flags.delimiter, cast: true }
              : undefined,
          skipLines:
            flags.skipLines === undefined
              ? undefined
              : parseCount(flags.skipLines, '--skip-lines', 0, Number.MAX_SAFE_INTEGER),
          key: field(flags.key),
          time: field(flags.time),
          timeUnit: flags.timeUnit,
          mode,
          signal: stop.signal,
          progressBar: flags.quiet ? false : undefined,
          onMalformed: (m) => {
            if (malformedShown++ < 20)
              process.stderr.write(`line ${m.lineNumber}: ${m.code}: ${m.message}\n`);
          },
        });
        const r = await replay.run();
        process.stdout.write(
          `produced ${r.records} records to ${flags.topic.join(', ')} in ${(r.durationMs / 1000).toFixed(2)} s; ${r.malformed} malformed lines skipped\n`,
        );
      } finally {
        process.off('SIGINT', onSignal);
        await log.close();
      }
    });
}

function replayMode(
  flags: ProduceFlags,
  field: (f: string | undefined) => string | number | undefined,
): ReplayMode {
  const need = (value: string | undefined, flag: string) => {
    if (value === undefined)
      throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', `--mode ${flags.mode} needs ${flag}`);
    return value;
  };
  switch (flags.mode) {
    case 'max':
      return { type: 'max' };
    case 'block':
    case 'block-by-group': {
      const recordsPerBlock = parseCount(
        need(flags.blockSize, '--block-size'),
        '--block-size',
        1,
        100_000_000,
      );
      const intervalMs = parseCount(need(flags.interval, '--interval'), '--interval', 0, 86_400_000);
      const maxBlocks =
        flags.blocks === undefined
          ? undefined
          : parseCount(flags.blocks, '--blocks', 1, Number.MAX_SAFE_INTEGER);
      if (flags.mode === 'block') return { type: 'block', recordsPerBlock, intervalMs, maxBlocks };
      return {
        type: 'block-by-group',
        groupBy: field(need(flags.groupBy, '--group-by'))!,
        recordsPerBlock,
        intervalMs,
        maxBlocks,
      };
    }
    case 'timestamp': {
      need(flags.time, '--time');
      const speed = flags.speed === 'max' ? 'max' : Number(flags.speed);
      if (speed !== 'max' && !(speed > 0))
        throw new StreamsightError(
          'SS_ERR_INVALID_ARGUMENT',
          `--speed: expected a positive number or 'max', got ${flags.speed}`,
        );
      return { type: 'timestamp', speed };
    }
  }
}
