// StandardScaler, alone and inside a model: its statistics against a float64 reference, its
// arithmetic (one rounding to float32), its file, hostile files, and a model that carries one —
// which must compute exactly what the same model without it computes on pre-scaled rows.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, StandardScaler, dense, trainInWorker, type ModelJSON, type ScalerJSON } from '../src/index.js';
import { labels, uniform } from './support/random.js';
import { expectError } from './support/errors.js';
import { bundleWorker } from './support/worker-bundle.js';

const rows = 37,
  cols = 5;
/** Columns on very different scales, one constant, one with a large offset. */
function table(seed: number, n = rows): Float32Array {
  const u = uniform(seed, n * cols, -1, 1);
  const out = new Float32Array(n * cols);
  for (let r = 0; r < n; r++) {
    out[r * cols] = u[r * cols]! * 1000;
    out[r * cols + 1] = u[r * cols + 1]! * 1e-3;
    out[r * cols + 2] = 0.1; // constant (and not exact in binary)
    out[r * cols + 3] = 5000 + u[r * cols + 3]! * 3;
    out[r * cols + 4] = u[r * cols + 4]!;
  }
  return out;
}
const X = table(1);
const Y = labels(2, rows);

async function expectRejection(fn: () => Promise<unknown>, argument: string, message: RegExp): Promise<void> {
  const error = await fn().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected a GradwasmError for ${argument}`).toBeInstanceOf(GradwasmError);
  expect((error as GradwasmError).argument).toBe(argument);
  expect((error as GradwasmError).message).toMatch(message);
}

describe('StandardScaler', () => {
  it('fits per-column means and population standard deviations (ddof = 0), in float64', () => {
    const s = StandardScaler.fit(X, { cols });
    expect(s.cols).toBe(cols);
    for (let c = 0; c < cols; c++) {
      const column = Array.from({ length: rows }, (_, r) => X[r * cols + c]!);
      const mean = column.reduce((a, b) => a + b, 0) / rows;
      const std = Math.sqrt(column.reduce((a, v) => a + (v - mean) ** 2, 0) / rows);
      if (c === 2) {
        expect(s.mean[c]).toBe(Math.fround(0.1)); // exactly the constant
        expect(s.scale[c]).toBe(1);
      } else {
        expect(Math.abs(s.mean[c]! - mean)).toBeLessThanOrEqual(1e-12 * Math.max(1, Math.abs(mean)));
        expect(Math.abs(s.scale[c]! - std) / std).toBeLessThanOrEqual(1e-12);
      }
    }
    // ddof = 0: for [1, 3], mean 2 and std 1 (not √2)
    const t = StandardScaler.fit([[1], [3]]);
    expect([...t.mean]).toEqual([2]);
    expect([...t.scale]).toEqual([1]);
  });

  it('takes every input form (cols inferred where it shows) and gives the same statistics', () => {
    const nested = Array.from({ length: rows }, (_, r) => Array.from(X.subarray(r * cols, (r + 1) * cols)));
    const a = StandardScaler.fit(X, { cols }).toJSON();
    expect(StandardScaler.fit(nested).toJSON()).toEqual(a);
    expect(StandardScaler.fit({ data: Float64Array.from(X), rows, cols }).toJSON()).toEqual(a);
    expect(StandardScaler.fit({ data: Array.from(X), rows, cols }, { cols }).toJSON()).toEqual(a);
  });

  it('transforms to fround((fround(x) − mean) / scale) into a new array, leaving x alone', () => {
    const s = StandardScaler.fit(X, { cols });
    const x64 = Float64Array.from(X, (v, i) => v + (i % 3) * 1e-9); // not float32 values: rounded first
    const before = x64.slice();
    const z = s.transform(x64);
    expect(x64).toEqual(before);
    expect(z).toBeInstanceOf(Float32Array);
    expect(z).not.toBe(x64);
    const mean = s.mean,
      scale = s.scale;
    z.forEach((v, i) => expect(v).toBe(Math.fround((Math.fround(x64[i]!) - mean[i % cols]!) / scale[i % cols]!)));
    // the training columns come out with mean ≈ 0 and std ≈ 1 (the constant one at 0)
    const zx = s.transform(X);
    for (let c = 0; c < cols; c++) {
      const column = Array.from({ length: rows }, (_, r) => zx[r * cols + c]!);
      const m = column.reduce((a, b) => a + b, 0) / rows;
      const sd = Math.sqrt(column.reduce((a, v) => a + (v - m) ** 2, 0) / rows);
      expect(Math.abs(m)).toBeLessThan(1e-6);
      expect(sd).toBeCloseTo(c === 2 ? 0 : 1, 5);
    }
  });

  it('reports bad rows as the caller wrote them', () => {
    const s = StandardScaler.fit(X, { cols });
    expectError(() => s.transform([[1, 2, 3, NaN, 5]]), 'x', /^x\[0\]\[3\] is NaN; every feature must be a finite number$/);
    expectError(() => s.transform(Float32Array.of(1, 2, 3, 4, Infinity)), 'x', /^x row 0, column 4 is Infinity\b/);
    expectError(() => s.transform([[1, 2, 3]]), 'x', /^x\[0\] has 3 values, but the model has 5 inputs$/);
    const tiny = StandardScaler.fromJSON({ format: 'gradwasm-scaler', version: 1, mean: [0], scale: [1e-30] });
    expectError(() => tiny.transform([[1e10]]), 'x', /^x row 0, column 0 is 10000000000, which the scaler maps to Infinity, outside the float32 range$/);
    expectError(() => StandardScaler.fit(Float32Array.of(1, 2)), 'options.cols', /^options\.cols is needed with a flat Float32Array/);
    expectError(() => StandardScaler.fit([[1, NaN]]), 'x', /^x\[0\]\[1\] is NaN/);
    expectError(() => StandardScaler.fit(X, { cols: 0 }), 'options.cols', /^options\.cols must be an integer in \[1, 65536\], got 0$/);
    expectError(() => StandardScaler.fit(X, { colz: 5 } as never), 'options.colz', /unknown option "colz"/);
  });

  it('saves to plain JSON and reads it back exactly (object or text)', () => {
    const s = StandardScaler.fit(X, { cols });
    const json = s.toJSON();
    expect(json).toEqual({ format: 'gradwasm-scaler', version: 1, mean: Array.from(s.mean), scale: Array.from(s.scale) });
    const again = StandardScaler.fromJSON(JSON.stringify(s));
    expect(again.mean).toEqual(s.mean);
    expect(again.scale).toEqual(s.scale);
    expect(again.transform(X)).toEqual(s.transform(X));
    expect(StandardScaler.fromJSON(json).toJSON()).toEqual(json);
    // copies out: writing to them changes nothing
    s.mean.fill(9);
    s.scale.fill(9);
    json.mean[0] = 123;
    expect(s.transform(X)).toEqual(again.transform(X));
  });

  const good = (): ScalerJSON => ({ format: 'gradwasm-scaler', version: 1, mean: [0.5, -2, 3], scale: [1, 2, 0.25] });
  const edited = (edit: (j: any) => void): unknown => {
    const j = good();
    edit(j);
    return j;
  };
  it.each<[string, unknown, string, RegExp]>([
    ['invalid text', '{"format":', 'json', /^json is not valid JSON text: /],
    ['null', null, 'json', /^json must be an object, got null$/],
    ['an array', [1, 2], 'json', /^json must be an object, got an array of length 2$/],
    ['the wrong format', edited((j) => (j.format = 'gradwasm-model')), 'json.format', /^json\.format must be "gradwasm-scaler", got "gradwasm-model"$/],
    ['version 2', edited((j) => (j.version = 2)), 'json.version', /^json\.version 2 is not supported/],
    ['mean missing', edited((j) => delete j.mean), 'json.mean', /^json\.mean must be an array of 1 to 65536 numbers, got undefined$/],
    [
      'mean empty',
      edited((j) => {
        j.mean = [];
        j.scale = [];
      }),
      'json.mean',
      /^json\.mean must be an array of 1 to 65536 numbers, got an array of length 0$/,
    ],
    ['mean too long', edited((j) => (j.mean = new Array(65537).fill(0))), 'json.mean', /^json\.mean must be an array of 1 to 65536/],
    ['scale shorter than mean', edited((j) => j.scale.pop()), 'json.scale', /^json\.scale has 2 values, but json\.mean has 3$/],
    ['scale longer than mean', edited((j) => j.scale.push(1)), 'json.scale', /^json\.scale has 4 values, but json\.mean has 3$/],
    ['NaN in mean', edited((j) => (j.mean[1] = NaN)), 'json.mean', /^json\.mean\[1\] is NaN; means must be finite numbers$/],
    ['Infinity in mean', edited((j) => (j.mean[0] = Infinity)), 'json.mean', /^json\.mean\[0\] is Infinity\b/],
    ['null in mean (NaN written as text)', JSON.stringify(edited((j) => (j.mean[2] = NaN))), 'json.mean', /^json\.mean\[2\] is null\b/],
    ['a string in mean', edited((j) => (j.mean[0] = '0.5')), 'json.mean', /^json\.mean\[0\] is "0\.5"/],
    ['zero scale', edited((j) => (j.scale[1] = 0)), 'json.scale', /^json\.scale\[1\] is 0; scales must be finite numbers > 0$/],
    ['-0 scale', edited((j) => (j.scale[1] = -0)), 'json.scale', /^json\.scale\[1\] is -0; scales must be finite numbers > 0$/],
    ['negative scale', edited((j) => (j.scale[2] = -1)), 'json.scale', /^json\.scale\[2\] is -1; scales must be/],
    ['Infinity scale', edited((j) => (j.scale[0] = Infinity)), 'json.scale', /^json\.scale\[0\] is Infinity; scales must be/],
    ['NaN scale', edited((j) => (j.scale[0] = NaN)), 'json.scale', /^json\.scale\[0\] is NaN; scales must be/],
    [
      'scale not an array',
      edited((j) => (j.scale = { 0: 1, 1: 1, 2: 1, length: 3 })),
      'json.scale',
      /^json\.scale must be an array of 1 to 65536 numbers, got an object$/,
    ],
  ])('fromJSON rejects %s', (_name, json, argument, message) => {
    expectError(() => StandardScaler.fromJSON(json as never), argument, message);
  });
});

describe.each(['wasm', 'js'] as const)('a model with a scaler, on the %s backend', (backend) => {
  const options = { inputs: cols, layers: [dense(6, 'tanh'), dense(3, 'relu'), dense(1, 'sigmoid')], seed: 11, backend };
  const scaler = StandardScaler.fit(X, { cols });
  const scaledX = { data: scaler.transform(X), rows, cols };
  const XV = table(3, 9);
  const YV = labels(4, 9);

  it('computes on raw rows exactly what the same model without it computes on scaled rows', async () => {
    const plain = await Sequential.create(options);
    const withScaler = await Sequential.create({ ...options, scaler });
    expect(withScaler.scaler).toBe(scaler);
    expect(plain.scaler).toBeNull();
    expect(withScaler.getWeights()).toEqual(plain.getWeights());
    expect(withScaler.predictProba(X)).toEqual(plain.predictProba(scaledX));
    expect(withScaler.predict(X, 0.4)).toEqual(plain.predict(scaledX, 0.4));
    expect(withScaler.evaluate(X, Y)).toEqual(plain.evaluate(scaledX, Y));
    expect(withScaler.gradients(X, Y)).toEqual(plain.gradients(scaledX, Y));

    // fit trains on scaled rows, validation data included
    const fit = { epochs: 8, learningRate: 0.2, batchSize: 6 };
    const h1 = await plain.fit(scaledX, Y, { ...fit, validationData: [scaler.transform(XV), YV] });
    const h2 = await withScaler.fit(X, Y, { ...fit, validationData: [XV, YV] });
    expect(h2).toEqual(h1);
    expect(withScaler.getWeights()).toEqual(plain.getWeights());
    expect(withScaler.predictProba(XV)).toEqual(plain.predictProba(scaler.transform(XV)));
    plain.dispose();
    withScaler.dispose();
  });

  it('saves the scaler in its JSON (version 2) and loads it back', async () => {
    const model = await Sequential.create({ ...options, scaler: scaler.toJSON() });
    await model.fit(X, Y, { epochs: 3, learningRate: 0.3 });
    const json = model.toJSON();
    expect(json.version).toBe(2);
    expect(Object.keys(json)).toEqual(['format', 'version', 'inputs', 'scaler', 'layers']);
    expect(json.scaler).toEqual(scaler.toJSON());
    for (const source of [json, JSON.stringify(model)]) {
      const loaded = await Sequential.fromJSON(source, { backend });
      expect(loaded.scaler?.toJSON()).toEqual(scaler.toJSON());
      expect(loaded.predictProba(X)).toEqual(model.predictProba(X));
      expect(JSON.stringify(loaded)).toBe(JSON.stringify(model));
      loaded.dispose();
    }
    model.dispose();
  });

  it('reads version 1 files (no scaler)', async () => {
    const model = await Sequential.create(options);
    const v1 = { ...model.toJSON(), version: 1 } as ModelJSON;
    const loaded = await Sequential.fromJSON(JSON.stringify(v1), { backend });
    expect(loaded.scaler).toBeNull();
    expect(loaded.predictProba(X)).toEqual(model.predictProba(X));
    expect(loaded.toJSON().version).toBe(2);
  });

  it('setScaler attaches, replaces and removes it without touching the weights', async () => {
    const model = await Sequential.create(options);
    const raw = model.predictProba(X);
    const weights = model.getWeights();
    model.setScaler(scaler);
    expect(model.getWeights()).toEqual(weights);
    expect(model.predictProba(X)).toEqual(model.predictProba(X));
    const scaled = model.predictProba(X);
    model.setScaler(null);
    expect(model.predictProba(X)).toEqual(raw);
    expect(model.toJSON()).not.toHaveProperty('scaler');
    model.setScaler(JSON.parse(JSON.stringify(scaler)) as ScalerJSON);
    expect(model.predictProba(X)).toEqual(scaled);
    expect(model.scaler?.toJSON()).toEqual(scaler.toJSON());
  });

  it('rejects a scaler of the wrong width, a malformed one, and setScaler while fitting or disposed', async () => {
    const narrow = StandardScaler.fit([
      [1, 2],
      [3, 5],
    ]);
    await expectRejection(
      () => Sequential.create({ ...options, scaler: narrow }),
      'options.scaler',
      /^options\.scaler has 2 columns, but the model has 5 inputs$/,
    );
    await expectRejection(
      () => Sequential.create({ ...options, scaler: { ...scaler.toJSON(), scale: [1, 1, 1, 1, 0] } }),
      'options.scaler.scale',
      /^options\.scaler\.scale\[4\] is 0; scales must be finite numbers > 0$/,
    );
    await expectRejection(
      () => Sequential.create({ ...options, scaler: JSON.stringify(scaler) as never }),
      'options.scaler',
      /^options\.scaler must be an object, got "/,
    );
    await expectRejection(() => Sequential.create({ ...options, scaler: 5 as never }), 'options.scaler', /^options\.scaler must be an object, got 5$/);
    const model = await Sequential.create(options);
    expectError(() => model.setScaler(narrow), 'scaler', /^scaler has 2 columns, but the model has 5 inputs$/);
    expectError(() => model.setScaler({ format: 'gradwasm-scaler', version: 1 } as never), 'scaler.mean', /^scaler\.mean must be an array/);
    expectError(() => model.setScaler(undefined as never), 'scaler', /^scaler must be an object, got undefined$/);
    expect(model.scaler).toBeNull(); // failed calls changed nothing
    const fitting = model.fit(X, Y, { epochs: 2 });
    expectError(() => model.setScaler(scaler), 'setScaler', /^setScaler was called while the model is fitting; await fit first$/);
    await fitting;
    model.dispose();
    expectError(() => model.setScaler(scaler), 'setScaler', /^setScaler was called on a disposed model$/);
  });

  it('reports bad rows as the caller wrote them, and a row the scaler overflows', async () => {
    const model = await Sequential.create({ ...options, scaler });
    const bad = Array.from({ length: 3 }, (_, r) => Array.from(X.subarray(r * cols, (r + 1) * cols)));
    bad[2]![1] = NaN;
    expectError(() => model.predictProba(bad), 'x', /^x\[2\]\[1\] is NaN; every feature must be a finite number$/);
    const flat = X.slice(0, 3 * cols);
    flat[7] = -Infinity;
    expectError(() => model.evaluate(flat, [0, 1, 0]), 'x', /^x row 1, column 2 is -Infinity\b/);
    await expectRejection(
      () => model.fit(X, Y, { validationData: [flat, [0, 1, 0]] }),
      'options.validationData[0]',
      /^options\.validationData\[0\] row 1, column 2 is -Infinity\b/,
    );
    const huge = X.slice(0, cols);
    huge[1] = 3e38; // column 1 has scale ≈ 6e-4
    expectError(() => model.predictProba(huge), 'x', /^x row 0, column 1 is 3\.\d+e\+38, which the scaler maps to (-)?Infinity, outside the float32 range$/);
    expect(huge[1]).toBe(Math.fround(3e38));
  });

  it('trainInWorker trains with it and returns it in the model', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-scaler-'));
    try {
      const workerUrl = await bundleWorker(dir);
      const fit = { epochs: 5, learningRate: 0.2, batchSize: 8 };
      const result = await trainInWorker({ model: { ...options, scaler }, x: X, y: Y, fit, workerUrl }).done;
      const local = await Sequential.create({ ...options, scaler });
      await local.fit({ data: X, rows, cols }, Y, fit);
      expect(result.model).toEqual(local.toJSON());
      // and continues a saved model, keeping its scaler
      const again = await trainInWorker({ model: result.model, load: { seed: 1, backend }, x: X, y: Y, fit, workerUrl }).done;
      expect(again.model.scaler).toEqual(scaler.toJSON());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('model files with a scaler, hostile', () => {
  const saved = async (): Promise<any> => {
    const m = await Sequential.create({
      inputs: 3,
      layers: [dense(1, 'sigmoid')],
      seed: 1,
      scaler: StandardScaler.fit([
        [1, 2, 3],
        [2, 4, 8],
      ]),
    });
    return m.toJSON();
  };
  it.each<[string, (j: any) => void, string, RegExp]>([
    [
      'a scaler of the wrong width',
      (j) => {
        j.scaler.mean.pop();
        j.scaler.scale.pop();
      },
      'json.scaler',
      /^json\.scaler has 2 columns, but json\.inputs is 3$/,
    ],
    ['a scaler in a version 1 file', (j) => (j.version = 1), 'json.scaler', /^json\.scaler needs version 2; json\.version is 1$/],
    ['a scaler with a zero scale', (j) => (j.scaler.scale[0] = 0), 'json.scaler.scale', /^json\.scaler\.scale\[0\] is 0; scales must be finite numbers > 0$/],
    ['a scaler with a negative scale', (j) => (j.scaler.scale[2] = -3), 'json.scaler.scale', /^json\.scaler\.scale\[2\] is -3\b/],
    ['a scaler with NaN in mean', (j) => (j.scaler.mean[1] = NaN), 'json.scaler.mean', /^json\.scaler\.mean\[1\] is (NaN|null); means must be finite numbers$/],
    ['a scaler of lengths that differ', (j) => j.scaler.scale.pop(), 'json.scaler.scale', /^json\.scaler\.scale has 2 values, but json\.scaler\.mean has 3$/],
    ['a scaler that is null', (j) => (j.scaler = null), 'json.scaler', /^json\.scaler must be an object, got null$/],
    ['a scaler that is text', (j) => (j.scaler = '{}'), 'json.scaler', /^json\.scaler must be an object, got "\{\}"$/],
    ['a scaler without format', (j) => delete j.scaler.format, 'json.scaler.format', /^json\.scaler\.format must be "gradwasm-scaler", got undefined$/],
  ])('fromJSON rejects %s', async (_name, edit, argument, message) => {
    const json = await saved();
    edit(json);
    await expectRejection(() => Sequential.fromJSON(json), argument, message);
    await expectRejection(() => Sequential.fromJSON(JSON.stringify(json)), argument, message);
  });
});
