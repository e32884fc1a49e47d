/**
 * Options of the file replay, their defaults, and their validation. Everything is checked once, when a
 * `FileReplay` is constructed, and compiled into a `ReplayPlan` (field paths split, defaults filled in),
 * so the per-record loop never re-checks an option and a typo fails before the file is opened.
 */
import { StreamsightError } from '../errors/index.ts';
import { type Clock, systemClock } from './clock.ts';

/** `csv`: parsed by csv-parse; `jsonl`: one JSON value per line; `text`: each line is a record as is. */
export type ReplayFormat = 'csv' | 'jsonl' | 'text';

/**
 * A field of a record. In JSON lines: a property name, with dots for nested properties
 * (`'group.group_id'`). In CSV: a column name (needs `csv.header` or `csv.columns`) or a 0-based column
 * index.
 */
export type FieldRef = string | number;

export interface CsvOptions {
  /** The first record (after `skipLines`) holds the column names; records become objects. Default false. */
  header?: boolean;
  /**
   * Column names, for a file without a header, or to rename a header's columns (its line is then
   * skipped). Without names, records are arrays of strings.
   */
  columns?: readonly string[];
  /** Default `','`. */
  delimiter?: string;
  /** Turn fields that are decimal numbers (`-12`, `3.5`, `1e3`) into numbers. Default false: all strings. */
  cast?: boolean;
}

/**
 * How the replay is paced.
 *
 * - `max`: as fast as the log takes it, in appends of `batchSize` records (default 1024) with at most
 *   `maxInFlight` appends (default 4) awaiting durability at a time.
 * - `block`: `recordsPerBlock` records every `intervalMs`, up to `maxBlocks` blocks (default: the whole
 *   file). Blocks start on a fixed schedule (block k at start + k * intervalMs), so a slow append does
 *   not push every later block back.
 * - `block-by-group`: like `block`, but a block holds one value of the `groupBy` field only: it ends
 *   early when the value changes, and the record with the new value opens the next block.
 * - `timestamp`: each record is sent when `(its time - the first record's time) / speed` has elapsed
 *   since the start (`speed: 10` replays ten times faster than real time; `'max'` does not wait). Needs
 *   the `time` option. Records whose time has already come go out together, up to `batchSize` (default
 *   1024) per append.
 */
export type ReplayMode =
  | { type: 'max'; batchSize?: number; maxInFlight?: number }
  | { type: 'block'; recordsPerBlock: number; intervalMs: number; maxBlocks?: number }
  | {
      type: 'block-by-group';
      groupBy: FieldRef;
      recordsPerBlock: number;
      intervalMs: number;
      maxBlocks?: number;
    }
  | { type: 'timestamp'; speed: number | 'max'; batchSize?: number };

/** Counters reported after each append. */
export interface ReplayProgress {
  /** Records appended (each once, whatever the number of topics). */
  records: number;
  /** Lines reported to `onMalformed`. */
  malformed: number;
  /** Appends done (blocks in the block modes). */
  blocks: number;
  /** Bytes of the file read so far and in total. */
  bytesRead: number;
  totalBytes: number;
}

/** What `FileReplay.run()` resolves with. */
export interface ReplayResult {
  records: number;
  malformed: number;
  blocks: number;
  /** Time from start to the last durable append, measured on the replay's clock. */
  durationMs: number;
}

/** Why a line was skipped. */
export type MalformedCode =
  | 'invalid-json'
  | 'invalid-csv'
  | 'column-count'
  | 'missing-field'
  | 'invalid-time';

/** A line (a CSV record, possibly several lines) that was skipped; the replay goes on. */
export interface MalformedLine {
  line: string;
  /**
   * 1-based line number in the file (the first line of a multi-line CSV record). CSV line numbers come
   * from csv-parse, which counts a line break inside a quoted field of a CRLF file as two lines.
   */
  lineNumber: number;
  code: MalformedCode;
  message: string;
}

