// xoshiro128** (Blackman & Vigna, 2018): four u32 words of state at `state`.
// src/core/prng.ts holds the same generator word for word; the two must draw identical streams.

export function nextU32(state: usize): u32 {
  let s0 = load<u32>(state);
  let s1 = load<u32>(state, 4);
  let s2 = load<u32>(state, 8);
  let s3 = load<u32>(state, 12);
  const result = rotl<u32>(s1 * 5, 7) * 9;
  const t = s1 << 9;
  s2 ^= s0;
  s3 ^= s1;
  s1 ^= s2;
  s0 ^= s3;
  s2 ^= t;
  s3 = rotl<u32>(s3, 11);
  store<u32>(state, s0);
  store<u32>(state, s1, 4);
  store<u32>(state, s2, 8);
  store<u32>(state, s3, 12);
  return result;
}

/** A uniform integer in [0, n): floor(u · n) with u = next / 2³², all in f64 (exact and portable). */
export function nextBelow(state: usize, n: u32): u32 {
  const j = <u32>(<f64>nextU32(state) * 2.3283064365386963e-10 * <f64>n);
  return j < n ? j : n - 1;
}

/** order[0..n) ← a seeded permutation of 0..n-1: identity, then Fisher–Yates from the top. */
export function shuffle(order: usize, n: u32, state: usize): void {
  for (let i: u32 = 0; i < n; i++) store<u32>(order + (<usize>i << 2), i);
  for (let i: u32 = n - 1; i >= 1 && i < n; i--) {
    const j = nextBelow(state, i + 1);
    const pi = order + (<usize>i << 2);
    const pj = order + (<usize>j << 2);
    const t = load<u32>(pi);
    store<u32>(pi, load<u32>(pj));
    store<u32>(pj, t);
  }
}
