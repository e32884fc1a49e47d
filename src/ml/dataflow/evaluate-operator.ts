/**
 * `keyed.evaluate(model, options)`: prequential (test-then-train) evaluation inside a pipeline. Per
 * key, each labelled record is predicted by the key's model, scored, then learned — exactly what
 * `prequential()` does over an iterable, so the same records in the same order give the same
 * metrics. Records arriving before the model can predict are learned but not scored (`unscored`).
 * Reports (`EvaluationReport`: cumulative and sliding-window metrics) are emitted every `every`
 * labelled records of a key (by count, so the cadence is the same whatever the batching, bounded
 * runs and restarts), or with `interval` on a processing-time timer for the keys that changed.
 *
 * Models are per key, as for `.learn` (see learn-operator.ts): a global evaluation is that of a
 * constant key, run by one task.
 *
 * State (v1), per key, state key `e<key tag>`, msgpack:
 *
 *     { v: 1, key, unscored, reported, lastTs, model: learner bytes, metrics: PrequentialMetricsState }
 *
 * written at checkpoints for the keys that changed, so a restarted task continues the same
 * evaluation (the learner is serialised then, not per record).
 */

import { type Key, msgpackCodec } from '../../dataflow/codec.ts';
import { type Duration, toMillis } from '../../dataflow/duration.ts';
import { keyTag } from '../../dataflow/operators/operator.ts';
import type { ProcessContext, ProcessOperator } from '../../dataflow/operators/process.ts';
import { StreamsightError } from '../../errors/index.ts';
import { checkInteger, deserialize, type Features, type Label, type Learner } from '../learner.ts';
import { checkExampleOptions, type ExampleOptions, learnerTemplate } from './examples.ts';
import type { MetricsSnapshot } from './metrics-snapshot.ts';
import { PrequentialMetrics, type PrequentialMetricsState } from './prequential-metrics.ts';

/**
 * One key's prequential metrics so far.
 *
 * @example
 * // { key: 'sea', examples: 5000, unscored: 1, cumulative: { accuracy: 0.86, ... }, window: { ... } }
 */
export interface EvaluationReport<K extends Key = Key> {
  key: K;
  /** Labelled records seen (scored + unscored). */
  examples: number;
  /** Records learned before the model could predict. */
  unscored: number;
  cumulative: MetricsSnapshot;
  window: MetricsSnapshot;
}

/** Options of `keyed.evaluate`. */
export interface EvaluateOptions<T> extends ExampleOptions<T> {
  /** Emit a report every this many labelled records of a key (1000 unless `interval` is given). */
  every?: number;
  /** Emit reports on this processing-time interval instead, for the keys with new records. */
  interval?: Duration;
  /** Size of the sliding window (1000). */
  window?: number;
}

interface KeyEvaluation {
  key: Key;
  live: Learner;
  metrics: PrequentialMetrics;
  unscored: number;
  /** Labelled records seen when the last report was emitted. */
  reported: number;
  lastTs: number;
  dirty: boolean;
}

interface EvaluationEntry {
  v: 1;
  key: Key;
  unscored: number;
  reported: number;
  lastTs: number;
  model: Uint8Array;
  metrics: PrequentialMetricsState;
}

interface EvaluateConfig {
  features: (value: unknown) => Features;
  label: (value: unknown) => Label | undefined | null;
  fresh: () => Learner;
  every: number;
  intervalMs: number;
  window: number;
}

/**
 * Builds the operator factory behind `keyed.evaluate` (validating the options once).
 *
 * @example
 * keyed.process(evaluateOperator(new HoeffdingTree(), { features: (r) => r.x, label: (r) => r.y, every: 500 }))
 */
