/** Where assembly/parallel.ts's control block keeps the parts still out and the failure flag (bytes). */
export const PENDING = 8, FAILED = 16;

/**
 * What a pool worker runs (as script text, for worker_threads' eval and a browser's Blob):
 * instantiate the threaded core over the shared memory, say it is ready, then take its parts of
 * every step for as long as the realm lives (assembly/parallel.ts's workerStep). A part that
 * traps — a bug — is reported done and failed, so that the leader never waits for it forever.
 */
export const SERVE = `
function serve({ module, memory, control, id }, ready) {
  const { exports } = new WebAssembly.Instance(module, { env: { memory } });
  const words = new Int32Array(memory.buffer, control, 8);
  let seen = exports.generation(control);
  ready();
  for (;;) {
    try {
      seen = exports.workerStep(control, id, seen);
    } catch {
      Atomics.store(words, ${FAILED / 4}, 1);
      if (Atomics.sub(words, ${PENDING / 4}, 1) === 1) Atomics.notify(words, ${PENDING / 4});
      seen = exports.generation(control);
    }
  }
}`;
