// Exceptions other than traps inside the core: calls made from ever deeper in the JavaScript stack
// until the core itself runs out of stack (a RangeError thrown from WebAssembly, mid-step). Each
// such call must fail with a GradwasmError and leave its model broken; every other call, and
// another model's, must give the same bits as before; no step may be left half-settled.
import { GradwasmError, Sequential, dense } from '../../src/index.js';
import { uniform } from '../support/random.js';

const inputs = 256, rows = 2048;
const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], threads: 2 };
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
const other = await Sequential.create({ ...spec, seed: 2 });
const expectedOther = [...other.predictProba(x)];
let model = await Sequential.create({ ...spec, seed: 1 });
const expected = [...model.predictProba(x)];
const same = (a: Float32Array, b: number[]): boolean => a.every((p, i) => Object.is(p, b[i]));

const at = (depth: number, call: () => Float32Array): Float32Array => (depth === 0 ? call() : at(depth - 1, call));
const counts = { ok: 0, wrong: 0, inCore: 0, brokenAfter: 0, elsewhere: 0, otherChanged: 0 };
for (let depth = 6000; depth < 40_000; depth += 7) {
  let result: Float32Array | null = null;
  try {
    result = at(depth, () => model.predictProba(x));
  } catch (error) {
    if (error instanceof GradwasmError) {
      counts.inCore++;
      // the model that stopped mid-step refuses every later call, and is replaced
      try { model.predictProba(x); } catch (again) { if (again instanceof GradwasmError && /broken/.test(again.message)) counts.brokenAfter++; }
      model.dispose();
      model = await Sequential.create({ ...spec, seed: 1 });
    } else if (error instanceof RangeError) {
      counts.elsewhere++; // in JavaScript, before the core was entered: the model is untouched
    } else throw error;
  }
  if (result) same(result, expected) ? counts.ok++ : counts.wrong++;
  if (!same(other.predictProba(x), expectedOther)) counts.otherChanged++;
  if (counts.inCore >= 20) break;
}
const last = same(model.predictProba(x), expected);
console.log(JSON.stringify({ ...counts, last }));
