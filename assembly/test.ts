// The test build (build/gradwasm.test.wasm): the core, and every SIMD kernel beside the scalar
// twin that sums in the same order, so that test/kernels.test.ts can hold one to the other bit
// for bit. Production builds leave these exports out.
export * from './index';
export { modelBytes } from './model';
export {
  sgdStep, sgdStepScalar, momentumStep, momentumStepScalar, adamStep, adamStepScalar,
} from './optimizers';
export {
  matmul, matmulScalar, matmulTransA, matmulTransAScalar, matmulTransB, matmulTransBScalar,
} from './gemm';
export { activateInPlace, activationBackward } from './activations';
export { standardizeScalar } from './data';

import { expLanes } from './exp';
import { log1pUnitPair } from './log1p';

// The binary head inlines its two lane functions; these windows run them over n f64 values at src
// into dst (the same address: in place), two at a time, an odd last value by the scalar twin.

export function expValues(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + (<usize>i << 3), expLanes(v128.load(src + (<usize>i << 3))));
  expValuesScalar(src + (<usize>i << 3), dst + (<usize>i << 3), n - i);
}

/** NativeMath.exp a value at a time. */
export function expValuesScalar(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), Math.exp(load<f64>(src + (<usize>i << 3))));
}

/** For values in [0, 1], what binary cross-entropy takes. */
export function log1pUnit(src: usize, dst: usize, n: i32): void {
  let i = 0;
  for (; i + 2 <= n; i += 2) v128.store(dst + (<usize>i << 3), log1pUnitPair(v128.load(src + (<usize>i << 3))));
  log1pUnitScalar(src + (<usize>i << 3), dst + (<usize>i << 3), n - i);
}

/** NativeMath.log1p a value at a time. */
export function log1pUnitScalar(src: usize, dst: usize, n: i32): void {
  for (let i = 0; i < n; i++) store<f64>(dst + (<usize>i << 3), Math.log1p(load<f64>(src + (<usize>i << 3))));
}
