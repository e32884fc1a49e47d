import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import {
  AlsModel,
  BiasedMF,
  choleskySolve,
  chronologicalSplit,
  deserialize,
  evaluateRatings,
  evaluateTopN,
  gridSearchAls,
  JavaRandom,
  type Rating,
  RatingMatrix,
  randomSplit,
} from '../../src/ml/index.ts';
import { TopN } from '../../src/ml/recommenders/top-n.ts';

const NOISE = 0.1;

/**
 * Ratings r_ui = x_uᵀ y_i (+ offset + b_u + b_i when `biased`) + N(0, NOISE²) on a random `density`
 * fraction of a users × items matrix, with factors drawn from N(0, 1), so entries have variance `rank`.
 */
function synthetic(
  users: number,
  items: number,
  rank: number,
  density: number,
  seed: number,
  biased = false,
): Rating[] {
  const rng = new JavaRandom(seed);
  const x = Array.from({ length: users }, () => Array.from({ length: rank }, () => rng.nextGaussian()));
  const y = Array.from({ length: items }, () => Array.from({ length: rank }, () => rng.nextGaussian()));
  const bu = Array.from({ length: users }, () => (biased ? rng.nextGaussian() : 0));
  const bi = Array.from({ length: items }, () => (biased ? rng.nextGaussian() : 0));
  const out: Rating[] = [];
  let t = 0;
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < items; i++) {
      if (rng.nextDouble() >= density) continue;
      let r = (biased ? 3 : 0) + bu[u] + bi[i] + NOISE * rng.nextGaussian();
      for (let f = 0; f < rank; f++) r += x[u][f] * y[i][f];
      out.push({ user: `u${u}`, item: `i${i}`, rating: r, timestamp: t++ });
    }
  }
  return out;
}

/** Gaussian elimination with partial pivoting, as an independent check of the Cholesky path. */
function gaussSolve(a: number[][], b: number[]): number[] {
  const n = b.length;
  const m = a.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(m[r][c]) > Math.abs(m[p][c])) p = r;
    [m[c], m[p]] = [m[p], m[c]];
    for (let r = c + 1; r < n; r++) {
      const f = m[r][c] / m[c][c];
      for (let j = c; j <= n; j++) m[r][j] -= f * m[c][j];
    }
  }
  const x = new Array(n).fill(0);
  for (let r = n - 1; r >= 0; r--) {
    let s = m[r][n];
    for (let j = r + 1; j < n; j++) s -= m[r][j] * x[j];
    x[r] = s / m[r][r];
  }
  return x;
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return isStreamsightError(err) ? err.code : 'not a StreamsightError';
  }
  return undefined;
}

const data = synthetic(200, 150, 3, 0.3, 1);
const split = randomSplit(data, { testFraction: 0.2, seed: 2 });

describe('choleskySolve', () => {
  it('solves a random SPD system as Gaussian elimination does', () => {
    const rng = new JavaRandom(3);
    const k = 12;
    const m = Array.from({ length: k }, () => Array.from({ length: k }, () => rng.nextGaussian()));
    // A = MᵀM + I is symmetric positive definite.
    const a = Array.from({ length: k }, (_, i) =>
      Array.from({ length: k }, (_, j) => m.reduce((s, row) => s + row[i] * row[j], 0) + (i === j ? 1 : 0)),
    );
    const b = Array.from({ length: k }, () => rng.nextGaussian());
    const out = new Float64Array(k + 2);
    choleskySolve(Float64Array.from(a.flat()), Float64Array.from(b), k, out, 2);
    const expected = gaussSolve(a, b);
    for (let i = 0; i < k; i++) assert.ok(Math.abs(out[i + 2] - expected[i]) < 1e-9, `x[${i}]`);
    assert.equal(out[0], 0);
  });

  it('throws SS_ERR_NUMERIC on a matrix that is not positive definite', () => {
    const a = Float64Array.of(1, 2, 2, 1); // eigenvalues 3 and −1
    assert.equal(
      codeOf(() => choleskySolve(a, Float64Array.of(1, 1), 2, new Float64Array(2), 0)),
      'SS_ERR_NUMERIC',
    );
  });
});

describe('TopN', () => {
  it('keeps the n best, best first, lower index first on ties', () => {
    const rng = new JavaRandom(4);
    const scores = Array.from({ length: 500 }, () => Math.round(rng.nextDouble() * 50));
    const top = new TopN(17);
    scores.forEach((s, i) => {
      top.offer(i, s);
    });
    const expected = scores
      .map((s, i) => [i, s] as [number, number])
      .sort((a, b) => b[1] - a[1] || a[0] - b[0])
      .slice(0, 17);
    assert.deepEqual(top.drain(), expected);
    assert.deepEqual(new TopN(0).drain(), []);
  });
});

