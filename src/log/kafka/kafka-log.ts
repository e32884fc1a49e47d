/**
 * The `Log` seam on Apache Kafka.
 *
 * Mapping. Topics are Kafka topics (retention → retention.ms / retention.bytes); offsets are Kafka
 * offsets; consumer offsets are Kafka group offsets (committed outside any group generation); every
 * read is read_committed, and `endOffset`/`highWatermark` are the last stable offset, so nothing of an
 * open or aborted transaction is ever seen. State stores are compacted changelog topics named
 * `<store>-changelog`, one partition per task partition; `putState(null)` writes a tombstone and
 * `readState` folds a partition's changelog, latest value per key.
 *
 * Transactions. A `LogTransaction` that also commits consumer offsets or writes state becomes one Kafka
 * transaction: outputs, changelog records and offsets commit together. Its transactional id is derived
 * from what it consumes — the group and the input partition — so one task has one id wherever it runs,
 * and a zombie worker's commit is fenced once the task's new owner registered the id. A transaction
 * that only appends to one partition is written as a single idempotent batch instead: that is already
 * atomic in Kafka, leaves no commit marker (so offsets stay dense, as the seam promises for plain
 * appends) and saves four round trips.
 *
 * Plain appends are group-committed: calls arriving while a produce is in flight go out together in the
 * next one, one batch per partition, through one idempotent producer (retries never duplicate).
 *
 * A Kafka offset commit marker takes an offset: after a transaction, a partition's offsets have gaps.
 * Readers never see them (fetch returns the next offset to read); offsets of plain appends stay dense.
 */

import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  ConfigResourceTypes,
  createPartitionsV3,
  createTopicsV7,
  deleteRecordsV2,
  deleteTopicsV6,
  describeConfigsV4,
  fetchV12,
  listGroupsV5,
  listOffsetsV9,
  offsetCommitV9,
  offsetFetchV9,
} from '@platformatic/kafka';
import { StreamsightError } from '../../errors/index.ts';
import type {
  AppendResult,
  FetchOptions,
  FetchResult,
  Log,
  LogRecord,
  LogTransaction,
  PartitionInfo,
  ProducerRecord,
  TopicConfig,
  TopicDescription,
  TopicPartitionOffset,
} from '../log.ts';
import {
  checkRecord,
  deleteBeyondEnd,
  invalidFetchOption,
  partitionNotFound,
  topicNotFound,
} from '../log-errors.ts';
import { partitionFor, RoundRobinPartitioner } from '../partitioner.ts';
import { KafkaClient, type TopicRoute } from './kafka-client.ts';
import { KafkaCode, kafkaError } from './kafka-errors.ts';
import { KafkaTransaction, type TransactionWork } from './kafka-transaction.ts';
import { type KafkaLogOptions, type ResolvedKafkaLogOptions, resolveKafkaLogOptions } from './options.ts';
import { fitsOneBatch, KafkaProducer, type PartitionWrite } from './producer.ts';
import { decodeBatches, toMessage } from './record-codec.ts';

const TOPIC_NAME = /^[A-Za-z0-9._-]{1,249}$/;
const MAX_PARTITIONS = 1024;
const READ_COMMITTED = 1;
/** DescribeConfigs' source of a value set on the topic itself (DYNAMIC_TOPIC_CONFIG). */
const TOPIC_CONFIG_SOURCE = 1;
const READ_UNCOMMITTED = 0;
const LATEST = -1n;
const EARLIEST = -2n;
/** A long poll is split into waits of at most this long, so an abort or close ends it soon. */
const WAIT_SLICE_MS = 1000;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Connects to a Kafka cluster and returns a `Log` on it.
 *
 * @example
 * const log = await openKafkaLog({ brokers: 'kafka://127.0.0.1:9092' });
 * await log.createTopic('orders', { partitions: 6 });
 */
export async function openKafkaLog(options: KafkaLogOptions): Promise<KafkaLog> {
  const log = new KafkaLog(resolveKafkaLogOptions(options));
  try {
    await log.client.retry('connect', async () => {
      await log.client.refresh([]);
    });
  } catch (error) {
    await log.close();
    throw error;
  }
  return log;
}

/** A transaction's work as partition writes; `entries` are the appended records, in order. */
interface PreparedTransaction {
  writes: Map<string, PartitionWrite>;
  offsets: Map<string, TopicPartitionOffset[]>;
  entries: { write: PartitionWrite; index: number }[];
  stateless: boolean;
}

function resultsOf(entries: { write: PartitionWrite; index: number }[]): AppendResult[] {
  return entries.map(({ write, index }) => ({
    topic: write.topic,
    partition: write.partition,
    offset: write.baseOffset + index,
  }));
}

/** The producer of one transactional id and the queue of its transactions. */
interface TransactionalSlot {
  producer: KafkaProducer;
  tail: Promise<unknown>;
  /** Tickets handed out so far, and the last one that must fail because an earlier one did. */
  queued: number;
  poisoned: number;
}

interface PendingAppend {
  entries: { write: PartitionWrite; index: number }[];
  results: AppendResult[];
  resolve: (results: AppendResult[]) => void;
  reject: (error: unknown) => void;
  topic: string;
  items: [partition: number, record: ProducerRecord, timestamp: number][];
}

/**
 * A `Log` on Kafka. Open it with {@link openKafkaLog}.
 *
 * @example
 * const log = await openKafkaLog({ brokers: '127.0.0.1:9092' });
 * const tx = log.beginTransaction();
 * tx.append('out', [{ value: bytes }]);
 * tx.commitOffsets('app.pipe', [{ topic: 'in', partition: 0, offset: 10 }]);
 * await tx.commit();
 */
export class KafkaLog implements Log {
  readonly client: KafkaClient;
  readonly #options: ResolvedKafkaLogOptions;
  readonly #instance = randomBytes(4).toString('hex');
  readonly #roundRobin = new RoundRobinPartitioner();
  readonly #idempotent: KafkaProducer;
  readonly #transactional = new Map<string, TransactionalSlot>();
  readonly #anonymous: KafkaProducer[] = [];
  #anonymousCount = 0;
  #queue: PendingAppend[] = [];
  #flushing: Promise<void> | undefined;
  #closed = false;
  readonly #accepted = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;
  /** Changelog topics known to exist, with their partition counts. */
  readonly #changelogs = new Map<string, number>();

