// A thread of the pool dies in the middle of a step (a fault injected into its next part: it traps,
// then throws on out of its loop, as a thread killed for memory would vanish). The call that was
// using it must fail with a GradwasmError and leave its model broken; the pool is replaced, and the
// next models train and predict with threads, the same bits as on one thread. Several times over.
import { GradwasmError, Sequential, dense } from '../../src/index.js';
import { fixPoolHelpers, injectPoolFault, poolReady, poolStats } from '../../src/backend/wasm/threads.js';
import { uniform } from '../support/random.js';

const deaths = Number(process.argv[2] ?? 3);
const inputs = 256,
  rows = 512;
const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')] };
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
// (calls long enough that a worker woken from its sleep — tens to hundreds of µs here — still finds parts left)
const many = { data: uniform(2, 16 * rows * inputs), rows: 16 * rows, cols: inputs };
const alone = await Sequential.create({ ...spec, seed: 1, threads: 1 });
const expected = [...alone.predictProba(x)],
  expectedMany = [...alone.predictProba(many)];
const same = (p: Float32Array, e = expected): boolean => p.every((v, i) => Object.is(v, e[i]));

const outcomes: { message: string; brokenAfter: boolean; attempts: number; nextSame: boolean; nextWorkerParts: number }[] = [];
for (let d = 0; d < deaths; d++) {
  const victim = await Sequential.create({ ...spec, seed: 1, threads: 2 });
  victim.predictProba(x);
  await poolReady(1);
  await fixPoolHelpers(); // (so that the worker is rung for every step, however little it helps)
  await injectPoolFault('death', 1);
  let message = '',
    attempts = 0;
  // (the worker dies in the first part it takes; a call in which the leader took every part tries again)
  for (; attempts < 50 && !message; attempts++) {
    try {
      if (!same(victim.predictProba(x))) message = 'wrong bits before the fault';
    } catch (error) {
      message = error instanceof GradwasmError ? error.message : `not a GradwasmError: ${String(error)}`;
    }
  }
  let brokenAfter = false;
  try {
    victim.predictProba(x);
  } catch (error) {
    brokenAfter = error instanceof GradwasmError && /this model is broken/.test(error.message);
  }
  victim.dispose();
  // the next model: a new pool, started by its first split step, then used
  const next = await Sequential.create({ ...spec, seed: 1, threads: 2 });
  let nextSame = same(next.predictProba(x));
  await poolReady(1);
  const before = (await poolStats()).threads[1]?.parts ?? 0;
  // (a worker slow to wake finds its parts taken by the leader: on a loaded machine, for a few steps)
  let nextWorkerParts = 0;
  for (let k = 0; k < 3 || (nextWorkerParts === 0 && k < 50); k++) {
    nextSame &&= same(next.predictProba(many), expectedMany);
    nextWorkerParts = ((await poolStats()).threads[1]?.parts ?? 0) - before;
  }
  next.dispose();
  outcomes.push({ message, brokenAfter, attempts, nextSame, nextWorkerParts });
}
console.log(JSON.stringify({ outcomes }));
