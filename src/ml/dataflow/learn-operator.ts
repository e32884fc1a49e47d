/**
 * `keyed.learn(model, options)`: trains one model per key of the stream on a schedule and emits a
 * `ModelVersion` for each version it publishes (send them to `modelStoreSink` to record them).
 *
 * ## One model per key
 *
 * Models are per key, not per task: a key's records all reach one task in order, so its model is
 * the same however many partitions the stream has and however tasks are spread over threads. A
 * global model is the model of a constant key — `stream.keyBy(() => 'sea').learn(...)` — and is then
 * trained by one task: the learning stage has a parallelism of 1 (the stages before it still run in
 * parallel). Keying by user, sensor or region gives per-entity models trained in parallel.
 *
 * ## Per labelled record
 *
 * 1. The live model predicts the record first (prequential): the prediction updates the key's
 *    cumulative and window metrics and, with `onDrift`, feeds the detector the error bit. On a
 *    drift alarm the training set is emptied (it holds the old concept) and the next model is
 *    trained once `bootstrap` examples of the new concept have arrived; until then the old model
 *    serves. The first model is trained the same way, after the first `bootstrap` examples.
 * 2. `online()`: the live model learns the record in place. Batch schedules add it to the key's
 *    training set (`training-buffer.ts`) and train when the schedule says so.
 * 3. A training fits a copy (fresh from the template, or of the live model with `warmStart`) with
 *    `fit` where the learner has it, else by replaying `learnOne`; the copy replaces the live model
 *    only when it is trained, so the live model is never half-trained.
 * 4. Each new version gets the next number of its key (counted in the checkpointed state, so a
 *    replay after a crash re-emits the same numbers and a store overwrites, never duplicates).
 *
 * ## State (v1)
 *
 * Per key, state key `m<key tag>`, msgpack:
 *
 *     { v: 1, key, version, seen, sinceTraining, lastTs, start, end, armed,
 *       model: learner bytes, metrics: PrequentialMetricsState, detector?: detector bytes }
 *
 * and the training set's chunks (`training-buffer.ts`). Only keys that changed since the last
 * checkpoint are written; the learner is serialised then, not per record. The interval schedule's
 * timer is processing time and is not checkpointed: a restarted task starts it afresh.
 */

import { type Key, msgpackCodec } from '../../dataflow/codec.ts';
import { keyTag } from '../../dataflow/operators/operator.ts';
import type { ProcessContext, ProcessOperator } from '../../dataflow/operators/process.ts';
import { isStreamsightError, StreamsightError } from '../../errors/index.ts';
import type { DriftDetector } from '../drift/drift-detector.ts';
import { deserialize, type Features, type Label, type Learner } from '../learner.ts';
import { checkModelName } from '../store/model-store.ts';
import { checkExampleOptions, copyOf, type ExampleOptions, learnerTemplate, templateOf } from './examples.ts';
import {
  PrequentialMetrics,
  type PrequentialMetricsState,
  type PrequentialReport,
} from './prequential-metrics.ts';
import { online, type TrainingSchedule } from './schedules.ts';
import { parseChunkKey, TrainingBuffer } from './training-buffer.ts';

/** Why a version was published. */
export type VersionReason = 'online' | 'records' | 'interval' | 'drift' | 'bootstrap';

/**
 * One published model version: what `.learn` emits, and what `modelStoreSink` stores.
 *
 * @example
 * learned.sink({ write: (rs) => rs.forEach((r) => console.log(r.value.name, r.value.version, r.value.reason)) });
 */
export interface ModelVersion<K extends Key = Key> {
  /** The model's name (`options.name(key)`, by default the key as text). */
  name: string;
  key: K;
  /** 1, 2, 3, ... per key. */
  version: number;
  /** The learner's kind (e.g. "hoeffding-tree"). */
  kind: string;
  reason: VersionReason;
  /** Event time of the last example the key had seen. */
  createdAt: number;
  /** Labelled examples the key had seen. */
  examples: number;
  /** Examples this version was trained on (for `online()`: every example so far). */
  trainedOn: number;
  /** The key's prequential metrics when the version was published (of the model it replaces, for batch schedules). */
  metrics: PrequentialReport;
  /** `Learner.serialize()` of the version. */
  model: Uint8Array;
}

/** Options of `keyed.learn`. */
export interface LearnOptions<T, K extends Key> extends ExampleOptions<T> {
  /** When to train (default `online()`). */
  schedule?: TrainingSchedule;
  /** The model name of a key (default: the key as text). */
  name?: (key: K) => string;
  /** Size of the sliding window of the recorded metrics (1000). */
  window?: number;
}

