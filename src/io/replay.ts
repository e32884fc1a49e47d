/**
 * File replay: streams a CSV, JSON-lines or text file into one or more topics, paced the ways STREAMER
 * users know (as fast as possible, timed blocks, timed blocks per group, or the file's own timestamps).
 *
 * A replay runs in three stages per record:
 *
 * 1. Reading. The file is streamed in 64 KiB chunks. JSON lines and text are split into lines a chunk at
 *    a time (one await per chunk, not per line); CSV goes through csv-parse's streaming parser, which
 *    knows quoted fields that span lines.
 * 2. Decoding. A line becomes a `ProducerRecord`: the value is the line's bytes (JSON lines once
 *    `JSON.parse` accepted them, text as is) or the JSON of the CSV row; key, time and group are read
 *    from their fields. A line that fails any step is reported to `onMalformed`, counted and skipped:
 *    a bad line never stops a replay. Only the file itself (missing, unreadable) is fatal: SS_ERR_FILE.
 * 3. Pacing and appending: `replay-pacer.ts`. The reader waits whenever the pacer says so, which bounds
 *    memory whatever the file size.
 *
 * On abort, reading stops, records not yet handed to the log are dropped, appends already issued are
 * awaited (they may become durable), and `run()` rejects with SS_ERR_ABORTED carrying the counts.
 */
import type { FileHandle } from 'node:fs/promises';
import { open } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream';
import type { SingleBar } from 'cli-progress';
import { type CsvError, parse } from 'csv-parse';
import { isStreamsightError, StreamsightError } from '../errors/index.ts';
import { abortedError } from './clock.ts';
import { startProgressBar } from './progress-bar.ts';
import { castDecimal, fieldText, getField, parseTime } from './record-fields.ts';
import {
  type MalformedCode,
  type ReplayOptions,
  type ReplayPlan,
  type ReplayResult,
  resolveReplayOptions,
} from './replay-options.ts';
import { Appender, createPacer, type LogAppender, type Pacer } from './replay-pacer.ts';

const READ_CHUNK_BYTES = 64 * 1024;

/**
 * A replay of one file into topics. The options are validated by the constructor (SS_ERR_INVALID_OPTION);
 * `run()` does the replay and may be called again to replay the file anew.
 *
 * @example
 * const replay = new FileReplay(log, {
 *   path: 'data/meetup-rsvps/rsvps_2017-03.jsonl',
 *   format: 'jsonl',
 *   topics: 'rsvps',
 *   key: 'group.group_id',
 *   time: 'mtime',
 *   mode: { type: 'timestamp', speed: 60 },
 *   onMalformed: (m) => console.warn(`line ${m.lineNumber}: ${m.message}`),
 * });
 * const { records, malformed } = await replay.run();
 */
export class FileReplay {
  readonly #log: LogAppender;
  readonly #plan: ReplayPlan;

  constructor(log: LogAppender, options: ReplayOptions) {
    this.#plan = resolveReplayOptions(options);
    this.#log = log;
  }

  /** Replays the file; resolves once every record is durable in every topic. */
  run(): Promise<ReplayResult> {
    return new ReplayRun(this.#log, this.#plan).run();
  }
}

/**
 * Replays a file into topics in one call: `new FileReplay(log, options).run()`, except that invalid
 * options reject instead of throwing.
 *
 * @example
 * await replayFile(log, {
 *   path: 'kdd.csv',
 *   format: 'csv',
 *   csv: { header: true, cast: true },
 *   topics: ['kdd', 'kdd-audit'],
 *   mode: { type: 'block', recordsPerBlock: 100, intervalMs: 1000, maxBlocks: 50 },
 * });
 */
export async function replayFile(log: LogAppender, options: ReplayOptions): Promise<ReplayResult> {
  return new FileReplay(log, options).run();
}

/** A csv-parse output row with `info` and `raw` on. */
interface CsvRow {
  record: unknown;
  raw: string;
  info: { lines: number };
}

/** The state of one run of a replay. */
class ReplayRun {
  readonly #plan: ReplayPlan;
  readonly #appender: Appender;
  readonly #pacer: Pacer;
  #malformed = 0;
  #stream: (Readable & { bytesRead: number }) | undefined;
  #totalBytes = 0;
  #bar: SingleBar | undefined;
  /** The line being decoded and its line number (for CSV, the last line of the record), for reports. */
  #line = '';
  #lineNumber = 0;

  constructor(log: LogAppender, plan: ReplayPlan) {
    this.#plan = plan;
    this.#appender = new Appender(log, plan.topics, () => this.#reportProgress());
    this.#pacer = createPacer(plan.mode, this.#appender, plan.clock, plan.signal);
  }

