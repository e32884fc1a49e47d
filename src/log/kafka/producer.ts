/**
 * A Kafka producer identity: an idempotent producer (no transactional id) for plain appends, or a
 * transactional one for `LogTransaction`s.
 *
 * Idempotence. Every batch carries the producer id, epoch and a per-partition sequence number fixed
 * before the first send, so a batch resent after a lost response is recognised by the broker and not
 * written twice. That is what lets every produce be retried through a broker outage.
 *
 * Transactions (one at a time per producer; callers queue them):
 *   AddPartitionsToTxn + AddOffsetsToTxn(group)  →  Produce (transactional batches) + TxnOffsetCommit
 *   →  EndTxn(commit).
 * The coordinator writes COMMIT markers into every partition; read_committed readers see the records and
 * the offsets at once. A failure before EndTxn aborts; a failure of EndTxn itself is retried, and if it
 * never gets through the next InitProducerId (by this process or the task's next owner) aborts it.
 * InitProducerId bumps the epoch of the transactional id: a zombie still using the old epoch is fenced
 * (INVALID_PRODUCER_EPOCH / PRODUCER_FENCED → SS_ERR_FENCED), so only the newest owner of a task commits.
 */

import {
  addOffsetsToTxnV4,
  addPartitionsToTxnV3,
  endTxnV4,
  initProducerIdV5,
  type MessageRecord,
  NumericMap,
  produceV11,
  txnOffsetCommitV4,
} from '@platformatic/kafka';
import { StreamsightError } from '../../errors/index.ts';
import type { TopicPartitionOffset } from '../log.ts';
import type { KafkaClient } from './kafka-client.ts';
import { KafkaCode, kafkaError } from './kafka-errors.ts';

/** Records for one partition; `baseOffset` and `nextOffset` are set once they are written. */
export interface PartitionWrite {
  topic: string;
  partition: number;
  messages: MessageRecord[];
  /** Bytes of keys, values and headers, for splitting into batches under the broker's size limit. */
  bytes: number;
  baseOffset: number;
  /**
   * One past the offset of the last record written (the end a reader must reach to see them all).
   * Split into several batches, the records need not be contiguous, so this is not always
   * `baseOffset + messages.length`.
   */
  nextOffset?: number;
}

interface Chunk {
  write: PartitionWrite;
  start: number;
  messages: MessageRecord[];
  sequence: number;
  baseOffset: number;
}

/** Stay below the broker's default message.max.bytes (1 MiB) with room for record overhead. */
const MAX_CHUNK_BYTES = 768 * 1024;
const PRODUCE_TIMEOUT_MS = 30_000;
/** A per-record overhead estimate (varints, attributes) used when chunking. */
const RECORD_OVERHEAD = 24;
const MAX_TIMESTAMP_DELTA = 2n ** 31n - 1n;

/**
 * One producer id with its epoch and sequence numbers.
 *
 * @example
 * const producer = new KafkaProducer(client, 'app.pipe.0', 60_000);
 * await producer.transact(writes, [{ group: 'app.pipe', offsets }]);
 */
/**
 * True when the records fit one batch: under the size limit and within the timestamp spread a batch
 * can encode (see `produce`).
 */
export function fitsOneBatch(write: PartitionWrite): boolean {
  let bytes = 0;
  const first = write.messages[0]?.timestamp ?? 0n;
  for (const m of write.messages) {
    const delta = m.timestamp! - first;
    if (delta >= MAX_TIMESTAMP_DELTA || delta <= -MAX_TIMESTAMP_DELTA) return false;
    bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0) + RECORD_OVERHEAD + headerBytes(m);
  }
  return bytes < MAX_CHUNK_BYTES;
}

export class KafkaProducer {
  readonly #client: KafkaClient;
  readonly transactionalId: string | null;
  readonly #transactionTimeoutMs: number;
  #producerId = -1n;
  #epoch = -1;
  #sequences = new Map<string, number>();
  #init: Promise<void> | undefined;
  #fenced: StreamsightError | undefined;

