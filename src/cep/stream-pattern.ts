/** What `KeyedStream.pattern(...)` builds: the operator factory and its broadcast inputs. */

import type { Key } from '../dataflow/codec.ts';
import type { ProcessOperator } from '../dataflow/operators/process.ts';
import type { Topic } from '../dataflow/stream.ts';
import { StreamsightError } from '../errors/index.ts';
import { compilePattern } from './compile.ts';
import type { PatternMatch } from './nfa.ts';
import { PatternOperator } from './operator.ts';
import { Pattern } from './pattern.ts';
import type { RuleSet } from './rules.ts';

/** Options of `.pattern(...)`. */
export interface PatternStreamOptions {
  /** The `pattern` field of the matches (default 'pattern'; rules use their id). */
  name?: string;
  /** Also emit partial matches whose `within` deadline passed, with `timedOut: true` (rules: per rule). */
  timeouts?: boolean;
  /** Where records behind the watermark go (default: the app's dead letters, SS_ERR_LATE_RECORD). */
  late?: Topic<any>;
}

/** @internal */
export function patternOperator<K extends Key, T>(
  source: Pattern<T> | RuleSet,
  options: PatternStreamOptions,
): { factory: () => ProcessOperator<K, T, PatternMatch<T, K>>; broadcast: Topic<any>[] } {
  if (options.name !== undefined && (typeof options.name !== 'string' || options.name === '')) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'pattern: name must be a non-empty string');
  }
  if (options.timeouts !== undefined && typeof options.timeouts !== 'boolean') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'pattern: timeouts must be true or false');
  }
  if (source instanceof Pattern) {
    const config = {
      kind: 'pattern' as const,
      name: options.name ?? 'pattern',
      pattern: compilePattern(source),
      timeouts: options.timeouts ?? false,
    };
    return { factory: () => new PatternOperator(config) as any, broadcast: [] };
  }
  if (typeof source !== 'object' || source === null || typeof source.app !== 'string' || !source.commands) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'pattern: expected a pattern(...) or a ruleSet(app)');
  }
  if (options.name !== undefined || options.timeouts !== undefined) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'pattern: name and timeouts are per rule (the rule id, the rule\'s "timeouts") with a rule set',
    );
  }
  const app = source.app;
  return { factory: () => new PatternOperator({ kind: 'rules', app }) as any, broadcast: [source.commands] };
}
