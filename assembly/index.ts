// gradwasm's WebAssembly core: what the TypeScript wrapper (src/backend/wasm/, src/backend/wasm/wasm-backend.ts) calls.
// Kernels take raw pointers into linear memory, planned by the wrapper; nothing here allocates.
// The same source builds the single-thread core and, with the pool's entry points, the threaded
// one (assembly/threads.ts); the kernels' own exports and their scalar twins are in the test build
// (assembly/test.ts) only.
export {
  modelInit, modelSetBlocks, modelSetLevels, modelSetLayer, modelSetOptimizer, modelSetLayerState, modelSetWorkspace,
  modelSetLayerOutput, modelSetLossRule, modelObserveLoss, modelResetStats, gradientsEnd, epochBegin, trainBatches, trainRows,
  trainRowsEnd, gradients, evaluate, predict, lastStat, heapBase,
} from './model';
export { compactRows, firstNonFinite, standardize } from './data';