export interface ReplayOptions {
  /** The file to replay. It is streamed, never loaded whole. */
  path: string;
  /** The topic, or topics, every record is appended to. The topics must exist. */
  topics: string | readonly string[];
  format: ReplayFormat;
  /** CSV settings; only with `format: 'csv'`. */
  csv?: CsvOptions;
  /** Lines to skip at the start of the file, before any CSV header. Default 0. */
  skipLines?: number;
  /** The field whose value (as a UTF-8 string) becomes the record key. A record without it is malformed. */
  key?: FieldRef;
  /**
   * The field holding the event time, which becomes the record timestamp: a number, a numeric string,
   * or a date string `Date.parse` accepts (ISO 8601). Without it, the log stamps records with the
   * append time. A record without a valid time is malformed.
   */
  time?: FieldRef;
  /**
   * Unit of numeric times: `'ms'` (default), `'s'` (fractions allowed), or `'auto'`: seconds when the
   * magnitude is below 1e11 (1e11 ms is March 1973; 1e11 s is the year 5138), milliseconds otherwise.
   */
  timeUnit?: 'ms' | 's' | 'auto';
  /** Pacing; default `{ type: 'max' }`. */
  mode?: ReplayMode;
  /** Stops the replay: `run()` then rejects with SS_ERR_ABORTED once in-flight appends settle. */
  signal?: AbortSignal;
  /** Called after each append. */
  onProgress?: (progress: ReplayProgress) => void;
  /** Called for each skipped line. */
  onMalformed?: (malformed: MalformedLine) => void;
  /** Draw a progress bar on stdout. Default: when stdout is a TTY. */
  progressBar?: boolean;
  /** Time source for pacing and `durationMs`. Default `systemClock`. */
  clock?: Clock;
}

/** The validated, normalized options the replay runs on. */
export interface ReplayPlan {
  path: string;
  topics: readonly string[];
  format: ReplayFormat;
  /** csv-parse's `columns`: `true` to read names from the header, names, or `false` for arrays. */
  csvColumns: boolean | readonly string[];
  /** csv-parse's `from_line`: the first line it reads (1-based). */
  csvFromLine: number;
  csvDelimiter: string;
  csvCast: boolean;
  skipLines: number;
  /** Field paths: property names to follow from the record (a CSV column is a path of one name). */
  key: readonly string[] | undefined;
  time: readonly string[] | undefined;
  group: readonly string[] | undefined;
  timeUnit: 'ms' | 's' | 'auto';
  mode: ResolvedMode;
  signal: AbortSignal | undefined;
  onProgress: ((progress: ReplayProgress) => void) | undefined;
  onMalformed: ((malformed: MalformedLine) => void) | undefined;
  progressBar: boolean;
  clock: Clock;
}

export type ResolvedMode =
  | { type: 'max'; batchSize: number; maxInFlight: number }
  | { type: 'block'; recordsPerBlock: number; intervalMs: number; maxBlocks: number }
  | { type: 'timestamp'; speed: number; batchSize: number };

const OPTION_NAMES = [
  'path',
  'topics',
  'format',
  'csv',
  'skipLines',
  'key',
  'time',
  'timeUnit',
  'mode',
  'signal',
  'onProgress',
  'onMalformed',
  'progressBar',
  'clock',
];
const CSV_OPTION_NAMES = ['header', 'columns', 'delimiter', 'cast'];
const MODE_OPTION_NAMES: Record<ReplayMode['type'], string[]> = {
  max: ['type', 'batchSize', 'maxInFlight'],
  block: ['type', 'recordsPerBlock', 'intervalMs', 'maxBlocks'],
  'block-by-group': ['type', 'groupBy', 'recordsPerBlock', 'intervalMs', 'maxBlocks'],
  timestamp: ['type', 'speed', 'batchSize'],
};
// Measured on the embedded log (460k JSON-line bids, 2 cores): 1024 × 4 replays about twice as fast as 256 × 4.
const DEFAULT_BATCH_SIZE = 1024;
const DEFAULT_MAX_IN_FLIGHT = 4;

/**
 * Checks `options` and compiles them into a plan; throws SS_ERR_INVALID_OPTION on the first problem.
 *
 * @example
 * const plan = resolveReplayOptions({ path: 'rsvps.jsonl', topics: 'rsvps', format: 'jsonl', key: 'group.group_id' });
 * plan.key; // ['group', 'group_id']
 */
