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
export { log1pUnit, log1pUnitScalar } from './log1p';
export { expValues, expValuesScalar } from './exp';
