// A part that traps inside a step shared between threads, again and again — a model made to read
// past the end of memory in its later rows ('bounds': whichever thread takes those parts traps),
// or a fault injected into a worker's next part ('injected') — then, after each trap, another
// model's predictions, which must come out as the same bits every time. `busy` processes spin
// beside it meanwhile: a thread preempted at the wrong moment is what turned a lost wake-up into
// a hang.
import { spawn } from 'node:child_process';
import { GradwasmError, Sequential, dense } from '../../src/index.js';
import type { WasmBackend } from '../../src/backend/wasm/wasm-backend.js';
import { fixPoolHelpers, injectPoolFault, poolReady } from '../../src/backend/wasm/threads.js';
import { uniform } from '../support/random.js';

const [mode = 'bounds', iterationsArg = '200', busyArg = '0'] = process.argv.slice(2);
const iterations = Number(iterationsArg);
const busy = Array.from({ length: Number(busyArg) }, () => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
const inputs = 256,
  rows = 512;
const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], threads: 2 };
const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
const other = await Sequential.create({ ...spec, seed: 2 });
const expected = [...other.predictProba(x)];
await poolReady(1);
await fixPoolHelpers(); // (so that the worker is rung for every step, however little it helps)
let traps = 0,
  errors = 0,
  same = 0;
try {
  for (let i = 0; i < iterations; i++) {
    const victim = await Sequential.create({ ...spec, seed: 1 });
    victim.predictProba(x); // (its workspace, for the call below)
    const engine = (victim as unknown as { engine: WasmBackend }).engine;
    try {
      if (mode === 'injected') {
        await injectPoolFault('trap', 1);
        victim.predictProba(x);
      } else {
        // rows from the middle on lie past the end of memory
        const badX = engine.core.exports.memory.buffer.byteLength - (rows / 2) * inputs * 4;
        const out = engine.core.arena.allocate(rows * 4);
        try {
          engine.call((wasm) => wasm.predict(engine.model, badX, rows, out));
        } finally {
          engine.core.arena.release(out);
        }
      }
    } catch (error) {
      if (error instanceof GradwasmError) errors++;
      if (/trap/.test(String(error))) traps++;
    }
    await injectPoolFault('trap', 0); // (disarmed, had no worker taken a part)
    victim.dispose();
    if ([...other.predictProba(x)].every((p, k) => Object.is(p, expected[k]))) same++;
  }
} finally {
  for (const b of busy) b.kill();
}
console.log(JSON.stringify({ iterations, traps, errors, same }));
