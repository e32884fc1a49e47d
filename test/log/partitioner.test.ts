import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { murmur2, partitionFor, RoundRobinPartitioner, toPositive } from '../../src/log/index.ts';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('partitioner', () => {
  it('murmur2 matches Kafka’s Utils.murmur2', () => {
    // From Kafka's UtilsTest.testMurmur2 (lengths 2 to 48, every tail length) and librdkafka's
    // rdmurmur2.c unit test, which checks itself against the Java client.
    const vectors: [string, number][] = [
      ['21', -973932308],
      ['foobar', -790332482],
      ['a-little-bit-long-string', -985981536],
      ['a-little-bit-longer-string', -1486304829],
      ['lkjh234lh9fiuh90y23oiuhsafujhadof229phr9h19h89h8', -58897971],
      ['abc', 479470107],
      ['string-f-24-chars-length', 124730809],
      ['string-fo-25-chars-length', 1269511650],
      ['string-foo-26-chars-length', 119165628],
      ['string-last-27-chars-length', 1089971754],
      ['kafka', -798503068],
      ['giberish123456789', -1890243828],
      ['1234', -1614185708],
      ['234', -406844982],
      ['34', -2026295078],
      ['4', 1514888353],
      ['PreAmbleWillBeRemoved,ThePrePartThatIs', 2017611548],
      ['', 275646681],
    ];
    for (const [input, expected] of vectors)
      assert.equal(murmur2(bytes(input)), expected, JSON.stringify(input));
  });

  it('hashes bytes, not characters', () => {
    assert.equal(murmur2(new Uint8Array([0xff, 0x00, 0x80])), murmur2(Buffer.from([0xff, 0x00, 0x80])));
    assert.notEqual(murmur2(bytes('é')), murmur2(new Uint8Array([0xe9])));
  });

  it('partitionFor is toPositive(murmur2) modulo the partition count', () => {
    assert.equal(toPositive(-790332482), 1357151166);
    assert.equal(toPositive(-2147483648), 0);
    assert.equal(partitionFor(bytes('foobar'), 8), 1357151166 % 8);
    assert.equal(partitionFor(bytes('21'), 3), toPositive(-973932308) % 3);
    for (let i = 0; i < 100; i++) {
      const p = partitionFor(bytes(`key-${i}`), 7);
      assert.ok(Number.isInteger(p) && p >= 0 && p < 7);
    }
  });

  it('RoundRobinPartitioner visits every partition in turn', () => {
    const rr = new RoundRobinPartitioner();
    const seen = Array.from({ length: 8 }, () => rr.next(4));
    assert.deepEqual(seen.slice(4), seen.slice(0, 4));
    assert.deepEqual([...seen.slice(0, 4)].sort(), [0, 1, 2, 3]);
  });
});
