/**
 * The contract every online classifier implements, and the versioned model codec.
 *
 * Serialised layout (codec v1), for every model and detector:
 *
 *     bytes 0..3   ASCII "SSML" (magic)
 *     byte  4      envelope version, 1
 *     bytes 5..    UTF-8 JSON of `toJSON()`: { "kind": string, "version": number, ...state }
 *
 * `kind` names the class ("hoeffding-tree", "adwin", ...) and `version` the layout of its state; a
 * class that changes its state layout bumps its version and keeps a decoder for the old one.
 * Non-finite numbers in state arrays are written as the strings "NaN", "Infinity", "-Infinity"
 * (see `encodeNumbers`), since JSON has no literal for them.
 */

import { StreamsightError } from '../errors/index.ts';

/** A class label. */
export type Label = string | number;

/** One example's features: numeric or categorical values by name (absent = missing). */
export type Features = Record<string, number | string | undefined | null>;

/** Class → probability; the probabilities sum to 1 (empty before anything was learned). */
export type ClassProbabilities = Map<Label, number>;

/** The JSON form of a serialisable object: a kind, a layout version, and its state. */
export interface ModelJSON {
  kind: string;
  version: number;
  [field: string]: unknown;
}

/** Anything the codec can store. */
export interface Serializable {
  toJSON(): ModelJSON;
  serialize(): Uint8Array;
}

/**
 * An online classifier: predict, then learn, one example at a time.
 *
 * @example
 * const tree = new HoeffdingTree();
 * for (const { x, y } of stream) {
 *   const predicted = tree.predictOne(x);
 *   tree.learnOne(x, y);
 * }
 */
export interface Learner extends Serializable {
  /** Updates the model with one labelled example. */
  learnOne(x: Features, y: Label, weight?: number): void;
  /** The most probable class, or undefined before any example was learned. */
  predictOne(x: Features): Label | undefined;
  /** The class probabilities for `x`. */
  predictProbaOne(x: Features): ClassProbabilities;
  /** Learns a batch in order (the same as calling `learnOne` on each). */
  fit?(xs: Iterable<Features>, ys: Iterable<Label>): void;
}

const MAGIC = [0x53, 0x53, 0x4d, 0x4c]; // "SSML"
const ENVELOPE_VERSION = 1;
const decoders = new Map<string, (json: ModelJSON) => Serializable>();
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/**
 * Registers the decoder of one `kind` at one layout `version`.
 *
 * @example
 * registerModelKind('my-model', 1, (json) => MyModel.fromJSON(json));
 */
export function registerModelKind(
  kind: string,
  version: number,
  decode: (json: ModelJSON) => Serializable,
): void {
  decoders.set(`${kind}@${version}`, decode);
}

/**
 * Writes `model.toJSON()` in the v1 envelope.
 *
 * @example
 * const bytes = encodeModel(tree); // what tree.serialize() returns
 */
export function encodeModel(model: { toJSON(): ModelJSON }): Uint8Array {
  const body = encoder.encode(JSON.stringify(model.toJSON()));
  const bytes = new Uint8Array(body.length + 5);
  bytes.set(MAGIC, 0);
  bytes[4] = ENVELOPE_VERSION;
  bytes.set(body, 5);
  return bytes;
}

/**
 * Rebuilds a model or detector from `serialize()` bytes, dispatching on its kind and version.
 * Throws SS_ERR_MODEL_DECODE for foreign bytes, an unknown kind or an unknown version.
 *
 * @example
 * const copy = deserialize(tree.serialize()) as HoeffdingTree;
 */
export function deserialize(bytes: Uint8Array): Serializable {
  if (bytes.length < 5 || MAGIC.some((b, i) => bytes[i] !== b) || bytes[4] !== ENVELOPE_VERSION) {
    throw new StreamsightError(
      'SS_ERR_MODEL_DECODE',
      'not a Streamsight model (bad magic or envelope version)',
    );
  }
  let json: ModelJSON;
  try {
    json = JSON.parse(decoder.decode(bytes.subarray(5))) as ModelJSON;
  } catch (cause) {
    throw new StreamsightError('SS_ERR_MODEL_DECODE', 'model bytes are not valid JSON', { cause });
  }
  return decodeModel(json);
}

/** Rebuilds a model from its `toJSON()` form (see `deserialize`). */
export function decodeModel(json: ModelJSON): Serializable {
  const decode = decoders.get(`${json?.kind}@${json?.version}`);
  if (decode === undefined) {
    throw new StreamsightError(
      'SS_ERR_MODEL_DECODE',
      `unknown model kind "${json?.kind}" version ${json?.version}`,
      {
        details: { kind: json?.kind, version: json?.version },
      },
    );
  }
  try {
    return decode(json);
  } catch (cause) {
    throw new StreamsightError('SS_ERR_MODEL_DECODE', `corrupt "${json.kind}" state`, { cause });
  }
}

/** Numbers (typed array or array) → JSON-safe array; non-finite values become strings. */
export function encodeNumbers(values: ArrayLike<number>): (number | string)[] {
  const out: (number | string)[] = new Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    out[i] = Number.isFinite(v) ? v : String(v);
  }
  return out;
}

/** Inverse of `encodeNumbers`. */
export function decodeNumbers(values: readonly (number | string)[]): Float64Array {
  const out = new Float64Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Number(values[i]);
  return out;
}

/** Throws SS_ERR_INVALID_OPTION unless `value` is a finite number within [min, max]. */
export function checkNumber(owner: string, name: string, value: number, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < min || value > max) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `${owner}: ${name} must be a number in [${min}, ${max}], got ${value}`,
      {
        details: { option: name, value },
      },
    );
  }
  return value;
}

/** Throws SS_ERR_INVALID_OPTION unless `value` is an integer within [min, max]. */
export function checkInteger(owner: string, name: string, value: number, min: number, max: number): number {
  checkNumber(owner, name, value, min, max);
  if (!Number.isInteger(value)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `${owner}: ${name} must be an integer, got ${value}`,
      {
        details: { option: name, value },
      },
    );
  }
  return value;
}

/** Throws SS_ERR_INVALID_OPTION unless `value` is one of `allowed`. */
export function checkChoice<T extends string>(
  owner: string,
  name: string,
  value: T,
  allowed: readonly T[],
): T {
  if (!allowed.includes(value)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      `${owner}: ${name} must be one of ${allowed.join(', ')}, got ${value}`,
      {
        details: { option: name, value },
      },
    );
  }
  return value;
}

/** Normalises votes into class probabilities (uniform-free: all-zero votes give an empty map). */
export function votesToProbabilities(
  votes: ArrayLike<number>,
  n: number,
  labels: readonly Label[],
): ClassProbabilities {
  const out: ClassProbabilities = new Map();
  let sum = 0;
  for (let c = 0; c < n; c++) if (votes[c] > 0) sum += votes[c];
  if (!(sum > 0) || !Number.isFinite(sum)) return out;
  for (let c = 0; c < n; c++) out.set(labels[c], votes[c] > 0 ? votes[c] / sum : 0);
  return out;
}

/** Index of the largest vote, the first on ties (MOA's `Utils.maxIndex`); 0 when n = 0. */
export function argMax(votes: ArrayLike<number>, n: number): number {
  let best = 0;
  for (let c = 1; c < n; c++) if (votes[c] > votes[best]) best = c;
  return best;
}
