/**
 * The `Log` seam: a partitioned, append-only record log with offsets, consumer-group offsets,
 * atomic transactions and per-task state. The embedded implementation (`embedded/`, LMDB) and the
 * Kafka adapter (`kafka/`, later) both implement it and both pass `test/log/log-contract.ts`.
 *
 * Exactly-once hinges on one rule: a `LogTransaction` makes its appends, its consumer-offset commits
 * and its state writes visible together or not at all.
 */

/** Record headers: small string metadata (dead-letter reason, watermark markers, ...). */
export type Headers = Record<string, string>;

/** What a producer hands to the log. */
export interface ProducerRecord {
  /** Partitioning key; records with equal keys land in the same partition. */
  key?: Uint8Array | null;
  value: Uint8Array | null;
  /** Event time in ms since the epoch; defaults to the append time. Fractions of a ms are cut off. */
  timestamp?: number;
  headers?: Headers;
  /** Explicit partition; default: murmur2(key) like Kafka, round-robin when there is no key. */
  partition?: number;
}

/** A record as stored in the log. */
export interface LogRecord {
  topic: string;
  partition: number;
  offset: number;
  key: Uint8Array | null;
  value: Uint8Array | null;
  timestamp: number;
  headers: Headers;
}

export interface TopicConfig {
  partitions: number;
  /** Delete records older than this (by record timestamp of whole batches). Unset: keep forever. */
  retentionMs?: number;
  /** Keep at most about this many bytes per partition, deleting the oldest batches first. */
  retentionBytes?: number;
}

export interface PartitionInfo {
  partition: number;
  /** The first offset still stored (grows with retention). */
  startOffset: number;
  /** The offset the next appended record gets (the high watermark). */
  endOffset: number;
}

export interface TopicDescription {
  name: string;
  config: TopicConfig;
  partitions: PartitionInfo[];
}

export interface AppendResult {
  topic: string;
  partition: number;
  /** Offset of the record, in the order the records were given. */
  offset: number;
}

export interface FetchOptions {
  /** At most this many records (default 1024). */
  maxRecords?: number;
  /** Stop after about this many value+key bytes (at least one record is returned; default 1 MiB). */
  maxBytes?: number;
  /** When no record is available, wait up to this long for one (default 0: return at once). */
  maxWaitMs?: number;
  /** Aborting ends a wait early: the fetch then resolves with what is there (possibly nothing). */
  signal?: AbortSignal;
}

export interface FetchResult {
  records: LogRecord[];
  /** The offset to fetch next. */
  nextOffset: number;
  /** The partition's end offset when the fetch ran. */
  highWatermark: number;
}

/** A consumer position: `offset` is the next offset to read. */
export interface TopicPartitionOffset {
  topic: string;
  partition: number;
  offset: number;
}

/**
 * An atomic unit of work. Calls buffer in memory; `commit()` applies all of them in one durable
 * commit and resolves with the offsets of the appended records.
 */
export interface LogTransaction {
  append(topic: string, records: ProducerRecord[]): void;
  commitOffsets(group: string, offsets: TopicPartitionOffset[]): void;
  /** Set (or with `null` delete) one entry of a task's state store. */
  putState(store: string, partition: number, key: string, value: Uint8Array | null): void;
  commit(): Promise<AppendResult[]>;
  /** Drop everything buffered. Idempotent. */
  abort(): void;
}

export interface Log {
  /**
   * Creates a topic. Idempotent when it exists with the same partition count (its stored retention is
   * kept); SS_ERR_TOPIC_EXISTS with another count.
   */
  createTopic(name: string, config: TopicConfig): Promise<void>;
  /** Deletes a topic with its records and committed offsets; SS_ERR_TOPIC_NOT_FOUND when there is none. */
  deleteTopic(name: string): Promise<void>;
  listTopics(): Promise<TopicDescription[]>;
  describeTopic(name: string): Promise<TopicDescription>;
  /** Appends records; resolves once they are durable (group commit batches concurrent calls). */
  append(topic: string, records: ProducerRecord[]): Promise<AppendResult[]>;
  /**
   * Reads records from `offset` on. An offset below the partition's start offset fails with
   * SS_ERR_OFFSET_OUT_OF_RANGE (details.startOffset says where to resume).
   */
  fetch(topic: string, partition: number, offset: number, options?: FetchOptions): Promise<FetchResult>;
  /** Committed offsets of a consumer group for a topic: partition → next offset to read. */
  committedOffsets(group: string, topic: string): Promise<Map<number, number>>;
  commitOffsets(group: string, offsets: TopicPartitionOffset[]): Promise<void>;
  listGroups(): Promise<string[]>;
  beginTransaction(): LogTransaction;
  /** All entries of one partition of a state store, in key order. */
  readState(store: string, partition: number): AsyncIterable<[string, Uint8Array]>;
  /** Applies retention now (implementations also run it periodically). */
  enforceRetention(now?: number): Promise<void>;
  /**
   * Deletes the records of a partition below `offset`, for a reader that has committed past them
   * (a pipeline purges its repartition topics this way). The start offset moves up to at most
   * `offset`: Kafka deletes exactly up to it, the embedded log whole batches below it. An offset at
   * or below the start offset changes nothing; one past the end is SS_ERR_OFFSET_OUT_OF_RANGE.
   */
  deleteRecordsBefore(topic: string, partition: number, offset: number): Promise<void>;
  /** Idempotent. */
  close(): Promise<void>;
}
