import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { JavaRandom } from '../../src/ml/index.ts';

// Produced by java.util.Random on a JVM (see fixtures/java-random.jsonl: seed, then 5 draws of each kind).
const oracle = readFileSync(new URL('./fixtures/java-random.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line));

test('JavaRandom reproduces java.util.Random bit for bit (nextDouble, nextInt, nextGaussian)', () => {
  for (const o of oracle) {
    const rng = new JavaRandom(o.seed);
    assert.deepEqual(
      Array.from({ length: 5 }, () => rng.nextDouble()),
      o.doubles,
      `doubles, seed ${o.seed}`,
    );
    assert.deepEqual(
      Array.from({ length: 5 }, () => rng.nextInt(100)),
      o.ints100,
      `nextInt(100), seed ${o.seed}`,
    );
    assert.deepEqual(
      Array.from({ length: 5 }, () => rng.nextInt(64)),
      o.ints64,
      `nextInt(64), seed ${o.seed}`,
    );
    assert.deepEqual(
      Array.from({ length: 5 }, () => rng.nextInt(2000000011)),
      o.intsBig,
      `nextInt(big), seed ${o.seed}`,
    );
    assert.deepEqual(
      Array.from({ length: 5 }, () => rng.nextGaussian()),
      o.gaussians,
      `nextGaussian, seed ${o.seed}`,
    );
  }
});

test('JavaRandom state round-trips', () => {
  const a = new JavaRandom(7);
  a.nextGaussian();
  const b = JavaRandom.fromState(a.state());
  assert.equal(b.nextGaussian(), a.nextGaussian());
  assert.equal(b.nextDouble(), a.nextDouble());
});
