/**
 * The intrusion detector: one `process` operator that runs the whole online-learning loop over the
 * connection stream, so that every number on the dashboard comes from one place and one order of
 * records.
 *
 * ## Per record
 *
 * 1. The live model (a Hoeffding adaptive tree by default) predicts the record's class; the
 *    prediction is emitted (`kind: 'prediction'`) whether or not the record has a known label.
 * 2. If the attack name maps to a class (schema.ts), the prediction is scored — cumulative and
 *    sliding-window metrics (`PrequentialMetrics`) — and the model learns the record (test, then
 *    train: prequential evaluation). A record the model could not yet predict (the very first) is
 *    learned but not scored.
 * 3. The error bit (1 = wrong) goes to a drift detector (ADWIN by default).
 *
 * ## Drift-triggered retraining
 *
 * A drift alarm on which the error rate went up (ADWIN's recent sub-window is worse than the window
 * it replaced) starts a retraining: a fresh model (a candidate) is trained on the records from the
 * alarm on — the examples of the new concept; records before the alarm belong to the old one, as in
 * `onDrift` (src/ml/dataflow/schedules.ts). For the next `trial` labelled records both models
 * predict every record before learning it, and their errors are counted. Then the candidate
 * replaces the live model (a new model version, `reason: 'drift'`) only if it made fewer errors;
 * otherwise it is dropped and the live model — which kept learning all along, and may have adapted
 * through its own subtree replacement — stays. Replacing on every alarm would throw away what the
 * live tree knows about rare classes (R2L, U2R) each time the traffic mix shifts, which is the
 * usual cause of an alarm on this data. Each retraining is emitted twice under one id: when it
 * starts (`outcome: 'training'`) and when it is decided (`'replaced'` or `'kept'`). Alarms during a
 * trial are counted but start nothing.
 *
 * ## Reports
 *
 * Metrics (`kind: 'metrics'`, plus one `kind: 'class'` row per class) are emitted every
 * `reportEvery` labelled records (by count, so the same records always give the same reports), at
 * most once a second on the processing-time timer when records arrived since the last one (so a
 * slow stream still updates the page), and when the input ends (bounded runs). A history point
 * (`kind: 'history'`) is emitted with the count-based reports only.
 *
 * ## Models per task
 *
 * The operator keeps one model per task, not per key: the `connections` topic has one partition,
 * so there is one task and one global model, and records keep their file order.
 *
 * ## State (v1)
 *
 * One entry, `d`, msgpack, written at each checkpoint after a change:
 *
 *     { v: 1, seq, unmapped, version, drifts, retrainings, replaced, reported, lastTs, lastReportTs,
 *       live: learner bytes, detector: detector bytes, metrics: PrequentialMetricsState,
 *       trial: null | { id, startedAt, startedSeq, seen, liveErrors, candidateErrors, candidate: bytes } }
 */

import {
  Adwin,
  type DriftDetector,
  deserialize,
  type Features,
  HoeffdingAdaptiveTree,
  type Key,
  type Label,
  type Learner,
  type MetricsSnapshot,
  msgpackCodec,
  PrequentialMetrics,
  type PrequentialMetricsState,
  type ProcessContext,
  type ProcessOperator,
  StreamsightError,
} from '../../src/index.ts';
import { attackClass, CLASSES, type Connection, featuresOf } from './schema.ts';

/** One prediction, emitted for every connection. */
export interface PredictionEvent {
  kind: 'prediction';
  /** 1, 2, 3, ... per task: the record's position in the stream. */
  seq: number;
  service: string;
  protocol: string;
  attack: string;
  /** The true class, or null when the attack name is unknown. */
  actual: string | null;
  /** The predicted class, or null when the model could not predict yet. */
  predicted: string | null;
  /** Whether the prediction was scored and right (null: not scored). */
  correct: boolean | null;
  difficulty: number | null;
  /** The live model's version (0 before the first retraining). */
  model: number;
  ts: number;
}

