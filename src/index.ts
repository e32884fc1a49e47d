/**
 * Streamsight's public API. Adapters with heavy dependencies (Kafka, PostgreSQL, Redis) live behind
 * their own subpath exports and are not listed here.
 */

export {
  addRule,
  alertTopic,
  atLeast,
  type Condition,
  type Contiguity,
  listRules,
  type MatchContext,
  noSkip,
  Pattern,
  type PatternMatch,
  type PatternOptions,
  type PatternStreamOptions,
  parseRuleCommand,
  pattern,
  type Rule,
  type RuleCommand,
  type RuleCondition,
  type RuleSet,
  type RuleStep,
  type RuleValue,
  removeRule,
  ruleSet,
  rulesTopic,
  type SkipStrategy,
  skipPastLastEvent,
  skipToFirst,
  skipToLast,
  skipToNext,
  validateRule,
} from './cep/index.ts';
export * from './dataflow/index.ts';
export { type ErrorCode, ErrorCodes, isStreamsightError, StreamsightError } from './errors/index.ts';
export {
  type Clock,
  type CsvOptions,
  type FieldRef,
  FileReplay,
  type MalformedLine,
  ManualClock,
  type ReplayFormat,
  type ReplayMode,
  type ReplayOptions,
  type ReplayResult,
  replayFile,
  type Simulator,
  type SimulatorOptions,
  systemClock,
} from './io/index.ts';
export { type EmbeddedLogOptions, openEmbeddedLog } from './log/index.ts';
export type {
  AppendResult,
  FetchOptions,
  FetchResult,
  Headers,
  Log,
  LogRecord,
  LogTransaction,
  PartitionInfo,
  ProducerRecord,
  TopicConfig,
  TopicDescription,
  TopicPartitionOffset,
} from './log/log.ts';
export * from './ml/index.ts';
