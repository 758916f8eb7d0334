// The playground's datasets (demo/datasets.ts): seeded, balanced, inside the plot, of two or three
// classes, and learnable by the network each one suggests (checked in Node, as the page trains it).
import { describe, expect, it } from 'vitest';
import { DATASETS, generate, split, type DatasetName } from '../demo/datasets.js';
import { DOMAIN } from '../demo/plots.js';
import { Sequential, dense, type MulticlassEvaluation, type RegressionEvaluation } from '../src/index.js';

const names = Object.keys(DATASETS) as DatasetName[];

describe('the playground datasets', () => {
  it.each(names)('%s: the same points for the same seed, others for another; balanced classes 0 … k − 1; inside the plot', (name) => {
    const a = generate(name, 600, 0.05, 3);
    expect(a).toEqual(generate(name, 600, 0.05, 3));
    expect(a.x).not.toEqual(generate(name, 600, 0.05, 4).x);
    const { classes: k, inputs } = DATASETS[name];
    expect([a.classes, a.inputs, a.x.length]).toEqual([k, inputs, 600 * inputs]);
    if (k > 0) {
      const counts = Array.from({ length: k }, (_, c) => a.y.filter((v) => v === c).length);
      expect(counts).toEqual(Array(k).fill(600 / k));
    } else {
      // a regression's targets: finite, inside the plot, and spread (not a constant)
      expect(a.y.every((v) => Math.abs(v) < DOMAIN)).toBe(true);
      expect(Math.max(...a.y) - Math.min(...a.y)).toBeGreaterThan(1);
    }
    const outside = a.x.filter((v) => Math.abs(v) > DOMAIN).length;
    expect(outside / a.x.length).toBeLessThan(0.01);
    const { train, test } = split(a, 0.2);
    expect([train.n, test.n, train.classes, test.classes, train.x.length, test.x.length]).toEqual([480, 120, k, k, 480 * inputs, 120 * inputs]);
  });

  it.each([
    ['blobs', [8, 8], 'tanh', 0.1, 16, 200, 0.93],
    ['spirals3', [16, 16, 16], 'relu', 0.03, 8, 1000, 0.9],
  ] as const)(
    "%s trains through a softmax of three (the page's settings) above its accuracy on held-out points",
    async (name, hidden, activation, learningRate, batchSize, epochs, floor) => {
      const { train, test } = split(generate(name, 500, 0.05, 1), 0.2);
      const model = await Sequential.create({ inputs: 2, layers: [...hidden.map((u) => dense(u, activation)), dense(3, 'softmax')], seed: 1 });
      await model.fit({ data: train.x, rows: train.n, cols: 2 }, train.y, { epochs, learningRate, batchSize });
      const { accuracy, confusion } = model.evaluate({ data: test.x, rows: test.n, cols: 2 }, test.y) as MulticlassEvaluation;
      expect(accuracy).toBeGreaterThan(floor);
      for (let c = 0; c < 3; c++) expect(confusion[c]![c]).toBeGreaterThan(0.8 * confusion[c]!.reduce((s, v) => s + v)); // every class, not two of them
    },
    60_000,
  );

  it.each([
    ['curve', 1],
    ['surface', 2],
  ] as const)(
    "%s regresses through a linear unit (the page's default network) to R² above 0.9 on held-out points",
    async (name, inputs) => {
      const { train, test } = split(generate(name, 500, 0.05, 1), 0.2);
      const model = await Sequential.create({ inputs, layers: [dense(8, 'tanh'), dense(8, 'tanh'), dense(1)], seed: 1 });
      await model.fit({ data: train.x, rows: train.n, cols: inputs }, train.y, { epochs: 200, learningRate: 0.1, batchSize: 16 });
      expect((model.evaluate({ data: test.x, rows: test.n, cols: inputs }, test.y) as RegressionEvaluation).r2).toBeGreaterThan(0.9);
    },
    60_000,
  );
});
