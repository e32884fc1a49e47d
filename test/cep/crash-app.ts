/**
 * The app of the CEP crash test: a pattern with repetition, branches, absences, `within` and
 * timeouts over out-of-order input, and runtime rules with their per-rule alert topics, run bounded
 * over whatever the input topic holds. Usage: node crash-app.ts <log path>
 */

import { type PatternMatch, pattern, ruleSet, skipToNext } from '../../src/cep/index.ts';
import { defineApp, runApp } from '../../src/dataflow/index.ts';
import { openEmbeddedLog } from '../../src/log/index.ts';

export interface Click {
  /** Unique, so that equal-looking events stay distinct in the outputs. */
  id: number;
  user: number;
  kind: 'a' | 'b' | 'c' | 'x';
  v: number;
  ts: number;
}

const is = (kind: Click['kind']) => (e: Click) => e.kind === kind;

export const cepCrashApp = defineApp('cepcrash', (app) => {
  const clicks = app.topic<Click>('clicks', {
    partitions: 3,
    key: (c) => c.user,
    time: (c) => c.ts,
    outOfOrderness: 50,
  });
  const matches = app.topic<PatternMatch<Click, number>>('matches', { partitions: 2 });
  app.pipeline('patterns', () => {
    clicks
      .keyedStream<number>()
      .pattern(
        pattern<Click>('a', { skip: skipToNext() })
          .where(is('a'))
          .followedByAny('b')
          .where((e, ctx) => e.kind === 'b' && e.v >= ctx.last('a')!.v)
          .oneOrMore()
          .notFollowedBy('x')
          .where(is('x'))
          .followedBy('c')
          .where(is('c'))
          .notFollowedBy('again')
          .where((e) => e.kind === 'a' && e.v > 8)
          .within(300),
        { timeouts: true },
      )
      .to(matches);
  });
  app.pipeline('rules', () => {
    const rules = ruleSet(app);
    clicks.keyedStream<number>().pattern(rules).to(rules.alerts);
  });
});

if (process.argv[1] === import.meta.filename) {
  const log = await openEmbeddedLog({ path: process.argv[2] });
  const running = await runApp(cepCrashApp, { log, bounded: true, fetchMaxRecords: 500 });
  process.stdout.write('ready\n');
  await running.done;
  await log.close();
}
