// Optimizer steps: docs/architecture.md §1.5's update W ← W − λ·dW, generalised to momentum and Adam, over
// one contiguous block of n parameters w with its gradient g (the dW or db buffer of a layer)
// and the optimizer's state beside it. The formulas are TensorFlow.js's (tf.train.sgd,
// tf.train.momentum, tf.train.adam in tfjs-core 4.22), operation by operation in float32 as its
// float32 tensors compute them; every operation here is one IEEE float32 operation, so each SIMD
// kernel equals its scalar twin bit for bit (no sums, no reordering). Weight decay λ₂ enters
// the gradient first: g' = g + λ₂·w (the layer passes λ₂ = 0 for its bias).
//   sgd       w ← w + (−λ)·g'
//   momentum  v ← μ·v + g';  w ← w + (−λ)·v           nesterov: w ← w + (−λ)·(g' + v·μ)
//   adam      m ← m·β1 + g'·(1−β1);  v ← v·β2 + (g'·g')·(1−β2)
//             w ← w + (m/c1) / (√(v/c2) + ε) · (−λ),   c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ (the caller's)
// Plain SGD without decay does not come here: it stays fused into the weight-gradient GEMM.
// Pointers and sizes in, nothing kept between calls.

// @ts-ignore: decorator
@inline function decayed(g: v128, w: v128, decay: v128): v128 {
  return f32x4.add(g, f32x4.mul(decay, w));
}

/** w ← w − λ·(g + λ₂·w), n floats. */
export function sgdStep(w: usize, g: usize, n: i32, lr: f32, decay: f32): void {
  const step = f32x4.splat(-lr), decayV = f32x4.splat(decay);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    v128.store(w + o, f32x4.add(wv, f32x4.mul(step, decayed(v128.load(g + o), wv, decayV))));
  }
  sgdStepScalarFrom(w, g, i, n, lr, decay);
}
export function sgdStepScalar(w: usize, g: usize, n: i32, lr: f32, decay: f32): void {
  sgdStepScalarFrom(w, g, 0, n, lr, decay);
}
// @ts-ignore: decorator
@inline function sgdStepScalarFrom(w: usize, g: usize, from: i32, n: i32, lr: f32, decay: f32): void {
  const step = -lr;
  for (let i = from; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    store<f32>(w + o, wi + step * (load<f32>(g + o) + decay * wi));
  }
}

/** Momentum (heavy ball or Nesterov) with velocity v, n floats each. */
export function momentumStep(w: usize, g: usize, v: usize, n: i32, lr: f32, decay: f32, momentum: f32, nesterov: bool): void {
  const step = f32x4.splat(-lr), decayV = f32x4.splat(decay), mu = f32x4.splat(momentum);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = decayed(v128.load(g + o), wv, decayV);
    const vv = f32x4.add(f32x4.mul(mu, v128.load(v + o)), gv);
    v128.store(v + o, vv);
    const direction = nesterov ? f32x4.add(gv, f32x4.mul(vv, mu)) : vv;
    v128.store(w + o, f32x4.add(f32x4.mul(step, direction), wv));
  }
  momentumStepScalarFrom(w, g, v, i, n, lr, decay, momentum, nesterov);
}
export function momentumStepScalar(w: usize, g: usize, v: usize, n: i32, lr: f32, decay: f32, momentum: f32, nesterov: bool): void {
  momentumStepScalarFrom(w, g, v, 0, n, lr, decay, momentum, nesterov);
}
// @ts-ignore: decorator
@inline function momentumStepScalarFrom(w: usize, g: usize, v: usize, from: i32, n: i32, lr: f32, decay: f32, momentum: f32, nesterov: bool): void {
  const step = -lr;
  for (let i = from; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    const gi = load<f32>(g + o) + decay * wi;
    const vi = momentum * load<f32>(v + o) + gi;
    store<f32>(v + o, vi);
    store<f32>(w + o, step * (nesterov ? gi + vi * momentum : vi) + wi);
  }
}

/**
 * Adam with first and second moments m, v (n floats each). beta1c = 1 − β1 and beta2c = 1 − β2
 * as float32 (computed from the caller's float64 β, as TF.js does); c1 = 1 − β1ᵗ, c2 = 1 − β2ᵗ,
 * the bias corrections of this step.
 */
export function adamStep(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, decay: f32,
                         beta1: f32, beta1c: f32, beta2: f32, beta2c: f32, epsilon: f32, c1: f32, c2: f32): void {
  const step = f32x4.splat(-lr), decayV = f32x4.splat(decay);
  const b1 = f32x4.splat(beta1), b1c = f32x4.splat(beta1c), b2 = f32x4.splat(beta2), b2c = f32x4.splat(beta2c);
  const eps = f32x4.splat(epsilon), c1v = f32x4.splat(c1), c2v = f32x4.splat(c2);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const wv = v128.load(w + o);
    const gv = decayed(v128.load(g + o), wv, decayV);
    const mv = f32x4.add(f32x4.mul(v128.load(m + o), b1), f32x4.mul(gv, b1c));
    const vv = f32x4.add(f32x4.mul(v128.load(v + o), b2), f32x4.mul(f32x4.mul(gv, gv), b2c));
    v128.store(m + o, mv);
    v128.store(v + o, vv);
    const denominator = f32x4.add(f32x4.sqrt(f32x4.div(vv, c2v)), eps);
    v128.store(w + o, f32x4.add(f32x4.mul(f32x4.div(f32x4.div(mv, c1v), denominator), step), wv));
  }
  adamStepScalarFrom(w, g, m, v, i, n, lr, decay, beta1, beta1c, beta2, beta2c, epsilon, c1, c2);
}
export function adamStepScalar(w: usize, g: usize, m: usize, v: usize, n: i32, lr: f32, decay: f32,
                               beta1: f32, beta1c: f32, beta2: f32, beta2c: f32, epsilon: f32, c1: f32, c2: f32): void {
  adamStepScalarFrom(w, g, m, v, 0, n, lr, decay, beta1, beta1c, beta2, beta2c, epsilon, c1, c2);
}
// @ts-ignore: decorator
@inline function adamStepScalarFrom(w: usize, g: usize, m: usize, v: usize, from: i32, n: i32, lr: f32, decay: f32,
                                    beta1: f32, beta1c: f32, beta2: f32, beta2c: f32, epsilon: f32, c1: f32, c2: f32): void {
  const step = -lr;
  for (let i = from; i < n; i++) {
    const o = <usize>i << 2;
    const wi = load<f32>(w + o);
    const gi = load<f32>(g + o) + decay * wi;
    const mi = load<f32>(m + o) * beta1 + gi * beta1c;
    const vi = load<f32>(v + o) * beta2 + (gi * gi) * beta2c;
    store<f32>(m + o, mi);
    store<f32>(v + o, vi);
    store<f32>(w + o, ((mi / c1) / (Mathf.sqrt(vi / c2) + epsilon)) * step + wi);
  }
}
