// The one WebAssembly instance every 'wasm' model shares, loaded with @assemblyscript/loader
// from bytes inlined into the bundle (so Node and browsers load it the same way).
import { instantiate } from '@assemblyscript/loader';
import wasmBytes from '../../../build/gradwasm.wasm';
import { Arena } from './arena.js';

import type { CoreExports } from './contract.js';

// The core's exports are typed from assembly/'s own signatures (src/backend/wasm/contract.ts, generated).
export type { CoreExports };
type Ptr = number;

/** Why a step shared between threads failed: a part trapped or threw on another thread, or a
 *  thread of the pool died in it; null when nothing failed but the caller's own thread. */
export type StepFailure = 'part' | 'death' | null;

/** The instance, its memory allocator, and views of its memory. */
export class Core<E extends CoreExports = CoreExports> {
  readonly arena: Arena;
  /** After an exception inside the core: wait until every thread has left the step it was in,
   *  and say whether another thread's part failed (the threaded core sets this). */
  settle: () => StepFailure = () => null;
  /** After every call into the core (the threaded core tends its pool here). */
  afterCall: () => void = () => undefined;

  constructor(readonly exports: E) {
    this.arena = new Arena(exports.memory, exports.heapBase());
  }

  /** A view of `length` floats at `ptr`, made now: never keep it across a call that may grow memory. */
  f32(ptr: Ptr, length: number): Float32Array {
    return new Float32Array(this.exports.memory.buffer, ptr, length);
  }
}

let loading: Promise<Core> | undefined;

/** The shared core, instantiated on first use. */
export function loadCore(): Promise<Core> {
  loading ??= instantiate<CoreExports>(wasmBytes).then((result) => new Core(result.exports));
  return loading;
}