export function evaluateOperator<K extends Key, T>(
  model: Learner,
  options: EvaluateOptions<T>,
): () => ProcessOperator<K, T, EvaluationReport<K>> {
  checkExampleOptions('evaluate', options, true);
  if (options.every !== undefined && options.interval !== undefined) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'evaluate: give every or interval, not both', {
      details: { option: 'interval' },
    });
  }
  const intervalMs = options.interval === undefined ? 0 : toMillis(options.interval, 'evaluate.interval');
  if (options.interval !== undefined && !(intervalMs > 0)) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', 'evaluate: interval must be positive', {
      details: { option: 'interval' },
    });
  }
  const config: EvaluateConfig = {
    features: options.features as (value: unknown) => Features,
    label: options.label as (value: unknown) => Label | undefined | null,
    fresh: learnerTemplate('evaluate', model),
    every: intervalMs > 0 ? 0 : checkInteger('evaluate', 'every', options.every ?? 1000, 1, 2 ** 31),
    intervalMs,
    window: new PrequentialMetrics(options.window ?? 1000).windowSize,
  };
  return () => new EvaluateOperator(config) as unknown as ProcessOperator<K, T, EvaluationReport<K>>;
}

class EvaluateOperator implements ProcessOperator<Key, unknown, EvaluationReport> {
  readonly #c: EvaluateConfig;
  readonly #keys = new Map<string, KeyEvaluation>();
  #nextReport: number | undefined;

  constructor(config: EvaluateConfig) {
    this.#c = config;
  }

  process(value: unknown, key: Key, ts: number, ctx: ProcessContext<EvaluationReport>): void {
    const y = this.#c.label(value);
    if (y === undefined || y === null) return;
    const x = this.#c.features(value);
    const tag = keyTag(key);
    let s = this.#keys.get(tag);
    if (s === undefined) {
      s = {
        key,
        live: this.#c.fresh(),
        metrics: new PrequentialMetrics(this.#c.window),
        unscored: 0,
        reported: 0,
        lastTs: ts,
        dirty: true,
      };
      this.#keys.set(tag, s);
    }
    const predicted = s.live.predictOne(x);
    if (predicted === undefined) s.unscored++;
    else s.metrics.update(y, predicted);
    s.live.learnOne(x, y);
    s.lastTs = ts;
    s.dirty = true;
    // By count, not since the last report: the cadence stays the same across bounded runs and restarts.
    if (this.#c.every > 0 && examplesOf(s) % this.#c.every === 0) this.#report(s, ctx);
  }

  onTimer(now: number, ctx: ProcessContext<EvaluationReport>): void {
    if (this.#c.intervalMs === 0) return;
    if (this.#nextReport === undefined) this.#nextReport = now + this.#c.intervalMs;
    if (now < this.#nextReport) return;
    this.#nextReport = now + this.#c.intervalMs;
    for (const s of this.#keys.values()) if (examplesOf(s) > s.reported) this.#report(s, ctx);
  }

  checkpoint(put: (key: string, value: Uint8Array | null) => void): void {
    for (const [tag, s] of this.#keys) {
      if (!s.dirty) continue;
      const entry: EvaluationEntry = {
        v: 1,
        key: s.key,
        unscored: s.unscored,
        reported: s.reported,
        lastTs: s.lastTs,
        model: s.live.serialize(),
        metrics: s.metrics.toState(),
      };
      put(`e${tag}`, msgpackCodec.encode(entry));
      s.dirty = false;
    }
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [k, bytes] of entries) {
      if (k.charCodeAt(0) !== 101 /* e */) continue;
      const e = msgpackCodec.decode(bytes) as EvaluationEntry;
      if (e.v !== 1)
        throw new StreamsightError('SS_ERR_MODEL_DECODE', `unknown evaluate state version ${e.v}`);
      this.#keys.set(k.slice(1), {
        key: e.key,
        live: deserialize(e.model) as Learner,
        metrics: PrequentialMetrics.fromState(e.metrics),
        unscored: e.unscored,
        reported: e.reported,
        lastTs: e.lastTs,
        dirty: false,
      });
    }
  }

  #report(s: KeyEvaluation, ctx: ProcessContext<EvaluationReport>): void {
    s.reported = examplesOf(s);
    s.dirty = true;
    const { cumulative, window } = s.metrics.report();
    ctx.emit({ key: s.key, examples: s.reported, unscored: s.unscored, cumulative, window }, s.key, s.lastTs);
  }
}

/** Labelled records the key has seen (scored or not). */
function examplesOf(s: KeyEvaluation): number {
  return s.metrics.count + s.unscored;
}
