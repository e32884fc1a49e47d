/**
 * The ModelStore contract against a real PostgreSQL, when STREAMSIGHT_POSTGRES_URL is set (.ci/run
 * sets it; elsewhere this skips with a message).
 */

import { describe, it } from 'node:test';
import { openPostgresModelStore } from '../../src/ml/store/index.ts';
import { modelStoreContract } from './model-store-contract.ts';

const url = process.env.STREAMSIGHT_POSTGRES_URL;

if (url) {
  modelStoreContract('postgres', async () => {
    const store = await openPostgresModelStore({ url, table: 'streamsight_model_versions_test' });
    return { store, cleanup: () => store.close() };
  });
} else {
  describe('ModelStore contract: postgres', () => {
    it('needs PostgreSQL', (t) =>
      t.skip('STREAMSIGHT_POSTGRES_URL is not set: PostgreSQL model store not tested'));
  });
}
