// Property (issue 10): whatever the sizes — features, units, rows, batch — up to and past the
// memory limit, every call either returns what the 'js' backend computes or throws a
// GradwasmError, and a canary model predicts the same bits afterwards. FUZZ_SEED=… replays a run.
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, setMemoryLimit } from '../src/index.js';
import { totalMemory } from '../src/backend/wasm/arena.js';
import { labels, relativeDifference, uniform } from './support/random.js';

const SEED = Number(process.env.FUZZ_SEED ?? 10);
/** Low enough that the larger cases below pass it. */
const LIMIT = 12 * 2 ** 20;

/** Sizes from tiny to past the limit: rows log-uniform, or as many as fill a share of the limit
 *  with data; the js twin's work kept to ~10⁸ FLOPs. */
const sizes = fc
  .record({
    inputs: fc.integer({ min: 0, max: 11 }).map((e) => 2 ** e),
    units: fc.integer({ min: 0, max: 11 }).map((e) => 2 ** e),
    rowsExponent: fc.integer({ min: 0, max: 17 }),
    limitShare: fc.constantFrom(0, 0, 0.3, 0.6, 0.9, 1.2, 2),
    jitter: fc.integer({ min: 0, max: 3 }),
    batchShare: fc.constantFrom(1, 0.5, 0.1, 0),
  })
  .map((s) => {
    const rows = (s.limitShare ? Math.ceil((s.limitShare * LIMIT) / (4 * s.inputs)) : 2 ** s.rowsExponent) + s.jitter;
    return { ...s, rows, batchSize: Math.max(1, Math.floor(rows * s.batchShare)) };
  })
  .filter((s) => s.rows * (s.inputs + 1) * (s.units + 1) <= 1.5e7 && s.rows / s.batchSize <= 16);

/** Run a call; a GradwasmError is an accepted outcome (null), anything else thrown fails the property. */
async function attempt<T>(call: () => T | Promise<T>): Promise<T | null> {
  try {
    return await call();
  } catch (error) {
    if (error instanceof GradwasmError) return null;
    throw error;
  }
}

describe('sizes up to and past the memory limit (property-based)', () => {
  let canary: Sequential;
  const canaryRows = { data: uniform(1, 40), rows: 10, cols: 4 };
  let expected: Float32Array;
  beforeAll(async () => {
    canary = await Sequential.create({ inputs: 4, layers: [dense(6, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    expected = canary.predictProba(canaryRows);
    setMemoryLimit(LIMIT);
  });
  afterAll(() => setMemoryLimit(2 ** 32));

  it('every call matches js or throws GradwasmError; the canary never changes; memory stays under the limit', async () => {
    let refused = 0,
      ran = 0;
    await fc.assert(
      fc.asyncProperty(sizes, async (s) => {
        const spec = { inputs: s.inputs, layers: [dense(s.units, 'tanh'), dense(1, 'sigmoid')], seed: 2 };
        const x = { data: uniform(3, s.rows * s.inputs), rows: s.rows, cols: s.inputs };
        const y = labels(4, s.rows);
        const wasm = await attempt(() => Sequential.create(spec));
        if (!wasm) {
          refused++;
          return;
        }
        const js = await Sequential.create({ ...spec, backend: 'js' });
        const fit = { epochs: 1, batchSize: s.batchSize, learningRate: 0.05, shuffle: s.batchShare !== 0 };
        const outcomes = {
          predict: await attempt(() => wasm.predictProba(x)),
          gradients: await attempt(() => wasm.gradients(x, y)),
          history: await attempt(() => wasm.fit(x, y, fit)),
        };
        if (outcomes.predict) expect(relativeDifference(outcomes.predict, js.predictProba(x))).toBeLessThan(1e-4);
        if (outcomes.gradients) {
          const g = js.gradients(x, y);
          outcomes.gradients.layers.forEach((layer, l) => expect(relativeDifference(layer.weights, g.layers[l]!.weights)).toBeLessThan(2e-3));
        }
        if (outcomes.history) {
          const h = await js.fit(x, y, fit);
          expect(outcomes.history.loss[0]).toBeCloseTo(h.loss[0]!, 4);
          wasm.getWeights().forEach((layer, l) => expect(relativeDifference(layer.weights, js.getWeights()[l]!.weights)).toBeLessThan(2e-3));
        }
        for (const o of Object.values(outcomes)) o ? ran++ : refused++;
        wasm.dispose();
        js.dispose();
        expect(canary.predictProba(canaryRows)).toEqual(expected);
        expect(totalMemory()).toBeLessThanOrEqual(LIMIT);
      }),
      { seed: SEED, numRuns: 60 },
    );
    // both sides of the limit were visited
    expect(ran).toBeGreaterThan(20);
    expect(refused).toBeGreaterThan(5);
    console.log(`${ran} calls ran, ${refused} were refused`);
  }, 120_000);
});
