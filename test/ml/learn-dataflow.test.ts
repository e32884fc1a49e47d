import assert from 'node:assert/strict';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, it } from 'node:test';
import {
  createAppTopics,
  defineApp,
  msgpackCodec,
  runApp,
  type SinkRecord,
} from '../../src/dataflow/index.ts';
import {
  Adwin,
  deserialize,
  type EvaluationReport,
  everyInterval,
  everyRecords,
  type Features,
  HoeffdingTree,
  type Label,
  type Learner,
  type ModelVersion,
  modelStoreSink,
  onDrift,
  online,
  openLmdbModelStore,
  type Prediction,
  prequential,
  SeaGenerator,
} from '../../src/ml/index.ts';
import { produceJson, type TempLog, tempLog } from '../helpers/temp-log.ts';

interface Event {
  i: number;
  ts: number;
  x: Features;
  y: Label;
}

/** SEA examples as events; from `flipAt` on, the concept is inverted (an abrupt drift). */
function seaEvents(n: number, options: { seed?: number; flipAt?: number } = {}): Event[] {
  const gen = new SeaGenerator({ seed: options.seed ?? 1 });
  const flipAt = options.flipAt ?? Number.POSITIVE_INFINITY;
  return Array.from({ length: n }, (_, i) => {
    const { x, y } = gen.next();
    return { i, ts: i, x, y: i >= flipAt ? 1 - (y as number) : y };
  });
}

const features = (e: Event) => e.x;
const label = (e: Event) => e.y;

let t: TempLog;
beforeEach(async () => {
  t = await tempLog();
});
afterEach(async () => {
  await t.cleanup();
});

/** Collects sink records in arrival order. */
function collector<T>(): { values: T[]; sink: { write(records: SinkRecord<T>[]): void } } {
  const values: T[] = [];
  return { values, sink: { write: (records) => void values.push(...records.map((r) => r.value)) } };
}