/** One key's model and everything around it. */
interface KeyModel {
  key: Key;
  name: string;
  live: Learner;
  /** `live.serialize()`, or undefined when the live model changed since. */
  bytes: Uint8Array | undefined;
  version: number;
  seen: number;
  sinceTraining: number;
  lastTs: number;
  metrics: PrequentialMetrics;
  detector: DriftDetector | undefined;
  /** `onDrift`: collecting examples for the next training (at the start, and after an alarm). */
  armed: boolean;
  buffer: TrainingBuffer;
  dirty: boolean;
}

interface KeyEntry {
  v: 1;
  key: Key;
  version: number;
  seen: number;
  sinceTraining: number;
  lastTs: number;
  start: number;
  end: number;
  model: Uint8Array;
  metrics: PrequentialMetricsState;
  detector?: Uint8Array;
  armed: boolean;
}

/**
 * Builds the operator factory behind `keyed.learn` (validating the options once).
 *
 * @example
 * keyed.process(learnOperator(new HoeffdingTree(), { features: (r) => r.x, label: (r) => r.y }))
 */
export function learnOperator<K extends Key, T>(
  model: Learner,
  options: LearnOptions<T, K>,
): () => ProcessOperator<K, T, ModelVersion<K>> {
  checkExampleOptions('learn', options, true);
  const fresh = learnerTemplate('learn', model);
  const schedule = options.schedule ?? online();
  if (!['online', 'records', 'interval', 'drift'].includes(schedule?.kind)) {
    throw new StreamsightError(
      'SS_ERR_INVALID_OPTION',
      'learn: schedule must come from online(), everyRecords(), everyInterval() or onDrift()',
      { details: { option: 'schedule' } },
    );
  }
  if (options.name !== undefined && typeof options.name !== 'function') {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'learn: name must be a function of the key', {
      details: { option: 'name' },
    });
  }
  const detector =
    schedule.kind === 'drift' ? (templateOf(schedule.detector) as () => DriftDetector) : undefined;
  const window = new PrequentialMetrics(options.window ?? 1000).windowSize;
  const config: LearnConfig = {
    features: options.features as (value: unknown) => Features,
    label: options.label as (value: unknown) => Label | undefined | null,
    name: (options.name as ((key: Key) => string) | undefined) ?? String,
    schedule,
    fresh,
    kind: model.toJSON().kind,
    detector,
    window,
  };
  return () => new LearnOperator(config) as unknown as ProcessOperator<K, T, ModelVersion<K>>;
}

interface LearnConfig {
  features: (value: unknown) => Features;
  label: (value: unknown) => Label | undefined | null;
  name: (key: Key) => string;
  schedule: TrainingSchedule;
  fresh: () => Learner;
  /** The learner's kind, as recorded with each version. */
  kind: string;
  detector: (() => DriftDetector) | undefined;
  window: number;
}

class LearnOperator implements ProcessOperator<Key, unknown, ModelVersion> {
  readonly #c: LearnConfig;
  readonly #keys = new Map<string, KeyModel>();
  /** Next processing time the interval schedule trains at (undefined until the first tick). */
  #nextTraining: number | undefined;

  constructor(config: LearnConfig) {
    this.#c = config;
  }

  process(value: unknown, key: Key, ts: number, ctx: ProcessContext<ModelVersion>): void {
    const y = this.#c.label(value);
    if (y === undefined || y === null) return;
    const x = this.#c.features(value);
    const s = this.#state(key);
    const schedule = this.#c.schedule;
    s.dirty = true;
    s.seen++;
    s.lastTs = ts;
    const predicted = s.live.predictOne(x);
    let drift = false;
    if (predicted !== undefined) {
      s.metrics.update(y, predicted);
      if (s.detector !== undefined) drift = s.detector.update(predicted === y ? 0 : 1).drift;
    }
    if (schedule.kind === 'online') {
      s.live.learnOne(x, y);
      s.bytes = undefined;
      if (s.seen % schedule.versionEvery === 0) this.#publish(s, 'online', s.seen, ctx);
      return;
    }
    s.buffer.push(x, y);
    if (schedule.batch.trainingSet === 'last') s.buffer.keepLast(schedule.batch.last);
    s.sinceTraining++;
    if (schedule.kind === 'records' && s.sinceTraining >= schedule.every) this.#train(s, 'records', ctx);
    else if (schedule.kind === 'drift') {
      if (drift && !s.armed) {
        // The training set holds the old concept: start collecting the new one from here.
        s.armed = true;
        s.sinceTraining = 0;
        s.buffer.clear();
      } else if (s.armed && s.sinceTraining >= schedule.bootstrap) {
        this.#train(s, s.version === 0 ? 'bootstrap' : 'drift', ctx);
      }
    }
  }

