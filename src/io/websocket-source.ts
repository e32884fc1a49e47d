/**
 * A WebSocket client source: reads a stream that sends one JSON message per text frame (the protocol of
 * Meetup's `ws://stream.meetup.com/2/rsvps`) and appends each message to a topic, reconnecting with
 * exponential back-off when the connection drops.
 *
 * Resuming without loss or duplicates. The source remembers the highest event time it has appended
 * (`record.timestamp` from `toRecord`) and reconnects with `?<resumeParam>=<that time>` (Meetup's
 * `since_mtime`). A server honouring it resends its stream from the first message that reached that
 * time, in its original order — the stream is not in event-time order, so later messages with older
 * times come too, and none is lost. What was received since the high-water mark is therefore sent again;
 * the source kept those messages (in order) and skips the resent prefix that matches them exactly,
 * so nothing is appended twice, while the stream's own identical re-emissions (which are data) pass.
 *
 * Batching and back-pressure: messages are appended in batches (`batchSize`, or every `lingerMs`);
 * while an append is in flight and `maxPending` messages wait, the socket is paused, so memory is
 * bounded whatever the server's rate. A frame `toRecord` rejects goes to `onMalformed` (and to
 * `deadLetterTopic` when set, with `ss-code: SS_ERR_MALFORMED_LINE`); the stream goes on.
 */

import WebSocket from 'ws';
import { StreamsightError } from '../errors/index.ts';
import type { ProducerRecord } from '../log/log.ts';
import type { LogAppender } from './replay-pacer.ts';

export interface WebSocketSourceOptions {
  /** ws:// or wss:// URL of the stream. */
  url: string;
  /** Topic the messages are appended to (it must exist). */
  topic: string;
  /** One text message → one record; throw to reject the message as malformed. Its timestamp drives resuming. */
  toRecord(message: string): ProducerRecord;
  /** Query parameter carrying the resume time on reconnect (default 'since_mtime'; null: do not resume). */
  resumeParam?: string | null;
  /** First delay before reconnecting (default 250 ms), doubled per failed attempt up to `maxDelayMs` (default 30 s), with jitter. */
  initialDelayMs?: number;
  maxDelayMs?: number;
  /** Give up (SS_ERR_CONNECTION) after this many consecutive failed attempts (default: never). */
  maxRetries?: number;
  /** Records per append (default 256) and the longest a partial batch waits (default 20 ms). */
  batchSize?: number;
  lingerMs?: number;
  /** Messages held before the socket is paused (default 10,000). */
  maxPending?: number;
  /** Where malformed messages go as dead letters (raw bytes, reason in headers). */
  deadLetterTopic?: string;
  onMalformed?: (message: string, error: Error) => void;
  /** Connection events, for status lines and tests. */
  onStatus?: (event: { type: 'open' | 'close' | 'error'; attempt: number; detail?: string }) => void;
  signal?: AbortSignal;
}

export interface WebSocketSourceStats {
  records: number;
  malformed: number;
  /** Resent messages skipped after a reconnect. */
  skipped: number;
  connections: number;
}

const DEFAULTS = {
  resumeParam: 'since_mtime',
  initialDelayMs: 250,
  maxDelayMs: 30_000,
  maxRetries: Number.POSITIVE_INFINITY,
  batchSize: 256,
  lingerMs: 20,
  maxPending: 10_000,
};

function positive(name: string, v: number, allowInfinity = false): void {
  if (!(typeof v === 'number' && v > 0 && (Number.isFinite(v) || allowInfinity))) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `WebSocketSource: ${name} must be a positive number`);
  }
}

/**
 * Streams a WebSocket feed into a topic until the signal aborts.
 *
 * @example
 * const source = new WebSocketSource(log, {
 *   url: 'ws://stream.meetup.com/2/rsvps',
 *   topic: 'rsvps',
 *   toRecord: (text) => { const r = JSON.parse(text); return { key: Buffer.from(String(r.group.group_id)), value: Buffer.from(text), timestamp: r.mtime }; },
 *   signal: controller.signal,
 * });
 * const stats = await source.run();
 */
export class WebSocketSource {
  readonly #log: LogAppender;
  readonly #o: typeof DEFAULTS & WebSocketSourceOptions;
  readonly #stats: WebSocketSourceStats = { records: 0, malformed: 0, skipped: 0, connections: 0 };
  /** The highest event time appended, and the messages received since it was reached (in order). */
  #highWater = Number.NEGATIVE_INFINITY;
  #sinceHighWater: string[] = [];
  /** After a reconnect: how far the resent prefix has been matched against `#sinceHighWater`. */
  #replaying: string[] | undefined;
  #replayIndex = 0;
  #batch: ProducerRecord[] = [];
  #dead: ProducerRecord[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #timer: NodeJS.Timeout | undefined;
  #error: Error | undefined;

