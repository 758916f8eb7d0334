// gradwasm's WebAssembly core. Kernels take raw pointers into linear memory, planned by the
// TypeScript wrapper (src/wasm/); nothing here allocates.
export {
  modelBytes, modelInit, modelSetBlocks, modelSetLevels, modelSetLayer, modelSetOptimizer, modelSetLayerState, modelSetWorkspace,
  modelSetLayerOutput, modelSetLossRule, modelObserveLoss, modelResetStats, gradientsEnd, trainingState, trainingStateBytes,
  epochBegin, trainBatches, trainRows, trainRowsEnd, gradients, evaluate, predict, lastStat, heapBase,
} from './model';
export {
  sgdStep, sgdStepScalar, momentumStep, momentumStepScalar, adamStep, adamStepScalar,
} from './optimizers';
export {
  matmul, matmulScalar, matmulTransA, matmulTransAScalar, matmulTransB, matmulTransBScalar,
} from './gemm';
export { activateInPlace, activationBackward } from './activations';
export { bceBatch } from './loss';
export { compactRows, firstNonFinite, standardize, standardizeScalar } from './data';
export { nextU32, shuffle } from './prng';