/** Accuracy, κ, macro F1 and per-class P/R/F1 of one view, flattened for a view row. */
export interface ViewMetrics {
  examples: number;
  accuracy: number | null;
  kappa: number | null;
  macro_f1: number | null;
  [perClass: `${'precision' | 'recall' | 'f1'}_${string}`]: number | null;
  /** Rows: true class; columns: predicted class; both in `CLASSES` order. */
  confusion: { labels: string[]; matrix: number[][] };
}

/** The latest metrics (one row, key 'ids'). */
export interface MetricsEvent {
  kind: 'metrics';
  at: number;
  /** Records seen, scored, and not scored (no prediction yet / unknown attack name). */
  records: number;
  scored: number;
  unscored: number;
  unmapped: number;
  model_version: number;
  drifts: number;
  retrainings: number;
  replaced: number;
  cumulative: ViewMetrics;
  window: ViewMetrics;
}

/** One point of the metrics-over-time chart. */
export interface HistoryEvent {
  kind: 'history';
  at: number;
  scored: number;
  accuracy: number | null;
  kappa: number | null;
  window_accuracy: number | null;
  window_kappa: number | null;
  window_macro_f1: number | null;
  model_version: number;
}

/** One class's metrics, cumulative and over the window. */
export interface ClassEvent {
  kind: 'class';
  class: string;
  precision: number | null;
  recall: number | null;
  f1: number | null;
  support: number;
  window_precision: number | null;
  window_recall: number | null;
  window_f1: number | null;
  window_support: number;
}

/** A model version: the first model, or one that won a retraining. */
export interface VersionEvent {
  kind: 'version';
  version: number;
  reason: 'initial' | 'drift';
  created_at: number;
  /** Records seen when the version went live, and labelled records it was trained on then. */
  records: number;
  trained_on: number;
}

/** A drift-triggered retraining (emitted when it starts and again when it is decided). */
export interface RetrainingEvent {
  kind: 'retraining';
  id: number;
  outcome: 'training' | 'replaced' | 'kept';
  detected_at: number;
  /** Records seen at the alarm. */
  detected_seq: number;
  /** Window error rate of the live model at the alarm. */
  window_error: number | null;
  decided_at: number | null;
  /** Errors of each model over the trial (so far). */
  trial: number;
  live_errors: number;
  candidate_errors: number;
  /** The version the candidate became, when it replaced the live model. */
  version: number | null;
}

export type Detection =
  | PredictionEvent
  | MetricsEvent
  | HistoryEvent
  | ClassEvent
  | VersionEvent
  | RetrainingEvent;

export interface DetectorOptions {
  /** A fresh model (default: a Hoeffding adaptive tree). */
  learner?: () => Learner;
  /** A fresh drift detector over the error stream (default: ADWIN, δ = 0.002). */
  detector?: () => DriftDetector;
  /** Size of the sliding window of the metrics (1000). */
  window?: number;
  /** Emit metrics every this many labelled records (250). */
  reportEvery?: number;
  /** Labelled records a retrained candidate competes with the live model on (1000). */
  trial?: number;
  /** No retraining before this many labelled records: the learning curve is not a drift (1000). */
  warmup?: number;
  /** Minimum wall-clock time between timer-driven metric updates, in ms (1000). */
  refreshMs?: number;
}

interface Trial {
  id: number;
  startedAt: number;
  startedSeq: number;
  windowError: number | null;
  seen: number;
  liveErrors: number;
  candidateErrors: number;
  candidate: Learner;
}

interface StateEntry {
  v: 1;
  seq: number;
  unmapped: number;
  unscored: number;
  version: number;
  drifts: number;
  retrainings: number;
  replaced: number;
  reported: number;
  lastTs: number;
  live: Uint8Array;
  detector: Uint8Array;
  metrics: PrequentialMetricsState;
  trial: null | (Omit<Trial, 'candidate'> & { candidate: Uint8Array });
}

interface Config {
  learner: () => Learner;
  detector: () => DriftDetector;
  window: number;
  reportEvery: number;
  trial: number;
  warmup: number;
  refreshMs: number;
}

