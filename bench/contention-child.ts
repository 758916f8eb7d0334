// One configuration of the contention benchmark (bench/contention.ts), in a process of its own —
// a fresh realm, so a fresh pool — printing one line of JSON:
//   w2 <threads> [grown]  W2's median samples/s over timed fits, after a warm-up one (which also
//                          lets the pool start); with `grown`, after an 8-thread model grew the
//                          pool to 7 workers (the core count lifted to 8 for it, then put back)
//   create <threads>      the milliseconds of the process's first Sequential.create (a 2-4-1 model)
import { availableParallelism } from 'node:os';
import { Sequential, dense } from '../src/index.js';
import { poolReady, poolStats, setPoolCores } from '../src/backend/wasm/threads.js';
import { median } from './measure.js';
import { buildW2, FULL_SIZES, QUICK_SIZES } from './workloads.js';

const [mode, threadsArg = '1', ...flags] = process.argv.slice(2);
const threads = threadsArg === 'auto' ? 'auto' : Number(threadsArg);
const quick = flags.includes('--quick');

if (mode === 'create') {
  const started = performance.now();
  const model = await Sequential.create({ inputs: 2, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 1, threads });
  const ms = performance.now() - started;
  console.log(JSON.stringify({ ms, threads: model.threads }));
} else if (mode === 'w2') {
  const w2 = await buildW2(quick ? QUICK_SIZES : FULL_SIZES);
  const { x, y } = w2.data;
  const fit = { learningRate: w2.learningRate, batchSize: w2.batchSize as number };
  if (flags.includes('grown')) {
    const eight = await Sequential.create({ ...w2.architecture, seed: 1, threads: 8 });
    await setPoolCores(8);
    await eight.fit(x, y, { ...fit, epochs: 1 });
    await poolReady(7);
    await eight.fit(x, y, { ...fit, epochs: 1 });
    eight.dispose();
    await setPoolCores(availableParallelism());
  }
  const model = await Sequential.create({ ...w2.architecture, seed: 1, threads });
  model.setWeights(w2.init);
  const warm = performance.now();
  await model.fit(x, y, { ...fit, epochs: 1 });
  const epochs = Math.max(1, Math.ceil((quick ? 0.05 : 0.4) / ((performance.now() - warm) / 1000)));
  if (model.threads > 1) await poolReady(Math.min(model.threads, availableParallelism()) - 1); // (started by the warm-up's first call)
  const rates: number[] = [];
  for (let r = 0; r < (quick ? 2 : 5); r++) {
    const started = performance.now();
    await model.fit(x, y, { ...fit, epochs });
    rates.push((epochs * x.rows) / ((performance.now() - started) / 1000));
  }
  const pool = model.threads > 1 ? await poolStats() : null;
  console.log(JSON.stringify({ samplesPerSecond: median(rates), threads: model.threads, workers: pool ? pool.ready : 0 }));
} else {
  throw new Error(`contention-child: unknown mode ${mode}`);
}
