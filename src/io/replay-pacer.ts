/**
 * Pacing of a file replay: when the records read from the file are appended to the log.
 *
 * The reader hands each decoded record to `push()`. A pacer buffers it and decides whether it is time
 * to append; when the reader must wait (for an append to become durable, for the in-flight bound, or
 * for the schedule), `push()` returns a promise and the reader stops reading until it settles. That is
 * the whole back-pressure story: memory holds at most one block, or `batchSize * maxInFlight` records,
 * plus the file stream's read-ahead, however large the file.
 *
 * - `MaxPacer` appends every `batchSize` records without waiting for durability, until `maxInFlight`
 *   appends are pending; then it waits for the oldest. Appends are issued in file order; the log
 *   applies appends in call order, so records keep their file order within each partition.
 * - `BlockPacer` appends a block when it holds `recordsPerBlock` records or, with a group field, when the
 *   next record's group differs. Block k goes out at `start + k * intervalMs` (the first block at once),
 *   a fixed schedule, so time spent appending does not accumulate as drift.
 * - `TimestampPacer` maps a record's time `t` to `start + (t - t0) / speed`, `t0` being the first
 *   record's time. Records already due are batched; a record not yet due first flushes the batch, then
 *   sleeps until it is. Records with times before `t0` are due at once.
 *
 * The block and timestamp pacers await each append, so a block is durable before the next one is
 * scheduled. `Appender` counts a record only once its append resolved on every topic, so `records` in
 * the result and progress means "acknowledged", never "sent".
 */
import type { Log, ProducerRecord } from '../log/log.ts';
import type { Clock } from './clock.ts';
import type { ResolvedMode } from './replay-options.ts';

/** The part of the log a replay needs. */
export type LogAppender = Pick<Log, 'append'>;

/** Decides when buffered records are appended. */
export interface Pacer {
  /** True once no more records are wanted (`maxBlocks` reached): the reader stops. */
  readonly done: boolean;
  /** Takes one record; returns a promise when the reader must wait before the next one. */
  push(record: ProducerRecord, group: string | undefined): Promise<void> | undefined;
  /** Appends what is buffered and waits until every append is durable. */
  finish(): Promise<void>;
}

/** Appends batches to every topic of the replay and counts what became durable. */
export class Appender {
  records = 0;
  blocks = 0;
  readonly #log: LogAppender;
  readonly #topics: readonly string[];
  readonly #onAppended: () => void;
  /** Pending appends, oldest first; each already has a rejection handler, so none goes unhandled. */
  readonly #inFlight: Promise<void>[] = [];

  constructor(log: LogAppender, topics: readonly string[], onAppended: () => void) {
    this.#log = log;
    this.#topics = topics;
    this.#onAppended = onAppended;
  }

