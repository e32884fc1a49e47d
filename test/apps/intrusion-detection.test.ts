/**
 * The intrusion-detection app end to end: NSL-KDD's KDDTrain+_20Percent.txt (or, when the shared data
 * is absent, a synthetic file with the same schema and class mix) is replayed into `connections`,
 * the app runs embedded and bounded, and every view is checked against what the test recomputes
 * from the emitted predictions.
 */

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import app, { ALERT_COUNT, type Alert } from '../../apps/intrusion-detection/app.ts';
import type {
  ClassEvent,
  MetricsEvent,
  PredictionEvent,
  VersionEvent,
  ViewMetrics,
} from '../../apps/intrusion-detection/detector.ts';
import { attackClass, COLUMNS } from '../../apps/intrusion-detection/schema.ts';
import { writeSyntheticFile } from '../../apps/intrusion-detection/synthetic.ts';
import {
  ClassificationMetrics,
  type ConfusionTally,
  createAppTopics,
  FileReplay,
  jsonCodec,
  runApp,
  snapshotMetrics,
  type WindowResult,
} from '../../src/index.ts';
import { sharedData } from '../helpers/shared-data.ts';
import { readAll, type TempLog, tempLog } from '../helpers/temp-log.ts';

const REAL = sharedData('nsl-kdd', 'KDDTrain+_20Percent.txt');
const EPS = 1e-12;

function closeTo(actual: number | null, expected: number | null, what: string): void {
  if (expected === null) assert.equal(actual, null, what);
  else assert.ok(actual !== null && Math.abs(actual - expected) < EPS, `${what}: ${actual} vs ${expected}`);
}

/** The view's flattened metrics equal those of `tally`, recomputed from the predictions. */
function assertSameMetrics(view: ViewMetrics, tally: ConfusionTally, what: string): void {
  const s = snapshotMetrics(tally);
  assert.equal(view.examples, s.examples, `${what} examples`);
  closeTo(view.accuracy, s.accuracy, `${what} accuracy`);
  closeTo(view.kappa, s.kappa, `${what} kappa`);
  closeTo(view.macro_f1, s.macroF1, `${what} macro F1`);
  for (const label of view.confusion.labels) {
    const c = s.classes[label];
    const k = label.toLowerCase();
    closeTo(view[`precision_${k}`], c?.precision ?? null, `${what} precision ${label}`);
    closeTo(view[`recall_${k}`], c?.recall ?? null, `${what} recall ${label}`);
    closeTo(view[`f1_${k}`], c?.f1 ?? null, `${what} F1 ${label}`);
  }
  const { labels, matrix } = s.confusionMatrix;
  for (const [i, actual] of view.confusion.labels.entries()) {
    for (const [j, predicted] of view.confusion.labels.entries()) {
      const a = labels.indexOf(actual);
      const p = labels.indexOf(predicted);
      const expected = a < 0 || p < 0 ? 0 : matrix[a][p];
      assert.equal(view.confusion.matrix[i][j], expected, `${what} confusion[${actual}][${predicted}]`);
    }
  }
}

/**
 * CEP `atLeast(n, DoS, 10s)` with skipPastLastEvent, recomputed: per service, in event-time order
 * (ties in arrival order), the earliest run of n DoS predictions whose last is less than 10 s after
 * its first; the next match starts after it.
 */
function expectedAlerts(predictions: PredictionEvent[], n: number, withinMs: number): string[] {
  const byService = new Map<string, PredictionEvent[]>();
  for (const p of predictions) {
    if (p.predicted !== 'DoS') continue;
    const list = byService.get(p.service) ?? [];
    list.push(p);
    byService.set(p.service, list);
  }
  const out: string[] = [];
  for (const [service, list] of byService) {
    list.sort((a, b) => a.ts - b.ts || a.seq - b.seq);
    for (let i = 0; i + n <= list.length; ) {
      if (list[i + n - 1].ts < list[i].ts + withinMs) {
        out.push(`${service}@${list[i].seq}-${list[i + n - 1].seq}`);
        i += n;
      } else i++;
    }
  }
  return out.sort();
}

