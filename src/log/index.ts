/**
 * The log layer: the `Log` seam, Kafka's default partitioner, and the embedded LMDB implementation.
 *
 * @example
 * import { openEmbeddedLog, partitionFor } from './log/index.ts';
 * const log = await openEmbeddedLog({ path: '.streamsight/log' });
 */

export {
  defaultEmbeddedLogOptions,
  EmbeddedLog,
  type EmbeddedLogOptions,
  openEmbeddedLog,
} from './embedded/index.ts';
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
} from './log.ts';
export { murmur2, partitionFor, RoundRobinPartitioner, toPositive } from './partitioner.ts';