const positive = (name: string, v: number | undefined, fallback: number, max = 2 ** 31): number => {
  const x = v ?? fallback;
  if (!Number.isInteger(x) || x < 1 || x > max) {
    throw new StreamsightError('SS_ERR_INVALID_OPTION', `detector: ${name} must be an integer in 1..${max}`, {
      details: { option: name, value: v },
    });
  }
  return x;
};

/**
 * The operator factory for `keyed.process(...)`, options validated once.
 *
 * @example
 * connections.keyedStream<string>().process(intrusionDetector({ reportEvery: 500 }))
 */
export function intrusionDetector(
  options: DetectorOptions = {},
): () => ProcessOperator<Key, Connection, Detection> {
  for (const f of ['learner', 'detector'] as const) {
    if (options[f] !== undefined && typeof options[f] !== 'function') {
      throw new StreamsightError('SS_ERR_INVALID_OPTION', `detector: ${f} must be a function`, {
        details: { option: f },
      });
    }
  }
  const config: Config = {
    learner: options.learner ?? (() => new HoeffdingAdaptiveTree()),
    detector: options.detector ?? (() => new Adwin({ delta: 0.002 })),
    window: positive('window', options.window, 1000, 10_000_000),
    reportEvery: positive('reportEvery', options.reportEvery, 250),
    trial: positive('trial', options.trial, 1000),
    warmup: positive('warmup', options.warmup, 1000),
    refreshMs: positive('refreshMs', options.refreshMs, 1000),
  };
  return () => new IntrusionDetector(config);
}

class IntrusionDetector implements ProcessOperator<Key, Connection, Detection> {
  readonly #c: Config;
  #live: Learner;
  #detector: DriftDetector;
  #metrics: PrequentialMetrics;
  #trial: Trial | null = null;
  #seq = 0;
  #unmapped = 0;
  #unscored = 0;
  #version = 0;
  #drifts = 0;
  #retrainings = 0;
  #replaced = 0;
  /** Records seen at the last metrics report. */
  #reported = 0;
  #lastTs = 0;
  #lastRefresh = 0;
  #dirty = false;

  constructor(config: Config) {
    this.#c = config;
    this.#live = config.learner();
    this.#detector = config.detector();
    this.#metrics = new PrequentialMetrics(config.window);
  }

