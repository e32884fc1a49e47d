import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ClassificationMetrics,
  ndcgAtK,
  precisionAtK,
  RankingMetrics,
  RegressionMetrics,
  RocAuc,
  recallAtK,
} from '../../src/ml/index.ts';

const close = (actual: number, expected: number, what: string) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${what}: ${actual} ≠ ${expected}`);

// y:  a a b b c a;  ŷ: a b b c c a
const ACTUAL = ['a', 'a', 'b', 'b', 'c', 'a'];
const PREDICTED = ['a', 'b', 'b', 'c', 'c', 'a'];

test('classification: accuracy, κ, κ-temporal, per-class and macro/micro P/R/F1, confusion matrix', () => {
  const m = new ClassificationMetrics();
  ACTUAL.forEach((y, i) => {
    m.update(y, PREDICTED[i]);
  });
  const c = m.cumulative;
  close(c.accuracy(), 4 / 6, 'accuracy');
  // Marginals: true a3 b2 c1, predicted a2 b2 c2 → pc = (3·2 + 2·2 + 1·2)/36 = 1/3.
  close(c.kappa(), (4 / 6 - 1 / 3) / (1 - 1 / 3), 'kappa');
  // No-change classifier: right at i = 1 (a→a) and 3 (b→b) → pc = 2/6.
  close(c.kappaTemporal(), (4 / 6 - 2 / 6) / (1 - 2 / 6), 'kappa-t');
  close(c.precision('a'), 1, 'P(a)');
  close(c.recall('a'), 2 / 3, 'R(a)');
  close(c.f1('a'), 0.8, 'F1(a)');
  close(c.precision('b'), 0.5, 'P(b)');
  close(c.precision('c'), 0.5, 'P(c)');
  close(c.recall('c'), 1, 'R(c)');
  close(c.macroPrecision(), (1 + 0.5 + 0.5) / 3, 'macro P');
  close(c.macroRecall(), (2 / 3 + 0.5 + 1) / 3, 'macro R');
  close(c.macroF1(), (0.8 + 0.5 + 2 / 3) / 3, 'macro F1');
  close(c.microF1(), c.accuracy(), 'micro F1');
  assert.deepEqual(c.confusionMatrix(), {
    labels: ['a', 'b', 'c'],
    matrix: [
      [2, 1, 0],
      [0, 1, 1],
      [0, 0, 1],
    ],
  });
});

test('classification: a class never predicted has precision 0, and NaN before any update', () => {
  const m = new ClassificationMetrics();
  assert.ok(Number.isNaN(m.cumulative.accuracy()));
  m.update('x', 'y');
  m.update('y', 'y');
  close(m.cumulative.precision('x'), 0, 'P(x)');
  close(m.cumulative.recall('x'), 0, 'R(x)');
  close(m.cumulative.f1('x'), 0, 'F1(x)');
});

test('classification: sliding window keeps the last N, fading weights by α^age, log-loss', () => {
  const m = new ClassificationMetrics({ window: 2, fading: 0.5 });
  ACTUAL.forEach((y, i) => {
    m.update(y, PREDICTED[i], new Map([[PREDICTED[i], 0.8]]));
  });
  close(m.window.accuracy(), 1, 'window of the last two (c→c, a→a)');
  // Fading: weights 1/32 … 1 for updates 1 … 6; correct at 1, 3, 5, 6.
  const w = [1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2, 1];
  const correct = [1, 0, 1, 0, 1, 1];
  close(
    m.fading.accuracy(),
    w.reduce((s, wi, i) => s + wi * correct[i], 0) / w.reduce((s, wi) => s + wi, 0),
    'fading',
  );
  // p(true) = 0.8 when right, 0 (clamped to 1e-15) when wrong.
  close(m.cumulative.logLoss(), (4 * -Math.log(0.8) + 2 * -Math.log(1e-15)) / 6, 'log-loss');
});

test('fading stays finite over a long stream (lazy rescaling)', () => {
  const m = new ClassificationMetrics({ fading: 0.9 });
  for (let i = 0; i < 20_000; i++) m.update(i % 3 === 0 ? 'a' : 'b', 'b');
  assert.ok(Math.abs(m.fading.accuracy() - 2 / 3) < 0.05);
});

test('regression: MAE, MSE, RMSE, MAPE (skipping y = 0), R²', () => {
  const m = new RegressionMetrics({ window: 2 });
  const ys = [3, -0.5, 2, 7, 0];
  const ps = [2.5, 0, 2, 8, 1];
  ys.forEach((y, i) => {
    m.update(y, ps[i]);
  });
  const c = m.cumulative;
  close(c.mae(), (0.5 + 0.5 + 0 + 1 + 1) / 5, 'MAE');
  close(c.mse(), (0.25 + 0.25 + 0 + 1 + 1) / 5, 'MSE');
  close(c.rmse(), Math.sqrt(2.5 / 5), 'RMSE');
  close(c.mape(), (100 * (0.5 / 3 + 0.5 / 0.5 + 0 + 1 / 7)) / 4, 'MAPE');
  const mean = ys.reduce((s, y) => s + y, 0) / 5;
  const total = ys.reduce((s, y) => s + (y - mean) ** 2, 0);
  close(c.r2(), 1 - 2.5 / total, 'R²');
  close(m.window.mae(), 1, 'window MAE of the last two');
});

test('ROC-AUC: hand-computed with one tie, and in the window view', () => {
  const auc = new RocAuc({ window: 2 });
  // Positives 0.9, 0.4; negatives 0.35, 0.4 (tie with a positive) → (1 + 1 + 1 + 0.5)/4 = 0.875.
  auc.update(true, 0.9);
  auc.update(false, 0.35);
  auc.update(true, 0.4);
  auc.update(false, 0.4);
  close(auc.cumulative.auc(), 0.875, 'AUC');
  close(auc.window.auc(), 0.5, 'window AUC (one tied pair)');
});

test('ranking: precision@k, recall@k, nDCG@k and their means', () => {
  const relevant = new Set(['a', 'c', 'e']);
  const ranked = ['a', 'b', 'c', 'd'];
  close(precisionAtK(ranked, relevant, 3), 2 / 3, 'P@3');
  close(recallAtK(ranked, relevant, 3), 2 / 3, 'R@3');
  close(ndcgAtK(ranked, relevant, 3), (1 + 1 / 2) / (1 + 1 / Math.log2(3) + 1 / 2), 'nDCG@3');
  const m = new RankingMetrics({ k: 2 });
  m.update(ranked, relevant);
  m.update(['x', 'y'], new Set<string>());
  close(m.cumulative.precision(), (0.5 + 0) / 2, 'mean P@2');
  close(m.cumulative.recall(), 1 / 3, 'mean R@2 over queries with relevant items');
});