  constructor(options: ResolvedKafkaLogOptions) {
    this.#options = options;
    this.client = new KafkaClient({
      brokers: options.brokers,
      clientId: `${options.clientId}-${this.#instance}`,
      connectTimeoutMs: options.connectTimeoutMs,
      requestTimeoutMs: options.requestTimeoutMs,
      retryTimeoutMs: options.retryTimeoutMs,
      onRetry: options.onRetry,
    });
    this.#idempotent = new KafkaProducer(this.client, null, options.transactionTimeoutMs);
  }

  #checkOpen(): void {
    if (this.#closed) throw new StreamsightError('SS_ERR_CLOSED', 'the Kafka log is closed');
  }

  async #route(topic: string): Promise<TopicRoute> {
    const route = await this.client.retry(`Metadata ${topic}`, () => this.client.route(topic));
    if (route === undefined) throw topicNotFound(topic);
    return route;
  }

  // ── topics ──────────────────────────────────────────────────────────────────────────────────────

  async createTopic(name: string, config: TopicConfig): Promise<void> {
    this.#checkOpen();
    checkTopicConfig(name, config);
    const configs = [
      { name: 'retention.ms', value: String(config.retentionMs ?? -1) },
      { name: 'retention.bytes', value: String(config.retentionBytes ?? -1) },
    ];
    await this.#createTopic(name, config.partitions, configs);
  }

  async #createTopic(
    name: string,
    partitions: number,
    configs: { name: string; value: string }[],
  ): Promise<void> {
    const replicationFactor =
      this.#options.replicationFactor ?? Math.min(3, (await this.client.nodes()).length);
    const error = await this.client.retry(`CreateTopics ${name}`, async () => {
      const response = await this.client.send(
        createTopicsV7.api,
        await this.client.anyConnection(),
        [{ name, numPartitions: partitions, replicationFactor, assignments: [], configs }],
        30_000,
        false,
      );
      const result = response.topics[0];
      if (result.errorCode === 0 || result.errorCode === KafkaCode.TOPIC_ALREADY_EXISTS)
        return result.errorCode;
      throw kafkaError(result.errorCode, 'CreateTopics', { topic: name }, result.errorMessage);
    });
    if (error === KafkaCode.TOPIC_ALREADY_EXISTS) {
      const existing = await this.#waitForTopic(name, 0);
      if (existing.leaders.length !== partitions) {
        throw new StreamsightError(
          'SS_ERR_TOPIC_EXISTS',
          `topic "${name}" exists with ${existing.leaders.length} partitions, not ${partitions}`,
          { details: { topic: name, partitions: existing.leaders.length } },
        );
      }
      return;
    }
    await this.#waitForTopic(name, partitions);
  }

  /** Waits until the topic (with at least `partitions` partitions) has a leader everywhere. */
  async #waitForTopic(name: string, partitions: number): Promise<TopicRoute> {
    const deadline = Date.now() + 30_000;
    for (;;) {
      const route = await this.client.retry(`Metadata ${name}`, () => this.client.route(name, true));
      if (route && route.leaders.length >= partitions && route.leaders.every((l) => l >= 0)) return route;
      if (Date.now() > deadline) {
        throw new StreamsightError(
          'SS_ERR_KAFKA',
          `topic "${name}" has no leader for every partition after 30 s`,
          {
            retriable: true,
            details: { topic: name },
          },
        );
      }
      await sleep(50);
    }
  }

  async deleteTopic(name: string): Promise<void> {
    this.#checkOpen();
    await this.#route(name);
    await this.client.retry(`DeleteTopics ${name}`, async () => {
      const response = await this.client.send(
        deleteTopicsV6.api,
        await this.client.anyConnection(),
        [{ name }],
        30_000,
      );
      const result = response.responses[0];
      if (result.errorCode === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION) throw topicNotFound(name);
      if (result.errorCode !== 0)
        throw kafkaError(result.errorCode, 'DeleteTopics', { topic: name }, result.errorMessage);
    });
    // Deletion completes asynchronously; a caller re-creating the name must not find the old topic.
    const deadline = Date.now() + 30_000;
    while ((await this.client.retry(`Metadata ${name}`, () => this.client.route(name, true))) !== undefined) {
      if (Date.now() > deadline) break;
      await sleep(50);
    }
    this.#changelogs.delete(name);
  }

  async listTopics(): Promise<TopicDescription[]> {
    this.#checkOpen();
    const routes = await this.client.retry('Metadata', () => this.client.refresh(null));
    return this.#describe([...routes.values()].sort((a, b) => a.name.localeCompare(b.name)));
  }

  async describeTopic(name: string): Promise<TopicDescription> {
    this.#checkOpen();
    const [description] = await this.#describe([await this.#route(name)]);
    return description;
  }

  async #describe(routes: TopicRoute[]): Promise<TopicDescription[]> {
    if (routes.length === 0) return [];
    const [[starts, ends], configs] = await Promise.all([
      this.#ranges(routes),
      this.#describeConfigs(routes.map((r) => r.name)),
    ]);
    return routes.map((route) => {
      const partitions: PartitionInfo[] = route.leaders.map((_, partition) => ({
        partition,
        startOffset: starts.get(route.name)?.[partition] ?? 0,
        endOffset: ends.get(route.name)?.[partition] ?? 0,
      }));
      const config: TopicConfig = { partitions: route.leaders.length, ...configs.get(route.name) };
      return { name: route.name, config, partitions };
    });
  }

  /** Start and (committed) end offsets of every partition of the routes: topic → offset per partition. */
  #ranges(routes: TopicRoute[]): Promise<[Map<string, number[]>, Map<string, number[]>]> {
    return Promise.all([
      this.#listOffsets(routes, EARLIEST, READ_UNCOMMITTED),
      this.#listOffsets(routes, LATEST, READ_COMMITTED),
    ]);
  }

  async #describeConfigs(topics: string[]): Promise<Map<string, Omit<TopicConfig, 'partitions'>>> {
    return this.client.retry('DescribeConfigs', async () => {
      const response = await this.client.send(
        describeConfigsV4.api,
        await this.client.anyConnection(),
        topics.map((resourceName) => ({
          resourceType: ConfigResourceTypes.TOPIC,
          resourceName,
          configurationKeys: ['retention.ms', 'retention.bytes'],
        })),
        false,
        false,
      );
      const out = new Map<string, Omit<TopicConfig, 'partitions'>>();
      for (const result of response.results) {
        const config: Omit<TopicConfig, 'partitions'> = {};
        for (const c of result.configs ?? []) {
          const value = Number(c.value);
          // Only the topic's own setting counts: a broker default (7 days) would make compacted
          // changelogs look time-retained, and Kafka refuses DeleteRecords on compacted topics.
          if (c.configSource !== TOPIC_CONFIG_SOURCE) continue;
          if (!(value > 0) || !Number.isSafeInteger(value)) continue;
          if (c.name === 'retention.ms') config.retentionMs = value;
          if (c.name === 'retention.bytes') config.retentionBytes = value;
        }
        out.set(result.resourceName, config);
      }
      return out;
    });
  }

  /**
   * ListOffsets for every partition of the routes: topic → offset per partition (-1: none). Each
   * attempt looks the leaders up again: a route read while a broker was down names no leader, and
   * retrying with it would fail until the deadline.
   */
  async #listOffsets(
    routes: TopicRoute[],
    timestamp: bigint,
    isolation: number,
  ): Promise<Map<string, number[]>> {
    return this.client.retry('ListOffsets', async () => {
      const byLeader = new Map<number, Map<string, number[]>>();
      for (const known of routes) {
        const route = (await this.client.route(known.name)) ?? known;
        for (let p = 0; p < route.leaders.length; p++) {
          const leader = this.client.leaderOf(route, p);
          let topics = byLeader.get(leader);
          if (topics === undefined) byLeader.set(leader, (topics = new Map()));
          let list = topics.get(route.name);
          if (list === undefined) topics.set(route.name, (list = []));
          list.push(p);
        }
      }
      const out = new Map<string, number[]>();
      await Promise.all(
        [...byLeader].map(async ([leader, topics]) => {
          const response = await this.client.send(
            listOffsetsV9.api,
            await this.client.connection(leader),
            -1,
            isolation,
            [...topics].map(([name, partitions]) => ({
              name,
              partitions: partitions.map((partitionIndex) => ({
                partitionIndex,
                currentLeaderEpoch: -1,
                timestamp,
              })),
            })),
          );
          for (const t of response.topics) {
            let list = out.get(t.name);
            if (list === undefined) out.set(t.name, (list = []));
            for (const p of t.partitions) {
              if (p.errorCode !== 0)
                throw kafkaError(p.errorCode, 'ListOffsets', { topic: t.name, partition: p.partitionIndex });
              list[p.partitionIndex] = Number(p.offset);
            }
          }
        }),
      );
      return out;
    });
  }

  // ── append and fetch ───────────────────────────────────────────────────────────────────────────

  append(topic: string, records: ProducerRecord[]): Promise<AppendResult[]> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    // Appends accepted before close are acknowledged: close waits for these.
    const accepted = this.#append(topic, records);
    this.#accepted.add(accepted);
    const forget = () => this.#accepted.delete(accepted);
    accepted.then(forget, forget);
    return accepted;
  }

  async #append(topic: string, records: ProducerRecord[]): Promise<AppendResult[]> {
    const items = await this.#place(topic, records);
    if (items.length === 0) return [];
    return new Promise((resolve, reject) => {
      this.#queue.push({ topic, items, entries: [], results: [], resolve, reject });
      this.#flushing ??= this.#flush();
    });
  }

  /** Validates records and picks their partitions and timestamps; throws before anything is written. */
  async #place(topic: string, records: ProducerRecord[]): Promise<[number, ProducerRecord, number][]> {
    if (!Array.isArray(records)) {
      throw new StreamsightError('SS_ERR_INVALID_RECORD', `records for topic "${topic}" are not an array`, {
        details: { topic },
      });
    }
    for (const [index, record] of records.entries()) checkRecord(topic, record, index);
    const route = await this.#route(topic);
    const count = route.leaders.length;
    const now = Date.now();
    return records.map((record) => {
      let partition = record.partition;
      if (partition !== undefined) {
        if (!Number.isInteger(partition) || partition < 0 || partition >= count)
          throw partitionNotFound(topic, partition);
      } else if (record.key != null) partition = partitionFor(record.key, count);
      else partition = this.#roundRobin.next(count);
      return [partition, record, Math.trunc(record.timestamp ?? now)];
    });
  }

  /** Group commit: everything queued goes out in one produce round; what arrives meanwhile waits for the next. */
  async #flush(): Promise<void> {
    while (this.#queue.length > 0) {
      const calls = this.#queue;
      this.#queue = [];
      const writes = new Map<string, PartitionWrite>();
      for (const call of calls) {
        for (const [partition, record, timestamp] of call.items) {
          const id = `${call.topic}\u0000${partition}`;
          let write = writes.get(id);
          if (write === undefined) {
            writes.set(
              id,
              (write = { topic: call.topic, partition, messages: [], bytes: 0, baseOffset: -1 }),
            );
          }
          call.entries.push({ write, index: write.messages.length });
          write.messages.push(toMessage(call.topic, partition, record, timestamp));
          write.bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
        }
      }
      try {
        await this.#idempotent.produce([...writes.values()]);
        for (const call of calls) {
          call.resolve(
            call.entries.map(({ write, index }) => ({
              topic: write.topic,
              partition: write.partition,
              offset: write.baseOffset + index,
            })),
          );
        }
      } catch (error) {
        for (const call of calls) call.reject(error);
      }
    }
    this.#flushing = undefined;
  }

  async fetch(
    topic: string,
    partition: number,
    offset: number,
    options: FetchOptions = {},
  ): Promise<FetchResult> {
    this.#checkOpen();
    const maxRecords = options.maxRecords ?? 1024;
    const maxBytes = options.maxBytes ?? 1024 * 1024;
    const maxWaitMs = options.maxWaitMs ?? 0;
    for (const [name, value] of [
      ['maxRecords', maxRecords],
      ['maxBytes', maxBytes],
    ] as const) {
      if (!Number.isInteger(value) || value < 1) throw invalidFetchOption(name, value);
    }
    if (!(maxWaitMs >= 0)) throw invalidFetchOption('maxWaitMs', maxWaitMs);
    const route = await this.#route(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= route.leaders.length) {
      throw partitionNotFound(topic, partition);
    }
    if (!Number.isSafeInteger(offset) || offset < 0) return this.#outOfRange(route, partition, offset);
    const signal = options.signal;
    const deadline = Date.now() + maxWaitMs;
    // The first look never waits; waiting goes in slices so an abort or close is noticed quickly.
    let result = await this.#fetchOnce(route, partition, offset, 0, maxRecords, maxBytes);
    while (result.records.length === 0 && result.nextOffset === offset && !signal?.aborted && !this.#closed) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) break;
      const waiting = this.#fetchOnce(
        route,
        partition,
        offset,
        Math.min(remaining, WAIT_SLICE_MS),
        maxRecords,
        maxBytes,
      );
      if (signal === undefined) result = await waiting;
      else {
        const last = result;
        let onAbort: (() => void) | undefined;
        const aborted = new Promise<FetchResult>((resolve) => {
          onAbort = () => resolve(last);
          signal.addEventListener('abort', onAbort, { once: true });
        });
        waiting.catch(() => {});
        try {
          result = await Promise.race([waiting, aborted]);
        } finally {
          signal.removeEventListener('abort', onAbort!);
        }
      }
    }
    return result;
  }

  async #fetchOnce(
    route: TopicRoute,
    partition: number,
    offset: number,
    waitMs: number,
    maxRecords: number,
    maxBytes: number,
  ): Promise<FetchResult> {
    const topic = route.name;
    const partitionMaxBytes = Math.min(Math.max(maxBytes, 64 * 1024) + 64 * 1024, 32 * 1024 * 1024);
    const response = await this.client.retry(`Fetch ${topic}[${partition}]`, async () => {
      const current = (await this.client.route(topic)) ?? route;
      const leader = this.client.leaderOf(current, partition);
      const request = (connection: Parameters<typeof fetchV12.api.async>[0]) =>
        this.client.send(
          fetchV12.api,
          connection,
          waitMs,
          1,
          partitionMaxBytes,
          READ_COMMITTED,
          0,
          -1,
          [
            {
              topicId: topic,
              partitions: [
                {
                  partition,
                  currentLeaderEpoch: -1,
                  fetchOffset: BigInt(offset),
                  lastFetchedEpoch: -1,
                  partitionMaxBytes,
                },
              ],
            },
          ],
          [],
          '',
        );
      const fetched: fetchV12.FetchResponse =
        waitMs > 0
          ? await this.client.withLane(leader, request)
          : await request(await this.client.connection(leader));
      const p = fetched.responses[0]?.partitions[0];
      if (p === undefined) throw kafkaError(13, 'Fetch', { topic, partition });
      if (
        p.errorCode === KafkaCode.UNKNOWN_TOPIC_OR_PARTITION &&
        (await this.client.route(topic, true)) === undefined
      ) {
        throw topicNotFound(topic);
      }
      if (p.errorCode !== 0 && p.errorCode !== KafkaCode.OFFSET_OUT_OF_RANGE) {
        throw kafkaError(p.errorCode, 'Fetch', { topic, partition });
      }
      return p;
    });
    if (response.errorCode === KafkaCode.OFFSET_OUT_OF_RANGE)
      return this.#outOfRange(route, partition, offset);
    const decoded = decodeBatches(
      topic,
      partition,
      response.records ?? [],
      response.abortedTransactions,
      offset,
      maxRecords,
      maxBytes,
    );
    const highWatermark = Number(
      response.lastStableOffset >= 0n ? response.lastStableOffset : response.highWatermark,
    );
    return {
      records: decoded.records,
      nextOffset: decoded.nextOffset,
      highWatermark: Math.max(highWatermark, decoded.nextOffset),
    };
  }

  async #outOfRange(route: TopicRoute, partition: number, offset: number): Promise<never> {
    const [starts, ends] = await Promise.all([
      this.#listOffsets([route], EARLIEST, READ_UNCOMMITTED),
      this.#listOffsets([route], LATEST, READ_UNCOMMITTED),
    ]);
    const startOffset = starts.get(route.name)?.[partition] ?? 0;
    const endOffset = ends.get(route.name)?.[partition] ?? 0;
    throw new StreamsightError(
      'SS_ERR_OFFSET_OUT_OF_RANGE',
      `offset ${offset} of "${route.name}"[${partition}] is outside [${startOffset}, ${endOffset}]`,
      { details: { topic: route.name, partition, offset, startOffset, endOffset } },
    );
  }

  // ── consumer offsets ───────────────────────────────────────────────────────────────────────────

  /**
   * Committed offsets, preferring stable ones. A partition whose offsets are part of an open
   * transaction reports UNSTABLE_OFFSET_COMMIT; it is asked again for up to 2 s, then its last
   * committed offset is returned. Waiting longer would not help: the question covers every partition
   * of the topic, and the other workers' partitions are in an open transaction most of the time. The
   * caller's own partitions are stable by then — a worker claims their transactional ids before it
   * restores (`claimTransactionalIds`), which finishes any open transaction on them — and without a
   * claim the last committed offset matches the state `readState` returns (both stop before the open
   * transaction).
   */
  async committedOffsets(group: string, topic: string): Promise<Map<number, number>> {
    this.#checkOpen();
    const route = await this.client.retry(`Metadata ${topic}`, () => this.client.route(topic));
    if (route === undefined) return new Map();
    const stableUntil = Date.now() + 2000;
    const out = new Map<number, number>();
    let unstable = route.leaders.map((_, i) => i);
    for (const requireStable of [true, false]) {
      if (unstable.length === 0) break;
      const asked = unstable;
      unstable = await this.client.retry(`OffsetFetch ${group}`, async () => {
        const connection = await this.client.connection(await this.client.coordinator('group', group));
        const response = await this.client.send(
          offsetFetchV9.api,
          connection,
          [
            {
              groupId: group,
              memberId: null,
              memberEpoch: -1,
              topics: [{ name: topic, partitionIndexes: asked }],
            },
          ],
          requireStable,
        );
        const pending: number[] = [];
        for (const g of response.groups) {
          if (g.errorCode !== 0 && g.errorCode !== KafkaCode.GROUP_ID_NOT_FOUND)
            throw kafkaError(g.errorCode, 'OffsetFetch', { group });
          for (const t of g.topics) {
            for (const p of t.partitions) {
              if (p.errorCode === KafkaCode.UNSTABLE_OFFSET_COMMIT) {
                if (Date.now() < stableUntil) throw kafkaError(p.errorCode, 'OffsetFetch', { group, topic });
                pending.push(p.partitionIndex);
                continue;
              }
              if (p.errorCode !== 0)
                throw kafkaError(p.errorCode, 'OffsetFetch', { group, topic, partition: p.partitionIndex });
              if (p.committedOffset >= 0n) out.set(p.partitionIndex, Number(p.committedOffset));
            }
          }
        }
        return pending;
      });
    }
    return out;
  }

  async commitOffsets(group: string, offsets: TopicPartitionOffset[]): Promise<void> {
    this.#checkOpen();
    const byTopic = await this.#checkOffsets(group, offsets);
    await this.client.retry(`OffsetCommit ${group}`, async () => {
      const connection = await this.client.connection(await this.client.coordinator('group', group));
      const response = await this.client.send(
        offsetCommitV9.api,
        connection,
        group,
        -1,
        '',
        null,
        [...byTopic].map(([name, list]) => ({
          name,
          partitions: list.map((o) => ({
            partitionIndex: o.partition,
            committedOffset: BigInt(o.offset),
            committedLeaderEpoch: -1,
          })),
        })),
      );
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0)
            throw kafkaError(p.errorCode, 'OffsetCommit', {
              group,
              topic: t.name,
              partition: p.partitionIndex,
            });
        }
      }
    });
  }

  /** Validates a group and its offsets against the cluster's topics; groups them by topic. */
  async #checkOffsets(
    group: string,
    offsets: TopicPartitionOffset[],
  ): Promise<Map<string, TopicPartitionOffset[]>> {
    if (typeof group !== 'string' || group.length === 0 || group.length > 249) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `consumer group ${JSON.stringify(group)} must be 1 to 249 characters`,
        {
          details: { group },
        },
      );
    }
    const byTopic = new Map<string, TopicPartitionOffset[]>();
    for (const o of offsets) {
      if (!Number.isSafeInteger(o?.offset) || o.offset < 0) {
        throw new StreamsightError(
          'SS_ERR_INVALID_OPTION',
          `offset ${o?.offset} for group "${group}" is not an offset`,
          {
            details: { group, topic: o?.topic },
          },
        );
      }
      const route = await this.#route(o.topic);
      if (!Number.isInteger(o.partition) || o.partition < 0 || o.partition >= route.leaders.length) {
        throw partitionNotFound(o.topic, o.partition);
      }
      let list = byTopic.get(o.topic);
      if (list === undefined) byTopic.set(o.topic, (list = []));
      list.push(o);
    }
    return byTopic;
  }

  async listGroups(): Promise<string[]> {
    this.#checkOpen();
    const nodes = await this.client.retry('Metadata', () => this.client.nodes());
    const groups = new Set<string>();
    await Promise.all(
      nodes.map((node) =>
        this.client.retry(`ListGroups ${node}`, async () => {
          const response = await this.client.send(
            listGroupsV5.api,
            await this.client.connection(node),
            [],
            [],
          );
          if (response.errorCode !== 0) throw kafkaError(response.errorCode, 'ListGroups');
          for (const g of response.groups) groups.add(g.groupId);
        }),
      ),
    );
    return [...groups].sort();
  }

  // ── transactions and state ─────────────────────────────────────────────────────────────────────

  beginTransaction(): LogTransaction {
    this.#checkOpen();
    return new KafkaTransaction((work) => this.#commitTransaction(work));
  }

  #commitTransaction(work: TransactionWork): Promise<AppendResult[]> {
    try {
      this.#checkOpen();
    } catch (error) {
      return Promise.reject(error);
    }
    // The order of commits is fixed here, synchronously: a task pipelines its checkpoints, and one
    // that has to create a changelog topic first must still commit before the ones called after it
    // (otherwise the later one's offsets would be overwritten by the earlier one's, and its markers
    // would precede data they cover). Preparation (validation, changelog topics) runs at once; the
    // Kafka transaction waits for its turn.
    let id: string | undefined;
    try {
      id = transactionalIdFor(work.offsets);
    } catch {
      id = undefined; // malformed offsets: validation below reports them with a code
    }
    const prepared = this.#prepareTransaction(work);
    if (id === undefined) return this.#commitUnordered(prepared);
    prepared.catch(() => {});
    const committed = this.#withTransactionalProducer(id, async (producer) => {
      const { writes, offsets, entries } = await prepared;
      await producer.transact([...writes.values()], offsets);
      return { writes, entries };
    });
    return committed.then(async ({ writes, entries }) => {
      await this.#awaitStable(writes.values());
      return resultsOf(entries);
    });
  }

  /** A transaction without consumer offsets: one idempotent batch when it can, else an anonymous id. */
  async #commitUnordered(preparing: Promise<PreparedTransaction>): Promise<AppendResult[]> {
    const { writes, offsets, entries, stateless } = await preparing;
    if (stateless && offsets.size === 0 && writes.size <= 1) {
      const [write] = writes.values();
      if (write === undefined) return [];
      if (fitsOneBatch(write)) {
        // One partition, one batch: atomic without a Kafka transaction (see the header).
        await this.#idempotentSerial(write);
        return resultsOf(entries);
      }
    }
    await this.#withTransactionalProducer(undefined, (producer) =>
      producer.transact([...writes.values()], offsets),
    );
    await this.#awaitStable(writes.values());
    return resultsOf(entries);
  }

  /** Validates a transaction's work and turns it into partition writes (changelog topics created). */
  async #prepareTransaction(work: TransactionWork): Promise<PreparedTransaction> {
    // Validate everything before anything is written: a failing commit applies nothing.
    const placed: [string, [number, ProducerRecord, number][]][] = [];
    for (const [topic, records] of work.appends) placed.push([topic, await this.#place(topic, records)]);
    const offsets = new Map<string, TopicPartitionOffset[]>();
    for (const [group, list] of work.offsets) {
      await this.#checkOffsets(group, list);
      offsets.set(group, list);
    }
    const writes = new Map<string, PartitionWrite>();
    const entries: { write: PartitionWrite; index: number }[] = [];
    const add = (
      topic: string,
      partition: number,
      record: ProducerRecord,
      timestamp: number,
      track: boolean,
    ) => {
      const id = `${topic}\u0000${partition}`;
      let write = writes.get(id);
      if (write === undefined)
        writes.set(id, (write = { topic, partition, messages: [], bytes: 0, baseOffset: -1 }));
      if (track) entries.push({ write, index: write.messages.length });
      write.messages.push(toMessage(topic, partition, record, timestamp));
      write.bytes += (record.key?.length ?? 0) + (record.value?.length ?? 0);
    };
    for (const [topic, items] of placed) for (const [p, record, ts] of items) add(topic, p, record, ts, true);
    const now = Date.now();
    for (const [store, partitions] of work.state) {
      const topic = await this.#changelog(store, Math.max(...partitions.keys()) + 1);
      for (const [partition, entriesOfPartition] of partitions) {
        for (const [key, value] of entriesOfPartition)
          add(topic, partition, { key: encoder.encode(key), value }, now, false);
      }
    }
    return { writes, offsets, entries, stateless: work.state.size === 0 };
  }

  /**
   * EndTxn returns once the coordinator decided; the COMMIT markers reach the partitions a moment
   * later, and read_committed readers (and `endOffset`, and `readState`) see the records only then.
   * The seam promises that a resolved commit is visible, so wait for the last stable offsets to pass
   * everything the transaction wrote: the appended records and the changelog records alike (a
   * transaction that only writes state has no appended records, yet its state must be readable).
   */
  async #awaitStable(writes: Iterable<PartitionWrite>): Promise<void> {
    const need = new Map<string, Map<number, number>>();
    for (const write of writes) {
      if (write.messages.length === 0) continue;
      let topic = need.get(write.topic);
      if (topic === undefined) need.set(write.topic, (topic = new Map()));
      topic.set(write.partition, write.nextOffset ?? write.baseOffset + write.messages.length);
    }
    if (need.size === 0) return;
    const deadline = Date.now() + this.#options.retryTimeoutMs;
    for (let delay = 2; ; delay = Math.min(delay * 2, 100)) {
      const routes = await Promise.all([...need.keys()].map((t) => this.#route(t)));
      const stable = await this.#listOffsets(routes, LATEST, READ_COMMITTED);
      let behind = false;
      for (const [topic, partitions] of need) {
        for (const [partition, end] of partitions)
          if ((stable.get(topic)?.[partition] ?? 0) < end) behind = true;
      }
      if (!behind) return;
      if (Date.now() > deadline) {
        // Committed, but not visible: the caller must not take it as done (a task fails and restarts,
        // restoring from what is committed, which includes this transaction).
        throw new StreamsightError(
          'SS_ERR_KAFKA',
          `committed records are not visible to read_committed readers after ${this.#options.retryTimeoutMs} ms ` +
            `(an open transaction holds the last stable offset of ${[...need.keys()].join(', ')})`,
          { retriable: true, details: { topics: [...need.keys()] } },
        );
      }
      await sleep(delay);
    }
  }

  /** A single atomic batch through the idempotent producer, in the group-commit order of appends. */
  async #idempotentSerial(write: PartitionWrite): Promise<void> {
    while (this.#flushing) await this.#flushing;
    const own = this.#idempotent.produce([write]);
    this.#flushing = own.then(
      () => undefined,
      () => undefined,
    );
    try {
      await own;
    } finally {
      this.#flushing = undefined;
      if (this.#queue.length > 0) this.#flushing = this.#flush();
    }
  }

  /** Runs `body` on the producer of a transactional id (or a pooled anonymous one), one at a time. */
  async #withTransactionalProducer<T>(
    id: string | undefined,
    body: (producer: KafkaProducer) => Promise<T>,
  ): Promise<T> {
    if (id === undefined) {
      const producer =
        this.#anonymous.pop() ??
        new KafkaProducer(
          this.client,
          `${this.#options.clientId}.${this.#instance}.tx-${++this.#anonymousCount}`,
          this.#options.transactionTimeoutMs,
        );
      try {
        return await body(producer);
      } finally {
        this.#anonymous.push(producer);
      }
    }
    const slot = this.#slot(id);
    // Commits of one task are pipelined: when one fails, those queued behind it must not commit
    // (their offsets would skip the failed one's records), but commits queued later — by the task
    // restarted after the failure — must.
    const ticket = ++slot.queued;
    const run = slot.tail.then(() => {
      if (ticket <= slot.poisoned) {
        throw new StreamsightError(
          'SS_ERR_TRANSACTION_STATE',
          `an earlier transaction of ${id} failed; this one, queued behind it, was not committed`,
          { retriable: true, details: { transactionalId: id } },
        );
      }
      return this.#bounded(id, slot, body(slot.producer));
    });
    slot.tail = run.catch(() => {
      slot.poisoned = Math.max(slot.poisoned, slot.queued);
    });
    return run;
  }

  /**
   * A transaction's turn on its producer, bounded. Every request it makes is bounded and retried for
   * at most `retryTimeoutMs`, so this only fires if something never answers; then the turn fails (the
   * task fails, and its restart claims the id afresh) instead of holding the queue forever. The stuck
   * producer is dropped: the next InitProducerId fences it, so it can never commit late.
   */
  #bounded<T>(id: string, slot: TransactionalSlot, work: Promise<T>): Promise<T> {
    const limitMs = 2 * this.#options.retryTimeoutMs + this.#options.transactionTimeoutMs;
    const producer = slot.producer;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        if (slot.producer === producer)
          slot.producer = new KafkaProducer(this.client, id, this.#options.transactionTimeoutMs);
        reject(
          new StreamsightError(
            'SS_ERR_KAFKA',
            `transaction of ${id} did not finish within ${limitMs} ms; giving it up`,
            { retriable: true, details: { transactionalId: id } },
          ),
        );
      }, limitMs);
    });
    work.catch(() => {});
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  }

  #slot(id: string): TransactionalSlot {
    let slot = this.#transactional.get(id);
    if (slot === undefined) {
      slot = {
        producer: new KafkaProducer(this.client, id, this.#options.transactionTimeoutMs),
        tail: Promise.resolve(),
        queued: 0,
        poisoned: 0,
      };
      this.#transactional.set(id, slot);
    }
    return slot;
  }

  /**
   * Takes over transactional ids before the tasks that use them restore: a fresh InitProducerId per id
   * fences every older producer of it (a dead or zombie worker's) and makes the coordinator finish
   * that producer's open transaction — abort it, or complete a commit already decided — before it
   * answers. Only then are the changelog and the committed offsets consistent with each other; without
   * it a restore could read the state before a concurrent commit and the offsets after it. Waits for
   * this log's own queued transactions of those ids first.
   *
   * @example
   * await log.claimTransactionalIds([transactionalIdFor(offsets)!]);
   */
  async claimTransactionalIds(ids: Iterable<string>): Promise<void> {
    this.#checkOpen();
    await Promise.all(
      [...new Set(ids)].map(async (id) => {
        const slot = this.#slot(id);
        const claim = slot.tail.then(async () => {
          const producer = new KafkaProducer(this.client, id, this.#options.transactionTimeoutMs);
          await producer.initialize();
          slot.producer = producer;
        });
        slot.tail = claim.catch(() => {});
        await claim;
      }),
    );
  }

  /** The changelog topic of a state store, created (compacted) or grown to `partitions` on demand. */
  async #changelog(store: string, partitions: number): Promise<string> {
    const topic = changelogTopic(store);
    const known = this.#changelogs.get(topic);
    if (known !== undefined && known >= partitions) return topic;
    let route = await this.client.retry(`Metadata ${topic}`, () => this.client.route(topic, true));
    if (route === undefined) {
      try {
        await this.#createTopic(topic, partitions, [
          { name: 'cleanup.policy', value: 'compact' },
          { name: 'segment.ms', value: '600000' },
          { name: 'min.cleanable.dirty.ratio', value: '0.2' },
        ]);
      } catch (error) {
        // Another task (or worker) created it first, maybe with fewer partitions: grow it below.
        if (!(error instanceof StreamsightError && error.code === 'SS_ERR_TOPIC_EXISTS')) throw error;
      }
      route = await this.#waitForTopic(topic, 0);
    }
    if (route.leaders.length < partitions) {
      await this.client.retry(`CreatePartitions ${topic}`, async () => {
        const response = await this.client.send(
          createPartitionsV3.api,
          await this.client.anyConnection(),
          [{ name: topic, count: partitions, assignments: null }],
          30_000,
          false,
        );
        const r = response.results[0];
        // Another worker grew it first: fine.
        if (r.errorCode !== 0 && r.errorCode !== KafkaCode.INVALID_PARTITIONS) {
          throw kafkaError(r.errorCode, 'CreatePartitions', { topic }, r.errorMessage);
        }
      });
      await this.#waitForTopic(topic, partitions);
    }
    const fresh = await this.#waitForTopic(topic, partitions);
    this.#changelogs.set(topic, fresh.leaders.length);
    return topic;
  }

  async *readState(store: string, partition: number): AsyncIterable<[string, Uint8Array]> {
    this.#checkOpen();
    const topic = changelogTopic(store);
    const route = await this.client.retry(`Metadata ${topic}`, () => this.client.route(topic, true));
    if (route === undefined || partition >= route.leaders.length || partition < 0) return;
    const [starts, ends] = await this.#ranges([route]);
    const end = ends.get(topic)?.[partition] ?? 0;
    let offset = starts.get(topic)?.[partition] ?? 0;
    const latest = new Map<string, Uint8Array | null>();
    while (offset < end) {
      const { records, nextOffset } = await this.#fetchOnce(
        route,
        partition,
        offset,
        0,
        100_000,
        8 * 1024 * 1024,
      );
      for (const r of records) if (r.key !== null) latest.set(decoder.decode(r.key), r.value);
      if (nextOffset <= offset) break;
      offset = nextOffset;
    }
    const keys = [...latest.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const key of keys) {
      const value = latest.get(key)!;
      if (value !== null) yield [key, value];
    }
  }

  // ── retention and close ────────────────────────────────────────────────────────────────────────

  async enforceRetention(now = Date.now()): Promise<void> {
    this.#checkOpen();
    const topics = await this.listTopics();
    for (const t of topics) {
      const { retentionMs, retentionBytes } = t.config;
      if (retentionMs === undefined && retentionBytes === undefined) continue;
      const route = await this.#route(t.name);
      const cut = t.partitions.map((p) => p.startOffset);
      if (retentionMs !== undefined) {
        // The first offset with a timestamp at or after the cutoff; -1: every record is older.
        const found = await this.#listOffsets([route], BigInt(now - retentionMs), READ_UNCOMMITTED);
        for (const p of t.partitions) {
          const offset = found.get(t.name)?.[p.partition] ?? -1;
          cut[p.partition] = Math.max(cut[p.partition], offset < 0 ? p.endOffset : offset);
        }
      }
      if (retentionBytes !== undefined) {
        for (const p of t.partitions) {
          cut[p.partition] = Math.max(cut[p.partition], await this.#bytesCut(route, p, retentionBytes));
        }
      }
      const moves = t.partitions.filter((p) => cut[p.partition] > p.startOffset);
      if (moves.length > 0)
        await this.#deleteRecords(
          route,
          moves.map((p) => [p.partition, cut[p.partition]]),
        );
    }
  }

  async deleteRecordsBefore(topic: string, partition: number, offset: number): Promise<void> {
    this.#checkOpen();
    const route = await this.#route(topic);
    if (!Number.isInteger(partition) || partition < 0 || partition >= route.leaders.length)
      throw partitionNotFound(topic, partition);
    const [starts, ends] = await this.#ranges([route]);
    const p = {
      startOffset: starts.get(topic)?.[partition] ?? 0,
      endOffset: ends.get(topic)?.[partition] ?? 0,
    };
    if (!Number.isSafeInteger(offset) || offset > p.endOffset)
      throw deleteBeyondEnd(topic, partition, offset, p);
    if (offset <= p.startOffset) return;
    await this.#deleteRecords(route, [[partition, offset]]);
  }

  /** The first offset to keep so that at most `limit` bytes of keys and values remain. */
  async #bytesCut(route: TopicRoute, p: PartitionInfo, limit: number): Promise<number> {
    const sizes: [offset: number, bytes: number][] = [];
    let total = 0;
    let offset = p.startOffset;
    while (offset < p.endOffset) {
      const { records, nextOffset } = await this.#fetchOnce(
        route,
        p.partition,
        offset,
        0,
        100_000,
        8 * 1024 * 1024,
      );
      for (const r of records) {
        const bytes = (r.key?.length ?? 0) + (r.value?.length ?? 0);
        sizes.push([r.offset, bytes]);
        total += bytes;
      }
      if (nextOffset <= offset) break;
      offset = nextOffset;
    }
    let i = 0;
    while (total > limit && i < sizes.length) total -= sizes[i++][1];
    return i < sizes.length ? sizes[i][0] : p.endOffset;
  }

  async #deleteRecords(route: TopicRoute, cuts: [number, number][]): Promise<void> {
    await this.client.retry(`DeleteRecords ${route.name}`, async () => {
      const byLeader = new Map<number, [number, number][]>();
      for (const cut of cuts) {
        const leader = this.client.leaderOf((await this.client.route(route.name)) ?? route, cut[0]);
        byLeader.set(leader, [...(byLeader.get(leader) ?? []), cut]);
      }
      await Promise.all(
        [...byLeader].map(async ([leader, list]) => {
          const response = await this.client.send(
            deleteRecordsV2.api,
            await this.client.connection(leader),
            [
              {
                name: route.name,
                partitions: list.map(([partitionIndex, offset]) => ({
                  partitionIndex,
                  offset: BigInt(offset),
                })),
              },
            ],
            30_000,
          );
          for (const t of response.topics) {
            for (const p of t.partitions) {
              if (p.errorCode !== 0)
                throw kafkaError(p.errorCode, 'DeleteRecords', {
                  topic: t.name,
                  partition: p.partitionIndex,
                });
            }
          }
        }),
      );
    });
  }

  async close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      // Appends accepted before close are acknowledged.
      await Promise.allSettled([...this.#accepted]);
      while (this.#flushing) await this.#flushing;
      await Promise.allSettled([...this.#transactional.values()].map((slot) => slot.tail));
      await this.client.close();
    })();
    return this.#closing;
  }
}

/**
 * The transactional id of a transaction that commits consumer offsets: the group and the input
 * partitions, so the same task maps to the same id in every process. Undefined otherwise.
 */
export function transactionalIdFor(offsets: Map<string, TopicPartitionOffset[]>): string | undefined {
  if (offsets.size === 0) return undefined;
  const parts: string[] = [];
  for (const [group, list] of [...offsets].sort(([a], [b]) => a.localeCompare(b))) {
    const partitions = [...new Set(list.map((o) => o.partition))].sort((a, b) => a - b);
    const topics = [...new Set(list.map((o) => o.topic))].sort();
    // Topics too: two stages of one pipeline share the group and the partition number.
    parts.push(`${group}[${partitions.join(',')}]{${topics.join(',')}}`);
  }
  return `ss-tx:${parts.join('|')}`;
}

/**
 * The changelog topic of a state store: `<store>-changelog`, with characters Kafka does not allow in
 * topic names replaced (and a hash added so distinct stores never collide).
 *
 * @example
 * changelogTopic('shop.revenue.window-3'); // 'shop.revenue.window-3-changelog'
 */
export function changelogTopic(store: string): string {
  const clean = store.replace(/[^A-Za-z0-9._-]/g, '_');
  if (clean === store && store.length <= 239) return `${store}-changelog`;
  let hash = 0x811c9dc5;
  for (let i = 0; i < store.length; i++) hash = Math.imul(hash ^ store.charCodeAt(i), 0x01000193) >>> 0;
  return `${clean.slice(0, 220)}-${hash.toString(16).padStart(8, '0')}-changelog`;
}

function checkTopicConfig(name: string, config: TopicConfig): void {
  const invalid = (message: string) =>
    new StreamsightError('SS_ERR_INVALID_OPTION', `createTopic: ${message}`, { details: { topic: name } });
  if (typeof name !== 'string' || !TOPIC_NAME.test(name) || name.startsWith('__')) {
    throw invalid(
      `topic name ${JSON.stringify(name)} must be 1 to 249 of A-Z a-z 0-9 . _ - (not starting with __)`,
    );
  }
  const { partitions, retentionMs, retentionBytes } = config ?? ({} as TopicConfig);
  if (!Number.isInteger(partitions) || partitions < 1 || partitions > MAX_PARTITIONS) {
    throw invalid(`partitions is ${partitions}; expected an integer from 1 to ${MAX_PARTITIONS}`);
  }
  for (const [label, value] of [
    ['retentionMs', retentionMs],
    ['retentionBytes', retentionBytes],
  ] as const) {
    if (value !== undefined && (!Number.isSafeInteger(value) || value < 1)) {
      throw invalid(`${label} is ${value}; expected an integer >= 1`);
    }
  }
}

export type { LogRecord };
