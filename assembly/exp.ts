// exp of two f64 lanes at once, lane for lane the bits of AssemblyScript's NativeMath.exp as this
// project compiles it (shrinkLevel ≥ 1: musl's exp.c, fdlibm's algorithm — not the table-driven
// exp of shrinkLevel 0). Binary cross-entropy takes exp(−|z|) of every logit; one row at a time
// that call was 23 % of a full-batch logistic regression's time, most of it in mispredicted
// branches: musl picks its argument reduction by |x| (below 2⁻²⁸, below ln2/2, below 1.5·ln2,
// beyond), which a logit's sign and size make a coin toss. Here every lane runs all of it and the
// reduction that is not its own multiplies out to the exact identity (k = 0: x − 0·ln2 = x), so
// each lane computes exactly the scalar's operations in the scalar's order.
import { INV_LN2, LN2_HI, LN2_LO, twoToThe } from './math';

const P1 = reinterpret<f64>(0x3fc555555555553e),
  P2 = reinterpret<f64>(0xbf66c16c16bebd93),
  P3 = reinterpret<f64>(0x3f11566aaf25de2c),
  P4 = reinterpret<f64>(0xbebbbd41c5d26bf1),
  P5 = reinterpret<f64>(0x3e66376972bea4d0);

// musl's tests on the high word hx of |x|, as comparisons of |x| (hx > H ⟺ |x| ≥ (H + 1)·2³²)
const REDUCE = reinterpret<f64>(0x3fd62e4300000000), // hx > 0x3FD62E42: |x| > ln2/2
  ROUND = reinterpret<f64>(0x3ff0a2b200000000), // hx ≥ 0x3FF0A2B2: |x| ≥ 1.5·ln2, k rounded
  NOT_TINY = reinterpret<f64>(0x3e30000100000000), // hx > 0x3E300000: |x| > 2⁻²⁸
  SCALAR = reinterpret<f64>(0x4086232b00000000); // hx ≥ 0x4086232B: overflow, underflow, k < −1022

/** e^x in each lane for |x| < 708.39 (the rest is the scalar's: see expLanes). */
// @ts-ignore: decorator
@inline export function expPair(x: v128): v128 {
  const ax = f64x2.abs(x);
  const sign = v128.and(x, i64x2.splat(0x8000000000000000));
  const reduce = f64x2.ge(ax, f64x2.splat(REDUCE));
  const round = f64x2.ge(ax, f64x2.splat(ROUND));
  const tiny = f64x2.lt(ax, f64x2.splat(NOT_TINY));
  // k = i32(x/ln2 ± 0.5) when rounding, ±1 between ln2/2 and 1.5·ln2, else 0
  const rounded = f64x2.trunc(f64x2.add(f64x2.mul(f64x2.splat(INV_LN2), x), v128.or(f64x2.splat(0.5), sign)));
  const unit = v128.or(f64x2.splat(1), sign);
  const k = v128.and(v128.bitselect(rounded, unit, round), reduce);
  const hi = f64x2.sub(x, f64x2.mul(k, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(k, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const xs = f64x2.mul(r, r);
  const xq = f64x2.mul(xs, xs);
  const poly = f64x2.add(
    f64x2.mul(xs, f64x2.splat(P1)),
    f64x2.mul(xq, f64x2.add(f64x2.add(f64x2.splat(P2), f64x2.mul(xs, f64x2.splat(P3))), f64x2.mul(xq, f64x2.add(f64x2.splat(P4), f64x2.mul(xs, f64x2.splat(P5)))))),
  );
  const c = f64x2.sub(r, poly);
  const y = f64x2.add(f64x2.splat(1), f64x2.add(f64x2.sub(f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2), c)), lo), hi));
  // scalbn(y, k) is y·2ᵏ for k ≥ −1022, and y·2⁰ = y
  return v128.bitselect(f64x2.add(f64x2.splat(1), x), f64x2.mul(y, twoToThe(k)), tiny);
}

/** e^x in each lane, NativeMath.exp's bits for any x: expPair, or NativeMath.exp itself a lane at
 *  a time when a lane is beyond ±708.39 (overflow, underflow, k < −1022) or NaN. */
// @ts-ignore: decorator
@inline export function expLanes(x: v128): v128 {
  if (i64x2.all_true(f64x2.lt(f64x2.abs(x), f64x2.splat(SCALAR)))) return expPair(x);
  return f64x2.replace_lane(f64x2.splat(Math.exp(f64x2.extract_lane(x, 0))), 1, Math.exp(f64x2.extract_lane(x, 1)));
}
