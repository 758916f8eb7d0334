import { Xoshiro128 } from '../../src/core/prng.js';

/** Deterministic test data: uniform values in [lo, hi). */
export function uniform(seed: number, length: number, lo = -1, hi = 1): Float32Array {
  const rng = new Xoshiro128(seed);
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = lo + (hi - lo) * rng.nextUnit();
  return out;
}

/** Deterministic 0/1 labels. */
export function labels(seed: number, length: number): Float32Array {
  const rng = new Xoshiro128(seed);
  return Float32Array.from({ length }, () => rng.nextU32() & 1);
}

/** max |a − b| / max(|b|) over two arrays: the relative difference our tolerances are stated in. */
export function relativeDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let diff = 0,
    scale = 0;
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs(a[i]! - b[i]!));
    scale = Math.max(scale, Math.abs(b[i]!));
  }
  return scale === 0 ? diff : diff / scale;
}
