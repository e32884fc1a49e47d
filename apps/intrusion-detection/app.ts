/**
 * Live network intrusion detection on NSL-KDD: connection records are classified as normal, DoS,
 * Probe, R2L or U2R by a Hoeffding adaptive tree that learns as it goes (test, then train), with
 * cumulative and sliding-window metrics, drift-triggered retraining, DoS alerts per destination
 * service (CEP), and a dashboard page. See README.md beside this file.
 *
 * NSL-KDD: M. Tavallaee, E. Bagheri, W. Lu, A. A. Ghorbani, "A Detailed Analysis of the KDD CUP 99
 * Data Set", IEEE CISDA 2009 (Canadian Institute for Cybersecurity, University of New Brunswick).
 */

import {
  type App,
  atLeast,
  count,
  defineApp,
  HoeffdingAdaptiveTree,
  type Learner,
  type PatternMatch,
  tumbling,
  type WindowResult,
} from '../../src/index.ts';
import type { ViewReader } from '../../src/views/view-store.ts';
import {
  type ClassEvent,
  type Detection,
  type HistoryEvent,
  intrusionDetector,
  type MetricsEvent,
  type PredictionEvent,
  type RetrainingEvent,
  type VersionEvent,
} from './detector.ts';
import { attackClass, COLUMNS, type Connection, connectionSchema, featuresOf } from './schema.ts';
import { connectionsSimulator, TOPIC } from './simulator.ts';

/** A DoS alert fires for this many DoS predictions for one service within `ALERT_WITHIN`. */
export const ALERT_COUNT = 25;
export const ALERT_WITHIN = '10s';

/** A DoS burst on one destination service. */
export interface Alert {
  /** `<service>#<seq of the first prediction>`: unique, as bursts of one service may share a start time. */
  id: string;
  rule: 'dos-burst';
  service: string;
  /** DoS predictions in the burst. */
  count: number;
  /** Event times of the first and last prediction. */
  start: number;
  end: number;
  time: string;
  /** The true attack names in the burst, most frequent first (`neptune×20, normal×1`). */
  attacks: string;
  first_seq: number;
  last_seq: number;
}

/** Turns a CEP match of DoS predictions into an alert row. */
export function toAlert(m: PatternMatch<PredictionEvent, string>): Alert {
  const events = m.events.dos ?? [];
  const names = new Map<string, number>();
  for (const e of events) names.set(e.attack, (names.get(e.attack) ?? 0) + 1);
  return {
    id: `${String(m.key)}#${events[0]?.seq ?? 0}`,
    rule: 'dos-burst',
    service: String(m.key),
    count: events.length,
    start: m.start,
    end: m.end,
    time: new Date(m.start).toISOString().slice(11, 19),
    attacks: [...names]
      .sort((a, b) => b[1] - a[1])
      .map(([n, k]) => `${n}×${k}`)
      .join(', '),
    first_seq: events[0]?.seq ?? 0,
    last_seq: events[events.length - 1]?.seq ?? 0,
  };
}

const is =
  <K extends Detection['kind']>(kind: K) =>
  (d: Detection): d is Extract<Detection, { kind: K }> =>
    d.kind === kind;