  async run(): Promise<ReplayResult> {
    const { clock, signal, format } = this.#plan;
    if (signal?.aborted) throw abortedError(signal);
    const stream = await this.#open();
    this.#stream = stream;
    const start = clock.now();
    try {
      if (this.#plan.progressBar) {
        const options = { title: 'replay', counters: ['records', 'malformed'], stream: process.stdout };
        this.#bar = await startProgressBar(this.#totalBytes, options);
      }
      if (format === 'csv') await this.#readCsv(stream);
      else await this.#readLines(stream);
      await this.#pacer.finish();
    } catch (err) {
      await this.#appender.settle();
      throw this.#failure(err, stream);
    } finally {
      stream.destroy();
      this.#bar?.stop();
    }
    return {
      records: this.#appender.records,
      malformed: this.#malformed,
      blocks: this.#appender.blocks,
      durationMs: clock.now() - start,
    };
  }

  async #open(): Promise<Readable & { bytesRead: number }> {
    const { path, format } = this.#plan;
    let handle: FileHandle | undefined;
    try {
      handle = await open(path, 'r');
      const stats = await handle.stat();
      if (stats.isDirectory()) {
        throw new StreamsightError('SS_ERR_FILE', `"${path}" is a directory, not a file`, {
          details: { path },
        });
      }
      this.#totalBytes = stats.size;
    } catch (err) {
      await handle?.close();
      if (isStreamsightError(err)) throw err;
      throw new StreamsightError('SS_ERR_FILE', `cannot read "${path}": ${(err as Error).message}`, {
        cause: err,
        details: { path },
      });
    }
    // Lines are split as text; csv-parse decodes bytes itself. The stream closes the handle when done.
    return handle.createReadStream({
      highWaterMark: READ_CHUNK_BYTES,
      encoding: format === 'csv' ? undefined : 'utf8',
    });
  }

  async #readLines(stream: AsyncIterable<string>): Promise<void> {
    const { skipLines, signal } = this.#plan;
    const json = this.#plan.format === 'jsonl';
    let lineNumber = 0;
    for await (const lines of splitLines(stream)) {
      for (let line of lines) {
        if (++lineNumber <= skipLines) continue;
        if (signal?.aborted) throw abortedError(signal);
        if (line.charCodeAt(line.length - 1) === 13) line = line.slice(0, -1); // CRLF
        if (lineNumber === 1 && line.charCodeAt(0) === 0xfeff) line = line.slice(1); // byte order mark
        if (line === '') continue;
        this.#line = line;
        this.#lineNumber = lineNumber;
        let fields: unknown;
        if (json) {
          try {
            fields = JSON.parse(line);
          } catch (err) {
            this.#reportMalformed('invalid-json', (err as Error).message);
            continue;
          }
        }
        const pending = this.#push(fields, Buffer.from(line));
        if (pending !== undefined) await pending;
        if (this.#pacer.done) return;
      }
    }
  }

  async #readCsv(stream: Readable): Promise<void> {
    const plan = this.#plan;
    const { signal } = plan;
    const parser = parse({
      bom: true,
      delimiter: plan.csvDelimiter,
      columns:
        plan.csvColumns === true
          ? (header: string[]) => this.#checkHeader(header)
          : plan.csvColumns === false
            ? false
            : [...plan.csvColumns],
      from_line: plan.csvFromLine,
      cast: plan.csvCast ? castDecimal : false,
      skip_empty_lines: true,
      skip_records_with_error: true,
      on_skip: (err, raw) => this.#csvSkipped(err, raw),
      info: true,
      raw: true,
    });
    // pipeline() destroys both streams when either fails; the failure surfaces in the loop below.
    const rows = pipeline(stream, parser, ignore) as AsyncIterable<CsvRow>;
    for await (const { record, raw, info } of rows) {
      if (signal?.aborted) throw abortedError(signal);
      this.#line = raw;
      this.#lineNumber = info.lines;
      const pending = this.#push(record, Buffer.from(JSON.stringify(record)));
      if (pending !== undefined) await pending;
      if (this.#pacer.done) return;
    }
  }