  constructor(log: LogAppender, options: WebSocketSourceOptions) {
    const defined = Object.fromEntries(Object.entries(options ?? {}).filter(([, v]) => v !== undefined));
    this.#o = { ...DEFAULTS, ...defined } as typeof DEFAULTS & WebSocketSourceOptions;
    const o = this.#o;
    let url: URL;
    try {
      url = new URL(o.url);
    } catch {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `WebSocketSource: url ${JSON.stringify(o.url)} is not a URL`,
      );
    }
    if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'WebSocketSource: url must be ws:// or wss://');
    }
    if (typeof o.topic !== 'string' || o.topic === '') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'WebSocketSource: topic must be a topic name');
    }
    if (typeof o.toRecord !== 'function') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', 'WebSocketSource: toRecord must be a function');
    }
    positive('initialDelayMs', o.initialDelayMs);
    positive('maxDelayMs', o.maxDelayMs);
    positive('maxRetries', o.maxRetries, true);
    positive('batchSize', o.batchSize);
    positive('lingerMs', o.lingerMs);
    positive('maxPending', o.maxPending);
    this.#log = log;
  }

  /** Counters so far. */
  stats(): WebSocketSourceStats {
    return { ...this.#stats };
  }

  /** The URL of the next connection: with the resume time once something was appended. */
  resumeUrl(): string {
    const url = new URL(this.#o.url);
    if (this.#o.resumeParam && Number.isFinite(this.#highWater)) {
      url.searchParams.set(this.#o.resumeParam, String(this.#highWater));
    }
    return url.toString();
  }

  /** Connects, reconnects, and appends until the signal aborts (then flushes and resolves). */
  async run(): Promise<WebSocketSourceStats> {
    const o = this.#o;
    let failures = 0;
    while (!o.signal?.aborted) {
      const received = await this.#connectOnce(failures);
      if (this.#error) break;
      if (o.signal?.aborted) break;
      failures = received ? 0 : failures + 1;
      if (failures >= o.maxRetries) {
        this.#error = new StreamsightError(
          'SS_ERR_CONNECTION',
          `WebSocketSource: ${o.url} failed ${failures} times in a row`,
          { retriable: true },
        );
        break;
      }
      // Exponential back-off with full jitter, so many clients do not reconnect in lockstep.
      const delay = Math.min(o.maxDelayMs, o.initialDelayMs * 2 ** Math.max(0, failures - 1));
      await sleep(received ? o.initialDelayMs * Math.random() : delay * (0.5 + Math.random() / 2), o.signal);
    }
    clearTimeout(this.#timer);
    this.#flush();
    await this.#flushing;
    if (this.#error) throw this.#error;
    return this.stats();
  }

  /** One connection: resolves when it closes; true when it delivered at least one message. */
  #connectOnce(attempt: number): Promise<boolean> {
    const o = this.#o;
    return new Promise((resolve) => {
      let received = false;
      const ws = new WebSocket(this.resumeUrl(), { perMessageDeflate: false });
      // What the server will resend first: the messages since the high-water mark.
      this.#replaying = this.#sinceHighWater.length > 0 ? [...this.#sinceHighWater] : undefined;
      this.#replayIndex = 0;
      const onAbort = () => ws.terminate();
      o.signal?.addEventListener('abort', onAbort, { once: true });
      ws.on('open', () => {
        this.#stats.connections++;
        o.onStatus?.({ type: 'open', attempt });
      });
      ws.on('message', (data, isBinary) => {
        received = true;
        const text = isBinary ? Buffer.from(data as Buffer).toString('utf8') : data.toString();
        this.#onMessage(text);
        if (this.#batch.length + this.#dead.length >= o.maxPending) {
          // Back-pressure: stop reading the socket until the appends catch up.
          ws.pause();
          this.#flushing.then(() => ws.resume());
        }
      });
      ws.on('error', (err) => o.onStatus?.({ type: 'error', attempt, detail: err.message }));
      ws.on('close', (code, reason) => {
        o.signal?.removeEventListener('abort', onAbort);
        o.onStatus?.({ type: 'close', attempt, detail: `${code} ${reason.toString()}`.trim() });
        resolve(received);
      });
    });
  }

  #onMessage(text: string): void {
    if (this.#replaying) {
      if (this.#replayIndex < this.#replaying.length && this.#replaying[this.#replayIndex] === text) {
        this.#replayIndex++;
        this.#stats.skipped++;
        if (this.#replayIndex === this.#replaying.length) this.#replaying = undefined;
        return;
      }
      this.#replaying = undefined; // the server resent less than expected: everything else is new
    }
    let record: ProducerRecord;
    try {
      record = this.#o.toRecord(text);
      if (typeof record?.timestamp !== 'number' || !Number.isFinite(record.timestamp)) {
        throw new Error('toRecord must return a record with a finite timestamp');
      }
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      this.#stats.malformed++;
      this.#o.onMalformed?.(text, error);
      if (this.#o.deadLetterTopic) {
        this.#dead.push({
          key: null,
          value: Buffer.from(text),
          headers: {
            'ss-code': 'SS_ERR_MALFORMED_LINE',
            'ss-message': error.message.slice(0, 1000),
            'ss-topic': this.#o.topic,
            'ss-pipeline': 'websocket-source',
          },
        });
      }
      this.#track(text, Number.NEGATIVE_INFINITY);
      this.#schedule();
      return;
    }
    this.#track(text, record.timestamp as number);
    this.#batch.push(record);
    this.#schedule();
  }

  /** Keeps the messages since the high-water mark: exactly what a resumed server sends again. */
  #track(text: string, time: number): void {
    if (time > this.#highWater) {
      this.#highWater = time;
      this.#sinceHighWater = [text];
    } else {
      this.#sinceHighWater.push(text);
    }
  }

  #schedule(): void {
    if (this.#batch.length + this.#dead.length >= this.#o.batchSize) this.#flush();
    else if (!this.#timer) this.#timer = setTimeout(() => this.#flush(), this.#o.lingerMs);
  }

  #flush(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    const batch = this.#batch;
    const dead = this.#dead;
    if (batch.length === 0 && dead.length === 0) return;
    this.#batch = [];
    this.#dead = [];
    // Appends stay in order: each waits for the previous one.
    this.#flushing = this.#flushing.then(async () => {
      if (this.#error) return;
      try {
        if (batch.length > 0) await this.#log.append(this.#o.topic, batch);
        if (dead.length > 0 && this.#o.deadLetterTopic) await this.#log.append(this.#o.deadLetterTopic, dead);
        this.#stats.records += batch.length;
      } catch (err) {
        this.#error = err instanceof Error ? err : new Error(String(err));
      }
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
