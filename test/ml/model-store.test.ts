import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { openLmdbModelStore } from '../../src/ml/store/index.ts';
import { modelStoreContract } from './model-store-contract.ts';

modelStoreContract('lmdb', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'streamsight-models-'));
  const store = openLmdbModelStore({ path: join(dir, 'models') });
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});

describe('LMDB model store', () => {
  it('keeps versions across reopening, and two handles on one path see each other', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'streamsight-models-'));
    try {
      const path = join(dir, 'models');
      const first = openLmdbModelStore({ path });
      const second = openLmdbModelStore({ path });
      const v = {
        name: 'm',
        version: 1,
        kind: 'k',
        createdAt: 0,
        metrics: {},
        info: {},
        model: new Uint8Array([1]),
      };
      await first.put(v);
      assert.equal((await second.latest('m'))?.version, 1);
      await first.close();
      await second.close();
      const reopened = openLmdbModelStore({ path });
      assert.deepEqual(await reopened.get('m', 1), v);
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a missing path with SS_ERR_INVALID_OPTION', () => {
    assert.throws(
      () => openLmdbModelStore({ path: '' }),
      (err: unknown) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION'),
    );
  });
});
