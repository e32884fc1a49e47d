import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  Adwin,
  CusumMonitor,
  Ddm,
  type DriftDetector,
  deserialize,
  PageHinkley,
  ThresholdMonitor,
} from '../../src/ml/index.ts';

// The streams of River's docstring examples, regenerated with Python's random / NumPy (fixtures).
const streams = JSON.parse(
  readFileSync(new URL('./fixtures/river-drift-streams.json', import.meta.url), 'utf8'),
);

function run(detector: DriftDetector, xs: readonly number[]): { drifts: number[]; warnings: number[] } {
  const drifts: number[] = [];
  const warnings: number[] = [];
  xs.forEach((x, i) => {
    const s = detector.update(x);
    if (s.drift) drifts.push(i);
    if (s.warning) warnings.push(i);
  });
  return { drifts, warnings };
}

test("ADWIN (River variant) reproduces River's documented detections 1023, 1055, 1087, 1119", () => {
  assert.deepEqual(run(new Adwin({ variant: 'river' }), streams.adwinNumpy).drifts, [1023, 1055, 1087, 1119]);
});

test("ADWIN (MOA's cut loop) detects at the first check after the change and drops the old concept", () => {
  const adwin = new Adwin();
  const { drifts } = run(adwin, streams.adwinNumpy);
  assert.equal(drifts[0], 1023);
  assert.ok(adwin.estimation > 4 && adwin.estimation < 7);
  assert.ok(adwin.width < 1000);
  assert.deepEqual(run(new Adwin(), new Array(5000).fill(0.3)).drifts, []);
});

test('ADWIN serialises mid-stream and continues identically', () => {
  const a = new Adwin();
  const xs: number[] = streams.adwinNumpy;
  for (const x of xs.slice(0, 1010)) a.update(x);
  const b = deserialize(a.serialize()) as Adwin;
  assert.deepEqual(run(b, xs.slice(1010)), run(a, xs.slice(1010)));
});

test("Page-Hinkley: River's variant detects at River's documented index 1006; MOA's one step later", () => {
  assert.deepEqual(run(new PageHinkley({ clampAtZero: true }), streams.adwinAndPageHinkley).drifts, [1006]);
  assert.deepEqual(run(new PageHinkley(), streams.adwinAndPageHinkley).drifts, [1007]);
});

test("DDM: River's documented example warns at 1084 and drifts at 1334", () => {
  const { drifts, warnings } = run(new Ddm(), streams.ddm);
  assert.deepEqual(drifts, [1334]);
  // MOA starts tracking the minimum two examples before River does, which adds warnings in the warm-up.
  assert.equal(
    warnings.find((i) => i > 100),
    1084,
  );
});

test('ThresholdMonitor: robustness opens after consecutive touches and closes after quiet updates', () => {
  const m = new ThresholdMonitor({ threshold: 10, robustness: 2 });
  const signals = [5, 12, 4, 11, 13, 14, 3, Number.NaN, 2, 1].map((x) => m.update(x));
  assert.deepEqual(
    signals.map((s) => (s.drift ? 'D' : s.warning ? 'w' : '.')),
    ['.', 'w', '.', 'w', 'D', '.', '.', '.', '.', '.'],
  );
  assert.equal(m.open, false);
  const below = new ThresholdMonitor({ threshold: 0.18, alertIfGreater: false, abs: true });
  assert.equal(below.update(-0.1).drift, true);
});

test('CusumMonitor: detects a mean shift of 1σ within a few dozen values, not before', () => {
  const cusum = new CusumMonitor({ mean: 0, std: 1 });
  const values = [...Array.from({ length: 200 }, (_, i) => Math.sin(i) * 0.5), ...new Array(100).fill(1.5)];
  const { drifts } = run(cusum, values);
  assert.equal(drifts.length > 0, true);
  assert.ok(drifts[0] >= 200 && drifts[0] < 215, `first detection ${drifts[0]}`);
  const learned = new CusumMonitor({ warmup: 50 });
  assert.equal(run(learned, values).drifts[0] >= 200, true);
});

test('detectors validate options and round-trip through the codec', () => {
  assert.throws(
    () => new Adwin({ delta: 0 }),
    (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
  );
  assert.throws(
    () => new Ddm({ driftLevel: 1 }),
    (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
  );
  assert.throws(
    () => new CusumMonitor({ mean: 1 }),
    (e) => isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
  );
  for (const d of [
    new Ddm(),
    new PageHinkley(),
    new ThresholdMonitor({ threshold: 1 }),
    new CusumMonitor(),
  ]) {
    for (const x of [0, 1, 0, 2]) d.update(x);
    const copy = deserialize(d.serialize()) as DriftDetector;
    assert.deepEqual(copy.toJSON(), d.toJSON());
  }
  assert.throws(
    () => deserialize(new Uint8Array([1, 2, 3, 4, 5, 6])),
    (e) => isStreamsightError(e, 'SS_ERR_MODEL_DECODE'),
  );
});
