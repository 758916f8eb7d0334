// log1p of two f64 lanes at once, lane for lane the bits of AssemblyScript's NativeMath.log1p
// (musl's log1p.c) for arguments in [0, 1] — what binary cross-entropy takes, log1p(exp(−|z|)):
// both of musl's paths are computed and each lane takes its own, so that every lane runs exactly
// the scalar operations, in the scalar order. The f64 log1p was 23 % of a full-batch logistic
// regression's time (profile of a named build), one row at a time.

import { LN2_HI, LN2_LO } from './math';

const LG1 = reinterpret<f64>(0x3fe5555555555593),
  LG2 = reinterpret<f64>(0x3fd999999997fa04),
  LG3 = reinterpret<f64>(0x3fd2492494229359),
  LG4 = reinterpret<f64>(0x3fcc71c51d8e78af),
  LG5 = reinterpret<f64>(0x3fc7466496cb03de),
  LG6 = reinterpret<f64>(0x3fc39a09d078c69f),
  LG7 = reinterpret<f64>(0x3fc2f112df3e5244);

/** log1p(x) for x in [0, 1] in each lane (outside it: not the scalar's, no trap). */
// @ts-ignore: decorator
@inline export function log1pUnitPair(x: v128): v128 {
  const one = f64x2.splat(1);
  // musl: hx < 0x3FDA827A takes f = x, c = 0, k = 0 (x < 0.4142…); tinier than 2⁻⁵³: x itself
  const large = f64x2.ge(x, f64x2.splat(reinterpret<f64>(0x3fda827a00000000)));
  const tiny = f64x2.lt(x, f64x2.splat(reinterpret<f64>(0x3ca0000000000000)));
  // the other path: u = 1 + x, its high word moved so that f + 1 lies in [√2/2, √2)
  const u = f64x2.add(one, x);
  const hu = i64x2.add(i64x2.shr_u(u, 32), i64x2.splat(0x3ff00000 - 0x3fe6a09e));
  const k = i64x2.sub(i64x2.shr_u(hu, 20), i64x2.splat(0x3ff)); // 0 or 1 here (k < 2: c = x − (u − 1))
  const c = f64x2.div(f64x2.sub(x, f64x2.sub(u, one)), u);
  const high = i64x2.add(v128.and(hu, i64x2.splat(0x000fffff)), i64x2.splat(0x3fe6a09e));
  const reduced = f64x2.sub(v128.or(i64x2.shl(high, 32), v128.and(u, i64x2.splat(0xffffffff))), one);
  const f = v128.bitselect(reduced, x, large);
  const cc = v128.bitselect(c, f64x2.splat(0), large);
  const dk = v128.bitselect(v128.bitselect(one, f64x2.splat(0), i64x2.eq(k, i64x2.splat(1))), f64x2.splat(0), large);
  // the common polynomial, as the scalar writes it
  const hfsq = f64x2.mul(f64x2.mul(f64x2.splat(0.5), f), f);
  const s = f64x2.div(f, f64x2.add(f64x2.splat(2), f));
  const z = f64x2.mul(s, s);
  const w = f64x2.mul(z, z);
  const t1 = f64x2.mul(w, f64x2.add(f64x2.splat(LG2), f64x2.mul(w, f64x2.add(f64x2.splat(LG4), f64x2.mul(w, f64x2.splat(LG6))))));
  const t2 = f64x2.mul(
    z,
    f64x2.add(f64x2.splat(LG1), f64x2.mul(w, f64x2.add(f64x2.splat(LG3), f64x2.mul(w, f64x2.add(f64x2.splat(LG5), f64x2.mul(w, f64x2.splat(LG7))))))),
  );
  const r = f64x2.add(t2, t1);
  let out = f64x2.add(f64x2.mul(s, f64x2.add(hfsq, r)), f64x2.add(f64x2.mul(dk, f64x2.splat(LN2_LO)), cc));
  out = f64x2.add(f64x2.add(f64x2.sub(out, hfsq), f), f64x2.mul(dk, f64x2.splat(LN2_HI)));
  return v128.bitselect(x, out, tiny);
}