  onTimer(now: number, ctx: ProcessContext<ModelVersion>): void {
    const schedule = this.#c.schedule;
    if (schedule.kind !== 'interval') return;
    if (this.#nextTraining === undefined) this.#nextTraining = now + schedule.everyMs;
    if (now < this.#nextTraining) return;
    this.#nextTraining = now + schedule.everyMs;
    for (const s of this.#keys.values()) if (s.sinceTraining > 0) this.#train(s, 'interval', ctx);
  }

  checkpoint(put: (key: string, value: Uint8Array | null) => void): void {
    for (const [tag, s] of this.#keys) {
      if (!s.dirty) continue;
      s.bytes ??= s.live.serialize();
      const entry: KeyEntry = {
        v: 1,
        key: s.key,
        version: s.version,
        seen: s.seen,
        sinceTraining: s.sinceTraining,
        lastTs: s.lastTs,
        start: s.buffer.start,
        end: s.buffer.end,
        model: s.bytes,
        metrics: s.metrics.toState(),
        detector: s.detector?.serialize(),
        armed: s.armed,
      };
      put(`m${tag}`, msgpackCodec.encode(entry));
      s.buffer.checkpoint(put, tag);
      s.dirty = false;
    }
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    const metas = new Map<string, KeyEntry>();
    const chunks = new Map<string, Uint8Array[]>();
    for (const [k, bytes] of entries) {
      const chunk = parseChunkKey(k);
      if (chunk !== undefined) {
        const list = chunks.get(chunk.tag) ?? [];
        list.push(bytes);
        chunks.set(chunk.tag, list);
      } else if (k.charCodeAt(0) === 109 /* m */) {
        metas.set(k.slice(1), msgpackCodec.decode(bytes) as KeyEntry);
      }
    }
    for (const [tag, e] of metas) {
      if (e.v !== 1) throw new StreamsightError('SS_ERR_MODEL_DECODE', `unknown learn state version ${e.v}`);
      const live = deserialize(e.model) as Learner;
      this.#keys.set(tag, {
        key: e.key,
        name: this.#c.name(e.key),
        live,
        bytes: e.model,
        version: e.version,
        seen: e.seen,
        sinceTraining: e.sinceTraining,
        lastTs: e.lastTs,
        metrics: PrequentialMetrics.fromState(e.metrics),
        detector: e.detector == null ? undefined : (deserialize(e.detector) as DriftDetector),
        armed: e.armed,
        buffer: TrainingBuffer.restore(e.start, e.end, chunks.get(tag) ?? []),
        dirty: false,
      });
    }
  }

  #state(key: Key): KeyModel {
    const tag = keyTag(key);
    let s = this.#keys.get(tag);
    if (s === undefined) {
      s = {
        key,
        name: modelName(this.#c.name, key),
        live: this.#c.fresh(),
        bytes: undefined,
        version: 0,
        seen: 0,
        sinceTraining: 0,
        lastTs: Number.NEGATIVE_INFINITY,
        metrics: new PrequentialMetrics(this.#c.window),
        detector: this.#c.detector?.(),
        armed: true,
        buffer: new TrainingBuffer(),
        dirty: true,
      };
      this.#keys.set(tag, s);
    }
    return s;
  }

  /** Trains a copy on the key's training set, swaps it in and publishes it. */
  #train(s: KeyModel, reason: VersionReason, ctx: ProcessContext<ModelVersion>): void {
    const schedule = this.#c.schedule as Extract<TrainingSchedule, { batch: unknown }>;
    const candidate = schedule.batch.warmStart ? copyOf(s.live) : this.#c.fresh();
    const { xs, ys } = s.buffer.examples();
    if (candidate.fit) candidate.fit(xs, ys);
    else for (let i = 0; i < xs.length; i++) candidate.learnOne(xs[i], ys[i]);
    s.live = candidate;
    s.bytes = undefined;
    s.sinceTraining = 0;
    s.armed = false;
    s.dirty = true;
    if (schedule.batch.trainingSet === 'since-last') s.buffer.clear();
    // The detector watched the replaced model; the new one starts with a clean error history.
    if (this.#c.detector !== undefined) s.detector = this.#c.detector();
    this.#publish(s, reason, xs.length, ctx);
  }

  #publish(s: KeyModel, reason: VersionReason, trainedOn: number, ctx: ProcessContext<ModelVersion>): void {
    s.version++;
    s.bytes ??= s.live.serialize();
    s.dirty = true;
    ctx.emit(
      {
        name: s.name,
        key: s.key,
        version: s.version,
        kind: this.#c.kind,
        reason,
        createdAt: s.lastTs,
        examples: s.seen,
        trainedOn,
        metrics: s.metrics.report(),
        model: s.bytes,
      },
      s.key,
      s.lastTs,
    );
  }
}

/** The model name of `key`; a bad name is the record's fault (a dead letter), not the pipeline's. */
function modelName(name: (key: Key) => string, key: Key): string {
  try {
    return checkModelName(name(key));
  } catch (err) {
    if (!isStreamsightError(err)) throw err;
    throw new StreamsightError('SS_ERR_USER_CODE', `learn: ${err.message}`, { cause: err });
  }
}