  process(c: Connection, _key: Key, ts: number, ctx: ProcessContext<Detection>): void {
    this.#seq++;
    this.#lastTs = ts;
    this.#dirty = true;
    const x: Features = featuresOf(c as unknown as Record<string, unknown>);
    const y = attackClass(c.attack);
    const predicted = this.#live.predictOne(x) as string | undefined;
    const scored = y !== undefined && predicted !== undefined;
    ctx.emit({
      kind: 'prediction',
      seq: this.#seq,
      service: c.service,
      protocol: c.protocol_type,
      attack: c.attack,
      actual: y ?? null,
      predicted: predicted ?? null,
      correct: scored ? predicted === y : null,
      difficulty: c.difficulty ?? null,
      model: this.#version,
      ts,
    });
    if (y === undefined) {
      this.#unmapped++;
      return;
    }
    if (predicted === undefined) this.#unscored++;
    else this.#score(x, y, predicted, ts, ctx);
    this.#live.learnOne(x, y);
    if (this.#version === 0) this.#publish('initial', ts, ctx);
    if (this.#trial !== null) this.#trial.candidate.learnOne(x, y);
    if ((this.#metrics.count + this.#unscored) % this.#c.reportEvery === 0) {
      this.#report(ts, ctx, true);
    }
  }

  onTimer(now: number, ctx: ProcessContext<Detection>): void {
    if (this.#seq === this.#reported || now - this.#lastRefresh < this.#c.refreshMs) return;
    this.#lastRefresh = now;
    this.#report(this.#lastTs, ctx, false);
  }

  onWatermark(watermark: number, ctx: ProcessContext<Detection>): void {
    // The end of a bounded input: the last records after the last count-based report.
    if (watermark === Number.POSITIVE_INFINITY && this.#seq > this.#reported) {
      this.#report(this.#lastTs, ctx, true);
    }
  }

  checkpoint(put: (key: string, value: Uint8Array | null) => void): void {
    if (!this.#dirty) return;
    const t = this.#trial;
    const entry: StateEntry = {
      v: 1,
      seq: this.#seq,
      unmapped: this.#unmapped,
      unscored: this.#unscored,
      version: this.#version,
      drifts: this.#drifts,
      retrainings: this.#retrainings,
      replaced: this.#replaced,
      reported: this.#reported,
      lastTs: this.#lastTs,
      live: this.#live.serialize(),
      detector: this.#detector.serialize(),
      metrics: this.#metrics.toState(),
      trial: t === null ? null : { ...t, candidate: t.candidate.serialize() },
    };
    put('d', msgpackCodec.encode(entry));
    this.#dirty = false;
  }

  restore(entries: Iterable<[string, Uint8Array]>): void {
    for (const [k, bytes] of entries) {
      if (k !== 'd') continue;
      const e = msgpackCodec.decode(bytes) as StateEntry;
      if (e?.v !== 1) {
        throw new StreamsightError('SS_ERR_MODEL_DECODE', `unknown intrusion detector state version ${e?.v}`);
      }
      this.#seq = e.seq;
      this.#unmapped = e.unmapped;
      this.#unscored = e.unscored;
      this.#version = e.version;
      this.#drifts = e.drifts;
      this.#retrainings = e.retrainings;
      this.#replaced = e.replaced;
      this.#reported = e.reported;
      this.#lastTs = e.lastTs;
      this.#live = deserialize(e.live) as Learner;
      this.#detector = deserialize(e.detector) as DriftDetector;
      this.#metrics = PrequentialMetrics.fromState(e.metrics);
      this.#trial =
        e.trial === null ? null : { ...e.trial, candidate: deserialize(e.trial.candidate) as Learner };
    }
  }

  /** Scores the live prediction, runs the trial and the drift detector. */
  #score(x: Features, y: Label, predicted: Label, ts: number, ctx: ProcessContext<Detection>): void {
    const wrong = predicted === y ? 0 : 1;
    this.#metrics.update(y, predicted);
    const t = this.#trial;
    if (t !== null) {
      t.seen++;
      t.liveErrors += wrong;
      if (t.candidate.predictOne(x) !== y) t.candidateErrors++;
      if (t.seen >= this.#c.trial) this.#decide(t, ts, ctx);
    }
    const before = (this.#detector as { estimation?: number }).estimation;
    const signal = this.#detector.update(wrong);
    if (!signal.drift) return;
    this.#drifts++;
    const after = (this.#detector as { estimation?: number }).estimation;
    // Detectors without an estimate (DDM, Page-Hinkley) only signal increases.
    const worse = before === undefined || after === undefined || after > before;
    if (!worse || this.#trial !== null || this.#metrics.count < this.#c.warmup) return;
    this.#retrainings++;
    const accuracy = this.#metrics.window.accuracy();
    this.#trial = {
      id: this.#retrainings,
      startedAt: ts,
      startedSeq: this.#seq,
      windowError: Number.isFinite(accuracy) ? 1 - accuracy : null,
      seen: 0,
      liveErrors: 0,
      candidateErrors: 0,
      candidate: this.#c.learner(),
    };
    ctx.emit(retrainingEvent(this.#trial, 'training', null, null), `retraining-${this.#trial.id}`, ts);
  }

  #decide(t: Trial, ts: number, ctx: ProcessContext<Detection>): void {
    this.#trial = null;
    const better = t.candidateErrors < t.liveErrors;
    if (better) {
      this.#live = t.candidate;
      this.#replaced++;
      // The detector watched the replaced model; the new one starts with a clean error history.
      this.#detector = this.#c.detector();
      this.#publish('drift', ts, ctx, t.seen);
    }
    ctx.emit(
      retrainingEvent(t, better ? 'replaced' : 'kept', ts, better ? this.#version : null),
      `retraining-${t.id}`,
      ts,
    );
  }

  #publish(
    reason: VersionEvent['reason'],
    ts: number,
    ctx: ProcessContext<Detection>,
    trainedOn?: number,
  ): void {
    this.#version++;
    const event: VersionEvent = {
      kind: 'version',
      version: this.#version,
      reason,
      created_at: ts,
      records: this.#seq,
      trained_on: trainedOn ?? this.#metrics.count + this.#unscored,
    };
    ctx.emit(event, `v${this.#version}`, ts);
  }

  #report(ts: number, ctx: ProcessContext<Detection>, history: boolean): void {
    this.#reported = this.#seq;
    this.#dirty = true;
    const { cumulative, window } = this.#metrics.report();
    const metrics: MetricsEvent = {
      kind: 'metrics',
      at: ts,
      records: this.#seq,
      scored: this.#metrics.count,
      unscored: this.#unscored,
      unmapped: this.#unmapped,
      model_version: this.#version,
      drifts: this.#drifts,
      retrainings: this.#retrainings,
      replaced: this.#replaced,
      cumulative: viewMetrics(cumulative),
      window: viewMetrics(window),
    };
    ctx.emit(metrics, 'ids', ts);
    for (const label of CLASSES) {
      const c = cumulative.classes[label];
      const w = window.classes[label];
      const row: ClassEvent = {
        kind: 'class',
        class: label,
        precision: c?.precision ?? null,
        recall: c?.recall ?? null,
        f1: c?.f1 ?? null,
        support: c?.support ?? 0,
        window_precision: w?.precision ?? null,
        window_recall: w?.recall ?? null,
        window_f1: w?.f1 ?? null,
        window_support: w?.support ?? 0,
      };
      ctx.emit(row, label, ts);
    }
    if (!history) return;
    const point: HistoryEvent = {
      kind: 'history',
      at: ts,
      scored: this.#metrics.count,
      accuracy: cumulative.accuracy,
      kappa: cumulative.kappa,
      window_accuracy: window.accuracy,
      window_kappa: window.kappa,
      window_macro_f1: window.macroF1,
      model_version: this.#version,
    };
    // Keyed by the count, so a replay after a crash rewrites the same points.
    ctx.emit(point, `h${String(this.#seq).padStart(12, '0')}`, ts);
  }
}

function retrainingEvent(
  t: Trial,
  outcome: RetrainingEvent['outcome'],
  decidedAt: number | null,
  version: number | null,
): RetrainingEvent {
  return {
    kind: 'retraining',
    id: t.id,
    outcome,
    detected_at: t.startedAt,
    detected_seq: t.startedSeq,
    window_error: t.windowError,
    decided_at: decidedAt,
    trial: t.seen,
    live_errors: t.liveErrors,
    candidate_errors: t.candidateErrors,
    version,
  };
}

/**
 * One view of the metrics, flattened for a view row: per-class fields are `<metric>_<class>` (class
 * lower-cased), the confusion matrix in `CLASSES` order (classes never seen have zero rows).
 *
 * @example
 * viewMetrics(snapshot).f1_dos; // F1 of DoS
 */
export function viewMetrics(s: MetricsSnapshot): ViewMetrics {
  const out: ViewMetrics = {
    examples: s.examples,
    accuracy: s.accuracy,
    kappa: s.kappa,
    macro_f1: s.macroF1,
    confusion: { labels: [...CLASSES], matrix: [] },
  };
  for (const label of CLASSES) {
    const c = s.classes[label];
    const name = label.toLowerCase();
    out[`precision_${name}`] = c?.precision ?? null;
    out[`recall_${name}`] = c?.recall ?? null;
    out[`f1_${name}`] = c?.f1 ?? null;
  }
  const { labels, matrix } = s.confusionMatrix;
  const at = CLASSES.map((l) => labels.indexOf(l));
  out.confusion.matrix = at.map((i) => at.map((j) => (i < 0 || j < 0 ? 0 : matrix[i][j])));
  return out;
}