  /** Appends `batch` and resolves once it is durable. */
  async append(batch: ProducerRecord[]): Promise<void> {
    const topics = this.#topics;
    if (topics.length === 1) await this.#log.append(topics[0], batch);
    else {
      // Fan-out: every topic gets the same records (Log implementations do not modify their input),
      // stamped with one append time when the file gives none, so the copies are identical.
      const now = Date.now();
      for (const record of batch) record.timestamp ??= now;
      await Promise.all(topics.map((topic) => this.#log.append(topic, batch)));
    }
    this.records += batch.length;
    this.blocks++;
    this.#onAppended();
  }

  /** Starts appending `batch`; returns a promise to wait for when `maxInFlight` appends are pending. */
  dispatch(batch: ProducerRecord[], maxInFlight: number): Promise<void> | undefined {
    const pending = this.append(batch);
    pending.catch(ignore);
    this.#inFlight.push(pending);
    return this.#inFlight.length >= maxInFlight ? this.#inFlight.shift() : undefined;
  }

  /** Waits for every pending append; rejects with the first failure. */
  async drain(): Promise<void> {
    while (this.#inFlight.length > 0) await this.#inFlight.shift();
  }

  /** Waits for every pending append to succeed or fail, without rejecting (cleanup after an error). */
  async settle(): Promise<void> {
    await Promise.allSettled(this.#inFlight.splice(0));
  }
}

export function createPacer(
  mode: ResolvedMode,
  appender: Appender,
  clock: Clock,
  signal?: AbortSignal,
): Pacer {
  switch (mode.type) {
    case 'max':
      return new MaxPacer(appender, mode.batchSize, mode.maxInFlight);
    case 'block':
      return new BlockPacer(appender, clock, signal, mode.recordsPerBlock, mode.intervalMs, mode.maxBlocks);
    case 'timestamp':
      return new TimestampPacer(appender, clock, signal, mode.speed, mode.batchSize);
  }
}

class MaxPacer implements Pacer {
  readonly done = false;
  readonly #appender: Appender;
  readonly #batchSize: number;
  readonly #maxInFlight: number;
  #batch: ProducerRecord[] = [];

  constructor(appender: Appender, batchSize: number, maxInFlight: number) {
    this.#appender = appender;
    this.#batchSize = batchSize;
    this.#maxInFlight = maxInFlight;
  }

  push(record: ProducerRecord): Promise<void> | undefined {
    this.#batch.push(record);
    if (this.#batch.length < this.#batchSize) return undefined;
    const batch = this.#batch;
    this.#batch = [];
    return this.#appender.dispatch(batch, this.#maxInFlight);
  }

  async finish(): Promise<void> {
    if (this.#batch.length > 0) this.#appender.dispatch(this.#batch, Number.POSITIVE_INFINITY);
    this.#batch = [];
    await this.#appender.drain();
  }
}

class BlockPacer implements Pacer {
  done = false;
  readonly #appender: Appender;
  readonly #clock: Clock;
  readonly #signal: AbortSignal | undefined;
  readonly #recordsPerBlock: number;
  readonly #intervalMs: number;
  readonly #maxBlocks: number;
  #block: ProducerRecord[] = [];
  #group: string | undefined;
  #sent = 0;
  #start = 0;

  constructor(
    appender: Appender,
    clock: Clock,
    signal: AbortSignal | undefined,
    recordsPerBlock: number,
    intervalMs: number,
    maxBlocks: number,
  ) {
    this.#appender = appender;
    this.#clock = clock;
    this.#signal = signal;
    this.#recordsPerBlock = recordsPerBlock;
    this.#intervalMs = intervalMs;
    this.#maxBlocks = maxBlocks;
  }

  push(record: ProducerRecord, group: string | undefined): Promise<void> | undefined {
    if (group !== this.#group && this.#block.length > 0) return this.#flushThenAdd(record, group);
    this.#group = group;
    this.#block.push(record);
    return this.#block.length === this.#recordsPerBlock ? this.#flush() : undefined;
  }

  async finish(): Promise<void> {
    if (this.#block.length > 0 && !this.done) await this.#flush();
  }

  /** A new group: the current block ends early and the record opens the next one. */
  async #flushThenAdd(record: ProducerRecord, group: string | undefined): Promise<void> {
    await this.#flush();
    if (this.done) return;
    this.#group = group;
    this.#block.push(record);
    if (this.#block.length === this.#recordsPerBlock) await this.#flush();
  }

  async #flush(): Promise<void> {
    if (this.#sent === 0) {
      this.#start = this.#clock.now();
    } else {
      const wait = this.#start + this.#sent * this.#intervalMs - this.#clock.now();
      if (wait > 0) await this.#clock.sleep(wait, this.#signal);
    }
    const block = this.#block;
    this.#block = [];
    await this.#appender.append(block);
    if (++this.#sent === this.#maxBlocks) this.done = true;
  }
}

class TimestampPacer implements Pacer {
  readonly done = false;
  readonly #appender: Appender;
  readonly #clock: Clock;
  readonly #signal: AbortSignal | undefined;
  readonly #speed: number;
  readonly #batchSize: number;
  #batch: ProducerRecord[] = [];
  /** The first record's time, and the clock time it was taken at. */
  #firstTime = Number.NaN;
  #start = 0;
  /** The clock time last read: records due before it need no clock read. */
  #now = 0;

  constructor(
    appender: Appender,
    clock: Clock,
    signal: AbortSignal | undefined,
    speed: number,
    batchSize: number,
  ) {
    this.#appender = appender;
    this.#clock = clock;
    this.#signal = signal;
    this.#speed = speed;
    this.#batchSize = batchSize;
  }

  push(record: ProducerRecord): Promise<void> | undefined {
    // The reader only hands over records with a valid time in this mode.
    const time = record.timestamp as number;
    if (Number.isNaN(this.#firstTime)) {
      this.#firstTime = time;
      this.#start = this.#now = this.#clock.now();
    }
    // With speed 'max' (Infinity) every record is due at the start.
    const due = this.#start + (time - this.#firstTime) / this.#speed;
    if (due > this.#now) {
      this.#now = this.#clock.now();
      if (due > this.#now) return this.#waitThenAdd(record, due);
    }
    return this.#add(record);
  }

  async finish(): Promise<void> {
    await this.#flush();
  }

  #add(record: ProducerRecord): Promise<void> | undefined {
    this.#batch.push(record);
    return this.#batch.length === this.#batchSize ? this.#flush() : undefined;
  }

  async #waitThenAdd(record: ProducerRecord, due: number): Promise<void> {
    await this.#flush();
    const wait = due - this.#clock.now();
    if (wait > 0) await this.#clock.sleep(wait, this.#signal);
    this.#now = this.#clock.now();
    await this.#add(record);
  }

  async #flush(): Promise<void> {
    if (this.#batch.length === 0) return;
    const batch = this.#batch;
    this.#batch = [];
    await this.#appender.append(batch);
  }
}

function ignore(): void {}
