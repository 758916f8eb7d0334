// Exceptions other than traps inside the core: calls made from ever deeper in the JavaScript stack
// until the core itself runs out of stack (a RangeError thrown from WebAssembly, mid-step). Each
// such call must fail with a GradwasmError and leave its model broken; every other call, and
// another model's, must give the same bits as before; no step may be left half-settled.
import { GradwasmError, Sequential, dense } from '../../src/index.js';
import { fixPoolHelpers, poolReady } from '../../src/backend/wasm/threads.js';
import { uniform } from '../support/random.js';

const inputs = 256,
  rows = 256;
const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], threads: 2 };
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
const other = await Sequential.create({ ...spec, seed: 2 });
const expectedOther = [...other.predictProba(x)];
await poolReady(1);
await fixPoolHelpers(); // (so that a worker is in the steps the leader leaves mid-way)
let model = await Sequential.create({ ...spec, seed: 1 });
const expected = [...model.predictProba(x)];
const same = (a: Float32Array, b: number[]): boolean => a.every((p, i) => Object.is(p, b[i]));

const at = (depth: number, call: () => Float32Array): Float32Array => (depth === 0 ? call() : at(depth - 1, call));

const counts = { ok: 0, wrong: 0, inCore: 0, gradwasmErrors: 0, elsewhere: 0, otherChanged: 0 };
/** Predict from `depth` frames down: the rows, or the exception. */
const attempt = (depth: number): Float32Array | unknown => {
  try {
    return at(depth, () => model.predictProba(x));
  } catch (error) {
    return error;
  }
};
/** The shallowest depth at which a prediction fails (binary search, fresh each round: frames
 *  shrink as the code warms up). */
const firstFailing = (): number => {
  let lo = 0,
    hi = 1 << 20;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (attempt(mid) instanceof Float32Array) lo = mid;
    else hi = mid;
  }
  return hi;
};
// Around the depth where predictions start to fail, a frame at a time: where the stack runs out
// moves from the core's deepest kernels, mid-step, to the JavaScript in front of it.
for (let round = 0; round < 30 && counts.inCore < 10; round++) {
  const edge = firstFailing();
  for (let depth = edge - 48; depth < edge + 16; depth++) {
    const outcome = attempt(depth);
    if (outcome instanceof Float32Array) {
      same(outcome, expected) ? counts.ok++ : counts.wrong++;
    } else {
      if (!(outcome instanceof RangeError || outcome instanceof GradwasmError)) throw outcome;
      // a call stopped inside the core leaves its model broken: it refuses every later call, and is replaced
      let broken = false;
      try {
        model.predictProba(x);
      } catch (again) {
        broken = again instanceof GradwasmError && /this model is broken/.test(again.message);
      }
      if (broken) {
        counts.inCore++;
        if (outcome instanceof GradwasmError) counts.gradwasmErrors++;
        model.dispose();
        model = await Sequential.create({ ...spec, seed: 1 });
      } else {
        counts.elsewhere++; // in JavaScript, before the core was entered: the model is untouched
      }
    }
    if (!same(other.predictProba(x), expectedOther)) counts.otherChanged++;
  }
}
const last = same(model.predictProba(x), expected);
console.log(JSON.stringify({ ...counts, last }));
