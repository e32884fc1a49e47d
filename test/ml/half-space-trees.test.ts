import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { deserialize, HalfSpaceTrees, JavaRandom, RocAuc } from '../../src/ml/index.ts';
import { sharedData } from '../helpers/shared-data.ts';

/** Two tight Gaussian clusters in [0,1]^3, with 2 % of points uniform in the cube (the anomalies). */
function* injected(n: number, seed: number) {
  const rng = new JavaRandom(seed);
  for (let i = 0; i < n; i++) {
    if (rng.nextDouble() < 0.02) {
      yield { x: { a: rng.nextDouble(), b: rng.nextDouble(), c: rng.nextDouble() }, anomaly: true };
      continue;
    }
    const m = rng.nextInt(2) === 0 ? [0.3, 0.3, 0.3] : [0.7, 0.6, 0.4];
    const x = {
      a: m[0] + 0.05 * rng.nextGaussian(),
      b: m[1] + 0.05 * rng.nextGaussian(),
      c: m[2] + 0.05 * rng.nextGaussian(),
    };
    yield { x, anomaly: false };
  }
}

/** Prequential ROC-AUC (score, then learn), scoring from the second window on. */
function auc(hst: HalfSpaceTrees, stream: Iterable<{ x: Record<string, number>; anomaly: boolean }>) {
  const roc = new RocAuc({ bins: 10_000 });
  let i = 0;
  for (const { x, anomaly } of stream) {
    const score = hst.scoreOne(x);
    assert.ok(score >= 0 && score <= 1, `score ${score}`);
    if (i++ >= hst.windowSize) roc.update(anomaly, score);
    else assert.equal(score, 0);
    hst.learnOne(x);
  }
  return roc.cumulative.auc();
}

test('half-space trees: ROC-AUC ≥ 0.8 on a stream with injected anomalies (learned ranges)', (t) => {
  const value = auc(new HalfSpaceTrees({ seed: 42 }), injected(10_000, 7));
  t.diagnostic(`ROC-AUC ${value.toFixed(3)}`);
  assert.ok(value >= 0.8, `AUC ${value}`);
});

test('half-space trees: ROC-AUC ≥ 0.8 with River-style [0, 1] limits', (t) => {
  const limits = { a: [0, 1], b: [0, 1], c: [0, 1] } as const;
  const value = auc(new HalfSpaceTrees({ seed: 42, limits }), injected(10_000, 8));
  t.diagnostic(`ROC-AUC ${value.toFixed(3)}`);
  assert.ok(value >= 0.8, `AUC ${value}`);
});

test('half-space trees: the score is 1 − Σ r·2^depth / (nTrees·window·(2^(h+1) − 1))', () => {
  // One tree of height 1 over x ∈ [0, 1]: the root splits at some t in [0.15, 0.85].
  const hst = new HalfSpaceTrees({ nTrees: 1, height: 1, windowSize: 4, limits: { x: [0, 1] }, seed: 5 });
  for (let i = 0; i < 4; i++) {
    assert.equal(hst.scoreOne({ x: 0.01 }), 0);
    hst.learnOne({ x: 0.01 });
  }
  // Reference masses: root 4, left leaf 4, right leaf 0; max score 4·(1 + 2) = 12.
  assert.equal(hst.scoreOne({ x: 0.01 }), 1 - (4 + 4 * 2) / 12);
  assert.equal(hst.scoreOne({ x: 0.99 }), 1 - (4 + 0 * 2) / 12);
  // The next window (all on the right) replaces the reference only when it is complete.
  for (let i = 0; i < 3; i++) hst.learnOne({ x: 0.99 });
  assert.equal(hst.scoreOne({ x: 0.99 }), 1 - 4 / 12);
  hst.learnOne({ x: 0.99 });
  assert.equal(hst.scoreOne({ x: 0.99 }), 0);
  assert.equal(hst.scoreOne({ x: 0.01 }), 1 - 4 / 12);
  // A point lacking the feature follows the child with the larger latest mass (none yet: left).
  assert.equal(hst.scoreOne({}), 1 - 4 / 12);
});

test('half-space trees: scoring stops below the size limit (0.1·window)', () => {
  const hst = new HalfSpaceTrees({ nTrees: 1, height: 2, windowSize: 20, limits: { x: [0, 1] }, seed: 5 });
  // One point at 0.99, the others at 0.01: on the right the depth-1 node holds 1 < 2 = the limit.
  for (let i = 0; i < 19; i++) hst.learnOne({ x: 0.01 });
  hst.learnOne({ x: 0.99 });
  const max = 20 * 7;
  assert.equal(hst.scoreOne({ x: 0.99 }), 1 - (20 + 1 * 2) / max);
});

test('half-space trees: deterministic per seed; a snapshot resumes identically', () => {
  const stream = [...injected(1200, 3)];
  const a = new HalfSpaceTrees({ seed: 9, windowSize: 100 });
  let b = new HalfSpaceTrees({ seed: 9, windowSize: 100 });
  const other = new HalfSpaceTrees({ seed: 10, windowSize: 100 });
  let differs = false;
  stream.forEach(({ x }, i) => {
    const score = a.scoreOne(x);
    assert.equal(b.scoreOne(x), score);
    if (other.scoreOne(x) !== score) differs = true;
    a.learnOne(x);
    b.learnOne(x);
    other.learnOne(x);
    // Snapshots before the trees exist (i = 50) and after (i = 333).
    if (i === 50 || i === 333) b = deserialize(b.serialize()) as HalfSpaceTrees;
  });
  assert.ok(differs);
});

test('half-space trees: invalid options are coded errors', () => {
  for (const options of [
    { nTrees: 0 },
    { height: 0 },
    { windowSize: 0 },
    { limits: { x: [1, 1] as const } },
    { limits: { x: [0, Number.NaN] as const } },
  ]) {
    assert.throws(
      () => new HalfSpaceTrees(options),
      (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
  }
});

const nslKdd = sharedData('nsl-kdd', 'KDDTrain+_20Percent.txt');

test('half-space trees on NSL-KDD: normal traffic with 2 % of the attacks kept', (t) => {
  if (!existsSync(nslKdd)) {
    t.skip(`nsl-kdd not found under ${sharedData()} (set STREAMSIGHT_SHARED_DIR)`);
    return;
  }
  const rng = new JavaRandom(1);
  const rows: { x: Record<string, number>; anomaly: boolean }[] = [];
  for (const line of readFileSync(nslKdd, 'utf8').split('\n')) {
    const cells = line.split(',');
    if (cells.length < 43) continue;
    const anomaly = cells[41] !== 'normal';
    if (anomaly && rng.nextDouble() >= 0.02) continue;
    const x: Record<string, number> = {};
    // Numeric columns only (1-3 are protocol, service and flag), log-scaled: byte counts span 9 decades.
    cells.slice(0, 41).forEach((cell, i) => {
      if (i < 1 || i > 3) x[`f${i}`] = Math.log1p(Number(cell));
    });
    rows.push({ x, anomaly });
  }
  const value = auc(new HalfSpaceTrees({ seed: 42 }), rows);
  t.diagnostic(`NSL-KDD ROC-AUC ${value.toFixed(3)} over ${rows.length} rows`);
  assert.ok(value >= 0.8, `AUC ${value}`);
});