describe('AlsModel', () => {
  const model = AlsModel.train(split.train, { rank: 3, regParam: 0.01, iterations: 15 });

  it('recovers a synthetic rank-3 matrix to near the noise level', () => {
    const test = evaluateRatings(model, split.test);
    const train = evaluateRatings(model, split.train);
    // Entries have standard deviation √3 ≈ 1.73; the noise is 0.1.
    assert.ok(test.rmse < 1.5 * NOISE, `test RMSE ${test.rmse}`);
    assert.ok(train.rmse < NOISE, `train RMSE ${train.rmse}`);
    assert.equal(test.count + test.dropped, split.test.length);
  });

  it('never increases the training loss from one sweep to the next', () => {
    const losses: number[] = [];
    const matrix = RatingMatrix.from(split.train);
    AlsModel.train(matrix, {
      rank: 3,
      regParam: 0.05,
      iterations: 8,
      onIteration: (_, m) => {
        const e = evaluateRatings(m, split.train).rmse ** 2 * matrix.size;
        let penalty = 0;
        for (const id of m.users.labels) {
          const x = m.userVector(id) as Float64Array;
          const n = matrix.userOffsets[matrix.users.find(id) + 1] - matrix.userOffsets[matrix.users.find(id)];
          penalty += n * x.reduce((s, v) => s + v * v, 0);
        }
        for (const id of m.items.labels) {
          const y = m.itemVector(id) as Float64Array;
          const n = matrix.itemOffsets[matrix.items.find(id) + 1] - matrix.itemOffsets[matrix.items.find(id)];
          penalty += n * y.reduce((s, v) => s + v * v, 0);
        }
        losses.push(e + 0.05 * penalty);
      },
    });
    assert.equal(losses.length, 8);
    for (let t = 1; t < losses.length; t++)
      assert.ok(losses[t] <= losses[t - 1] * (1 + 1e-12), `sweep ${t + 1}`);
  });

  it('fold-in equals the full solve of the user normal equations and the trained vector', () => {
    const user = 'u7';
    const own = split.train.filter((r) => r.user === user);
    const trained = model.userVector(user) as Float64Array;
    const solved = model.solveUser(own);
    // Independent full solve: (YᵀY + λ n I) x = Yᵀ r by Gaussian elimination.
    const k = model.rank;
    const a = Array.from({ length: k }, () => new Array(k).fill(0));
    const b = new Array(k).fill(0);
    for (const r of own) {
      const y = model.itemVector(r.item) as Float64Array;
      for (let p = 0; p < k; p++) {
        b[p] += r.rating * y[p];
        for (let q = 0; q < k; q++) a[p][q] += y[p] * y[q];
      }
    }
    for (let p = 0; p < k; p++) a[p][p] += model.regParam * own.length;
    const expected = gaussSolve(a, b);
    for (let p = 0; p < k; p++) {
      assert.ok(Math.abs(solved[p] - expected[p]) < 1e-9, `solveUser[${p}]`);
      assert.ok(Math.abs(trained[p] - expected[p]) < 1e-9, `trained[${p}]`);
    }
    // A new user with the same ratings gets the same factors, predictions and recommendations.
    const copy = AlsModel.fromJSON(model.toJSON());
    const folded = copy.foldIn('newcomer', own);
    for (let p = 0; p < k; p++) assert.ok(Math.abs(folded[p] - expected[p]) < 1e-9);
    assert.ok(Math.abs(copy.predictOne('newcomer', 'i3') - model.predictOne(user, 'i3')) < 1e-9);
    assert.deepEqual(
      copy.recommend('newcomer', 5).map((r) => r.item),
      model.recommend(user, 5).map((r) => r.item),
    );
    assert.equal(copy.users.size, model.users.size + 1);
  });

  it('fold-in skips unknown items and gives zero factors without known items', () => {
    const x = model.solveUser([{ item: 'never-seen', rating: 5 }]);
    assert.deepEqual([...x], [0, 0, 0]);
    assert.ok(Number.isNaN(model.predictOne('u1', 'never-seen')));
    assert.ok(Number.isNaN(model.predictOne('nobody', 'i1')));
  });

  it('recommends the best-scored unseen items, leaving out seen and excluded ones', () => {
    const user = 'u11';
    const seen = new Set(split.train.filter((r) => r.user === user).map((r) => r.item));
    const all = model.recommend(user, 1000);
    assert.equal(all.length, model.items.size - seen.size);
    assert.ok(all.every((r) => !seen.has(r.item)));
    for (let j = 1; j < all.length; j++) assert.ok(all[j - 1].score >= all[j].score);
    for (const r of all.slice(0, 20)) assert.ok(Math.abs(r.score - model.predictOne(user, r.item)) < 1e-12);
    const top3 = model.recommend(user, 3, { exclude: [all[0].item] });
    assert.deepEqual(
      top3.map((r) => r.item),
      all.slice(1, 4).map((r) => r.item),
    );
    const withSeen = model.recommend(user, 1000, { excludeSeen: false });
    assert.equal(withSeen.length, model.items.size);
    assert.deepEqual(model.recommend('nobody', 5), []);
    assert.deepEqual(model.recommend(user, 0), []);
  });

  it('round-trips through the model registry (float64 exact, float32 close)', () => {
    model.foldIn('late', [{ item: 'i1', rating: 2 }]);
    const json = model.toJSON();
    const exact = deserialize(model.serialize()) as AlsModel;
    assert.ok(exact instanceof AlsModel);
    assert.equal(exact.iterations, 15);
    for (const r of split.test.slice(0, 200))
      assert.equal(exact.predictOne(r.user, r.item), model.predictOne(r.user, r.item));
    assert.deepEqual(exact.recommend('late', 10), model.recommend('late', 10));
    const small = model.toJSON({ factorType: 'float32' });
    assert.equal((small.itemFactors as string).length, Math.ceil((model.items.size * 3 * 4) / 3) * 4);
    assert.equal((json.itemFactors as string).length, Math.ceil((model.items.size * 3 * 8) / 3) * 4);
    const approx = deserialize(model.serialize({ factorType: 'float32' })) as AlsModel;
    for (const r of split.test.slice(0, 200)) {
      assert.ok(Math.abs(approx.predictOne(r.user, r.item) - model.predictOne(r.user, r.item)) < 1e-5);
    }
    assert.equal(
      codeOf(() =>
        deserialize(
          new TextEncoder().encode(`SSML\u0001${JSON.stringify({ ...json, userFactors: 'AAAA' })}`),
        ),
      ),
      'SS_ERR_MODEL_DECODE',
    );
  });

  it('validates options and ratings', () => {
    assert.equal(
      codeOf(() => AlsModel.train(data, { rank: 0 })),
      'SS_ERR_INVALID_OPTION',
    );
    assert.equal(
      codeOf(() => AlsModel.train(data, { regParam: 0 })),
      'SS_ERR_INVALID_OPTION',
    );
    assert.equal(
      codeOf(() => AlsModel.train(data, { iterations: 1.5 })),
      'SS_ERR_INVALID_OPTION',
    );
    assert.equal(
      codeOf(() => RatingMatrix.from([{ user: 1, item: 2, rating: Number.NaN }])),
      'SS_ERR_INVALID_RATING',
    );
    assert.equal(
      codeOf(() => RatingMatrix.from([{ user: null as unknown as string, item: 2, rating: 3 }])),
      'SS_ERR_INVALID_RATING',
    );
    assert.equal(
      codeOf(() => model.foldIn('v', [{ item: 'i1', rating: Number.POSITIVE_INFINITY }])),
      'SS_ERR_INVALID_RATING',
    );
    assert.equal(model.users.find('v'), -1, 'a rejected fold-in adds nothing');
  });
});

