// exp of two f64 lanes at once, lane for lane the bits of AssemblyScript's NativeMath.exp as this
// project compiles it (shrinkLevel ≥ 1: musl's exp.c, fdlibm's algorithm — not the table-driven
// exp of shrinkLevel 0). Binary cross-entropy takes exp(−|z|) of every logit; one row at a time
// that call was 23 % of a full-batch logistic regression's time, most of it in mispredicted
// branches: musl picks its argument reduction by |x| (below 2⁻²⁸, below ln2/2, below 1.5·ln2,
// beyond), which a logit's sign and size make a coin toss. Here every lane runs all of it and the
// reduction that is not its own multiplies out to the exact identity (k = 0: x − 0·ln2 = x), so
// each lane computes exactly the scalar's operations in the scalar's order.
import { HALF, INV_LN2, LN2_HI, LN2_LO, ONE, TWO, lanes, twoToThe } from './math';

// musl's constants, each read from memory into both lanes (see lanes): its polynomial, and its
// tests on the high word hx of |x| as comparisons of |x| (hx > H ⟺ |x| ≥ (H + 1)·2³²)
const CONSTANTS = memory.data<f64>([
  reinterpret<f64>(0x3fc555555555553e), // P1
  reinterpret<f64>(0xbf66c16c16bebd93), // P2
  reinterpret<f64>(0x3f11566aaf25de2c), // P3
  reinterpret<f64>(0xbebbbd41c5d26bf1), // P4
  reinterpret<f64>(0x3e66376972bea4d0), // P5
  reinterpret<f64>(0x3fd62e4300000000), // REDUCE: hx > 0x3FD62E42, |x| > ln2/2
  reinterpret<f64>(0x3ff0a2b200000000), // ROUND: hx ≥ 0x3FF0A2B2, |x| ≥ 1.5·ln2, k rounded
  reinterpret<f64>(0x3e30000100000000), // NOT_TINY: hx > 0x3E300000, |x| > 2⁻²⁸
  reinterpret<f64>(0x4086232b00000000), // SCALAR: hx ≥ 0x4086232B, overflow, underflow, k < −1022
  reinterpret<f64>(0x8000000000000000), // SIGN: the sign bit
]);
const P1 = CONSTANTS, P2 = P1 + 8, P3 = P2 + 8, P4 = P3 + 8, P5 = P4 + 8;
const REDUCE = P5 + 8, ROUND = REDUCE + 8, NOT_TINY = ROUND + 8, SCALAR = NOT_TINY + 8, SIGN = SCALAR + 8;

/** e^x in each lane for |x| < 708.39 (the rest is the scalar's: see expLanes). */
// @ts-ignore: decorator
@inline export function expPair(x: v128): v128 {
  const ax = f64x2.abs(x);
  const sign = v128.and(x, lanes(SIGN));
  const reduce = f64x2.ge(ax, lanes(REDUCE));
  const round = f64x2.ge(ax, lanes(ROUND));
  const tiny = f64x2.lt(ax, lanes(NOT_TINY));
  // k = i32(x/ln2 ± 0.5) when rounding, ±1 between ln2/2 and 1.5·ln2, else 0
  const rounded = f64x2.trunc(f64x2.add(f64x2.mul(lanes(INV_LN2), x), v128.or(lanes(HALF), sign)));
  const unit = v128.or(lanes(ONE), sign);
  const k = v128.and(v128.bitselect(rounded, unit, round), reduce);
  const hi = f64x2.sub(x, f64x2.mul(k, lanes(LN2_HI)));
  const lo = f64x2.mul(k, lanes(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const xs = f64x2.mul(r, r);
  const xq = f64x2.mul(xs, xs);
  const poly = f64x2.add(
    f64x2.mul(xs, lanes(P1)),
    f64x2.mul(xq, f64x2.add(f64x2.add(lanes(P2), f64x2.mul(xs, lanes(P3))), f64x2.mul(xq, f64x2.add(lanes(P4), f64x2.mul(xs, lanes(P5)))))),
  );
  const c = f64x2.sub(r, poly);
  const y = f64x2.add(lanes(ONE), f64x2.add(f64x2.sub(f64x2.div(f64x2.mul(r, c), f64x2.sub(lanes(TWO), c)), lo), hi));
  // scalbn(y, k) is y·2ᵏ for k ≥ −1022, and y·2⁰ = y
  return v128.bitselect(f64x2.add(lanes(ONE), x), f64x2.mul(y, twoToThe(k)), tiny);
}

/** e^x in each lane, NativeMath.exp's bits for any x: expPair, or NativeMath.exp itself a lane at
 *  a time when a lane is beyond ±708.39 (overflow, underflow, k < −1022) or NaN. */
// @ts-ignore: decorator
@inline export function expLanes(x: v128): v128 {
  if (i64x2.all_true(f64x2.lt(f64x2.abs(x), lanes(SCALAR)))) return expPair(x);
  return f64x2.replace_lane(f64x2.splat(Math.exp(f64x2.extract_lane(x, 0))), 1, Math.exp(f64x2.extract_lane(x, 1)));
}
