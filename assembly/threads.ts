// The threaded build (build/gradwasm.threads.wasm: --enable threads, an imported shared memory):
// the core, and what the pool needs to run its workers and the leader (assembly/parallel.ts).
export * from './index';
export {
  controlBytes, threadsInit, threadsSettle, threadsRetire, threadsInjectFault, threadsFixHelpers, poolStat,
  workerJoin, workerWait, workerRun, workerFailed, workerDied,
} from './parallel';
export { modelBytes, modelSetThreads } from './model';