describe('gridSearchAls', () => {
  it('picks the true rank, the small regParam and the longer run on synthetic data', () => {
    const { best, results } = gridSearchAls({
      train: split.train,
      validation: split.test,
      ranks: [1, 2, 3],
      regParams: [0.01, 1],
      iterations: [15, 2],
    });
    assert.equal(results.length, 12);
    assert.deepEqual(
      results.slice(0, 2).map((r) => [r.rank, r.regParam, r.iterations]),
      [
        [1, 0.01, 2],
        [1, 0.01, 15],
      ],
    );
    assert.deepEqual([best.rank, best.regParam, best.iterations], [3, 0.01, 15]);
    assert.ok(best.rmse < 1.5 * NOISE);
    assert.ok(results.every((r) => r.seconds >= 0 && Number.isFinite(r.rmse)));
    // The best point retrained directly scores the same.
    const again = AlsModel.train(split.train, best);
    assert.ok(Math.abs(evaluateRatings(again, split.test).rmse - best.rmse) < 1e-12);
  });

  it('rejects an empty axis or a bad iteration count', () => {
    assert.equal(
      codeOf(() => gridSearchAls({ train: data, validation: [], ranks: [] })),
      'SS_ERR_INVALID_OPTION',
    );
    assert.equal(
      codeOf(() => gridSearchAls({ train: data, validation: [], iterations: [0] })),
      'SS_ERR_INVALID_OPTION',
    );
  });
});

