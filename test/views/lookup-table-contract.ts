/**
 * The contract every `LookupTable` passes: LMDB (embedded) and Redis. Each case opens tables with
 * names unique to the run through the factory.
 *
 * @example
 * lookupTableContract('lmdb', async (table) => {
 *   const t = await openLmdbLookupTable({ path: dir, app: 'a', table });
 *   return { table: t, cleanup: () => t.close() };
 * });
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import type { LookupTable } from '../../src/views/lookup-table.ts';

export interface LookupTableUnderTest {
  table: LookupTable;
  cleanup(): Promise<void>;
}

let unique = 0;
const name = () => `t${process.pid}-${Date.now() % 100000}-${unique++}`;

export function lookupTableContract(
  label: string,
  open: (table: string) => Promise<LookupTableUnderTest>,
): void {
  describe(`LookupTable contract: ${label}`, () => {
    it('puts and gets JSON values; missing keys read as undefined', async () => {
      const { table, cleanup } = await open(name());
      try {
        const values: [string, unknown][] = [
          ['obj', { country: 'FR', tags: ['a', 'b'], nested: { n: 1.5, ok: true } }],
          ['num', 42],
          ['str', 'héllo'],
          ['null', null],
          ['arr', [1, 'x', null]],
          ['ключ 🔑', { unicode: true }],
        ];
        for (const [k, v] of values) await table.put(k, v);
        for (const [k, v] of values) assert.deepEqual(await table.get(k), v);
        assert.equal(await table.get('missing'), undefined);
        assert.deepEqual(await table.getMany(['num', 'missing', 'str', 'num']), [42, undefined, 'héllo', 42]);
        assert.deepEqual(await table.getMany([]), []);
      } finally {
        await cleanup();
      }
    });

    it('putMany writes many entries; the last write of a key wins', async () => {
      const { table, cleanup } = await open(name());
      try {
        const entries: [string, unknown][] = Array.from({ length: 2500 }, (_, i) => [`k${i}`, { i }]);
        entries.push(['k7', { i: 'last' }]);
        await table.putMany(entries);
        const keys = Array.from({ length: 2500 }, (_, i) => `k${i}`);
        const got = await table.getMany(keys);
        assert.equal(got.length, 2500);
        assert.deepEqual(got[7], { i: 'last' });
        assert.deepEqual(got[2499], { i: 2499 });
        await table.putMany([['k1', 'overwritten']]);
        assert.equal(await table.get('k1'), 'overwritten');
        await table.putMany([]);
      } finally {
        await cleanup();
      }
    });

    it('deletes keys, and tables do not share keys', async () => {
      const a = await open(name());
      const b = await open(name());
      try {
        await a.table.put('k', 'in a');
        await b.table.put('k', 'in b');
        assert.equal(await a.table.get('k'), 'in a');
        await a.table.delete('k');
        await a.table.delete('k'); // deleting a missing key is fine
        assert.equal(await a.table.get('k'), undefined);
        assert.equal(await b.table.get('k'), 'in b');
      } finally {
        await a.cleanup();
        await b.cleanup();
      }
    });

    it('rejects bad keys and values with SS_ERR_INVALID_OPTION, and use after close with SS_ERR_CLOSED', async () => {
      const { table, cleanup } = await open(name());
      const invalid = (err: unknown) => isStreamsightError(err, 'SS_ERR_INVALID_OPTION');
      try {
        await assert.rejects(table.put('', 1), invalid);
        await assert.rejects(table.put(7 as never, 1), invalid);
        await assert.rejects(table.put('x'.repeat(1001), 1), invalid);
        await assert.rejects(table.put('k', undefined), invalid);
        await assert.rejects(
          table.putMany([
            ['ok', 1],
            ['', 2],
          ]),
          invalid,
        );
        assert.equal(await table.get('ok'), undefined); // a bad batch writes nothing
        await assert.rejects(table.getMany('k' as never), invalid);
        await assert.rejects(table.get(null as never), invalid);
      } finally {
        await cleanup();
      }
      await table.close();
      await assert.rejects(table.get('k'), (err) => isStreamsightError(err, 'SS_ERR_CLOSED'));
    });
  });
}
