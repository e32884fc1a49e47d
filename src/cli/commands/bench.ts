/** `streamsight bench nexmark --query q5 --events 2000000 [--rate N] --json`, `streamsight bench cep --events N --json`. */

import { Command } from 'commander';
import { StreamsightError } from '../../errors/index.ts';
import { parseCount } from '../config.ts';

export function benchCommand(): Command {
  const bench = new Command('bench').description('benchmarks');
  bench
    .command('nexmark')
    .description('run one Nexmark query on one worker thread')
    .requiredOption('--query <q>', 'q0, q1, q2, q3, q5, q7, q8 or q11')
    .option('--events <n>', 'number of events', '2000000')
    .option('--rate <n>', 'events per second (default: as fast as possible)')
    .option('--json', 'print one JSON line')
    .action(async (opts: { query: string; events: string; rate?: string; json?: boolean }) => {
      const { QUERIES } = await import('../../../bench/nexmark/queries.ts');
      const { runQuery } = await import('../../../bench/nexmark/run-query.ts');
      const query = QUERIES.find((q) => q === opts.query);
      if (!query)
        throw new StreamsightError(
          'SS_ERR_INVALID_ARGUMENT',
          `--query: expected one of ${QUERIES.join(', ')}, got ${opts.query}`,
        );
      const events = parseCount(opts.events, '--events', 1, 1_000_000_000);
      const rate = opts.rate === undefined ? undefined : parseCount(opts.rate, '--rate', 1, 100_000_000);
      const r = await runQuery(query, events, rate);
      const line = {
        query: r.query,
        events: r.events,
        seconds: r.seconds,
        eventsPerSecond: r.eventsPerSecond,
        p50Ms: r.p50Ms,
        p99Ms: r.p99Ms,
      };
      if (opts.json)
        process.stdout.write(
          `${JSON.stringify({ ...line, outputs: r.outputs, mode: r.mode, rate: r.rate, latencySamples: r.latencySamples })}\n`,
        );
      else
        process.stdout.write(
          `${r.query}: ${r.eventsPerSecond.toLocaleString('en')} events/s over ${r.events} events (${r.seconds.toFixed(2)} s), p50 ${r.p50Ms.toFixed(2)} ms, p99 ${r.p99Ms.toFixed(2)} ms, ${r.outputs} results\n`,
        );
    });
  bench
    .command('cep')
    .description('a 3-step pattern per bidder over Nexmark bids, on one worker thread')
    .option('--events <n>', 'number of bids', '1000000')
    .option('--json', 'print one JSON line')
    .action(async (opts: { events: string; json?: boolean }) => {
      const { runCepBench } = await import('../../../bench/cep/run.ts');
      const r = await runCepBench(parseCount(opts.events, '--events', 1, 1_000_000_000));
      if (opts.json) process.stdout.write(`${JSON.stringify(r)}\n`);
      else
        process.stdout.write(
          `cep: ${r.eventsPerSecond.toLocaleString('en')} events/s over ${r.events} bids (${r.seconds.toFixed(2)} s), ${r.matches} matches\n`,
        );
    });
  return bench;
}
