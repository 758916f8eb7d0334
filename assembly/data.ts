// Checks on data the wrapper copied in, run here because SIMD scans them at memory speed.
/** The index of the first value in x[0..count) that is NaN or ±Infinity, or −1. (x − x is 0
 *  exactly for every finite x and NaN otherwise.) */
export function firstNonFinite(x: usize, count: i32): i32 {
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 16 <= count; i += 16) {
    const p = x + (<usize>i << 2);
    const v0 = v128.load(p), v1 = v128.load(p, 16), v2 = v128.load(p, 32), v3 = v128.load(p, 48);
    const bad = v128.or(
      v128.or(f32x4.ne(f32x4.sub(v0, v0), zero), f32x4.ne(f32x4.sub(v1, v1), zero)),
      v128.or(f32x4.ne(f32x4.sub(v2, v2), zero), f32x4.ne(f32x4.sub(v3, v3), zero)));
    if (v128.any_true(bad)) break;
  }
  for (; i < count; i++) {
    const v = load<f32>(x + (<usize>i << 2));
    if (v - v != 0) return i;
  }
  return -1;
}
