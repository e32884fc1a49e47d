/**
 * A port of `java.util.Random`: the 48-bit linear congruential generator the JLS specifies to the bit
 * (multiplier 0x5DEECE66D, increment 0xB). MOA seeds every generator with it, so a stream generated
 * here with the same seed has the same rows as MOA's.
 *
 * The 48-bit state is kept as two 24-bit halves so every product stays below 2^53 and double
 * arithmetic is exact (BigInt would be exact too, but allocates on every draw).
 */

const TWO_24 = 16_777_216;
const MULT_HI = 0x5de; // 0x5DEECE66D >>> 24
const MULT_LO = 0xece66d; // 0x5DEECE66D & 0xFFFFFF
const TWO_POW = Array.from({ length: 49 }, (_, i) => 2 ** i);

/**
 * Java-compatible pseudo-random numbers.
 *
 * @example
 * const rng = new JavaRandom(1);
 * rng.nextDouble(); // 0.7308781907032909, as `new java.util.Random(1).nextDouble()`
 */
export class JavaRandom {
  private hi = 0;
  private lo = 0;
  private nextNextGaussian = 0;
  private haveNextNextGaussian = false;

  /** @param seed a Java `long` (any safe integer; negative seeds use two's complement as in Java) */
  constructor(seed: number) {
    this.setSeed(seed);
  }

  /** Resets the generator as `Random.setSeed` does. */
  setSeed(seed: number): void {
    const scrambled = (BigInt.asUintN(64, BigInt(Math.trunc(seed))) ^ 0x5deece66dn) & 0xffffffffffffn;
    this.hi = Number(scrambled >> 24n);
    this.lo = Number(scrambled & 0xffffffn);
    this.haveNextNextGaussian = false;
  }

  /** The next `bits` (1..32) random bits as a Java `int`. */
  next(bits: number): number {
    const loProduct = this.lo * MULT_LO + 0xb;
    const carry = Math.floor(loProduct / TWO_24);
    const hiProduct = this.hi * MULT_LO + this.lo * MULT_HI + carry;
    this.lo = loProduct % TWO_24;
    this.hi = hiProduct % TWO_24;
    const value = Math.floor((this.hi * TWO_24 + this.lo) / TWO_POW[48 - bits]);
    return bits === 32 ? value | 0 : value;
  }

  /** Uniform in [0, 1) with 53 random bits, as `Random.nextDouble`. */
  nextDouble(): number {
    return (this.next(26) * 134_217_728 + this.next(27)) / 9_007_199_254_740_992;
  }

  /** Uniform integer in [0, n), as `Random.nextInt(int)` (including its rejection loop). */
  nextInt(n: number): number {
    if ((n & -n) === n) return Math.floor((n * this.next(31)) / 2_147_483_648);
    let bits: number;
    let val: number;
    do {
      bits = this.next(31);
      val = bits % n;
    } while (((bits - val + (n - 1)) | 0) < 0);
    return val;
  }

  /** A standard normal draw by Marsaglia's polar method, as `Random.nextGaussian`. */
  nextGaussian(): number {
    if (this.haveNextNextGaussian) {
      this.haveNextNextGaussian = false;
      return this.nextNextGaussian;
    }
    let v1: number;
    let v2: number;
    let s: number;
    do {
      v1 = 2 * this.nextDouble() - 1;
      v2 = 2 * this.nextDouble() - 1;
      s = v1 * v1 + v2 * v2;
    } while (s >= 1 || s === 0);
    const multiplier = Math.sqrt((-2 * Math.log(s)) / s);
    this.nextNextGaussian = v2 * multiplier;
    this.haveNextNextGaussian = true;
    return v1 * multiplier;
  }

  /** A Poisson draw as MOA's `MiscUtils.poisson` (inversion for λ < 100, normal approximation above). */
  poisson(lambda: number): number {
    if (lambda < 100) {
      let product = 1;
      let sum = 1;
      const threshold = this.nextDouble() * Math.exp(lambda);
      let i = 1;
      const max = Math.max(100, 10 * Math.ceil(lambda));
      while (i < max && sum <= threshold) {
        product *= lambda / i;
        sum += product;
        i++;
      }
      return i - 1;
    }
    const x = lambda + Math.sqrt(lambda) * this.nextGaussian();
    return x < 0 ? 0 : Math.floor(x);
  }

  /** The internal state, for serialisation. */
  state(): [hi: number, lo: number, nextNextGaussian: number, have: boolean] {
    return [this.hi, this.lo, this.nextNextGaussian, this.haveNextNextGaussian];
  }

  /** Rebuilds a generator from `state()`. */
  static fromState(state: [number, number, number, boolean]): JavaRandom {
    const rng = new JavaRandom(0);
    [rng.hi, rng.lo, rng.nextNextGaussian, rng.haveNextNextGaussian] = state;
    return rng;
  }
}
