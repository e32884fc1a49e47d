import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { deserialize, JavaRandom, OnlineKMeans, type OnlineKMeansOptions } from '../../src/ml/index.ts';

const CENTRES = [
  [0, 0, 0],
  [10, 0, 0],
  [0, 10, 5],
  [10, 10, -5],
];

/** Four unit-variance Gaussian blobs, 10 apart, in random order. */
function blobs(n: number, seed: number, shift = 0): { x: Record<string, number>; y: number }[] {
  const rng = new JavaRandom(seed);
  const out: { x: Record<string, number>; y: number }[] = [];
  for (let i = 0; i < n; i++) {
    const y = rng.nextInt(CENTRES.length);
    const [u, v, w] = CENTRES[y];
    out.push({
      x: { u: u + shift + rng.nextGaussian(), v: v + rng.nextGaussian(), w: w + rng.nextGaussian() },
      y,
    });
  }
  return out;
}

/** Share of points whose cluster's majority blob is their own. */
function purity(km: OnlineKMeans, points: { x: Record<string, number>; y: number }[]): number {
  const table = Array.from({ length: km.k }, () => new Array(CENTRES.length).fill(0));
  for (const { x, y } of points) table[km.predictOne(x)!][y]++;
  return table.reduce((sum, row) => sum + Math.max(...row), 0) / points.length;
}

for (const options of [
  { k: 4, seed: 3 },
  { k: 4, seed: 3, batchSize: 32 },
  { k: 4, seed: 11, fadingFactor: 0.999 },
] satisfies OnlineKMeansOptions[]) {
  test(`k-means ${JSON.stringify(options)}: purity ≥ 0.95 on separated blobs, centres near the truth`, () => {
    const points = blobs(4000, 5);
    const km = new OnlineKMeans(options);
    for (const { x } of points) km.learnOne(x);
    const p = purity(km, blobs(2000, 6));
    assert.ok(p >= 0.95, `purity ${p}`);
    for (const truth of CENTRES) {
      const found = km
        .centroids()
        .some((c) => Math.hypot(c.u - truth[0], c.v - truth[1], c.w - truth[2]) < 0.3);
      assert.ok(found, `no centroid near ${truth}: ${JSON.stringify(km.centroids())}`);
    }
    const absorbed = km.weights().reduce((a, b) => a + b, 0);
    if (!('fadingFactor' in options)) assert.equal(absorbed, 4000);
  });
}

test('k-means: with fading factor 1 each centre is the mean of the points assigned to it', () => {
  const km = new OnlineKMeans({ k: 2, initSamples: 2, seed: 1 });
  for (const x of [{ a: 0 }, { a: 100 }, { a: 2 }, { a: 104 }, { a: 1 }]) km.learnOne(x);
  const centres = km
    .centroids()
    .map((c) => c.a)
    .sort((p, q) => p - q);
  assert.deepEqual(centres, [1, 102]);
  assert.deepEqual(
    km.weights().sort((p, q) => p - q),
    [2, 3],
  );
});

test('k-means: the same seed gives the same centres; a snapshot resumes identically', () => {
  const points = blobs(1500, 9);
  const a = new OnlineKMeans({ k: 4, seed: 21, batchSize: 8 });
  const b = new OnlineKMeans({ k: 4, seed: 21, batchSize: 8 });
  let c = new OnlineKMeans({ k: 4, seed: 21, batchSize: 8 });
  points.forEach(({ x }, i) => {
    a.learnOne(x);
    b.learnOne(x);
    c.learnOne(x);
    // Snapshots while seeding (i = 10), mid-batch (i = 103) and later.
    if (i === 10 || i === 103 || i === 1000) c = deserialize(c.serialize()) as OnlineKMeans;
  });
  assert.deepEqual(a.centroids(), b.centroids());
  assert.deepEqual(c.centroids(), a.centroids());
  assert.deepEqual(c.weights(), a.weights());
  const other = new OnlineKMeans({ k: 4, seed: 22, batchSize: 8 });
  for (const { x } of points) other.learnOne(x);
  assert.notDeepEqual(other.centroids(), a.centroids());
});

test('k-means: a fading factor follows a moving stream, plain MacQueen lags behind', () => {
  const fading = new OnlineKMeans({ k: 4, seed: 3, fadingFactor: 0.99 });
  const plain = new OnlineKMeans({ k: 4, seed: 3 });
  for (const { x } of [...blobs(3000, 1), ...blobs(3000, 2, 3)]) {
    fading.learnOne(x);
    plain.learnOne(x);
  }
  const origin = (km: OnlineKMeans) => km.centroids().find((c) => c.u < 6 && Math.hypot(c.v, c.w) < 1)!.u;
  assert.ok(Math.abs(origin(fading) - 3) < 0.3, `fading centre at u = ${origin(fading)}`);
  assert.ok(Math.abs(origin(plain) - 1.5) < 0.3, `plain centre at u = ${origin(plain)}`);
});

test('k-means: undefined before seeding; missing and nominal features are left out', () => {
  const km = new OnlineKMeans({ k: 2, initSamples: 3, seed: 4 });
  km.learnOne({ a: 0, b: 0, tag: 'x' });
  assert.equal(km.predictOne({ a: 0, b: 0 }), undefined);
  assert.deepEqual(km.centroids(), []);
  km.learnOne({ a: 10, b: 10, tag: 'y' });
  km.learnOne({ a: 10.5, tag: 'y' });
  assert.ok(km.seeded);
  const far = km.predictOne({ a: 10, b: 10 });
  assert.equal(km.predictOne({ a: 11 }), far);
  assert.notEqual(km.predictOne({ b: -1 }), far);
  for (const c of km.centroids()) assert.equal('tag' in c, false);
  // A feature first seen after seeding becomes known to the centre that absorbs it.
  km.learnOne({ a: 10, b: 10, c: 7 });
  assert.equal(km.centroids()[far!].c, 7);
});

test('k-means: invalid options are coded errors', () => {
  for (const options of [{ k: 0 }, { k: 3, initSamples: 2 }, { fadingFactor: 0 }, { batchSize: 1.5 }]) {
    assert.throws(
      () => new OnlineKMeans(options),
      (err) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
  }
});
