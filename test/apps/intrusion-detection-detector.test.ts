/**
 * The detector operator on its own: drift-triggered retraining on a stream with an abrupt concept
 * change, exactly-once restarts, and the tree serialisation bug this app uncovered.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type Detection,
  intrusionDetector,
  type PredictionEvent,
  type RetrainingEvent,
  type VersionEvent,
} from '../../apps/intrusion-detection/detector.ts';
import { attackClass, type Connection } from '../../apps/intrusion-detection/schema.ts';
import { SyntheticConnections } from '../../apps/intrusion-detection/synthetic.ts';
import {
  createAppTopics,
  defineApp,
  deserialize,
  HoeffdingAdaptiveTree,
  HoeffdingTree,
  type Learner,
  runApp,
  type SinkRecord,
} from '../../src/index.ts';
import { produceJson, tempLog } from '../helpers/temp-log.ts';

/** Synthetic connections; from `flipAt` on, normal traffic is labelled DoS and DoS traffic normal. */
function connections(n: number, flipAt = Number.POSITIVE_INFINITY): (Connection & { ts: number })[] {
  const gen = new SyntheticConnections({ seed: 5 });
  return Array.from({ length: n }, (_, i) => {
    const c = gen.next();
    if (i >= flipAt) {
      const cls = attackClass(c.attack);
      if (cls === 'normal') c.attack = 'neptune';
      else if (cls === 'DoS') c.attack = 'normal';
    }
    return { ...c, ts: 1_000_000 + i };
  });
}

function detectorApp(name: string, collected: Detection[]) {
  return defineApp(name, (a) => {
    const topic = a.topic<Connection>('connections', { partitions: 1, key: (c) => c.service });
    topic
      .keyedStream<string>()
      .process(intrusionDetector({ trial: 500, warmup: 1000, reportEvery: 500 }))
      .sink({ write: (rs: SinkRecord<Detection>[]) => void collected.push(...rs.map((r) => r.value)) });
  });
}

describe('intrusion detector', { timeout: 60_000 }, () => {
  it('retrains on a drift alarm and swaps in the new model when it predicts better', async () => {
    const t = await tempLog();
    try {
      const out: Detection[] = [];
      const app = detectorApp('ids-drift', out);
      await createAppTopics(app, t.log);
      await produceJson(t.log, 'connections', connections(8000, 4000));
      await (await runApp(app, { log: t.log, bounded: true })).done;
      const retrainings = out.filter((d): d is RetrainingEvent => d.kind === 'retraining');
      const versions = out.filter((d): d is VersionEvent => d.kind === 'version');
      const replaced = retrainings.find((r) => r.outcome === 'replaced');
      assert.ok(replaced, `a retraining replaced the model: ${JSON.stringify(retrainings)}`);
      assert.ok(replaced.detected_seq > 4000, 'the alarm comes after the change');
      assert.ok(replaced.candidate_errors < replaced.live_errors);
      assert.equal(replaced.trial, 500);
      assert.deepEqual(
        versions.map((v) => [v.version, v.reason]),
        [
          [1, 'initial'],
          ...retrainings.filter((r) => r.outcome === 'replaced').map((r) => [r.version, 'drift']),
        ],
      );
      // Predictions after the swap come from the new version.
      const last = out.filter((d): d is PredictionEvent => d.kind === 'prediction').at(-1)!;
      assert.equal(last.model, versions.at(-1)!.version);
      // Every retraining that started was decided (the stream is long enough), under the same id.
      const started = retrainings.filter((r) => r.outcome === 'training').map((r) => r.id);
      const decided = retrainings.filter((r) => r.outcome !== 'training').map((r) => r.id);
      assert.deepEqual(decided, started);
    } finally {
      await t.cleanup();
    }
  });

  it('does not retrain on a stationary stream', async () => {
    const t = await tempLog();
    try {
      const out: Detection[] = [];
      const app = detectorApp('ids-stationary', out);
      await createAppTopics(app, t.log);
      await produceJson(t.log, 'connections', connections(6000));
      await (await runApp(app, { log: t.log, bounded: true })).done;
      assert.equal(out.filter((d) => d.kind === 'retraining' && d.outcome === 'replaced').length, 0);
      assert.deepEqual(
        out.filter((d) => d.kind === 'version').map((d) => (d as VersionEvent).version),
        [1],
      );
    } finally {
      await t.cleanup();
    }
  });

  it('continues after a restart exactly as an uninterrupted run', async () => {
    const events = connections(6000, 3000);
    const run = async (stopAfter: number | undefined) => {
      const t = await tempLog();
      try {
        const out: Detection[] = [];
        const app = detectorApp('ids-restart', out);
        await createAppTopics(app, t.log);
        await produceJson(t.log, 'connections', events.slice(0, stopAfter ?? events.length));
        if (stopAfter === undefined) await (await runApp(app, { log: t.log, bounded: true })).done;
        else {
          // An unbounded run over the first part, stopped once caught up, then the rest.
          const running = await runApp(app, { log: t.log });
          while (out.filter((d) => d.kind === 'prediction').length < stopAfter)
            await new Promise((r) => setTimeout(r, 20));
          await running.stop();
          await produceJson(t.log, 'connections', events.slice(stopAfter));
          await (await runApp(app, { log: t.log, bounded: true })).done;
        }
        return out
          .filter((d): d is PredictionEvent => d.kind === 'prediction')
          .map((p) => `${p.seq}:${p.predicted}:${p.model}`);
      } finally {
        await t.cleanup();
      }
    };
    const whole = await run(undefined);
    const restarted = await run(3500);
    assert.equal(whole.length, 6000);
    // Predictions of a replayed checkpoint may be emitted twice; each sequence number keeps one value.
    assert.deepEqual([...new Set(restarted)].sort(), [...new Set(whole)].sort());
  });

  it('regression: a tree whose leaf never saw a class predicts after a serialisation round trip', () => {
    // Nominal observers keep per-class rows with holes for classes a leaf has not seen; msgpack turned
    // the holes into null, and naive Bayes at such a leaf threw "Cannot read properties of null".
    // Here the root splits on `s`, and the leaf for s = 'y' only ever sees class 'b' (index 1).
    for (const tree of [
      new HoeffdingTree({ gracePeriod: 20, leafPrediction: 'nb' }),
      new HoeffdingAdaptiveTree({ gracePeriod: 20, leafPrediction: 'nb' }),
    ]) {
      for (let i = 0; i < 400; i++) {
        const s = i % 2 === 0 ? 'x' : 'y';
        tree.learnOne({ s, t: `t${i % 3}` }, s === 'x' ? 'a' : 'b');
      }
      const copy = deserialize(tree.serialize()) as Learner;
      for (const s of ['x', 'y'])
        assert.equal(copy.predictOne({ s, t: 't1' }), tree.predictOne({ s, t: 't1' }));
    }
  });
});
