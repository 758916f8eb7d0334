import { it } from 'vitest';
import { Sequential, dense } from '../src/index.js';
import { fixPoolHelpers, poolReady, poolStats } from '../src/wasm/threads.js';
import { labels, uniform } from './support/random.js';
it('x', async () => {
  const inputs = 784, rows = 10000;
  const x = { data: uniform(1, rows * inputs), rows, cols: inputs }; const y = labels(2, rows);
  const one = await Sequential.create({ inputs, layers: [dense(128, 'relu'), dense(64, 'relu'), dense(1, 'sigmoid')], seed: 1, threads: 1 });
  const two = await Sequential.create({ inputs, layers: [dense(128, 'relu'), dense(64, 'relu'), dense(1, 'sigmoid')], seed: 1, threads: 2 });
  await two.fit(x, y, { epochs: 1, batchSize: 64 }); await poolReady(1);
  const rate = async (m: Sequential) => { const t = performance.now(); await m.fit(x, y, { epochs: 2, batchSize: 64 }); return 2 * rows / (performance.now() - t); };
  const res: Record<string, number[]> = { one: [], fixed: [], free: [] };
  for (let r = 0; r < 6; r++) {
    res.one.push(await rate(one));
    await fixPoolHelpers(); res.fixed.push(await rate(two));
    await fixPoolHelpers(null); res.free.push(await rate(two));
  }
  const med = (a: number[]) => [...a].sort((p, q) => p - q)[a.length >> 1]!;
  console.log(Object.entries(res).map(([k, v]) => `${k} ${med(v).toFixed(1)}k [${v.map((z) => z.toFixed(0)).join(' ')}]`).join(' | '), 'chosen', (await poolStats()).chosen);
});
