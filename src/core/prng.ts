// xoshiro128** (Blackman & Vigna, 2018), word for word the generator of assembly/prng.ts:
// one seed draws the same weights and the same shuffles in both backends.

/** Four u32 words of generator state. */
export type RngState = [number, number, number, number];

export class Xoshiro128 {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** Seeds the state from a 32-bit integer through a Weyl sequence and the MurmurHash3 finalizer
   *  (SplitMix-style), so that nearby seeds give unrelated streams. */
  constructor(seed: number) {
    let x = seed >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** A generator that continues from `state`. */
  static fromState(state: RngState): Xoshiro128 {
    const rng = new Xoshiro128(0);
    rng.setState(state);
    return rng;
  }

  state(): RngState {
    return [this.s0 >>> 0, this.s1 >>> 0, this.s2 >>> 0, this.s3 >>> 0];
  }

  setState(state: RngState): void {
    [this.s0, this.s1, this.s2, this.s3] = state;
  }

  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** A uniform float in [0, 1) with 32 random bits. */
  nextUnit(): number {
    return this.nextU32() * 2.3283064365386963e-10;
  }

  /** A uniform integer in [0, n), as nextBelow in assembly/prng.ts. */
  nextBelow(n: number): number {
    const j = Math.floor(this.nextU32() * 2.3283064365386963e-10 * n);
    return j < n ? j : n - 1;
  }

  /** order ← a seeded permutation of 0..n-1 (identity, then Fisher–Yates from the top). */
  shuffle(order: Uint32Array, n: number): void {
    for (let i = 0; i < n; i++) order[i] = i;
    for (let i = n - 1; i >= 1; i--) {
      const j = this.nextBelow(i + 1);
      const t = order[i]!;
      order[i] = order[j]!;
      order[j] = t;
    }
  }
}

function rotl(x: number, k: number): number {
  return (x << k) | (x >>> (32 - k));
}

/** Glorot-uniform kernel (fanIn×fanOut, row-major): U(−l, l) with l = √(6 / (fanIn + fanOut)). */
export function glorotUniform(rng: Xoshiro128, fanIn: number, fanOut: number): Float32Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const kernel = new Float32Array(fanIn * fanOut);
  for (let i = 0; i < kernel.length; i++) kernel[i] = (rng.nextUnit() * 2 - 1) * limit;
  return kernel;
}