export function resolveReplayOptions(options: ReplayOptions): ReplayPlan {
  checkObject('options', options, OPTION_NAMES);
  const { path, format } = options;
  if (typeof path !== 'string' || path === '') throw invalid('path', path, 'a non-empty string');
  if (format !== 'csv' && format !== 'jsonl' && format !== 'text') {
    throw invalid('format', format, "'csv', 'jsonl' or 'text'");
  }

  const topics = typeof options.topics === 'string' ? [options.topics] : options.topics;
  if (
    !Array.isArray(topics) ||
    topics.length === 0 ||
    !topics.every((t) => typeof t === 'string' && t !== '') ||
    new Set(topics).size !== topics.length
  ) {
    throw invalid('topics', options.topics, 'a topic name or a non-empty array of distinct topic names');
  }

  const skipLines = options.skipLines ?? 0;
  checkInteger('skipLines', skipLines, 0);

  const csv = options.csv ?? {};
  if (options.csv !== undefined && format !== 'csv') {
    throw invalid('csv', options.csv, "absent unless format is 'csv'");
  }
  checkObject('csv', csv, CSV_OPTION_NAMES);
  const header = csv.header ?? false;
  if (typeof header !== 'boolean') throw invalid('csv.header', header, 'a boolean');
  const names = csv.columns;
  if (
    names !== undefined &&
    (!Array.isArray(names) ||
      names.length === 0 ||
      !names.every((c) => typeof c === 'string' && c !== '') ||
      new Set(names).size !== names.length)
  ) {
    throw invalid('csv.columns', names, 'a non-empty array of distinct column names');
  }
  const delimiter = csv.delimiter ?? ',';
  if (typeof delimiter !== 'string' || delimiter === '' || /[\r\n"]/.test(delimiter)) {
    throw invalid('csv.delimiter', delimiter, 'a non-empty string without quotes or line breaks');
  }
  const cast = csv.cast ?? false;
  if (typeof cast !== 'boolean') throw invalid('csv.cast', cast, 'a boolean');

  const mode: ReplayMode = options.mode ?? { type: 'max' };
  if (mode === null || typeof mode !== 'object' || !Object.hasOwn(MODE_OPTION_NAMES, mode.type)) {
    throw invalid('mode', mode, "an object whose type is 'max', 'block', 'block-by-group' or 'timestamp'");
  }
  checkObject('mode', mode, MODE_OPTION_NAMES[mode.type]);

  const fieldPath = (name: string, ref: FieldRef | undefined) =>
    compileField(name, ref, format, header, names);
  const key = fieldPath('key', options.key);
  const time = fieldPath('time', options.time);
  const group = mode.type === 'block-by-group' ? fieldPath('mode.groupBy', mode.groupBy) : undefined;
  if (mode.type === 'block-by-group' && group === undefined) {
    throw missing('mode.groupBy', "mode 'block-by-group'");
  }

  const timeUnit = options.timeUnit ?? 'ms';
  if (timeUnit !== 'ms' && timeUnit !== 's' && timeUnit !== 'auto') {
    throw invalid('timeUnit', timeUnit, "'ms', 's' or 'auto'");
  }

  const { signal, onProgress, onMalformed, clock = systemClock } = options;
  if (signal !== undefined && !(signal instanceof AbortSignal)) {
    throw invalid('signal', signal, 'an AbortSignal');
  }
  if (onProgress !== undefined && typeof onProgress !== 'function') {
    throw invalid('onProgress', onProgress, 'a function');
  }
  if (onMalformed !== undefined && typeof onMalformed !== 'function') {
    throw invalid('onMalformed', onMalformed, 'a function');
  }
  const progressBar = options.progressBar ?? process.stdout.isTTY === true;
  if (typeof progressBar !== 'boolean') throw invalid('progressBar', progressBar, 'a boolean');
  if (clock === null || typeof clock.now !== 'function' || typeof clock.sleep !== 'function') {
    throw invalid('clock', clock, 'a Clock (now() and sleep())');
  }

  return {
    path,
    topics,
    format,
    csvColumns: names ?? header,
    // A header line is skipped when `columns` renames it.
    csvFromLine: skipLines + 1 + (header && names !== undefined ? 1 : 0),
    csvDelimiter: delimiter,
    csvCast: cast,
    skipLines,
    key,
    time,
    group,
    timeUnit,
    mode: resolveMode(mode, time !== undefined),
    signal,
    onProgress,
    onMalformed,
    progressBar,
    clock,
  };
}

function resolveMode(mode: ReplayMode, hasTime: boolean): ResolvedMode {
  switch (mode.type) {
    case 'max': {
      const { batchSize = DEFAULT_BATCH_SIZE, maxInFlight = DEFAULT_MAX_IN_FLIGHT } = mode;
      checkInteger('mode.batchSize', batchSize, 1);
      checkInteger('mode.maxInFlight', maxInFlight, 1);
      return { type: 'max', batchSize, maxInFlight };
    }
    case 'block':
    case 'block-by-group': {
      const { recordsPerBlock, intervalMs, maxBlocks = Number.POSITIVE_INFINITY } = mode;
      checkInteger('mode.recordsPerBlock', recordsPerBlock, 1);
      if (typeof intervalMs !== 'number' || !(intervalMs >= 0 && intervalMs < Infinity)) {
        throw invalid('mode.intervalMs', intervalMs, 'a finite number >= 0');
      }
      if (maxBlocks !== Number.POSITIVE_INFINITY) checkInteger('mode.maxBlocks', maxBlocks, 1);
      return { type: 'block', recordsPerBlock, intervalMs, maxBlocks };
    }
    case 'timestamp': {
      const { speed, batchSize = DEFAULT_BATCH_SIZE } = mode;
      if (!hasTime) throw missing('time', "mode 'timestamp'");
      if (speed !== 'max' && (typeof speed !== 'number' || !(speed > 0 && speed < Infinity))) {
        throw invalid('mode.speed', speed, "a positive finite number or 'max'");
      }
      checkInteger('mode.batchSize', batchSize, 1);
      return { type: 'timestamp', speed: speed === 'max' ? Number.POSITIVE_INFINITY : speed, batchSize };
    }
  }
}

/** Turns a field reference into the property path to follow, or fails if the format cannot have it. */
function compileField(
  name: string,
  ref: FieldRef | undefined,
  format: ReplayFormat,
  header: boolean,
  columns: readonly string[] | undefined,
): string[] | undefined {
  if (ref === undefined) return undefined;
  if (format === 'text') throw invalid(name, ref, "absent: text lines have no fields (use format 'csv')");
  const isIndex = Number.isSafeInteger(ref) && (ref as number) >= 0;
  if (!isIndex && (typeof ref !== 'string' || ref === '')) {
    throw invalid(name, ref, 'a field name or a 0-based column index');
  }
  if (format === 'jsonl') return isIndex ? [String(ref)] : (ref as string).split('.');
  if (columns !== undefined) {
    if (isIndex) {
      if ((ref as number) >= columns.length) {
        throw invalid(name, ref, `a column index below ${columns.length}`);
      }
      return [columns[ref as number]];
    }
    if (!columns.includes(ref as string)) {
      throw invalid(name, ref, `one of the columns ${columns.join(', ')}`);
    }
    return [ref as string];
  }
  if (header) {
    // Checked against the header line when the replay reads it.
    if (isIndex) throw invalid(name, ref, 'a column name (the header names the columns)');
    return [ref as string];
  }
  if (!isIndex) {
    throw invalid(name, ref, 'a column index (or name the columns with csv.header or csv.columns)');
  }
  return [String(ref)];
}

function checkObject(name: string, value: unknown, allowed: readonly string[]): void {
  if (value === null || typeof value !== 'object') throw invalid(name, value, 'an object');
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) {
      throw new StreamsightError(
        'SS_ERR_INVALID_OPTION',
        `unknown replay option "${name === 'options' ? key : `${name}.${key}`}"`,
        {
          details: { option: key },
        },
      );
    }
  }
}

function checkInteger(name: string, value: unknown, min: number): void {
  if (!Number.isSafeInteger(value) || (value as number) < min) {
    throw invalid(name, value, `an integer >= ${min}`);
  }
}

function invalid(name: string, value: unknown, expected: string): StreamsightError {
  return new StreamsightError(
    'SS_ERR_INVALID_OPTION',
    `replay option "${name}" must be ${expected}, got ${describe(value)}`,
    {
      details: { option: name },
    },
  );
}

function missing(name: string, neededBy: string): StreamsightError {
  return new StreamsightError('SS_ERR_INVALID_OPTION', `replay ${neededBy} needs the option "${name}"`, {
    details: { option: name },
  });
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return 'a function';
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value !== null && typeof value === 'object') return 'an object';
  return String(value);
}