  constructor(client: KafkaClient, transactionalId: string | null, transactionTimeoutMs: number) {
    this.#client = client;
    this.transactionalId = transactionalId;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  /** Gets a producer id (and, when transactional, fences older owners and aborts their open work). */
  async #ensureInit(): Promise<void> {
    if (this.#fenced) throw this.#fenced;
    this.#init ??= this.#client
      .retry(`InitProducerId ${this.transactionalId ?? '(idempotent)'}`, async () => {
        const connection =
          this.transactionalId === null
            ? await this.#client.anyConnection()
            : await this.#client.connection(
                await this.#client.coordinator('transaction', this.transactionalId),
              );
        const response = await this.#client.send(
          initProducerIdV5.api,
          connection,
          this.transactionalId,
          this.#transactionTimeoutMs,
          -1n,
          -1,
        );
        if (response.errorCode !== 0) {
          throw kafkaError(response.errorCode, 'InitProducerId', { transactionalId: this.transactionalId });
        }
        this.#producerId = response.producerId;
        this.#epoch = response.producerEpoch;
        this.#sequences = new Map();
      })
      .catch((error: unknown) => {
        this.#init = undefined;
        throw error;
      });
    await this.#init;
  }

  /** Gets the producer id now (fencing older owners of the transactional id) instead of at first use. */
  initialize(): Promise<void> {
    return this.#ensureInit();
  }

  /** Forget the producer id: the next call starts afresh (after a fatal sequence or state error). */
  reset(): void {
    this.#init = undefined;
  }

  #fail(error: unknown): never {
    if (error instanceof StreamsightError && error.code === 'SS_ERR_FENCED') this.#fenced = error;
    else if (
      error instanceof StreamsightError &&
      error.code === 'SS_ERR_KAFKA' &&
      !error.retriable &&
      [45, 59, KafkaCode.INVALID_TXN_STATE].includes(error.details.kafkaCode as number)
    ) {
      // OUT_OF_ORDER_SEQUENCE / UNKNOWN_PRODUCER_ID / INVALID_TXN_STATE: this id's state is lost.
      this.reset();
    }
    throw error;
  }

  /** Writes the partitions' records (inside the open transaction when transactional), retrying. */
  async produce(writes: PartitionWrite[]): Promise<void> {
    await this.#ensureInit();
    const rounds: Chunk[][] = [];
    for (const write of writes) {
      let round = 0;
      let start = 0;
      while (start < write.messages.length) {
        let end = start;
        let bytes = 0;
        const first = write.messages[start].timestamp!;
        do {
          const m = write.messages[end];
          // @platformatic/dynamic-buffer 0.3.1 zigzag-encodes 64-bit varints with `>> 31n`, so a
          // record's timestamp delta from its batch's first record must stay within ±2^31 ms.
          const delta = m.timestamp! - first;
          if (end > start && (delta >= MAX_TIMESTAMP_DELTA || delta <= -MAX_TIMESTAMP_DELTA)) break;
          bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0) + RECORD_OVERHEAD + headerBytes(m);
          end++;
        } while (end < write.messages.length && bytes < MAX_CHUNK_BYTES);
        const tp = `${write.topic}:${write.partition}`;
        const sequence = this.#sequences.get(tp) ?? 0;
        this.#sequences.set(tp, (sequence + (end - start)) % 2 ** 31);
        (rounds[round++] ??= []).push({
          write,
          start,
          messages: write.messages.slice(start, end),
          sequence,
          baseOffset: -1,
        });
        start = end;
      }
    }
    try {
      for (const round of rounds) {
        await this.#client.retry('Produce', () => this.#sendRound(round));
      }
    } catch (error) {
      this.#fail(error);
    }
    for (const round of rounds) {
      for (const chunk of round) {
        if (chunk.start === 0) chunk.write.baseOffset = chunk.baseOffset;
        const next = chunk.baseOffset + chunk.messages.length;
        if (next > (chunk.write.nextOffset ?? -1)) chunk.write.nextOffset = next;
      }
    }
  }

  /** Sends the chunks not yet written, one request per leader, all at once. */
  async #sendRound(round: Chunk[]): Promise<void> {
    const byLeader = new Map<number, Chunk[]>();
    for (const chunk of round) {
      if (chunk.baseOffset >= 0) continue;
      const route = await this.#client.route(chunk.write.topic);
      if (route === undefined) {
        throw new StreamsightError('SS_ERR_TOPIC_NOT_FOUND', `topic "${chunk.write.topic}" does not exist`, {
          details: { topic: chunk.write.topic },
        });
      }
      const leader = this.#client.leaderOf(route, chunk.write.partition);
      const list = byLeader.get(leader);
      if (list) list.push(chunk);
      else byLeader.set(leader, [chunk]);
    }
    const failures: StreamsightError[] = [];
    await Promise.all(
      [...byLeader].map(async ([leader, chunks]) => {
        const sequences = new NumericMap();
        const messages: MessageRecord[] = [];
        for (const c of chunks) {
          sequences.set(`${c.write.topic}:${c.write.partition}`, c.sequence);
          for (const m of c.messages) messages.push(m);
        }
        const connection = await this.#client.connection(leader);
        const response = (await this.#client.send(
          produceV11.api,
          connection,
          -1,
          PRODUCE_TIMEOUT_MS,
          messages,
          {
            producerId: this.#producerId,
            producerEpoch: this.#epoch,
            sequences,
            transactionalId: this.transactionalId,
            compression: 'none',
          },
        )) as produceV11.ProduceResponse;
        for (const topic of response.responses) {
          for (const p of topic.partitionResponses) {
            const chunk = chunks.find((c) => c.write.topic === topic.name && c.write.partition === p.index);
            if (chunk === undefined) continue;
            if (p.errorCode === 0 || p.errorCode === KafkaCode.DUPLICATE_SEQUENCE_NUMBER) {
              chunk.baseOffset = Number(p.baseOffset);
            } else {
              failures.push(
                kafkaError(p.errorCode, 'Produce', { topic: topic.name, partition: p.index }, p.errorMessage),
              );
            }
          }
        }
      }),
    );
    if (failures.length > 0) throw failures.find((f) => !f.retriable) ?? failures[0];
  }

  /**
   * Runs one transaction: the writes, the consumer offsets (per group) and the commit, all or nothing.
   * Callers must not run two at once on one producer.
   */
  async transact(writes: PartitionWrite[], offsets: Map<string, TopicPartitionOffset[]>): Promise<void> {
    const id = this.transactionalId;
    if (id === null) throw new Error('transact() needs a transactional producer');
    await this.#ensureInit();
    let begun = false;
    try {
      const partitions = new Map<string, Set<number>>();
      for (const w of writes) {
        let set = partitions.get(w.topic);
        if (set === undefined) partitions.set(w.topic, (set = new Set()));
        set.add(w.partition);
      }
      begun = true;
      await Promise.all([
        partitions.size > 0 ? this.#addPartitions(id, partitions) : undefined,
        ...[...offsets.keys()].map((group) => this.#addOffsets(id, group)),
      ]);
      await Promise.all([
        writes.length > 0 ? this.produce(writes) : undefined,
        ...[...offsets].map(([group, list]) => this.#commitOffsets(id, group, list)),
      ]);
      await this.#endTxn(id, true);
    } catch (error) {
      if (begun && !(error instanceof StreamsightError && error.code === 'SS_ERR_FENCED')) {
        await this.#endTxn(id, false).catch(() => this.reset());
      }
      this.#fail(error);
    }
  }

  async #coordinatorConnection(id: string) {
    return this.#client.connection(await this.#client.coordinator('transaction', id));
  }

  #addPartitions(id: string, partitions: Map<string, Set<number>>): Promise<void> {
    return this.#client.retry(`AddPartitionsToTxn ${id}`, async () => {
      const response = await this.#client.send(
        addPartitionsToTxnV3.api,
        await this.#coordinatorConnection(id),
        [
          {
            transactionalId: id,
            producerId: this.#producerId,
            producerEpoch: this.#epoch,
            verifyOnly: false,
            topics: [...partitions].map(([name, set]) => ({ name, partitions: [...set] })),
          },
        ],
      );
      if (response.errorCode !== 0)
        throw kafkaError(response.errorCode, 'AddPartitionsToTxn', { transactionalId: id });
      let first: number | undefined;
      for (const t of response.resultsByTransaction[0]?.topicResults ?? []) {
        for (const p of t.resultsByPartition) {
          // OPERATION_NOT_ATTEMPTED (55) only says another partition failed.
          if (p.partitionErrorCode !== 0 && p.partitionErrorCode !== 55) first ??= p.partitionErrorCode;
        }
      }
      if (first !== undefined) throw kafkaError(first, 'AddPartitionsToTxn', { transactionalId: id });
    });
  }

  #addOffsets(id: string, group: string): Promise<void> {
    return this.#client.retry(`AddOffsetsToTxn ${id}`, async () => {
      const response = await this.#client.send(
        addOffsetsToTxnV4.api,
        await this.#coordinatorConnection(id),
        id,
        this.#producerId,
        this.#epoch,
        group,
      );
      if (response.errorCode !== 0)
        throw kafkaError(response.errorCode, 'AddOffsetsToTxn', { transactionalId: id, group });
    });
  }

  #commitOffsets(id: string, group: string, offsets: TopicPartitionOffset[]): Promise<void> {
    const byTopic = new Map<
      string,
      { partitionIndex: number; committedOffset: bigint; committedLeaderEpoch: number }[]
    >();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (list === undefined) byTopic.set(o.topic, (list = []));
      list.push({ partitionIndex: o.partition, committedOffset: BigInt(o.offset), committedLeaderEpoch: -1 });
    }
    return this.#client.retry(`TxnOffsetCommit ${id}`, async () => {
      const connection = await this.#client.connection(await this.#client.coordinator('group', group));
      const response = await this.#client.send(
        txnOffsetCommitV4.api,
        connection,
        id,
        group,
        this.#producerId,
        this.#epoch,
        -1,
        '',
        null,
        [...byTopic].map(([name, partitions]) => ({ name, partitions })),
      );
      for (const t of response.topics) {
        for (const p of t.partitions) {
          if (p.errorCode !== 0)
            throw kafkaError(p.errorCode, 'TxnOffsetCommit', {
              group,
              topic: t.name,
              partition: p.partitionIndex,
            });
        }
      }
    });
  }

  #endTxn(id: string, commit: boolean): Promise<void> {
    return this.#client.retry(`EndTxn(${commit ? 'commit' : 'abort'}) ${id}`, async () => {
      const response = await this.#client.send(
        endTxnV4.api,
        await this.#coordinatorConnection(id),
        id,
        this.#producerId,
        this.#epoch,
        commit,
      );
      if (response.errorCode !== 0) throw kafkaError(response.errorCode, 'EndTxn', { transactionalId: id });
    });
  }
}

function headerBytes(m: MessageRecord): number {
  let n = 0;
  if (m.headers) for (const [k, v] of m.headers) n += k.length + v.length + 2;
  return n;
}
