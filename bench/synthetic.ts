// Seeded synthetic data sets: learnable, so training behaves as on real data (losses fall, no
// saturation), and reproducible, so every run and every implementation sees the same numbers.
import type { Matrix } from './impl.js';
import { Xoshiro128 } from '../src/core/prng.js';

export interface Labelled {
  x: Matrix;
  y: Float32Array;
}

/** Seeded uniform [0, 1) numbers (the project's xoshiro128**). */
export function generator(seed: number): () => number {
  const rng = new Xoshiro128(seed);
  return () => rng.nextUnit();
}

/**
 * Features uniform in [lo, hi); label 1 where a fixed random projection of the centred row,
 * plus a little noise, exceeds its `1 − positiveRate` quantile — a noisy linear boundary.
 */
export function linearTask(rows: number, cols: number, seed: number, lo = -1, hi = 1, positiveRate = 0.5): Labelled {
  const next = generator(seed);
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = lo + (hi - lo) * next();
  const direction = Float64Array.from({ length: cols }, () => next() - 0.5);
  const mid = (lo + hi) / 2;
  const score = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let s = 0;
    for (let c = 0; c < cols; c++) s += (data[r * cols + c]! - mid) * direction[c]!;
    score[r] = s + 0.1 * (next() - 0.5);
  }
  const threshold = Float64Array.from(score).sort()[Math.floor((1 - positiveRate) * rows)] ?? 0;
  const y = Float32Array.from(score, (s) => (s >= threshold ? 1 : 0));
  return { x: { data, rows, cols }, y };
}

/** The TensorFlow playground's "circle": points in [−1, 1)², label 1 inside radius 0.6, 5 % flipped. */
export function circleTask(rows: number, seed: number): Labelled {
  const next = generator(seed);
  const data = new Float32Array(rows * 2);
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) {
    const a = 2 * next() - 1;
    const b = 2 * next() - 1;
    data[2 * r] = a;
    data[2 * r + 1] = b;
    const inside = a * a + b * b < 0.36;
    y[r] = (next() < 0.05 ? !inside : inside) ? 1 : 0;
  }
  return { x: { data, rows, cols: 2 }, y };
}
