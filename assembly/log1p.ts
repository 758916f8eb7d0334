// log1p of two f64 lanes at once, lane for lane the bits of AssemblyScript's NativeMath.log1p
// (musl's log1p.c) for arguments in [0, 1] — what binary cross-entropy takes, log1p(exp(−|z|)):
// both of musl's paths are computed and each lane takes its own, so that every lane runs exactly
// the scalar operations, in the scalar order. The f64 log1p was 23 % of a full-batch logistic
// regression's time (profile of a named build), one row at a time.

import { HALF, LN2_HI, LN2_LO, ONE, TWO, lanes } from './math';

// musl's constants, each read from memory into both lanes (see lanes): its polynomial, its two
// bounds, and the high word's arithmetic in i64 lanes
const CONSTANTS = memory.data<f64>([
  reinterpret<f64>(0x3fe5555555555593), // LG1
  reinterpret<f64>(0x3fd999999997fa04), // LG2
  reinterpret<f64>(0x3fd2492494229359), // LG3
  reinterpret<f64>(0x3fcc71c51d8e78af), // LG4
  reinterpret<f64>(0x3fc7466496cb03de), // LG5
  reinterpret<f64>(0x3fc39a09d078c69f), // LG6
  reinterpret<f64>(0x3fc2f112df3e5244), // LG7
  reinterpret<f64>(0x3fda827a00000000), // LARGE: hx < 0x3FDA827A takes f = x, c = 0, k = 0 (x < 0.4142…)
  reinterpret<f64>(0x3ca0000000000000), // TINY: 2⁻⁵³, below it x itself
  reinterpret<f64>(<i64>(0x3ff00000 - 0x3fe6a09e)), // SHIFT
  reinterpret<f64>(<i64>0x3ff), // BIAS
  reinterpret<f64>(<i64>0x000fffff), // MANTISSA_HIGH
  reinterpret<f64>(<i64>0x3fe6a09e), // SQRT_HALF_HIGH
  reinterpret<f64>(<i64>0xffffffff), // LOW_WORD
  reinterpret<f64>(<i64>1), // K_ONE
]);
const LG1 = CONSTANTS, LG2 = LG1 + 8, LG3 = LG2 + 8, LG4 = LG3 + 8, LG5 = LG4 + 8, LG6 = LG5 + 8, LG7 = LG6 + 8;
const LARGE = LG7 + 8, TINY = LARGE + 8;
const SHIFT = TINY + 8, BIAS = SHIFT + 8, MANTISSA_HIGH = BIAS + 8, SQRT_HALF_HIGH = MANTISSA_HIGH + 8, LOW_WORD = SQRT_HALF_HIGH + 8, K_ONE = LOW_WORD + 8;

/** log1p(x) for x in [0, 1] in each lane (outside it: not the scalar's, no trap). */
// @ts-ignore: decorator
@inline export function log1pUnitPair(x: v128): v128 {
  const one = lanes(ONE);
  const large = f64x2.ge(x, lanes(LARGE));
  const tiny = f64x2.lt(x, lanes(TINY));
  // the other path: u = 1 + x, its high word moved so that f + 1 lies in [√2/2, √2)
  const u = f64x2.add(one, x);
  const hu = i64x2.add(i64x2.shr_u(u, 32), lanes(SHIFT));
  const k = i64x2.sub(i64x2.shr_u(hu, 20), lanes(BIAS)); // 0 or 1 here (k < 2: c = x − (u − 1))
  const c = f64x2.div(f64x2.sub(x, f64x2.sub(u, one)), u);
  const high = i64x2.add(v128.and(hu, lanes(MANTISSA_HIGH)), lanes(SQRT_HALF_HIGH));
  const reduced = f64x2.sub(v128.or(i64x2.shl(high, 32), v128.and(u, lanes(LOW_WORD))), one);
  const f = v128.bitselect(reduced, x, large);
  const cc = v128.bitselect(c, f64x2.splat(0), large);
  const dk = v128.bitselect(v128.bitselect(one, f64x2.splat(0), i64x2.eq(k, lanes(K_ONE))), f64x2.splat(0), large);
  // the common polynomial, as the scalar writes it
  const hfsq = f64x2.mul(f64x2.mul(lanes(HALF), f), f);
  const s = f64x2.div(f, f64x2.add(lanes(TWO), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(lanes(LG2), f64x2.mul(w, f64x2.add(lanes(LG4), f64x2.mul(w, lanes(LG6))))));
  const t2 = f64x2.mul(
    z,
    f64x2.add(lanes(LG1), f64x2.mul(w, f64x2.add(lanes(LG3), f64x2.mul(w, f64x2.add(lanes(LG5), f64x2.mul(w, lanes(LG7))))))),
  );
  const r = f64x2.add(t2, t1);
  let out = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, r)), f64x2.add(f64x2.mul(dk, lanes(LN2_LO)), cc));
  out = f64x2.add(f64x2.add(f64x2.sub(out, hfsq), f), f64x2.mul(dk, lanes(LN2_HI)));
  return v128.bitselect(x, out, tiny);
}