describe('BiasedMF', () => {
  const biased = synthetic(150, 100, 2, 0.3, 5, true);
  const { train, test } = randomSplit(biased, { testFraction: 0.2, seed: 6 });

  it('converges: SGD epochs lower the error towards the noise level', () => {
    const mf = new BiasedMF({ factors: 2, learningRate: 0.02, regularization: 0.005 });
    const mean = train.reduce((s, r) => s + r.rating, 0) / train.length;
    const baseline = Math.sqrt(test.reduce((s, r) => s + (r.rating - mean) ** 2, 0) / test.length);
    const curve: number[] = [];
    for (let epoch = 0; epoch < 60; epoch++) {
      for (const r of train) mf.learnOne(r.user, r.item, r.rating);
      curve.push(evaluateRatings(mf, test).rmse);
    }
    // Measured: 1.06 after 10 epochs, 0.29 after 20, 0.127 after 30, 0.116 from 40 on.
    assert.ok(curve[59] < 1.5 * NOISE, `RMSE ${curve[59]} (mean-only ${baseline})`);
    assert.ok(baseline > 10 * NOISE);
    for (const t of [10, 20, 30]) assert.ok(curve[t] < curve[t - 10], `epoch ${t}`);
    assert.ok(Math.abs(mf.mean - mean) < 1e-9);
    assert.equal(mf.count, 60 * train.length);
  });

  it('predicts NaN before learning and uses the known parts for new users or items', () => {
    const mf = new BiasedMF();
    assert.ok(Number.isNaN(mf.predictOne('a', 'x')));
    mf.learnOne('a', 'x', 4);
    mf.learnOne('b', 'y', 2);
    assert.equal(mf.predictOne('nobody', 'nothing'), 3);
    assert.ok(Number.isFinite(mf.predictOne('a', 'nothing')));
    assert.equal(
      codeOf(() => mf.learnOne('a', 'x', Number.NaN)),
      'SS_ERR_INVALID_RATING',
    );
    assert.equal(mf.count, 2);
    assert.equal(
      codeOf(() => new BiasedMF({ learningRate: 0 })),
      'SS_ERR_INVALID_OPTION',
    );
  });

  it('round-trips and then learns exactly as the original (new users included)', () => {
    const a = new BiasedMF({ factors: 4, seed: 9 });
    for (const r of train.slice(0, 2000)) a.learnOne(r.user, r.item, r.rating);
    const b = deserialize(a.serialize()) as BiasedMF;
    assert.ok(b instanceof BiasedMF);
    for (const r of train.slice(2000)) {
      a.learnOne(r.user, r.item, r.rating);
      b.learnOne(r.user, r.item, r.rating);
    }
    for (const model of [a, b]) model.learnOne('brand-new', 'also-new', 5);
    for (const r of [...test.slice(0, 100), { user: 'brand-new', item: 'also-new', rating: 5 }]) {
      assert.equal(b.predictOne(r.user, r.item), a.predictOne(r.user, r.item));
    }
    const empty = deserialize(new BiasedMF().serialize()) as BiasedMF;
    empty.learnOne(1, 2, 3);
    assert.equal(empty.predictOne(1, 2) > 0, true);
  });
});

describe('splits and evaluation', () => {
  it('randomSplit is reproducible and near the requested fraction', () => {
    const again = randomSplit(data, { testFraction: 0.2, seed: 2 });
    assert.deepEqual(again.test, split.test);
    assert.equal(split.train.length + split.test.length, data.length);
    assert.ok(Math.abs(split.test.length / data.length - 0.2) < 0.02);
  });

  it("chronologicalSplit puts each user's latest ratings in test", () => {
    const { train, test } = chronologicalSplit(data, { testFraction: 0.25 });
    assert.equal(train.length + test.length, data.length);
    const lastTrain = new Map<string | number, number>();
    for (const r of train)
      lastTrain.set(r.user, Math.max(lastTrain.get(r.user) ?? -1, r.timestamp as number));
    for (const r of test) assert.ok((r.timestamp as number) > (lastTrain.get(r.user) ?? -1));
    const u0 = data.filter((r) => r.user === 'u0').length;
    assert.equal(test.filter((r) => r.user === 'u0').length, Math.round(u0 * 0.25));
    assert.equal(
      codeOf(() => chronologicalSplit([{ user: 1, item: 1, rating: 1 }])),
      'SS_ERR_INVALID_RATING',
    );
  });

  it('evaluateTopN scores a perfect recommender at 1 and drops unknown users', () => {
    const truth = [
      { user: 'a', item: 'x', rating: 5 },
      { user: 'a', item: 'y', rating: 1 },
      { user: 'b', item: 'z', rating: 4 },
    ];
    const oracle = {
      recommend: (user: string | number, n: number) =>
        user === 'a' ? [{ item: 'x' }, { item: 'q' }].slice(0, n) : [],
    };
    const result = evaluateTopN(oracle, truth, { k: 2, minRating: 4 });
    assert.deepEqual(result, { precision: 0.5, recall: 1, ndcg: 1, users: 1 });
  });
});
