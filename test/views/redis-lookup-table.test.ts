/**
 * The LookupTable contract against a real Redis, when STREAMSIGHT_REDIS_URL is set (.ci/run sets it;
 * elsewhere this skips with a message). Keys of each run are deleted afterwards.
 */

import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isStreamsightError } from '../../src/errors/index.ts';
import { openRedisLookupTable } from '../../src/views/redis-lookup-table.ts';
import { lookupTableContract } from './lookup-table-contract.ts';

const url = process.env.STREAMSIGHT_REDIS_URL;
const app = `vt${process.pid}`;

if (url) {
  lookupTableContract('redis', async (table) => {
    const t = await openRedisLookupTable({ url, app, table });
    return {
      table: t,
      async cleanup() {
        // Remove this run's keys with a plain client (the table has no "clear": not part of the seam).
        const { createClient } = await import('redis');
        const c = createClient({ url });
        await c.connect();
        const keys: string[] = [];
        for await (const batch of c.scanIterator({ MATCH: `ss:${app}:${table}:*`, COUNT: 1000 }))
          keys.push(...batch);
        for (let i = 0; i < keys.length; i += 1000) await c.del(keys.slice(i, i + 1000));
        await c.close();
        await t.close();
      },
    };
  });

  describe('Redis lookup table', () => {
    it('uses the documented key layout and reports an unreachable server', async () => {
      const t = await openRedisLookupTable({ url, app, table: 'layout' });
      const { createClient } = await import('redis');
      const c = createClient({ url });
      await c.connect();
      try {
        await t.put('u1', { a: 1 });
        assert.equal(await c.get(`ss:${app}:layout:u1`), '{"a":1}');
      } finally {
        await c.del(`ss:${app}:layout:u1`);
        await c.close();
        await t.close();
      }
      await assert.rejects(openRedisLookupTable({ url: 'redis://127.0.0.1:1', app, table: 'x' }), (e) =>
        isStreamsightError(e, 'SS_ERR_CONNECTION'),
      );
      await assert.rejects(openRedisLookupTable({ url: 'http://x', app, table: 'x' }), (e) =>
        isStreamsightError(e, 'SS_ERR_INVALID_OPTION'),
      );
    });
  });
} else {
  describe('LookupTable contract: redis', () => {
    it('needs Redis', (t) => t.skip('STREAMSIGHT_REDIS_URL is not set: Redis lookup table not tested'));
  });
}
