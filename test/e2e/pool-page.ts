// What test/e2e/pool.test.ts loads into its page: the library from the sources, with the pool's
// test hooks (src/backend/wasm/threads.ts), bundled for browsers as scripts/build.mjs bundles it.
import * as gradwasm from '../../src/index.js';
import * as pool from '../../src/backend/wasm/threads.js';

Object.assign(window, { gradwasm, pool });
document.body.dataset.ready = 'true';
