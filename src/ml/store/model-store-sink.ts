/**
 * Records the versions `.learn` publishes in a model store. The engine hands a sink each
 * checkpoint's records before it commits the checkpoint; a crash in between makes the restarted task
 * emit the same versions again (the version numbers are part of the operator's checkpointed state),
 * and `put` overwrites them: the store ends up with each version exactly once.
 */

import type { Key } from '../../dataflow/codec.ts';
import type { Sink, SinkRecord } from '../../dataflow/sink.ts';
import type { ModelVersion } from '../dataflow/learn-operator.ts';
import type { ModelStore } from './model-store.ts';

/**
 * A sink storing each `ModelVersion` with its metrics (cumulative and window snapshots) and facts
 * about its training (key, reason, examples, trainedOn) as `info`.
 *
 * @example
 * const store = openLmdbModelStore({ path: '.streamsight/models' });
 * events.keyBy(() => 'sea')
 *   .learn(new HoeffdingTree(), { features: (e) => e.x, label: (e) => e.y, schedule: everyRecords(1000) })
 *   .sink(modelStoreSink(store), 'model-store');
 */
export function modelStoreSink<K extends Key>(store: ModelStore): Sink<ModelVersion<K>> {
  return {
    async write(records: SinkRecord<ModelVersion<K>>[]): Promise<void> {
      for (const { value: v } of records) {
        await store.put({
          name: v.name,
          version: v.version,
          kind: v.kind,
          createdAt: v.createdAt,
          metrics: { ...v.metrics },
          info: { key: v.key, reason: v.reason, examples: v.examples, trainedOn: v.trainedOn },
          model: v.model,
        });
      }
    },
  };
}
