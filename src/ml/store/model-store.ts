/**
 * The model store: every trained version of every named model, with the metrics it was trained
 * with and its serialised bytes (`Learner.serialize()`), so that a model can be served, compared and
 * rolled back. It is a seam: the embedded LMDB store (`lmdb-model-store.ts`) is the default, and
 * every implementation passes the contract suite in `test/ml/model-store-contract.ts`.
 *
 * A version is identified by (name, version) and `put` is an upsert: writers derive version numbers
 * deterministically (the `.learn` operator counts them in its checkpointed state, the CLI takes the
 * latest + 1), so a replayed write overwrites the same version instead of adding a new one. That is
 * what makes recording versions outside the pipeline's checkpoint transaction exactly-once.
 */

import { StreamsightError } from '../../errors/index.ts';

/** What is known about one stored version, without its bytes (what `list` returns). */
export interface ModelVersionInfo {
  /** The model's name: 1–200 characters, no control characters, no leading or trailing space. */
  name: string;
  /** 1, 2, 3, ...: the version number, unique per name. */
  version: number;
  /** The learner's kind (`toJSON().kind`, e.g. "hoeffding-tree"). */
  kind: string;
  /** When the version was trained: ms since the epoch (event time in pipelines, wall clock in the CLI). */
  createdAt: number;
  /** The metrics recorded with the version (JSON-compatible; see `MetricsSnapshot`). */
  metrics: Record<string, unknown>;
  /** Free-form facts about the training (JSON-compatible): features, label, examples, reason, ... */
  info: Record<string, unknown>;
}

/** One stored version with its bytes. */
export interface StoredModel extends ModelVersionInfo {
  /** `Learner.serialize()` bytes; rebuild the learner with `deserialize`. */
  model: Uint8Array;
}

/**
 * A store of model versions.
 *
 * @example
 * const store = openLmdbModelStore({ path: '.streamsight/models' });
 * await store.put({ name: 'sea', version: 1, kind: 'hoeffding-tree', createdAt: Date.now(),
 *   metrics: { accuracy: 0.87 }, info: {}, model: tree.serialize() });
 * const latest = await store.latest('sea'); // StoredModel | undefined
 * const tree2 = deserialize(latest!.model) as Learner;
 * await store.close();
 */
export interface ModelStore {
  /** Stores a version, replacing one with the same name and version (idempotent). */
  put(model: StoredModel): Promise<void>;
  /** One version, or undefined when it does not exist. */
  get(name: string, version: number): Promise<StoredModel | undefined>;
  /** The highest version of `name`, or undefined when there is none. */
  latest(name: string): Promise<StoredModel | undefined>;
  /** Every version of `name` (or of every model), by name then version, without bytes. */
  list(name?: string): Promise<ModelVersionInfo[]>;
  /** Closes the store; idempotent. Later calls throw SS_ERR_CLOSED. */
  close(): Promise<void>;
}

// Names are keys, never paths, so any text will do; control characters and edge spaces only confuse people.
// biome-ignore lint/suspicious/noControlCharactersInRegex: excluding them is the point
const MODEL_NAME = /^(?!\s)[^\u0000-\u001f\u007f]{1,200}(?<!\s)$/u;

/**
 * Throws SS_ERR_INVALID_OPTION unless `name` is a valid model name.
 *
 * @example
 * checkModelName('intrusion-detection/v2'); // ok
 */
export function checkModelName(name: string): string {
  if (typeof name !== 'string' || !MODEL_NAME.test(name)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `model name must be 1-200 characters without control characters or edge spaces, got ${JSON.stringify(name)}`,
      { details: { option: 'name', value: name } },
    );
  }
  return name;
}

/**
 * Throws SS_ERR_INVALID_OPTION unless `version` is a whole number ≥ 1.
 *
 * @example
 * checkModelVersion(3); // 3
 */
export function checkModelVersion(version: number): number {
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `model version must be a whole number ≥ 1, got ${version}`,
      {
        details: { option: 'version', value: version },
      },
    );
  }
  return version;
}

/**
 * Validates a version before it is stored: name, version, kind, time, bytes and JSON-compatible
 * metrics and info. Throws SS_ERR_INVALID_OPTION naming the bad field.
 *
 * @example
 * checkStoredModel({ name: 'sea', version: 1, kind: 'hoeffding-tree', createdAt: 0, metrics: {}, info: {}, model });
 */
export function checkStoredModel(model: StoredModel): StoredModel {
  checkModelName(model?.name);
  checkModelVersion(model.version);
  const bad = (field: string, expected: string) =>
    new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `model ${model.name} v${model.version}: ${field} must be ${expected}`,
      {
        details: { option: field },
      },
    );
  if (typeof model.kind !== 'string' || model.kind === '') throw bad('kind', 'a non-empty string');
  if (!Number.isFinite(model.createdAt)) throw bad('createdAt', 'a finite number of ms');
  if (!(model.model instanceof Uint8Array) || model.model.length === 0) throw bad('model', 'non-empty bytes');
  if (!isPlainObject(model.metrics)) throw bad('metrics', 'an object');
  if (!isPlainObject(model.info)) throw bad('info', 'an object');
  return model;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
