// The built package (dist/index.js, WebAssembly inlined) works as users import it.
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as Gradwasm from '../src/index.js';

const bundle = new URL('../dist/index.js', import.meta.url);

describe('dist/index.js', () => {
  it('exists (npm test builds it first)', () => {
    expect(existsSync(bundle)).toBe(true);
  });

  it('trains and predicts on its inlined WebAssembly, as the sources do', async () => {
    const lib = (await import(/* @vite-ignore */ bundle.href)) as typeof Gradwasm;
    const src = await import('../src/index.js');
    const x = [[0, 0], [0, 1], [1, 0], [1, 1]];
    const y = [0, 1, 1, 0];
    const results = [];
    for (const { Sequential, dense } of [lib, src]) {
      const model = await Sequential.create({ inputs: 2, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 8 });
      await model.fit(x, y, { epochs: 50, learningRate: 0.5 });
      results.push(model.predictProba(x));
    }
    expect(results[0]).toEqual(results[1]);
    expect(() => lib.dense(0)).toThrow(lib.GradwasmError);
  });
});
