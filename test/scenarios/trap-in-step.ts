// A block that traps inside a step shared between threads, again and again: a model made to read
// past the end of memory in its later rows (the rows a step hands out last), and after each trap,
// another model's predictions, which must come out as the same bits every time.
import { GradwasmError, Sequential, dense } from '../../src/index.js';
import type { WasmBackend } from '../../src/backend/wasm.js';
import { uniform } from '../support/random.js';

const iterations = Number(process.argv[2] ?? 200);
const inputs = 256, rows = 512;
const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], threads: 2 };
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
const other = await Sequential.create({ ...spec, seed: 2 });
const expected = [...other.predictProba(x)];
let traps = 0, errors = 0, same = 0;
for (let i = 0; i < iterations; i++) {
  const victim = await Sequential.create({ ...spec, seed: 1 });
  const engine = (victim as unknown as { engine: WasmBackend }).engine;
  const memory = engine.core.exports.memory.buffer.byteLength;
  // rows from the middle on lie past the end of memory
  const badX = memory - (rows / 2) * inputs * 4;
  const out = engine.core.arena.allocate(rows * 4);
  try {
    engine.call((wasm) => wasm.predict(engine.model, badX, rows, out));
  } catch (error) {
    if (error instanceof GradwasmError) errors++;
    if (/trap|out of bounds|unreachable/.test(String(error))) traps++;
  }
  engine.core.arena.release(out);
  victim.dispose();
  if ([...other.predictProba(x)].every((p, k) => Object.is(p, expected[k]))) same++;
}
console.log(JSON.stringify({ iterations, traps, errors, same }));
