import { StreamsightError } from '../../errors/index.ts';

/**
 * Options of {@link openEmbeddedLog}. Only `path` is required.
 *
 * @example
 * await openEmbeddedLog({ path: '.streamsight/log', retentionIntervalMs: 10_000 });
 */
export interface EmbeddedLogOptions {
  /** Directory of the LMDB environment; created when missing. */
  path: string;
  /**
   * Extra time, in ms, pending appends wait for company before they are committed. With 0 (the
   * default) they are committed at the end of the event-loop turn or, while a commit is in flight, as
   * soon as it is done, gathering whatever arrives meanwhile: no added latency when idle, large batches
   * under load. More only helps producers that do not await their appends (see bench/log-append.ts).
   */
  lingerMs?: number;
  /** A partition's pending batch is sealed and written at once when it reaches this many records. */
  maxBatchRecords?: number;
  /** ... or this many bytes. A single larger record still forms a batch of its own. */
  maxBatchBytes?: number;
  /** How often retention runs in the background, in ms; 0 turns the timer off. */
  retentionIntervalMs?: number;
  /**
   * How often a waiting fetch re-reads the partition's end, in ms, to see appends of other processes
   * (appends of this process and its worker threads wake it at once); 0 turns polling off.
   */
  pollIntervalMs?: number;
  /**
   * The LMDB map size in bytes: the most the log can hold. It reserves address space only (the file
   * grows with the data), and a large one spares the resizes LMDB otherwise makes as the file grows,
   * each of which stops every writer for up to hundreds of milliseconds. Default 1 TiB.
   */
  mapSizeBytes?: number;
}

export type ResolvedEmbeddedLogOptions = Required<EmbeddedLogOptions>;

/**
 * The defaults, in one place.
 *
 * @example
 * defaultEmbeddedLogOptions.maxBatchRecords; // 1024
 */
export const defaultEmbeddedLogOptions = {
  lingerMs: 0,
  maxBatchRecords: 1024,
  maxBatchBytes: 1024 * 1024,
  retentionIntervalMs: 60_000,
  pollIntervalMs: 25,
  mapSizeBytes: 2 ** 40,
} as const satisfies Omit<ResolvedEmbeddedLogOptions, 'path'>;

const limits: Record<keyof typeof defaultEmbeddedLogOptions, [min: number, max: number]> = {
  lingerMs: [0, 60_000],
  maxBatchRecords: [1, 1_000_000],
  maxBatchBytes: [1024, 256 * 1024 * 1024],
  retentionIntervalMs: [0, 2 ** 31 - 1],
  pollIntervalMs: [0, 60_000],
  mapSizeBytes: [2 ** 20, 2 ** 50],
};

/** Validates the options once and fills in the defaults; throws SS_ERR_INVALID_OPTION. */
export function resolveEmbeddedLogOptions(options: EmbeddedLogOptions): ResolvedEmbeddedLogOptions {
  if (typeof options !== 'object' || options === null) {
    throw invalid('options', `options are ${String(options)}; expected an object with a path`);
  }
  for (const name of Object.keys(options)) {
    if (name !== 'path' && !Object.hasOwn(limits, name)) {
      throw invalid(
        name,
        `unknown option "${name}"; expected one of path, ${Object.keys(limits).join(', ')}`,
      );
    }
  }
  if (typeof options.path !== 'string' || options.path.length === 0) {
    throw invalid(
      'path',
      `option "path" is ${JSON.stringify(options.path)}; expected a non-empty directory path`,
    );
  }
  const resolved: ResolvedEmbeddedLogOptions = { ...defaultEmbeddedLogOptions, path: options.path };
  for (const [name, [min, max]] of Object.entries(limits) as [keyof typeof limits, [number, number]][]) {
    const value = options[name];
    if (value === undefined) continue;
    if (!Number.isInteger(value) || value < min || value > max) {
      throw invalid(
        name,
        `option "${name}" is ${JSON.stringify(value)}; expected an integer from ${min} to ${max}`,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}

function invalid(option: string, message: string): StreamsightError {
  return new StreamsightError('SS_ERR_INVALID_OPTION', `openEmbeddedLog: ${message}`, {
    details: { option },
  });
}
