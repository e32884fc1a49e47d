/** The LookupTable contract on LMDB, plus persistence across a reopen. */

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { openLmdbLookupTable } from '../../src/views/index.ts';
import { lookupTableContract } from './lookup-table-contract.ts';

const dir = await mkdtemp(join(tmpdir(), 'streamsight-lookups-'));
after(() => rm(dir, { recursive: true, force: true }));

lookupTableContract('lmdb', async (table) => {
  const path = join(dir, table);
  const t = await openLmdbLookupTable({ path, app: 'shop', table });
  return { table: t, cleanup: () => t.close() };
});

describe('LMDB lookup table', () => {
  it('keeps entries across a reopen, per app and table', async () => {
    const path = join(dir, 'reopen');
    const t = await openLmdbLookupTable({ path, app: 'shop', table: 'users' });
    await t.putMany([['u1', { country: 'FR' }]]);
    await t.close();
    const again = await openLmdbLookupTable({ path, app: 'shop', table: 'users' });
    const other = await openLmdbLookupTable({ path: join(dir, 'reopen2'), app: 'shop', table: 'items' });
    try {
      assert.deepEqual(await again.get('u1'), { country: 'FR' });
      assert.equal(await other.get('u1'), undefined);
    } finally {
      await again.close();
      await other.close();
    }
  });

  it('rejects bad options', async () => {
    await assert.rejects(openLmdbLookupTable({ path: '', app: 'a', table: 't' }), (e) =>
      isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
    );
    await assert.rejects(openLmdbLookupTable({ path: dir, app: 'a b', table: 't' }), (e) =>
      isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
    );
  });
});
