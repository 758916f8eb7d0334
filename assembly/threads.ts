// The threaded build (build/gradwasm.threads.wasm: --enable threads, an imported shared memory):
// the core, and what the pool needs to run its workers and the leader (assembly/parallel.ts).
import { runPart } from './model';
import { workerRun as takeParts } from './parallel';

export * from './index';
export {
  controlBytes, threadsInit, threadsSettle, threadsRetire, threadsInjectFault, threadsFixHelpers, poolStat,
  workerJoin, workerWait, workerFailed, workerDied,
} from './parallel';
export { modelBytes, modelSetThreads } from './model';

/** Worker `id` takes parts of step `gen` until none is left: the model's parts. */
export function workerRun(c: usize, id: i32, gen: i32): void {
  takeParts(c, id, gen, runPart);
}
