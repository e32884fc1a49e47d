import { StreamsightError } from '../../errors/index.ts';
import type { AppendResult, LogTransaction, ProducerRecord, TopicPartitionOffset } from '../log.ts';

/** What a transaction buffered, handed to the log at commit. */
export interface TransactionWork {
  appends: [topic: string, records: ProducerRecord[]][];
  /** group → offsets (later commits of a partition replace earlier ones). */
  offsets: Map<string, TopicPartitionOffset[]>;
  /** store → partition → key → value (null: delete). */
  state: Map<string, Map<number, Map<string, Uint8Array | null>>>;
}

/**
 * A buffered `LogTransaction`: calls only collect; `commit()` hands the work to the Kafka log, which
 * writes it as one Kafka transaction.
 *
 * @example
 * const tx = log.beginTransaction();
 * tx.putState('app.pipe.count', 0, 'k', bytes);
 * await tx.commit();
 */
export class KafkaTransaction implements LogTransaction {
  readonly #commit: (work: TransactionWork) => Promise<AppendResult[]>;
  #work: TransactionWork | undefined = { appends: [], offsets: new Map(), state: new Map() };

  constructor(commit: (work: TransactionWork) => Promise<AppendResult[]>) {
    this.#commit = commit;
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

  append(topic: string, records: ProducerRecord[]): void {
    this.#open().appends.push([topic, records]);
  }

  commitOffsets(group: string, offsets: TopicPartitionOffset[]): void {
    const work = this.#open();
    const merged = new Map((work.offsets.get(group) ?? []).map((o) => [`${o.topic}\u0000${o.partition}`, o]));
    for (const o of offsets) merged.set(`${o?.topic}\u0000${o?.partition}`, o);
    work.offsets.set(group, [...merged.values()]);
  }

  putState(store: string, partition: number, key: string, value: Uint8Array | null): void {
    const work = this.#open();
    if (
      typeof store !== 'string' ||
      store.length === 0 ||
      !Number.isInteger(partition) ||
      partition < 0 ||
      partition >= 1024
    ) {
      throw new StreamsightError(
        'SS_ERR_INVALID_ARGUMENT',
        `putState: store ${JSON.stringify(store)} partition ${partition} is invalid`,
        {
          details: { store, partition },
        },
      );
    }
    if (typeof key !== 'string' || (value !== null && !(value instanceof Uint8Array))) {
      throw new StreamsightError(
        'SS_ERR_INVALID_ARGUMENT',
        `putState: key must be a string and value a Uint8Array or null`,
        {
          details: { store, partition },
        },
      );
    }
    let partitions = work.state.get(store);
    if (partitions === undefined) work.state.set(store, (partitions = new Map()));
    let entries = partitions.get(partition);
    if (entries === undefined) partitions.set(partition, (entries = new Map()));
    entries.set(key, value);
  }

  async commit(): Promise<AppendResult[]> {
    const work = this.#open();
    this.#work = undefined;
    return this.#commit(work);
  }

  abort(): void {
    this.#work = undefined;
  }
}
