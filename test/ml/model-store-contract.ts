/**
 * The contract every `ModelStore` passes: the embedded LMDB store now, PostgreSQL later. It talks to
 * the store through the interface only; each case gets a fresh store from the factory and uses model
 * names unique to the run, so a shared database works as well as a temp directory.
 *
 * @example
 * modelStoreContract('lmdb', async () => {
 *   const dir = await mkdtemp(join(tmpdir(), 'models-'));
 *   const store = openLmdbModelStore({ path: dir });
 *   return { store, cleanup: async () => { await store.close(); await rm(dir, { recursive: true }); } };
 * });
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ErrorCode, isStreamsightError } from '../../src/errors/index.ts';
import { deserialize, type Learner } from '../../src/ml/learner.ts';
import type { ModelStore, StoredModel } from '../../src/ml/store/index.ts';
import { HoeffdingTree } from '../../src/ml/trees/hoeffding-tree.ts';

/** A store to test, and how to dispose of it (called even after the case closed the store). */
export interface ModelStoreUnderTest {
  store: ModelStore;
  cleanup(): Promise<void>;
}

let unique = 0;
const runId = Date.now().toString(36);
const fresh = (what: string): string => `ct-${runId}-${++unique}-${what}`;

function version(name: string, v: number, extra: Partial<StoredModel> = {}): StoredModel {
  return {
    name,
    version: v,
    kind: 'test',
    createdAt: 1_700_000_000_000 + v,
    metrics: { accuracy: v / 10, classes: { a: { f1: 0.5 } }, kappa: null },
    info: { reason: 'records', features: ['x', 'y'] },
    model: new Uint8Array([v, v + 1, v + 2]),
    ...extra,
  };
}

async function rejectsWith(promise: Promise<unknown>, code: ErrorCode): Promise<void> {
  await assert.rejects(promise, (err: unknown) => isStreamsightError(err, code));
}

/** Registers the contract cases for one implementation. */
export function modelStoreContract(name: string, open: () => Promise<ModelStoreUnderTest>): void {
  describe(`ModelStore contract: ${name}`, () => {
    const withStore = async (body: (store: ModelStore) => Promise<void>): Promise<void> => {
      const { store, cleanup } = await open();
      try {
        await body(store);
      } finally {
        await cleanup();
      }
    };

    it('stores versions and returns them by number and latest, bytes intact', () =>
      withStore(async (store) => {
        const m = fresh('m');
        for (const v of [1, 2, 3]) await store.put(version(m, v));
        assert.deepEqual(await store.get(m, 2), version(m, 2));
        assert.deepEqual(await store.latest(m), version(m, 3));
        assert.equal(await store.get(m, 4), undefined);
        assert.equal(await store.latest(fresh('none')), undefined);
      }));

    it('latest is the highest version, whatever the order of writes', () =>
      withStore(async (store) => {
        const m = fresh('order');
        for (const v of [2, 10, 9, 1]) await store.put(version(m, v));
        assert.equal((await store.latest(m))?.version, 10);
      }));

    it('put is an idempotent upsert of (name, version)', () =>
      withStore(async (store) => {
        const m = fresh('upsert');
        await store.put(version(m, 1));
        await store.put(version(m, 1, { metrics: { accuracy: 0.99 }, model: new Uint8Array([9]) }));
        const got = await store.get(m, 1);
        assert.deepEqual(got?.metrics, { accuracy: 0.99 });
        assert.deepEqual([...(got?.model ?? [])], [9]);
        assert.equal((await store.list(m)).length, 1);
      }));

    it('lists versions without bytes, by name then version, one model or all', () =>
      withStore(async (store) => {
        const a = fresh('a');
        const b = fresh('b');
        await store.put(version(b, 1));
        await store.put(version(a, 2));
        await store.put(version(a, 1));
        const listA = await store.list(a);
        assert.deepEqual(
          listA.map((v) => v.version),
          [1, 2],
        );
        assert.equal('model' in listA[0], false);
        assert.deepEqual(listA[0], omitModel(version(a, 1)));
        const all = (await store.list()).filter((v) => v.name === a || v.name === b);
        assert.deepEqual(
          all.map((v) => `${v.name}@${v.version}`),
          [`${a}@1`, `${a}@2`, `${b}@1`],
        );
      }));

    it('keeps model bytes exactly, so a stored learner predicts as before', () =>
      withStore(async (store) => {
        const tree = new HoeffdingTree();
        for (let i = 0; i < 500; i++)
          tree.learnOne({ x: i % 17, c: i % 3 === 0 ? 'u' : 'v' }, i % 17 > 8 ? 1 : 0);
        const m = fresh('tree');
        await store.put(version(m, 1, { kind: 'hoeffding-tree', model: tree.serialize() }));
        const copy = deserialize((await store.latest(m))!.model) as Learner;
        for (let i = 0; i < 17; i++)
          assert.equal(copy.predictOne({ x: i, c: 'u' }), tree.predictOne({ x: i, c: 'u' }));
      }));

    it('names are text keys: slashes, dots and unicode are fine', () =>
      withStore(async (store) => {
        const m = `${fresh('ns')}/intrusion.v2:é`;
        await store.put(version(m, 1));
        assert.equal((await store.latest(m))?.name, m);
      }));

    it('rejects invalid versions with SS_ERR_INVALID_OPTION and stores nothing', () =>
      withStore(async (store) => {
        const m = fresh('bad');
        await rejectsWith(store.put(version(m, 0)), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version(m, 1.5)), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version('', 1)), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version(' padded', 1)), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version(m, 1, { model: new Uint8Array() })), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version(m, 1, { kind: '' })), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version(m, 1, { createdAt: Number.NaN })), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.put(version(m, 1, { metrics: [] as never })), 'SS_ERR_INVALID_OPTION');
        await rejectsWith(store.get(m, -1), 'SS_ERR_INVALID_OPTION');
        assert.deepEqual(await store.list(m), []);
      }));

    it('close is idempotent; calls after it throw SS_ERR_CLOSED', async () => {
      const { store, cleanup } = await open();
      try {
        await store.close();
        await store.close();
        await rejectsWith(store.latest('x'), 'SS_ERR_CLOSED');
        await rejectsWith(store.put(version('x', 1)), 'SS_ERR_CLOSED');
      } finally {
        await cleanup();
      }
    });
  });
}

function omitModel(v: StoredModel): Omit<StoredModel, 'model'> {
  const { model: _model, ...rest } = v;
  return rest;
}
