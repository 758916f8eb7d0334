// Activations: each one's forward map and its derivative side by side (DESIGN.md §1).
// Forward values are computed in f64 and rounded once to f32 (the 'js' twin in
// src/backend/js.ts does the same, so the two agree to the last bit or within one rounding).
// Derivatives are taken from the stored output a = act(z): every one of ours is a
// function of a alone (relu: a > 0 ⟺ z > 0), so the pre-activations need not be kept.

export const LINEAR: i32 = 0;
export const SIGMOID: i32 = 1;
export const TANH: i32 = 2;
export const RELU: i32 = 3;

/** σ(z) from e = exp(−|z|) ∈ (0, 1], which never overflows: 1/(1+e) for z ≥ 0, e/(1+e) below. */
// @ts-ignore: decorator
@inline export function sigmoidFromExp(z: f64, e: f64): f64 {
  return z >= 0 ? 1.0 / (1.0 + e) : e / (1.0 + e);
}

// @ts-ignore: decorator
@inline export function sigmoid64(z: f64): f64 {
  return sigmoidFromExp(z, Math.exp(-Math.abs(z)));
}

/** buf[0..count) ← act(buf), in place. */
export function activateInPlace(buf: usize, count: i32, act: i32): void {
  if (act == LINEAR) return;
  const end = buf + (<usize>count << 2);
  if (act == RELU) {
    const zero = f32x4.splat(0);
    let p = buf;
    for (; p + 16 <= end; p += 16) v128.store(p, f32x4.max(v128.load(p), zero));
    for (; p < end; p += 4) {
      const z = load<f32>(p);
      store<f32>(p, max<f32>(z, 0)); // f32.max, like f32x4.max: NaN stays NaN
    }
  } else if (act == SIGMOID) {
    for (let p = buf; p < end; p += 4) store<f32>(p, <f32>sigmoid64(<f64>load<f32>(p)));
  } else {
    for (let p = buf; p < end; p += 4) store<f32>(p, <f32>Math.tanh(<f64>load<f32>(p)));
  }
}

/** grad[0..count) ← grad ⊙ act'(z), in place, where out = act(z) was stored on the forward pass.
 *  sigmoid' = a(1−a), tanh' = 1−a², relu' = [a > 0], linear' = 1. */
export function activationBackward(grad: usize, out: usize, count: i32, act: i32): void {
  if (act == LINEAR) return;
  const one = f32x4.splat(1);
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
