// exp and expm1 for two f64 lanes at once, for the activations: the same argument reduction
// as the scalar libraries (x = k·ln2 + r, |r| ≤ ln2/2) and a degree-13 Taylor polynomial for
// expm1(r), whose truncation error (|r|¹⁴/14! < 5e-18) is far below a float64 rounding. The
// activations round the result to float32, so it lands on the correctly rounded float32 value
// except when the exact value lies within ~1e-16 of a float32 rounding boundary.

/**
 * The f64 (or i64) at `at` — an entry of a memory.data table of constants — in both lanes. Inside
 * a loop V8 builds a v128.const anew at each use, three instructions (an immediate, a move, an
 * unpack), where this is one load: the constants were a third of the binary head's instructions.
 */
// @ts-ignore: decorator
@inline export function lanes(at: usize): v128 {
  return v128.load64_splat(at);
}

/** The f32 (or i32) at `at` in all four lanes (a table's f64 entry holds one in its low half). */
// @ts-ignore: decorator
@inline export function lanes32(at: usize): v128 {
  return v128.load32_splat(at);
}

// The constants of this file and of the others' lane code (each read with lanes): fdlibm's (and
// musl's) ln 2 split in two and 1/ln 2, with which assembly/exp.ts and assembly/log1p.ts reduce
// their arguments too, and the small numbers everyone uses.
const CONSTANTS = memory.data<f64>([
  reinterpret<f64>(0x3fe62e42fee00000), // LN2_HI: ln 2 with trailing zero bits, k·LN2_HI is exact
  reinterpret<f64>(0x3dea39ef35793c76), // LN2_LO
  reinterpret<f64>(0x3ff71547652b82fe), // INV_LN2
  1, // ONE
  0.5, // HALF
  2, // TWO
  -110, // CLAMP
  reinterpret<f64>(<i64>1023), // EXPONENT_BIAS (i64)
  -2, // MINUS_TWO
  -0.0, // SIGN_BIT
  reinterpret<f64>(<i64>0x3f800000), // ONE_F32 (the low half: 1.0f)
  reinterpret<f64>(<i64>0x3f000000), // HALF_F32 (0.5f)
]);
export const LN2_HI = CONSTANTS, LN2_LO = LN2_HI + 8, INV_LN2 = LN2_LO + 8, ONE = INV_LN2 + 8, HALF = ONE + 8, TWO = HALF + 8;
const CLAMP = TWO + 8, EXPONENT_BIAS = CLAMP + 8;
export const MINUS_TWO = EXPONENT_BIAS + 8, SIGN_BIT = MINUS_TWO + 8, ONE_F32 = SIGN_BIT + 8, HALF_F32 = ONE_F32 + 8;

/** expm1(r) for |r| ≤ ln2/2: r + r²·(1/2! + r·(1/3! + … + r·1/13!)). */
// @ts-ignore: decorator
@inline function expm1Reduced(r: v128): v128 {
  let q = lanes(TAYLOR); // 1/13!
  for (let i = 1; i < 12; i++) q = f64x2.add(f64x2.mul(q, r), lanes(TAYLOR + (<usize>i << 3))); // … 1/3!, 1/2!
  return f64x2.add(r, f64x2.mul(f64x2.mul(r, r), q));
}
const TAYLOR = memory.data<f64>([
  1.0 / 6227020800.0, 1.0 / 479001600.0, 1.0 / 39916800.0, 1.0 / 3628800.0, 1.0 / 362880.0, 1.0 / 40320.0,
  1.0 / 5040.0, 1.0 / 720.0, 1.0 / 120.0, 1.0 / 24.0, 1.0 / 6.0, 0.5,
]);

/** 2^k for integral k ∈ [−1022, 1023] in each f64 lane, built from the exponent bits. */
// @ts-ignore: decorator
@inline export function twoToThe(k: v128): v128 {
  const ki = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(k));
  return i64x2.shl(i64x2.add(ki, lanes(EXPONENT_BIAS)), 52);
}

/** e^x = 2^k·(1 + expm1(r)) for x ≤ 0; below −110 (e^−110 is under half the least float32 denormal) it is clamped. */
// @ts-ignore: decorator
@inline export function expNonPositive(x: v128): v128 {
  x = f64x2.pmax(x, lanes(CLAMP)); // (pmax: one instruction, and a NaN stays NaN)
  const k = f64x2.nearest(f64x2.mul(x, lanes(INV_LN2)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, lanes(LN2_HI))), f64x2.mul(k, lanes(LN2_LO)));
  return f64x2.mul(twoToThe(k), f64x2.add(lanes(ONE), expm1Reduced(r)));
}

/** e^x − 1 = 2^k·expm1(r) + (2^k − 1) for x ≤ 0, accurate relative to the result near 0 too. */
// @ts-ignore: decorator
@inline export function expm1NonPositive(x: v128): v128 {
  x = f64x2.pmax(x, lanes(CLAMP)); // (pmax: one instruction, and a NaN stays NaN)
  const k = f64x2.nearest(f64x2.mul(x, lanes(INV_LN2)));
  const r = f64x2.sub(f64x2.sub(x, f64x2.mul(k, lanes(LN2_HI))), f64x2.mul(k, lanes(LN2_LO)));
  const s = twoToThe(k);
  return f64x2.add(f64x2.mul(s, expm1Reduced(r)), f64x2.sub(s, lanes(ONE)));
}
