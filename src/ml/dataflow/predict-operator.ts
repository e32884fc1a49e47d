/**
 * `keyed.predict(model, options)`: scores every record with a model and emits
 * `{ value, prediction, probabilities?, version }`.
 *
 * Serving needs no per-key state, so the model is per task: every task starts from a copy of the
 * given model (for instance the latest version from the model store). With `updates`, a broadcast
 * topic of `ModelVersion`s (what `.learn` emits, written with the msgpack codec), every task reads
 * each new version and swaps it in between two records: train in one pipeline, serve in another.
 * Which records a new version scores first depends on how the task interleaves the topics by event
 * time, as for any broadcast input.
 *
 * State (v1): only once a version arrived, state key `~model`, msgpack
 * `{ v: 1, version, model: learner bytes }`, so that a restarted task serves the version it served.
 */

import { type Key, msgpackCodec } from '../../dataflow/codec.ts';
import type { ProcessContext, ProcessOperator } from '../../dataflow/operators/process.ts';
import type { Topic } from '../../dataflow/stream.ts';
import { StreamsightError } from '../../errors/index.ts';
import { deserialize, type Features, type Label, type Learner } from '../learner.ts';
import { checkExampleOptions, learnerTemplate } from './examples.ts';
import type { ModelVersion } from './learn-operator.ts';

/**
 * A record with its model's prediction.
 *
 * @example
 * // { value: { x: {...} }, prediction: 1, probabilities: { '0': 0.12, '1': 0.88 }, version: 3 }
 */
export interface Prediction<T> {
  value: T;
  /** The predicted class; null while the model cannot predict (it learned nothing yet). */
  prediction: Label | null;
  /** Class probabilities by label text, when `probabilities: true`. */
  probabilities?: Record<string, number>;
  /** Version of the model that predicted: 0 for the given model, else the version from `updates`. */
  version: number;
}

/** Options of `keyed.predict`. */
export interface PredictOptions<T> {
  /** The record's features. */
  features: (value: T) => Features;
  /** Add class probabilities (false): one more pass over the model per record. */
  probabilities?: boolean;
  /** A broadcast topic of `ModelVersion`s (msgpack codec) replacing the model as they arrive. */
  updates?: Topic<ModelVersion<any>>;
  /** With `updates`: only versions of this model name (default: every version on the topic). */
  name?: string;
}

interface PredictConfig {
  features: (value: unknown) => Features;
  probabilities: boolean;
  fresh: () => Learner;
  name: string | undefined;
}

const MODEL_KEY = '~model';

/**
 * Builds the operator factory behind `keyed.predict` and the broadcast topics it reads.
 *
 * @example
 * const { factory, broadcast } = predictOperator(model, { features: (r) => r.x });
 * keyed.process(factory, { broadcast });
 */
export function predictOperator<K extends Key, T>(
  model: Learner,
  options: PredictOptions<T>,
): { factory: () => ProcessOperator<K, T, Prediction<T>>; broadcast: Topic<any>[] } {
  checkExampleOptions('predict', options, false);
  if (options.probabilities !== undefined && typeof options.probabilities !== 'boolean') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'predict: probabilities must be true or false', {
      details: { option: 'probabilities' },
    });
  }
  if (options.name !== undefined && options.updates === undefined) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'predict: name filters updates; give updates too', {
      details: { option: 'name' },
    });
  }
  const config: PredictConfig = {
    features: options.features as (value: unknown) => Features,
    probabilities: options.probabilities ?? false,
    fresh: learnerTemplate('predict', model),
    name: options.name,
  };
  return {
    factory: () => new PredictOperator(config) as unknown as ProcessOperator<K, T, Prediction<T>>,
    broadcast: options.updates === undefined ? [] : [options.updates],
  };
}

class PredictOperator implements ProcessOperator<Key, unknown, Prediction<unknown>> {
  readonly #c: PredictConfig;
  #live: Learner;
  #version = 0;
  /** Bytes of a version received since the last checkpoint. */
  #pending: Uint8Array | undefined;

  constructor(config: PredictConfig) {
    this.#c = config;
    this.#live = config.fresh();
  }

  process(value: unknown, _key: Key, _ts: number, ctx: ProcessContext<Prediction<unknown>>): void {
    const x = this.#c.features(value);
    const prediction = this.#live.predictOne(x) ?? null;
    if (!this.#c.probabilities) {
      ctx.emit({ value, prediction, version: this.#version });
      return;
    }
    const probabilities: Record<string, number> = {};
    for (const [label, p] of this.#live.predictProbaOne(x)) probabilities[String(label)] = p;
    ctx.emit({ value, prediction, probabilities, version: this.#version });
  }

  onBroadcast(_topic: string, value: unknown): void {
    const v = value as Partial<ModelVersion>;
    if (this.#c.name !== undefined && v?.name !== this.#c.name) return;
    if (!(v?.model instanceof Uint8Array) || typeof v.version !== 'number') {
      throw new StreamsightError(
        'SS_ERR_DECODE',
        'predict: an update is not a ModelVersion with model bytes (write the topic with the msgpack codec)',
      );
    }
    this.#live = deserialize(v.model) as Learner;
    this.#version = v.version;
    this.#pending = v.model;
  }

  checkpoint(put: (key: string, value: Uint8Array | null) => void): void {
    if (this.#pending === undefined) return;
    put(MODEL_KEY, msgpackCodec.encode({ v: 1, version: this.#version, model: this.#pending }));
    this.#pending = undefined;
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [k, bytes] of entries) {
      if (k !== MODEL_KEY) continue;
      const e = msgpackCodec.decode(bytes) as { v: number; version: number; model: Uint8Array };
      if (e.v !== 1)
        throw new StreamsightError('SS_ERR_MODEL_DECODE', `unknown predict state version ${e.v}`);
      this.#live = deserialize(e.model) as Learner;
      this.#version = e.version;
    }
  }
}
