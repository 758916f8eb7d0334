// What the pool's threads run, as script text (worker_threads start it from a data: URL module,
// browsers from a Blob), beside the small adapter each platform adds (src/backend/wasm/pool.ts,
// pool.browser.ts). Every instance of the threaded core gets the same imports.

/** The imports of the threaded core, as text: the shared memory and a clock for its waits. */
const IMPORTS = '{ env: { memory, now: () => performance.now() } }';

/**
 * A worker: instantiate the threaded core over the shared memory, join the pool, say it is ready,
 * then run every step its bell rings for, until the pool is retired (assembly/parallel.ts). A run
 * that throws — a trap, a stack overflow: a bug — is reported, so that the leader never waits for
 * its part; an injected death (tests) is thrown on, and the thread dies of it.
 */
export const SERVE = `
function serve({ module, memory, control, id }, ready) {
  const { exports } = new WebAssembly.Instance(module, ${IMPORTS});
  let seen = exports.workerJoin(control, id);
  ready();
  for (;;) {
    seen = exports.workerWait(control, id, seen);
    if (seen < 0) return;
    try {
      exports.workerRun(control, id, seen);
    } catch (error) {
      if (exports.workerFailed(control, id)) throw error;
    }
  }
}`;

/**
 * The keeper: a thread of its own that starts the workers (one after another, so that workers
 * 1…n are the ready ones) and watches them. Its event loop is never blocked, unlike the leader's,
 * which waits inside the core: so it is the one to see a worker die, and to tell the leader
 * through the shared memory (workerDied). `spawn(data, ready, died)` starts a worker the
 * platform's way and returns what stops it.
 */
export const KEEP = `
function keep({ module, memory, control }, spawn, post) {
  const { exports } = new WebAssembly.Instance(module, ${IMPORTS});
  const stops = [];
  let retiring = false, starting = Promise.resolve();
  const start = (id) => new Promise((started) => {
    stops.push(spawn({ module, memory, control, id }, started, () => {
      if (!retiring) exports.workerDied(control, id);
      started();
    }));
  });
  return (message) => {
    if (message.type === 'grow') {
      starting = starting.then(async () => {
        while (!retiring && stops.length < message.workers) await start(stops.length + 1);
      });
    } else if (message.type === 'retire') {
      retiring = true;
      starting.then(() => Promise.all(stops.map((stop) => stop()))).then(() => post({ type: 'retired' }));
    }
  };
}`;
