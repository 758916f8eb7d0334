// exp and expm1 for two f64 lanes at once, for the activations: the same argument reduction
// as the scalar libraries (x = k·ln2 + r, |r| ≤ ln2/2) and a degree-13 Taylor polynomial for
// expm1(r), whose truncation error (|r|¹⁴/14! < 5e-18) is far below a float64 rounding. The
// activations round the result to float32, so it lands on the correctly rounded float32 value
// except when the exact value lies within ~1e-16 of a float32 rounding boundary.

// fdlibm's (and musl's) ln 2 split in two, and 1/ln 2: the exp and log1p of assembly/exp.ts and
// assembly/log1p.ts reduce their arguments with these too
export const LN2_HI = reinterpret<f64>(0x3fe62e42fee00000); // ln 2 with trailing zero bits: k·LN2_HI is exact
export const LN2_LO = reinterpret<f64>(0x3dea39ef35793c76);
export const INV_LN2 = reinterpret<f64>(0x3ff71547652b82fe);

/** expm1(r) for |r| ≤ ln2/2: r + r²·(1/2! + r·(1/3! + … + r·1/13!)). */
// @ts-ignore: decorator
@inline function expm1Reduced(r: v128): v128 {
  let q = f64x2.splat(1.0 / 6227020800.0); // 1/13!
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 479001600.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 39916800.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 3628800.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 362880.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 40320.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 5040.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 720.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 120.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 24.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(1.0 / 6.0));
  q = f64x2.add(f64x2.mul(q, r), f64x2.splat(0.5));
  return f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q));
}

/** 2^k for integral k ∈ [−1022, 1023] in each f64 lane, built from the exponent bits. */
// @ts-ignore: decorator
@inline export function twoToThe(k: v128): v128 {
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  return i64x2.shl(i64x2.add(ki, i64x2.splat(1023)), 52);
}

/** e^x = 2^k·(1 + expm1(r)) for x ≤ 0; below −110 (e^−110 is under half the least float32 denormal) it is clamped. */
// @ts-ignore: decorator
@inline export function expNonPositive(x: v128): v128 {
  x = f64x2.max(x, f64x2.splat(-110));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_LN2)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  return f64x2.mul(twoToThe(k), f64x2.add(f64x2.splat(1), expm1Reduced(r)));
}

/** e^x − 1 = 2^k·expm1(r) + (2^k − 1) for x ≤ 0, accurate relative to the result near 0 too. */
// @ts-ignore: decorator
@inline export function expm1NonPositive(x: v128): v128 {
  x = f64x2.max(x, f64x2.splat(-110));
  const k = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_LN2)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI))), f64x2.mul(k, f64x2.splat(LN2_LO)));
  const s = twoToThe(k);
  return f64x2.add(f64x2.mul(s, expm1Reduced(r)), f64x2.sub(s, f64x2.splat(1)));
}
