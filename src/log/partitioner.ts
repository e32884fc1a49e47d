/**
 * Kafka's default partitioner, bit for bit, so that a key lands in the same partition whether the
 * app runs on the embedded log or on Kafka (where Java, librdkafka's `murmur2` mode and KafkaJS's
 * JavaCompatiblePartitioner agree): `toPositive(murmur2(keyBytes)) % numPartitions`.
 */

const SEED = 0x9747b28c;
const M = 0x5bd1e995;

/**
 * Kafka's `Utils.murmur2`: 32-bit MurmurHash2 with seed 0x9747b28c, returned as a signed 32-bit
 * integer exactly like the Java original.
 *
 * @example
 * murmur2(new TextEncoder().encode('foobar')); // -790332482
 */
export function murmur2(data: Uint8Array): number {
  const length = data.length;
  const tail = length & ~3;
  let h = SEED ^ length;
  for (let i = 0; i < tail; i += 4) {
    let k = data[i] | (data[i + 1] << 8) | (data[i + 2] << 16) | (data[i + 3] << 24);
    k = Math.imul(k, M);
    k ^= k >>> 24;
    k = Math.imul(k, M);
    h = Math.imul(h, M) ^ k;
  }
  // Java's switch falls through from case 3 to case 1; these three ifs are the same steps.
  const rest = length & 3;
  if (rest === 3) h ^= data[tail + 2] << 16;
  if (rest >= 2) h ^= data[tail + 1] << 8;
  if (rest >= 1) h = Math.imul(h ^ data[tail], M);
  h ^= h >>> 13;
  h = Math.imul(h, M);
  return h ^ (h >>> 15);
}

/**
 * Kafka's `Utils.toPositive`: clears the sign bit (not `Math.abs`, which Kafka avoids because
 * `abs(-2^31)` is negative).
 *
 * @example
 * toPositive(-790332482); // 1357151166
 */
export function toPositive(n: number): number {
  return n & 0x7fffffff;
}

/**
 * The partition Kafka's default partitioner picks for a key.
 *
 * @example
 * partitionFor(new TextEncoder().encode('user-42'), 8); // same as a Java producer would choose
 */
export function partitionFor(key: Uint8Array, numPartitions: number): number {
  return toPositive(murmur2(key)) % numPartitions;
}

/**
 * Picks partitions for records without a key: one partition per call (sticky, so a call's keyless
 * records form one batch, as in Kafka's sticky partitioner), moving round-robin from call to call.
 *
 * @example
 * const rr = new RoundRobinPartitioner();
 * rr.next(4); // e.g. 2, then 3, 0, 1, ...
 */
export class RoundRobinPartitioner {
  // A random start spreads keyless traffic of short-lived producers over all partitions.
  #counter = Math.floor(Math.random() * 0x7fffffff);

  next(numPartitions: number): number {
    const p = this.#counter % numPartitions;
    this.#counter = (this.#counter + 1) & 0x7fffffff;
    return p;
  }
}
