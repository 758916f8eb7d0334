// The core a 'wasm' model lives in — the single-thread one, or the threaded one when it has
// more than one thread — for tests that look at its memory.
import type { Sequential } from '../../src/index.js';
import type { Core } from '../../src/backend/wasm/core.js';

export function coreOf(model: Sequential): Core {
  return (model as unknown as { engine: { core: Core } }).engine.core;
}