const app: App = defineApp('intrusion-detection', (a) => {
  // One partition: one model sees the records in file order (see detector.ts, "Models per task").
  const connections = a.topic<Connection>(TOPIC, {
    partitions: 1,
    schema: connectionSchema,
    key: (c) => c.service,
    idleTimeout: '15s',
    retention: '1d',
  });
  const predictions = a.topic<PredictionEvent>('predictions', {
    partitions: 1,
    key: (p) => p.service,
    time: (p) => p.ts,
    retention: '1d',
  });
  const alerts = a.topic<Alert>('alerts', { partitions: 1, key: (x) => x.service, time: (x) => x.end });

  a.pipeline('detect', () => {
    const detections = connections.keyedStream<string>().process(intrusionDetector());
    const scored = detections.filter(is('prediction'));
    scored.to(predictions);
    detections.filter(is('metrics')).toView('metrics');
    detections.filter(is('history')).toView('metrics-history');
    detections.filter(is('class')).toView('class-metrics');
    detections.filter(is('version')).toView('model-versions');
    detections.filter(is('retraining')).toView('retrainings');

    // ≥ ALERT_COUNT DoS predictions for one destination service within 10 s (CEP, per service).
    const bursts = scored
      .pattern(
        atLeast<PredictionEvent>(ALERT_COUNT, (p) => p.predicted === 'DoS', ALERT_WITHIN, 'dos'),
        {
          name: 'dos-burst',
        },
      )
      .map(toAlert);
    bursts.to(alerts);
    // Keyed by the alert's id: records appended together share a time, so (service, start) is not unique.
    bursts.keyBy((x) => x.id, { partitions: 1 }).toView('alerts');

    // Connections per predicted class over time.
    scored
      .filter((p) => p.predicted !== null)
      .keyBy((p) => p.predicted as string, { partitions: 1 })
      .window(tumbling({ size: '10s' }))
      .aggregate(count())
      .toView('attacks-per-class');
  });

  a.page({
    id: 'overview',
    title: 'Network intrusion detection (NSL-KDD)',
    widgets: [
      {
        kind: 'tiles',
        view: 'metrics',
        title: 'Prequential metrics (5 classes)',
        width: 12,
        tiles: [
          { label: 'accuracy', field: 'cumulative_accuracy', format: 'percent' },
          { label: 'κ', field: 'cumulative_kappa' },
          { label: 'accuracy (last 1000)', field: 'window_accuracy', format: 'percent' },
          { label: 'κ (last 1000)', field: 'window_kappa' },
          { label: 'macro F1', field: 'cumulative_macro_f1' },
          { label: 'connections', field: 'records' },
          { label: 'model version', field: 'model_version' },
          { label: 'drift alarms', field: 'drifts' },
        ],
      },
      {
        kind: 'timeseries',
        view: 'metrics-history',
        title: 'Metrics over time',
        width: 7,
        x: 'at',
        series: [
          { field: 'accuracy', label: 'accuracy' },
          { field: 'window_accuracy', label: 'accuracy, last 1000' },
          { field: 'window_kappa', label: 'κ, last 1000' },
          { field: 'window_macro_f1', label: 'macro F1, last 1000' },
        ],
        spanMs: 30 * 60_000,
      },
      {
        kind: 'confusion',
        view: 'metrics',
        title: 'Confusion matrix (rows: true class)',
        width: 5,
        field: 'cumulative_confusion',
      },
      {
        kind: 'table',
        view: 'class-metrics',
        title: 'Per class (cumulative; F1 over the last 1000)',
        width: 6,
        columns: [
          { field: 'class', label: 'class', format: 'text' },
          { field: 'precision', label: 'precision', format: 'percent' },
          { field: 'recall', label: 'recall', format: 'percent' },
          { field: 'f1', label: 'F1', format: 'percent' },
          { field: 'support', label: 'support' },
          { field: 'window_f1', label: 'F1 (window)', format: 'percent' },
        ],
        orderBy: 'support',
        desc: true,
      },
      {
        kind: 'timeseries',
        view: 'attacks-per-class',
        title: 'Connections per predicted class (10 s windows)',
        width: 6,
        x: 'window_start',
        series: [{ field: 'value', label: 'connections' }],
        groupBy: 'key',
        spanMs: 30 * 60_000,
      },
      {
        kind: 'table',
        view: 'alerts',
        title: `Recent alerts: ≥ ${ALERT_COUNT} DoS predictions for one service within ${ALERT_WITHIN}`,
        width: 6,
        columns: [
          { field: 'time', label: 'time (UTC)', format: 'text' },
          { field: 'service', label: 'service', format: 'text' },
          { field: 'count', label: 'DoS' },
          { field: 'attacks', label: 'true attack names', format: 'text' },
        ],
        orderBy: 'start',
        desc: true,
        limit: 15,
      },
      {
        kind: 'table',
        view: 'model-versions',
        title: 'Model versions',
        width: 3,
        columns: [
          { field: 'version', label: 'version' },
          { field: 'reason', label: 'reason', format: 'text' },
          { field: 'records', label: 'at record' },
        ],
        orderBy: 'version',
        desc: true,
        limit: 10,
      },
      {
        kind: 'table',
        view: 'retrainings',
        title: 'Drift-triggered retraining',
        width: 3,
        columns: [
          { field: 'id', label: '#' },
          { field: 'detected_seq', label: 'at record' },
          { field: 'outcome', label: 'outcome', format: 'text' },
          { field: 'live_errors', label: 'errors live' },
          { field: 'candidate_errors', label: 'errors new' },
        ],
        orderBy: 'id',
        desc: true,
        limit: 10,
      },
    ],
  });
});
export default app;

/** Feeds `connections` from the NSL-KDD file, or synthetic records when it is absent. */
export const simulators = [connectionsSimulator()];

const pct = (x: number | null | undefined) => (typeof x === 'number' ? `${(x * 100).toFixed(2)} %` : 'n/a');

/** Status lines for the terminal, read from the views in the store. */
export async function report(read: ViewReader): Promise<string[]> {
  const [m] = (await read('metrics', { where: { view_key: 'ids' }, limit: 1 })).rows as Record<
    string,
    number | null
  >[];
  if (m === undefined) return ['intrusion detection: waiting for connections'];
  const f1 = ['dos', 'probe', 'r2l', 'u2r'].map((k) => `${k} ${pct(m[`cumulative_f1_${k}`])}`).join(', ');
  const alerts = (await read('alerts', { limit: 1 })).total;
  return [
    `intrusion detection: ${m.records} connections, accuracy ${pct(m.cumulative_accuracy)} (last 1000: ${pct(m.window_accuracy)}), κ ${m.cumulative_kappa?.toFixed(3) ?? 'n/a'}`,
    `F1 ${f1}; model v${m.model_version}, ${m.drifts} drift alarms, ${m.retrainings} retrainings (${m.replaced} replaced); ${alerts} alerts`,
  ];
}

/**
 * The offline side, for `streamsight model train|evaluate --app intrusion-detection`: how a row of an
 * NSL-KDD file (43 columns, no header) becomes an example, and the learner to train.
 */
export const model = {
  columns: COLUMNS,
  format: 'csv' as const,
  label: (row: Record<string, unknown>) =>
    typeof row.attack === 'string' ? attackClass(row.attack) : undefined,
  features: featuresOf,
  learner: (): Learner => new HoeffdingAdaptiveTree(),
  learnerName: 'hoeffding-adaptive-tree',
};

export type {
  ClassEvent,
  HistoryEvent,
  MetricsEvent,
  PredictionEvent,
  RetrainingEvent,
  VersionEvent,
  WindowResult,
};
