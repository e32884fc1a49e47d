/** `streamsight topics list|describe|tail|create`. */

import { Command } from 'commander';
import { msgpackCodec } from '../../dataflow/codec.ts';
import { toMillis } from '../../dataflow/duration.ts';
import { StreamsightError } from '../../errors/index.ts';
import type { LogRecord } from '../../log/log.ts';
import { parseCount } from '../config.ts';
import { configOf, openLog, printTable } from './shared.ts';

export function topicsCommand(): Command {
  const topics = new Command('topics').description('list, inspect, tail and create topics');

  topics
    .command('list')
    .description('list topics with partitions and record counts')
    .option('--json', 'print JSON')
    .action(async (opts: { json?: boolean }, command: Command) => {
      const log = await openLog(configOf(command));
      try {
        const list = await log.listTopics();
        if (opts.json) {
          process.stdout.write(`${JSON.stringify(list)}\n`);
          return;
        }
        const rows: Array<Array<string | number>> = [['TOPIC', 'PARTITIONS', 'RECORDS', 'END OFFSETS']];
        for (const t of list.sort((a, b) => a.name.localeCompare(b.name))) {
          const records = t.partitions.reduce((n, p) => n + p.endOffset - p.startOffset, 0);
          rows.push([t.name, t.partitions.length, records, t.partitions.map((p) => p.endOffset).join(',')]);
        }
        printTable(rows);
      } finally {
        await log.close();
      }
    });

  topics
    .command('describe')
    .description('partitions, offsets, retention and consumer groups of a topic')
    .argument('<topic>')
    .option('--json', 'print JSON')
    .action(async (name: string, opts: { json?: boolean }, command: Command) => {
      const log = await openLog(configOf(command));
      try {
        const d = await log.describeTopic(name);
        const groups: Record<string, Record<number, number>> = {};
        for (const g of await log.listGroups()) {
          const committed = await log.committedOffsets(g, name);
          if (committed.size > 0) groups[g] = Object.fromEntries(committed);
        }
        if (opts.json) {
          process.stdout.write(`${JSON.stringify({ ...d, groups })}\n`);
          return;
        }
        process.stdout.write(`topic ${d.name}: ${d.partitions.length} partitions`);
        process.stdout.write(
          `, retention ${d.config.retentionMs ?? '∞'} ms / ${d.config.retentionBytes ?? '∞'} bytes\n`,
        );
        const rows: Array<Array<string | number>> = [
          ['PARTITION', 'START', 'END', ...Object.keys(groups).map((g) => `LAG ${g}`)],
        ];
        for (const p of d.partitions) {
          rows.push([
            p.partition,
            p.startOffset,
            p.endOffset,
            ...Object.values(groups).map((c) => p.endOffset - (c[p.partition] ?? 0)),
          ]);
        }
        printTable(rows);
      } finally {
        await log.close();
      }
    });

  topics
    .command('tail')
    .description('print the last records of a topic (and follow new ones)')
    .argument('<topic>')
    .option('-n, --lines <n>', 'records per partition to show', '10')
    .option('-p, --partition <p>', 'only this partition')
    .option('-f, --follow', 'keep printing new records until Ctrl-C')
    .option('--key <key>', 'only records with this key')
    .action(
      async (
        name: string,
        opts: { lines: string; partition?: string; follow?: boolean; key?: string },
        command: Command,
      ) => {
        const lines = parseCount(opts.lines, '--lines', 0, 1_000_000);
        const log = await openLog(configOf(command));
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.on('SIGINT', onSignal);
        try {
          const d = await log.describeTopic(name);
          const partitions =
            opts.partition === undefined
              ? d.partitions
              : [d.partitions[parseCount(opts.partition, '--partition', 0, d.partitions.length - 1)]];
          const positions = partitions.map((p) => Math.max(p.startOffset, p.endOffset - lines));
          const dec = new TextDecoder();
          const show = (r: LogRecord) => {
            const key = r.key ? dec.decode(r.key) : null;
            if (opts.key !== undefined && key !== opts.key) return;
            const headers = Object.keys(r.headers).length > 0 ? ` ${JSON.stringify(r.headers)}` : '';
            process.stdout.write(
              `${r.partition}:${r.offset} ${new Date(r.timestamp).toISOString()} key=${key ?? '∅'} ${render(r.value)}${headers}\n`,
            );
          };
          do {
            let got = 0;
            for (let i = 0; i < partitions.length; i++) {
              const p = partitions[i].partition;
              const end = opts.follow ? Number.POSITIVE_INFINITY : partitions[i].endOffset;
              while (positions[i] < end && !stop.signal.aborted) {
                const r = await log.fetch(name, p, positions[i], {
                  maxRecords: 1000,
                  maxWaitMs: opts.follow && partitions.length === 1 ? 500 : 0,
                  signal: stop.signal,
                });
                for (const rec of r.records) show(rec);
                got += r.records.length;
                positions[i] = r.nextOffset;
                if (r.records.length === 0) break;
              }
            }
            if (opts.follow && got === 0 && partitions.length > 1)
              await new Promise((r) => setTimeout(r, 200));
          } while (opts.follow && !stop.signal.aborted);
        } finally {
          process.off('SIGINT', onSignal);
          await log.close();
        }
      },
    );

  topics
    .command('create')
    .description('create a topic')
    .argument('<topic>')
    .requiredOption('--partitions <n>', 'number of partitions')
    .option('--retention <duration>', 'delete records older than this (e.g. 7d)')
    .option('--retention-bytes <n>', 'keep about this many bytes per partition')
    .action(
      async (
        name: string,
        opts: { partitions: string; retention?: string; retentionBytes?: string },
        command: Command,
      ) => {
        const partitions = parseCount(opts.partitions, '--partitions', 1, 1024);
        let retentionMs: number | undefined;
        try {
          retentionMs = opts.retention === undefined ? undefined : toMillis(opts.retention, '--retention');
        } catch (err) {
          throw new StreamsightError('SS_ERR_INVALID_ARGUMENT', (err as Error).message);
        }
        const retentionBytes =
          opts.retentionBytes === undefined
            ? undefined
            : parseCount(opts.retentionBytes, '--retention-bytes', 1, Number.MAX_SAFE_INTEGER);
        const log = await openLog(configOf(command));
        try {
          await log.createTopic(name, { partitions, retentionMs, retentionBytes });
          process.stdout.write(`topic ${name} ready with ${partitions} partitions\n`);
        } finally {
          await log.close();
        }
      },
    );
  return topics;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Shows a value as text when it is UTF-8, as msgpack-decoded JSON when that works, else as hex. */
function render(value: Uint8Array | null): string {
  if (value === null) return '∅';
  try {
    return utf8.decode(value);
  } catch {
    try {
      return JSON.stringify(msgpackCodec.decode(value));
    } catch {
      return `0x${Buffer.from(value).toString('hex').slice(0, 200)}`;
    }
  }
}
