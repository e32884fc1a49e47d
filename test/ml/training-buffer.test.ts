import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { msgpackCodec } from '../../src/dataflow/index.ts';
import { PrequentialMetrics } from '../../src/ml/dataflow/prequential-metrics.ts';
import { CHUNK, parseChunkKey, TrainingBuffer } from '../../src/ml/dataflow/training-buffer.ts';
import { ClassificationMetrics, JavaRandom } from '../../src/ml/index.ts';

/** Applies checkpoint writes to a map, as the task's state store does. */
function store(): { entries: Map<string, Uint8Array>; put: (k: string, v: Uint8Array | null) => void } {
  const entries = new Map<string, Uint8Array>();
  return { entries, put: (k, v) => (v === null ? entries.delete(k) : entries.set(k, v)) };
}

describe('TrainingBuffer', () => {
  it('restores exactly what it held after any mix of pushes, trims and clears, keeping few chunks', () => {
    const rng = new JavaRandom(42);
    const buffer = new TrainingBuffer();
    const s = store();
    for (let step = 0; step < 300; step++) {
      const op = rng.nextInt(10);
      if (op < 7) for (let i = rng.nextInt(80); i > 0; i--) buffer.push({ n: buffer.end }, buffer.end % 3);
      else if (op < 9) buffer.keepLast(1 + rng.nextInt(600));
      else buffer.clear();
      if (rng.nextInt(3) === 0) {
        buffer.checkpoint(s.put, 'sk');
        const chunks = [...s.entries].filter(([k]) => parseChunkKey(k)?.tag === 'sk').map(([, v]) => v);
        const copy = TrainingBuffer.restore(buffer.start, buffer.end, chunks);
        assert.deepEqual(copy.examples(), buffer.examples());
        // Only chunks that still hold live examples (plus at most the one `start` is in) are stored.
        assert.ok(
          chunks.length <= Math.ceil(buffer.size / CHUNK) + 1,
          `${chunks.length} chunks for ${buffer.size}`,
        );
      }
    }
  });
});

describe('PrequentialMetrics', () => {
  it('matches ClassificationMetrics, also after round trips through its msgpack state', () => {
    const rng = new JavaRandom(7);
    const reference = new ClassificationMetrics({ window: 50 });
    let m = new PrequentialMetrics(50);
    for (let i = 0; i < 500; i++) {
      const y = ['a', 'b', 'c'][rng.nextInt(3)];
      const p = rng.nextInt(4) === 0 ? 'a' : y;
      reference.update(y, p);
      m.update(y, p);
      if (i % 37 === 0)
        m = PrequentialMetrics.fromState(msgpackCodec.decode(msgpackCodec.encode(m.toState())) as never);
    }
    const r = m.report();
    assert.equal(r.cumulative.accuracy, reference.cumulative.accuracy());
    assert.equal(r.cumulative.kappaTemporal, reference.cumulative.kappaTemporal());
    assert.equal(r.window.accuracy, reference.window.accuracy());
    assert.equal(r.window.kappa, reference.window.kappa());
    assert.equal(r.window.kappaTemporal, reference.window.kappaTemporal());
    assert.deepEqual(r.window.confusionMatrix, reference.window.confusionMatrix());
  });
});
