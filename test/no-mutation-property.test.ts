// Property: no public function modifies the caller's data, whatever its shape, form and
// values (fast-check generates them; FUZZ_SEED=… replays a run).
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Sequential, dense, trainTestSplit } from '../src/index.js';

const SEED = Number(process.env.FUZZ_SEED ?? 7);

const table = fc.integer({ min: 1, max: 12 }).chain((rows) =>
  fc.integer({ min: 1, max: 9 }).chain((cols) =>
    fc.record({
      rows: fc.constant(rows),
      cols: fc.constant(cols),
      values: fc.array(fc.float({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }), { minLength: rows * cols, maxLength: rows * cols }),
      labels: fc.array(fc.constantFrom(0, 1), { minLength: rows, maxLength: rows }),
      xForm: fc.constantFrom('nested', 'f32', 'f64', 'obj-array', 'obj-f32'),
      yForm: fc.constantFrom('array', 'f32', 'u8'),
      batchSize: fc.integer({ min: 1, max: rows }),
    }),
  ),
);

function features(t: { rows: number; cols: number; values: number[]; xForm: string }) {
  const { rows, cols, values } = t;
  switch (t.xForm) {
    case 'nested':
      return Array.from({ length: rows }, (_, r) => values.slice(r * cols, (r + 1) * cols));
    case 'f32':
      return Float32Array.from(values);
    case 'f64':
      return Float64Array.from(values);
    case 'obj-array':
      return { data: values.slice(), rows, cols };
    default:
      return { data: Float32Array.from(values), rows, cols };
  }
}

function labelsOf(t: { labels: number[]; yForm: string }) {
  return t.yForm === 'array' ? t.labels.slice() : t.yForm === 'f32' ? Float32Array.from(t.labels) : Uint8Array.from(t.labels);
}

describe.each(['wasm', 'js'] as const)('no public function mutates its inputs (%s, property-based)', (backend) => {
  it('holds for 300 random tables in every accepted form', async () => {
    await fc.assert(
      fc.asyncProperty(table, async (t) => {
        const x = features(t),
          y = labelsOf(t);
        const xv = features({ ...t, values: t.values.map((v) => v / 2) }),
          yv = labelsOf(t);
        const before = structuredClone({ x, y, xv, yv });
        const model = await Sequential.create({ inputs: t.cols, layers: [dense(3, 'tanh'), dense(1, 'sigmoid')], seed: 1, backend });
        const options = { epochs: 2, batchSize: t.batchSize, learningRate: 0.01, validationData: [xv, yv] as const };
        const optionsBefore = structuredClone({ ...options, validationData: undefined });
        await model.fit(x, y, options);
        model.predictProba(x);
        model.predict(x, 0.3);
        model.evaluate(x, y);
        model.gradients(x, y);
        if (t.rows >= 2) trainTestSplit(x, y, { cols: t.cols, testFraction: 0.5, seed: 3 });
        const weights = model.getWeights();
        const weightsBefore = structuredClone(weights);
        model.setWeights(weights);
        const json = model.toJSON();
        const jsonBefore = structuredClone(json);
        (await Sequential.fromJSON(json, { backend })).dispose();
        expect({ x, y, xv, yv }).toStrictEqual(before);
        expect(weights).toStrictEqual(weightsBefore);
        expect(json).toStrictEqual(jsonBefore);
        expect({ ...options, validationData: undefined }).toStrictEqual(optionsBefore);
        expect(options.validationData[0]).toBe(xv);
        model.dispose();
      }),
      { numRuns: 300, seed: SEED },
    );
  }, 60_000);
});