describe('intrusion-detection app', { timeout: 120_000 }, () => {
  let t: TempLog;
  let file: string;
  let synthetic = false;
  let predictions: PredictionEvent[];

  before(async () => {
    t = await tempLog();
    file = REAL;
    if (!existsSync(REAL)) {
      synthetic = true;
      file = join(t.dir, 'synthetic-kdd.txt');
      await writeSyntheticFile(file, 25_192, 1);
      process.stderr.write(`# ${REAL} absent: running on a synthetic NSL-KDD file\n`);
    }
    await createAppTopics(app, t.log);
    const replay = await new FileReplay(t.log, {
      path: file,
      format: 'csv',
      csv: { columns: COLUMNS, cast: true },
      topics: 'connections',
      key: 'service',
      progressBar: false,
    }).run();
    assert.equal(replay.records, 25_192);
    // Two bad records after the file: they must become dead letters, not reach the model.
    await t.log.append('connections', [
      { value: new TextEncoder().encode('{not json'), partition: 0 },
      { value: jsonCodec.encode({ duration: 'long', attack: 'normal' }), partition: 0 },
    ]);
    const running = await runApp(app, { log: t.log, bounded: true });
    await running.done;
    predictions = (await readAll(t.log, 'predictions')).map(
      (r) => jsonCodec.decode(r.value!) as PredictionEvent,
    );
  });
  after(async () => {
    await t.cleanup();
  });

  it('predicts every connection, in order, and dead-letters the bad records', async () => {
    assert.equal(predictions.length, 25_192);
    assert.deepEqual(
      predictions.slice(0, 3).map((p) => p.seq),
      [1, 2, 3],
    );
    assert.ok(predictions.every((p, i) => p.seq === i + 1));
    assert.equal(predictions[0].predicted, null, 'the empty model cannot predict the first record');
    const dead = await readAll(t.log, 'intrusion-detection.dead-letters');
    assert.deepEqual(dead.map((d) => d.headers['ss-code']).sort(), ['SS_ERR_DECODE', 'SS_ERR_SCHEMA']);
  });

  it('reaches a final prequential 5-class accuracy of at least 0.95', () => {
    const m = app.views.get('metrics')!.rows().get('ids') as MetricsEvent;
    assert.equal(m.records, 25_192);
    assert.equal(m.scored + m.unscored + m.unmapped, 25_192);
    assert.ok(m.cumulative.accuracy! >= 0.95, `accuracy ${m.cumulative.accuracy} (synthetic: ${synthetic})`);
    assert.ok(m.cumulative.kappa! >= 0.9, `kappa ${m.cumulative.kappa}`);
  });

  it('reports metrics equal to those recomputed from the emitted predictions', () => {
    const m = app.views.get('metrics')!.rows().get('ids') as MetricsEvent;
    const recomputed = new ClassificationMetrics({ window: 1000 });
    for (const p of predictions) {
      assert.equal(p.actual, attackClass(p.attack) ?? null);
      if (p.actual === null || p.predicted === null) continue;
      assert.equal(p.correct, p.actual === p.predicted);
      recomputed.update(p.actual, p.predicted);
    }
    assertSameMetrics(m.cumulative, recomputed.cumulative, 'cumulative');
    assertSameMetrics(m.window, recomputed.window, 'window');
    const cumulative = snapshotMetrics(recomputed.cumulative);
    const window = snapshotMetrics(recomputed.window);
    const rows = [...app.views.get('class-metrics')!.rows().values()] as ClassEvent[];
    assert.deepEqual(rows.map((r) => r.class).sort(), ['DoS', 'Probe', 'R2L', 'U2R', 'normal']);
    for (const r of rows) {
      const c = cumulative.classes[r.class];
      const w = window.classes[r.class];
      assert.equal(r.support, c.support);
      closeTo(r.f1, c.f1, `F1 ${r.class}`);
      closeTo(r.recall, c.recall, `recall ${r.class}`);
      closeTo(r.window_f1, w?.f1 ?? null, `window F1 ${r.class}`);
    }
  });

  it('raises the DoS alerts that CEP semantics give on the predictions', async () => {
    const alerts = [...app.views.get('alerts')!.rows().values()] as Alert[];
    const topic = (await readAll(t.log, 'alerts')).map((r) => (jsonCodec.decode(r.value!) as Alert).id);
    assert.deepEqual(topic.sort(), alerts.map((a) => a.id).sort());
    const got = alerts.map((a) => `${a.service}@${a.first_seq}-${a.last_seq}`).sort();
    const expected = expectedAlerts(predictions, ALERT_COUNT, 10_000);
    assert.ok(expected.length > 0, 'the file has DoS bursts');
    assert.deepEqual(got, expected);
    assert.ok(alerts.every((a) => a.count === ALERT_COUNT && a.end - a.start < 10_000));
  });

  it('counts connections per predicted class in 10 s windows', () => {
    const rows = [...app.views.get('attacks-per-class')!.rows().values()] as WindowResult<string, number>[];
    const total = rows.reduce((n, r) => n + r.value, 0);
    assert.equal(total, predictions.filter((p) => p.predicted !== null).length);
    for (const r of rows) assert.equal(r.end - r.start, 10_000);
  });

  it('records the model versions, history and retraining decisions', () => {
    const versions = [...app.views.get('model-versions')!.rows().values()] as VersionEvent[];
    assert.equal(versions[0].version, 1);
    assert.equal(versions[0].reason, 'initial');
    const m = app.views.get('metrics')!.rows().get('ids') as MetricsEvent;
    assert.equal(versions.length, 1 + m.replaced);
    const history = app.views.get('metrics-history')!.rows();
    assert.equal(
      history.size,
      Math.ceil(25_191 / 250) + 0,
      'a point every 250 labelled records and one at the end',
    );
    const retrainings = [...app.views.get('retrainings')!.rows().values()] as { outcome: string }[];
    assert.equal(retrainings.length, m.retrainings);
    assert.ok(retrainings.every((r) => ['training', 'replaced', 'kept'].includes(r.outcome)));
  });
});