  /** Reads key, time and group from a decoded line and hands the record to the pacer. */
  #push(fields: unknown, value: Uint8Array): Promise<void> | undefined {
    const plan = this.#plan;
    let key: Uint8Array | null = null;
    let timestamp: number | undefined;
    let group: string | undefined;
    if (plan.key !== undefined) {
      const text = fieldText(getField(fields, plan.key));
      if (text === undefined) {
        return this.#reportMalformed('missing-field', `the key field "${plan.key.join('.')}" is missing`);
      }
      key = Buffer.from(text);
    }
    if (plan.time !== undefined) {
      const raw = getField(fields, plan.time);
      if (raw === undefined || raw === null || raw === '') {
        return this.#reportMalformed('missing-field', `the time field "${plan.time.join('.')}" is missing`);
      }
      timestamp = parseTime(raw, plan.timeUnit);
      if (Number.isNaN(timestamp)) {
        return this.#reportMalformed(
          'invalid-time',
          `the time field "${plan.time.join('.')}" holds ${JSON.stringify(raw)}, not a time`,
        );
      }
    }
    if (plan.group !== undefined) {
      group = fieldText(getField(fields, plan.group));
      if (group === undefined) {
        return this.#reportMalformed('missing-field', `the group field "${plan.group.join('.')}" is missing`);
      }
    }
    return this.#pacer.push({ key, value, timestamp }, group);
  }

  /** Names from the header line: every named field must be one of them, or no record could be read. */
  #checkHeader(header: string[]): string[] {
    for (const [option, path] of [
      ['key', this.#plan.key],
      ['time', this.#plan.time],
      ['mode.groupBy', this.#plan.group],
    ] as const) {
      if (path !== undefined && !header.includes(path[0])) {
        throw new StreamsightError(
          'SS_ERR_INVALID_OPTION',
          `replay option "${option}" names the column "${path[0]}", which the header of "${this.#plan.path}" lacks (${header.join(', ')})`,
          { details: { option, header } },
        );
      }
    }
    return header;
  }

  #csvSkipped(err: CsvError | undefined, raw: string | undefined): undefined {
    const code = err?.code;
    const columnCount =
      code === 'CSV_RECORD_INCONSISTENT_COLUMNS' || code === 'CSV_RECORD_INCONSISTENT_FIELDS_LENGTH';
    const lines = typeof err?.lines === 'number' ? err.lines : this.#lineNumber;
    this.#reportMalformed(
      columnCount ? 'column-count' : 'invalid-csv',
      err?.message ?? 'invalid CSV record',
      raw ?? '',
      lines,
    );
    return undefined;
  }

  #reportMalformed(
    code: MalformedCode,
    message: string,
    line = this.#line,
    lineNumber = this.#lineNumber,
  ): undefined {
    this.#malformed++;
    const { onMalformed, format } = this.#plan;
    if (onMalformed === undefined) return undefined;
    if (format === 'csv') {
      // csv-parse gives the record's last line number and its text with the surrounding line breaks.
      line = line.replace(/^[\r\n]+|[\r\n]+$/g, '');
      lineNumber -= line.split(/\r\n|\r|\n/).length - 1;
    }
    onMalformed({ line, lineNumber, code, message });
    return undefined;
  }

  #reportProgress(): void {
    const { onProgress } = this.#plan;
    if (onProgress === undefined && this.#bar === undefined) return;
    const records = this.#appender.records;
    const malformed = this.#malformed;
    const bytesRead = this.#stream?.bytesRead ?? 0;
    onProgress?.({
      records,
      malformed,
      blocks: this.#appender.blocks,
      bytesRead,
      totalBytes: this.#totalBytes,
    });
    this.#bar?.update(bytesRead, { records, malformed });
  }

  /** The error `run()` rejects with. */
  #failure(err: unknown, stream: Readable): unknown {
    const { signal, path } = this.#plan;
    if (signal?.aborted) {
      return new StreamsightError('SS_ERR_ABORTED', `the replay of "${path}" was aborted`, {
        cause: signal.reason,
        details: {
          records: this.#appender.records,
          malformed: this.#malformed,
          blocks: this.#appender.blocks,
        },
      });
    }
    // pipeline() destroys the file stream with any parser error too: only a non-Streamsight one is the file's.
    if (!isStreamsightError(err) && err !== undefined && err === stream.errored) {
      return new StreamsightError('SS_ERR_FILE', `cannot read "${path}": ${(err as Error).message}`, {
        cause: err,
        details: { path },
      });
    }
    return err;
  }
}

/**
 * The lines of a text stream, one array per chunk read. Only the new chunk is split, so a very long
 * line costs linear time.
 */
async function* splitLines(stream: AsyncIterable<string>): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of stream) {
    const lines = chunk.split('\n');
    lines[0] = rest + lines[0];
    rest = lines.pop() as string;
    if (lines.length > 0) yield lines;
  }
  if (rest !== '') yield [rest];
}

function ignore(): void {}