describe('ML operators in pipelines', () => {
  it('evaluate gives exactly the metrics of prequential() on the same SEA stream', async () => {
    const events = seaEvents(5000);
    const reports = collector<EvaluationReport<string>>();
    const app = defineApp('ml-eval', (a) => {
      const topic = a.topic<Event>('events', { partitions: 1, key: () => 'sea', time: (e) => e.ts });
      topic
        .keyedStream<string>()
        .evaluate(new HoeffdingTree(), { features, label, every: 1000, window: 500 })
        .sink(reports.sink);
    });
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'events', events);
    await (await runApp(app, { log: t.log, bounded: true })).done;

    const plain = prequential(
      new HoeffdingTree(),
      events.map((e) => ({ x: e.x, y: e.y })),
      { window: 500 },
    );
    assert.deepEqual(
      reports.values.map((r) => r.examples),
      [1000, 2000, 3000, 4000, 5000],
    );
    const last = reports.values.at(-1)!;
    assert.equal(last.key, 'sea');
    assert.equal(last.unscored, plain.unscored);
    assert.equal(last.cumulative.examples, plain.metrics.count);
    assert.equal(last.cumulative.accuracy, plain.metrics.cumulative.accuracy());
    assert.equal(last.cumulative.kappa, plain.metrics.cumulative.kappa());
    assert.equal(last.cumulative.kappaTemporal, plain.metrics.cumulative.kappaTemporal());
    assert.equal(last.cumulative.macroF1, plain.metrics.cumulative.macroF1());
    assert.deepEqual(last.cumulative.confusionMatrix, plain.metrics.cumulative.confusionMatrix());
    assert.equal(last.window.accuracy, plain.metrics.window.accuracy());
    assert.equal(last.window.kappa, plain.metrics.window.kappa());
    assert.ok(last.cumulative.accuracy! > 0.8, `accuracy ${last.cumulative.accuracy}`);
  });

  it('onDrift retrains after an abrupt concept change, and the store records every version', async () => {
    const flipAt = 3000;
    const events = seaEvents(6000, { flipAt });
    const versions = collector<ModelVersion<string>>();
    const store = openLmdbModelStore({ path: join(t.dir, 'models') });
    const app = defineApp('ml-drift', (a) => {
      const topic = a.topic<Event>('events', { partitions: 1, key: () => 'sea', time: (e) => e.ts });
      const learned = topic.keyedStream<string>().learn(new HoeffdingTree(), {
        features,
        label,
        schedule: onDrift(new Adwin(), { bootstrap: 300, trainingSet: { last: 1000 } }),
      });
      learned.sink(versions.sink);
      learned.sink(modelStoreSink(store), 'model-store');
    });
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'events', events);
    await (await runApp(app, { log: t.log, bounded: true })).done;

    const [bootstrap, ...rest] = versions.values;
    assert.equal(bootstrap.reason, 'bootstrap');
    assert.equal(bootstrap.createdAt, 299);
    assert.equal(bootstrap.trainedOn, 300);
    const drifts = rest.filter((v) => v.reason === 'drift');
    assert.ok(drifts.length >= 1, 'no retraining after the drift');
    assert.ok(
      drifts.every((v) => v.createdAt >= flipAt),
      `false alarms before the change: ${drifts.map((v) => v.createdAt)}`,
    );
    // Retrained on the 300 examples after the alarm: the alarm came less than 200 records after the change.
    const delay = drifts[0].createdAt - flipAt - 300;
    assert.equal(drifts[0].trainedOn, 300);
    assert.ok(delay >= 0 && delay < 200, `alarm ${delay} records after the change`);
    // The last version has learned the inverted concept.
    const model = deserialize(versions.values.at(-1)!.model) as Learner;
    const holdout = seaEvents(1000, { seed: 7, flipAt: 0 });
    const correct = holdout.filter((e) => model.predictOne(e.x) === e.y).length;
    assert.ok(correct / holdout.length > 0.8, `accuracy after retraining ${correct / holdout.length}`);

    const stored = await store.list('sea');
    assert.deepEqual(
      stored.map((v) => [v.version, v.info.reason]),
      versions.values.map((v) => [v.version, v.reason]),
    );
    assert.deepEqual((await store.latest('sea'))?.model, versions.values.at(-1)!.model);
    await store.close();
  });

  it('model state survives a restart: versions and reports equal an uninterrupted run', async () => {
    const events = seaEvents(4000, { seed: 3, flipAt: 2500 });
    interface Outputs {
      versions: ModelVersion<string>[];
      online: ModelVersion<string>[];
      drift: ModelVersion<string>[];
      reports: EvaluationReport<string>[];
    }
    const build = (out: Outputs) =>
      defineApp('ml-restart', (a) => {
        const topic = a.topic<Event>('events', {
          partitions: 1,
          key: (e) => (e.i % 3 === 0 ? 'a' : 'b'),
          time: (e) => e.ts,
        });
        a.pipeline('batch', () => {
          topic
            .keyedStream<string>()
            .learn(new HoeffdingTree(), {
              features,
              label,
              schedule: everyRecords(300, { trainingSet: { last: 700 }, warmStart: true }),
            })
            .sink({ write: (rs) => void out.versions.push(...rs.map((r) => r.value)) });
        });
        a.pipeline('online', () => {
          topic
            .keyedStream<string>()
            .learn(new HoeffdingTree(), { features, label, schedule: online({ versionEvery: 400 }) })
            .sink({ write: (rs) => void out.online.push(...rs.map((r) => r.value)) });
        });
        a.pipeline('drift', () => {
          topic
            .keyedStream<string>()
            .learn(new HoeffdingTree(), {
              features,
              label,
              schedule: onDrift(new Adwin(), { bootstrap: 200, trainingSet: { last: 1000 } }),
            })
            .sink({ write: (rs) => void out.drift.push(...rs.map((r) => r.value)) });
        });
        a.pipeline('evaluate', () => {
          topic
            .keyedStream<string>()
            .evaluate(new HoeffdingTree(), { features, label, every: 250 })
            .sink({ write: (rs) => void out.reports.push(...rs.map((r) => r.value)) });
        });
      });
    const sort = <V extends { key: string; examples: number }>(vs: V[]) =>
      [...vs].sort((p, q) => p.key.localeCompare(q.key) || p.examples - q.examples);

    const once: Outputs = { versions: [], online: [], drift: [], reports: [] };
    const app1 = build(once);
    await createAppTopics(app1, t.log);
    await produceJson(t.log, 'events', events);
    await (await runApp(app1, { log: t.log, bounded: true })).done;

    const other = await tempLog();
    try {
      const twice: Outputs = { versions: [], online: [], drift: [], reports: [] };
      const app2 = build(twice);
      await createAppTopics(app2, other.log);
      await produceJson(other.log, 'events', events.slice(0, 1700));
      await (await runApp(app2, { log: other.log, bounded: true })).done;
      await produceJson(other.log, 'events', events.slice(1700));
      await (await runApp(build(twice), { log: other.log, bounded: true })).done;

      assert.ok(once.versions.length >= 10);
      assert.deepEqual(sort(twice.versions), sort(once.versions));
      assert.deepEqual(sort(twice.online), sort(once.online));
      // Detectors, alarms and training sets are restored too: the drift (at 2500) comes after the restart.
      assert.ok(once.drift.some((v) => v.reason === 'drift' && v.createdAt > 2500));
      assert.deepEqual(sort(twice.drift), sort(once.drift));
      assert.equal(once.reports.length, 15);
      assert.deepEqual(sort(twice.reports), sort(once.reports));
    } finally {
      await other.cleanup();
    }
  });

  it('predict serves the given model, then each version from the updates topic', async () => {
    const train = seaEvents(2000, { seed: 5 });
    const first = new HoeffdingTree();
    for (const e of train.slice(0, 200)) first.learnOne(e.x, e.y);
    const second = new HoeffdingTree();
    for (const e of train) second.learnOne(e.x, e.y);
    const events = seaEvents(50, { seed: 9 }).map((e) => ({ ...e, ts: 1000 + e.i }));
    const predictions = collector<Prediction<Event>>();
    const app = defineApp('ml-predict', (a) => {
      const topic = a.topic<Event>('events', { partitions: 2, key: (e) => e.i, time: (e) => e.ts });
      const models = a.topic<ModelVersion<string>>('models', { partitions: 1, codec: 'msgpack' });
      topic
        .keyedStream<number>()
        .predict(first, { features, probabilities: true, updates: models, name: 'sea' })
        .sink(predictions.sink);
    });
    await createAppTopics(app, t.log);
    await produceJson(
      t.log,
      'events',
      events.slice(0, 25).filter((e) => e.i % 2 === 0),
      0,
    );
    await produceJson(
      t.log,
      'events',
      events.slice(0, 25).filter((e) => e.i % 2 === 1),
      1,
    );
    await (await runApp(app, { log: t.log, bounded: true })).done;
    const update = (name: string, model: HoeffdingTree, version: number) => ({
      value: msgpackCodec.encode({
        name,
        key: name,
        version,
        kind: 'hoeffding-tree',
        model: model.serialize(),
      }),
      partition: 0,
      timestamp: 1024,
    });
    await t.log.append('models', [update('other', first, 9), update('sea', second, 2)]);
    await produceJson(
      t.log,
      'events',
      events.slice(25).filter((e) => e.i % 2 === 0),
      0,
    );
    await produceJson(
      t.log,
      'events',
      events.slice(25).filter((e) => e.i % 2 === 1),
      1,
    );
    await (await runApp(app, { log: t.log, bounded: true })).done;

    assert.equal(predictions.values.length, 50);
    for (const p of predictions.values) {
      const model = p.value.i < 25 ? first : second;
      assert.equal(p.version, p.value.i < 25 ? 0 : 2);
      assert.equal(p.prediction, model.predictOne(p.value.x));
      const proba = Object.fromEntries([...model.predictProbaOne(p.value.x)].map(([k, v]) => [String(k), v]));
      assert.deepEqual(p.probabilities, proba);
    }
  });

  it('everyInterval trains each key with new examples on the processing-time timer', async () => {
    const events = seaEvents(2000);
    const versions = collector<ModelVersion<string>>();
    const app = defineApp('ml-interval', (a) => {
      const topic = a.topic<Event>('events', { partitions: 1, key: () => 'sea', time: (e) => e.ts });
      topic
        .keyedStream<string>()
        .learn(new HoeffdingTree(), {
          features,
          label,
          schedule: everyInterval('1s', { trainingSet: 'since-last' }),
        })
        .sink(versions.sink);
    });
    await createAppTopics(app, t.log);
    await produceJson(t.log, 'events', events);
    let clock = 0;
    // Small fetches and a clock that moves 400 ms per reading: the timer fires every few batches.
    const run = await runApp(app, {
      log: t.log,
      bounded: true,
      fetchMaxRecords: 100,
      now: () => (clock += 400),
    });
    await run.done;
    assert.ok(versions.values.length >= 2, `${versions.values.length} versions`);
    assert.ok(versions.values.every((v) => v.reason === 'interval'));
    assert.deepEqual(
      versions.values.map((v) => v.version),
      versions.values.map((_, i) => i + 1),
    );
    // 'since-last': each version is trained on the examples after the previous one, none twice.
    const trained = versions.values.reduce((n, v) => n + v.trainedOn, 0);
    assert.equal(trained, versions.values.at(-1)!.examples);
  });

  it('rejects bad options when the pipeline is defined', () => {
    assert.throws(
      () =>
        defineApp('ml-bad', (a) => {
          a.topic<Event>('events', { key: () => 'k' })
            .keyedStream<string>()
            .learn(new HoeffdingTree(), { features, label: undefined as never });
        }),
      /SS_ERR_INVALID_OPTION|label must be a function/,
    );
    assert.throws(() => everyRecords(0), /n must be/);
    assert.throws(() => everyRecords(10, { trainingSet: { last: -1 } }), /trainingSet.last/);
    assert.throws(() => onDrift({} as never), /detector must be a DriftDetector/);
  });
});
