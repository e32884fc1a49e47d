/**
 * Streamsight's public API. Adapters with heavy dependencies (Kafka, PostgreSQL, Redis) live behind
 * their own subpath exports and are not listed here.
 */

export * from './dataflow/index.ts';
export { type ErrorCode, ErrorCodes, isStreamsightError, StreamsightError } from './errors/index.ts';
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
