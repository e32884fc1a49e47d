/**
 * IntMap (apps/meetup-rsvp/int-map.ts) against a Map under random sets, gets and deletes — keys
 * clustered (so probe runs collide and wrap around the table), above 2^32 and negative — through
 * several growths.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { IntMap } from '../../apps/meetup-rsvp/int-map.ts';

test('IntMap: behaves as a Map under random sets, gets and deletes', () => {
  let seed = 3;
  const random = () => {
    seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  const bases = [0, 1_000_000_000, 2 ** 32 + 5, -(2 ** 40), 2 ** 52];
  const m = new IntMap(4);
  const ref = new Map<number, number>();
  for (let op = 0; op < 200_000; op++) {
    const key = bases[Math.floor(random() * bases.length)] + Math.floor(random() * 3000);
    const r = random();
    if (r < 0.5) {
      const value = Math.floor(random() * 2 ** 31);
      m.set(key, value);
      ref.set(key, value);
    } else if (r < 0.8) {
      m.delete(key);
      ref.delete(key);
    } else assert.equal(m.get(key), ref.get(key) ?? -1);
    if (op % 20_000 === 0) assert.equal(m.size, ref.size);
  }
  assert.equal(m.size, ref.size);
  for (const [k, v] of ref) assert.equal(m.get(k), v);
  const seen = new Map<number, number>();
  m.forEach((k, v) => {
    seen.set(k, v);
  });
  assert.deepEqual(
    new Map([...seen].sort((a, b) => a[0] - b[0])),
    new Map([...ref].sort((a, b) => a[0] - b[0])),
  );
});
