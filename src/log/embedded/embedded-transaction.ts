import { StreamsightError } from '../../errors/index.ts';
import type { AppendResult, LogTransaction, ProducerRecord, TopicPartitionOffset } from '../log.ts';

/** A consumer-offset commit, flattened. */
export interface OffsetCommit {
  group: string;
  topic: string;
  partition: number;
  offset: number;
}

/** One state write; a null value deletes the key. */
export interface StateWrite {
  store: string;
  partition: number;
  key: string;
  value: Uint8Array | null;
}

/** Everything a transaction buffered, handed to the log in one piece at commit. */
export interface TransactionWork {
  appends: { topic: string; records: ProducerRecord[] }[];
  offsets: OffsetCommit[];
  state: StateWrite[];
}

/**
 * The embedded log's `LogTransaction`: a buffer with a three-state life (open, then committed or
 * aborted). Arguments are checked when they are buffered; whether topics and partitions exist is
 * checked at commit, inside the one LMDB write transaction that applies everything.
 *
 * The buffer keeps references: bytes handed to `append` and `putState` must not change before commit.
 */
export class EmbeddedTransaction implements LogTransaction {
  #work: TransactionWork | undefined = { appends: [], offsets: [], state: [] };
  readonly #apply: (work: TransactionWork) => Promise<AppendResult[]>;

  /** `apply` writes the work atomically and durably; the log passes it in. */
  constructor(apply: (work: TransactionWork) => Promise<AppendResult[]>) {
    this.#apply = apply;
  }

  append(topic: string, records: ProducerRecord[]): void {
    // A copy of the array: callers often reuse theirs for the next batch of output.
    this.#open().appends.push({ topic, records: records.slice() });
  }

  commitOffsets(group: string, offsets: TopicPartitionOffset[]): void {
    const work = this.#open();
    for (const o of offsets) work.offsets.push(checkOffsetCommit(group, o));
  }

  putState(store: string, partition: number, key: string, value: Uint8Array | null): void {
    const work = this.#open();
    if (typeof store !== 'string' || store.length === 0)
      throw invalid(`state store name ${JSON.stringify(store)}`);
    if (!Number.isInteger(partition) || partition < 0) throw invalid(`state partition ${partition}`);
    if (typeof key !== 'string') throw invalid(`state key ${String(key)}; keys are strings`);
    if (value !== null && !(value instanceof Uint8Array))
      throw invalid('state value; values are Uint8Array or null');
    work.state.push({ store, partition, key, value });
  }

  async commit(): Promise<AppendResult[]> {
    const work = this.#open();
    this.#work = undefined;
    return this.#apply(work);
  }

  abort(): void {
    this.#work = undefined;
  }

  #open(): TransactionWork {
    if (this.#work === undefined) {
      throw new StreamsightError(
        'SS_ERR_TRANSACTION_STATE',
        'the transaction was already committed or aborted',
      );
    }
    return this.#work;
  }
}

/** Checks one consumer-offset commit (the log checks that topic and partition exist). */
export function checkOffsetCommit(group: string, o: TopicPartitionOffset): OffsetCommit {
  if (typeof group !== 'string' || group.length === 0)
    throw invalid(`consumer group ${JSON.stringify(group)}`);
  if (!Number.isSafeInteger(o.offset) || o.offset < 0) {
    throw invalid(`offset ${o.offset} for ${o.topic}/${o.partition}; offsets are integers >= 0`);
  }
  return { group, topic: o.topic, partition: o.partition, offset: o.offset };
}

function invalid(what: string): StreamsightError {
  return new StreamsightError('SS_ERR_INVALID_OPTION', `invalid ${what}`);
}
