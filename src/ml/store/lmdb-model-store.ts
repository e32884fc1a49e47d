/**
 * The embedded model store: `ModelStore` on its own LMDB environment (by default
 * `<data-dir>/models`), so storing a model never contends with the log's write lock.
 *
 * Layout (v1). Two named databases, keyed by `[name, version]` in lmdb-js's order-preserving key
 * encoding, so one model's versions are a contiguous, ordered range:
 *
 *   versions  [name, version] → { format: 1, kind, createdAt, metrics, info }   (msgpack)
 *   bytes     [name, version] → the learner's serialised bytes                   (raw)
 *
 * The bytes live apart so that `list` reads only the small entries. Both are written in one
 * transaction, so a reader never sees a version without its bytes; `latest` is one reverse seek.
 * LMDB admits one writer across threads and processes, so several tasks may record versions at once.
 */

import { mkdirSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { type Database, type Key, open, type RootDatabase } from 'lmdb';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
import {
  checkModelName,
  checkModelVersion,
  checkStoredModel,
  type ModelStore,
  type ModelVersionInfo,
  type StoredModel,
} from './model-store.ts';

const FORMAT = 1;

interface VersionEntry {
  format: number;
  kind: string;
  createdAt: number;
  metrics: Record<string, unknown>;
  info: Record<string, unknown>;
}

/** Options of `openLmdbModelStore`. */
export interface LmdbModelStoreOptions {
  /** Folder of the LMDB environment (created when missing). */
  path: string;
}

/**
 * Opens (or creates) the embedded model store at `options.path`.
 *
 * @example
 * const store = openLmdbModelStore({ path: join(dataDir, 'models') });
 * for (const v of await store.list()) console.log(v.name, v.version, v.metrics.accuracy);
 * await store.close();
 */
export function openLmdbModelStore(options: LmdbModelStoreOptions): LmdbModelStore {
  if (typeof options?.path !== 'string' || options.path === '') {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'openLmdbModelStore: path must be a non-empty string',
      {
        details: { option: 'path' },
      },
    );
  }
  return new LmdbModelStore(resolvePath(options.path));
}

/**
 * The LMDB-backed {@link ModelStore}; create it with {@link openLmdbModelStore}.
 *
 * @example
 * const store: LmdbModelStore = openLmdbModelStore({ path: '.streamsight/models' });
 * store.path; // the absolute path of the environment
 */
export class LmdbModelStore implements ModelStore {
  /** The absolute path of the LMDB environment. */
  readonly path: string;
  readonly #env: RootDatabase;
  readonly #versions: Database<VersionEntry, Key>;
  readonly #bytes: Database<Buffer, Key>;
  #closing: Promise<void> | undefined;

  /** Use {@link openLmdbModelStore}. */
  constructor(path: string) {
    this.path = path;
    try {
      mkdirSync(path, { recursive: true });
      this.#env = open({ path });
      this.#versions = this.#env.openDB({ name: 'versions' });
      this.#bytes = this.#env.openDB({ name: 'bytes', encoding: 'binary' });
    } catch (cause) {
      throw new StreamsightError('SS_ERR_STORAGE', `cannot open the model store at ${path}`, {
        cause,
        details: { path },
      });
    }
  }

  async put(model: StoredModel): Promise<void> {
    this.#assertOpen();
    const { name, version, kind, createdAt, metrics, info } = checkStoredModel(model);
    const bytes = Buffer.from(model.model);
    try {
      await this.#env.transaction(() => {
        this.#versions.putSync([name, version], { format: FORMAT, kind, createdAt, metrics, info });
        this.#bytes.putSync([name, version], bytes);
      });
    } catch (cause) {
      if (isStreamsightError(cause)) throw cause;
      throw new StreamsightError('SS_ERR_STORAGE', `cannot store model ${name} v${version}`, {
        cause,
        details: { path: this.path, name, version },
      });
    }
  }

  async get(name: string, version: number): Promise<StoredModel | undefined> {
    this.#assertOpen();
    checkModelName(name);
    checkModelVersion(version);
    const entry = this.#versions.get([name, version]);
    return entry === undefined ? undefined : this.#withBytes(name, version, entry);
  }

  async latest(name: string): Promise<StoredModel | undefined> {
    this.#assertOpen();
    checkModelName(name);
    for (const { key, value } of this.#versions.getRange({
      start: [name, Number.POSITIVE_INFINITY],
      end: [name, 0],
      reverse: true,
      limit: 1,
    })) {
      return this.#withBytes(name, (key as [string, number])[1], value);
    }
    return undefined;
  }

  async list(name?: string): Promise<ModelVersionInfo[]> {
    this.#assertOpen();
    const range =
      name === undefined ? {} : { start: [checkModelName(name), 0], end: [name, Number.POSITIVE_INFINITY] };
    const out: ModelVersionInfo[] = [];
    for (const { key, value } of this.#versions.getRange(range)) {
      const [n, version] = key as [string, number];
      out.push(toInfo(n, version, value));
    }
    return out;
  }

  close(): Promise<void> {
    this.#closing ??= this.#env.close();
    return this.#closing;
  }

  #withBytes(name: string, version: number, entry: VersionEntry): StoredModel {
    const bytes = this.#bytes.get([name, version]);
    if (bytes === undefined) {
      throw new StreamsightError('SS_ERR_STORAGE', `model ${name} v${version} has no bytes in ${this.path}`, {
        details: { path: this.path, name, version },
      });
    }
    return { ...toInfo(name, version, entry), model: new Uint8Array(bytes) };
  }

  #assertOpen(): void {
    if (this.#closing !== undefined) {
      throw new StreamsightError('SS_ERR_CLOSED', `the model store at ${this.path} is closed`);
    }
  }
}

function toInfo(name: string, version: number, entry: VersionEntry): ModelVersionInfo {
  if (entry.format !== FORMAT) {
    throw new StreamsightError(
      'SS_ERR_STORAGE',
      `model ${name} v${version}: unknown entry format ${entry.format}`,
      {
        details: { name, version, format: entry.format },
      },
    );
  }
  return {
    name,
    version,
    kind: entry.kind,
    createdAt: entry.createdAt,
    metrics: entry.metrics,
    info: entry.info,
  };
}
