// Activations: each one's forward map and its derivative side by side (docs/architecture.md §1.2).
// Forward values are computed in f64 and rounded once to f32 (the 'js' twin in
// src/backend/js/js-backend.ts does the same, so the two agree to the last bit or within one rounding).
// Derivatives are taken from the stored output a = act(z): every one of ours is a
// function of a alone (relu: a > 0 ⟺ z > 0), so the pre-activations need not be kept.

// Their codes (LINEAR, SIGMOID, TANH, RELU) are the contract with src/: assembly/contract.ts.

import { LINEAR, RELU, SIGMOID, TANH } from './contract';
import { MINUS_TWO, ONE, ONE_F32, SIGN_BIT, TWO, expNonPositive, expm1NonPositive, lanes, lanes32 } from './math';

/** σ(z) from e = exp(−|z|) ∈ (0, 1], which never overflows: 1/(1+e) for z ≥ 0, e/(1+e) below. */
// @ts-ignore: decorator
@inline export function sigmoidFromExp(z: f64, e: f64): f64 {
  return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

// @ts-ignore: decorator
@inline export function sigmoid64(z: f64): f64 {
  return sigmoidFromExp(z, Math.exp(-Math.abs(z)));
}

/** tanh in two f64 lanes: −t/(t + 2) with t = expm1(−2|v|) ∈ (−1, 0], then v's sign. */
// @ts-ignore: decorator
@inline function tanh2(v: v128): v128 {
  const t = expm1NonPositive(f64x2.mul(f64x2.abs(v), lanes(MINUS_TWO)));
  const magnitude = f64x2.abs(f64x2.div(t, f64x2.add(t, lanes(TWO)))); // abs: t may be −0 or +0
  return v128.or(magnitude, v128.and(v, lanes(SIGN_BIT)));
}

/** σ in two f64 lanes, as sigmoidFromExp. */
// @ts-ignore: decorator
@inline function sigmoid2(v: v128): v128 {
  const e = expNonPositive(f64x2.neg(f64x2.abs(v)));
  const d = f64x2.add(lanes(ONE), e);
  return f64x2.div(v128.bitselect(lanes(ONE), e, f64x2.ge(v, f64x2.splat(0))), d); // each lane's own quotient
}

/** tanh or σ of four f32 lanes, computed in f64 and rounded once. */
// @ts-ignore: decorator
@inline function smooth4(z: v128, act: i32): v128 {
  // the two halves through one copy of the f64 code (a loop, not two inlined copies: the core
  // is part of every page's download)
  let half = f64x2.promote_low_f32x4(z);
  let low = half, out = half;
  for (let h = 0; h < 2; h++) {
    low = out;
    out = f32x4.demote_f64x2_zero(act == TANH ? tanh2(half) : sigmoid2(half));
    half = f64x2.promote_low_f32x4(v128.shuffle<f32>(z, z, 2, 3, 0, 1));
  }
  return v128.shuffle<f32>(low, out, 0, 1, 4, 5);
}

/** buf[0..count) ← act(buf), in place. A tail of fewer than four values goes through the same
 *  four-lane code, so a value's activation never depends on where it sits. */
export function activateInPlace(buf: usize, count: i32, act: i32): void {
  if (act == LINEAR) return;
  const end = buf + (<usize>count << 2);
  let p = buf;
  if (act == RELU) {
    const zero = f32x4.splat(0);
    for (; p + 16 <= end; p += 16) v128.store(p, f32x4.max(v128.load(p), zero));
    for (; p < end; p += 4) store<f32>(p, max<f32>(load<f32>(p), 0)); // f32.max, like f32x4.max: NaN stays NaN
    return;
  }
  for (; p + 16 <= end; p += 16) v128.store(p, smooth4(v128.load(p), act));
  const left = (end - p) >> 2; // 0…3
  if (left) {
    let z = f32x4.replace_lane(f32x4.splat(0), 0, load<f32>(p));
    if (left > 1) z = f32x4.replace_lane(z, 1, load<f32>(p, 4));
    if (left > 2) z = f32x4.replace_lane(z, 2, load<f32>(p, 8));
    const a = smooth4(z, act);
    store<f32>(p, f32x4.extract_lane(a, 0));
    if (left > 1) store<f32>(p, f32x4.extract_lane(a, 1), 4);
    if (left > 2) store<f32>(p, f32x4.extract_lane(a, 2), 8);
  }
}

/** grad[0..count) ← grad ⊙ act'(z), in place, where out = act(z) was stored on the forward pass.
 *  sigmoid' = a(1−a), tanh' = 1−a², relu' = [a > 0], linear' = 1. */
export function activationBackward(grad: usize, out: usize, count: i32, act: i32): void {
  if (act == LINEAR) return;
  const one = lanes32(ONE_F32);
  const zero = f32x4.splat(0);
  let i = 0;
  for (; i + 4 <= count; i += 4) {
    const off = <usize>i << 2;
    const g = v128.load(grad + off);
    const a = v128.load(out + off);
    let d: v128;
    if (act == SIGMOID) d = f32x4.mul(f32x4.mul(g, a), f32x4.sub(one, a));
    else if (act == TANH) d = f32x4.mul(g, f32x4.sub(one, f32x4.mul(a, a)));
    else d = v128.and(g, f32x4.gt(a, zero));
    v128.store(grad + off, d);
  }
  for (; i < count; i++) {
    const off = <usize>i << 2;
    const g = load<f32>(grad + off);
    const a = load<f32>(out + off);
    let d: f32;
    if (act == SIGMOID) d = g * a * (1 - a);
    else if (act == TANH) d = g * (1 - a * a);
    else d = a > 0 ? g : 0;
    store<f32>(grad + off, d);
  }
}
