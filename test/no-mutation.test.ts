// The caller's arrays are never modified, and the model never keeps a reference to them:
// every public function that takes arrays is called with every accepted form of input,
// and the inputs are compared with deep copies taken beforehand. Arrays the model hands
// out (getWeights, gradients, toJSON) are copies too: writing to them changes nothing.
import { describe, expect, it } from 'vitest';
import { Sequential, dense, trainTestSplit, type Features, type LayerWeights, type ModelJSON } from '../src/index.js';
import { Xoshiro128 } from '../src/core/prng.js';

const BACKENDS = ['wasm', 'js'] as const;

/** A seeded generator, so every input below is the same on every run. */
function prng(seed: number): () => number {
  const rng = new Xoshiro128(seed);
  return () => rng.nextUnit();
}

/** Shapes [rows, cols]: one row, odd widths, one column. */
const SHAPES: [rows: number, cols: number][] = [
  [1, 3],
  [6, 3],
  [1, 17],
  [9, 17],
  [5, 1],
];

type XForm = 'number[][]' | 'Float32Array' | 'Float64Array' | '{data: number[]}' | '{data: Float32Array}' | '{data: Float64Array}';
const X_FORMS: XForm[] = ['number[][]', 'Float32Array', 'Float64Array', '{data: number[]}', '{data: Float32Array}', '{data: Float64Array}'];
type YForm = 'number[]' | 'Float32Array' | 'Uint8Array';
const Y_FORMS: YForm[] = ['number[]', 'Float32Array', 'Uint8Array'];

/** Row-major values in [-3, 3) with a few awkward ones (−0, tiny, large-but-float32). */
function values(random: () => number, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < rows * cols; i++) {
    const u = random();
    out.push(u < 0.05 ? -0 : u < 0.1 ? 1e-30 * (random() - 0.5) : u < 0.12 ? 1e3 * (random() - 0.5) : (random() - 0.5) * 6);
  }
  return out;
}

function featuresIn(form: XForm, flat: number[], rows: number, cols: number): Features {
  switch (form) {
    case 'number[][]':
      return Array.from({ length: rows }, (_, r) => flat.slice(r * cols, (r + 1) * cols));
    case 'Float32Array':
      return Float32Array.from(flat);
    case 'Float64Array':
      return Float64Array.from(flat);
    case '{data: number[]}':
      return { data: flat.slice(), rows, cols };
    case '{data: Float32Array}':
      return { data: Float32Array.from(flat), rows, cols };
    case '{data: Float64Array}':
      return { data: Float64Array.from(flat), rows, cols };
  }
}

function labelsIn(form: YForm, labels: number[]): ArrayLike<number> {
  switch (form) {
    case 'number[]':
      return labels.slice();
    case 'Float32Array':
      return Float32Array.from(labels);
    case 'Uint8Array':
      return Uint8Array.from(labels);
  }
}

/** Labels with both classes whenever there are two rows or more. */
function labelsFor(random: () => number, rows: number): number[] {
  const y = Array.from({ length: rows }, () => (random() < 0.5 ? 1 : 0));
  if (rows >= 2) {
    y[0] = 0;
    y[rows - 1] = 1;
  }
  return y;
}

/** Exactly equal: toStrictEqual, and bit for bit (so that a −0 → 0 or a float64 → float32 rounding would show). */
function expectIdentical(actual: unknown, expected: unknown, what: string): void {
  expect(actual, what).toStrictEqual(expected);
  expect(bits(actual), what).toEqual(bits(expected));
}

/** Every number, with its sign of zero, in traversal order; typed arrays by their bytes. */
function bits(value: unknown): unknown {
  if (typeof value === 'number') return Object.is(value, -0) ? '-0' : Number.isNaN(value) ? 'NaN' : value;
  if (ArrayBuffer.isView(value)) {
    return [value.constructor.name, Array.from(new Uint8Array(value.buffer, value.byteOffset, value.byteLength))];
  }
  if (Array.isArray(value)) return value.map(bits);
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bits(v)]));
  }
  return value;
}

/** Write garbage into every number of an input (whatever its form): a caller reusing its buffers. */
function scribble(value: unknown): void {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) {
    (value as unknown as { fill(v: number): void }).fill(value instanceof Uint8Array ? 1 : 123.5);
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => {
      if (typeof v === 'number') value[i] = 123.5;
      else scribble(v);
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) scribble(v);
  }
}

describe.each(BACKENDS)('no mutation on the %s backend', (backend) => {
  const create = (cols: number, seed: number): Promise<Sequential> =>
    Sequential.create({ inputs: cols, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed, backend });

  describe.each(SHAPES)('%i row(s) × %i column(s)', (rows, cols) => {
    describe.each(X_FORMS)('x as %s', (xForm) => {
      it.each(Y_FORMS)('y as %s: fit (with validationData), predictProba, predict, evaluate, gradients, trainTestSplit', async (yForm) => {
        const random = prng(rows * 1000 + cols * 10 + X_FORMS.indexOf(xForm) * 3 + Y_FORMS.indexOf(yForm));
        const xValues = values(random, rows, cols); // never handed to the library: featuresIn copies it
        const x = featuresIn(xForm, xValues, rows, cols);
        const y = labelsIn(yForm, labelsFor(random, rows));
        // validation data in the "other" forms, with its own row count
        const vRows = rows + 2;
        const xv = featuresIn(X_FORMS[(X_FORMS.indexOf(xForm) + 1) % X_FORMS.length]!, values(random, vRows, cols), vRows, cols);
        const yv = labelsIn(Y_FORMS[(Y_FORMS.indexOf(yForm) + 1) % Y_FORMS.length]!, labelsFor(random, vRows));
        const validationData = [xv, yv] as const;
        const logs: unknown[] = [];
        const options = {
          epochs: 3,
          learningRate: 0.1,
          batchSize: Math.max(1, Math.ceil(rows / 2)),
          shuffle: true,
          validationData,
          onEpochEnd: (log: unknown) => {
            logs.push(log);
          },
        };
        const before = structuredClone({ x, y, xv, yv, options: { ...options, onEpochEnd: undefined } });

        const m = await create(cols, rows + cols);
        const weights0 = m.getWeights();
        const history = await m.fit(x, y, options);
        expect(history.loss).toHaveLength(3);
        expect(history.valLoss).toHaveLength(3);
        expect(logs).toHaveLength(3);
        expect(m.getWeights()).not.toEqual(weights0); // it did train
        expect(options.validationData).toBe(validationData);
        expect(validationData[0]).toBe(xv);
        expect(validationData[1]).toBe(yv);
        expect(Object.keys(options)).toEqual(['epochs', 'learningRate', 'batchSize', 'shuffle', 'validationData', 'onEpochEnd']);

        const p = m.predictProba(x);
        expect(p).toHaveLength(rows);
        expect(p).not.toBe(x);
        const classes = m.predict(x, 0.5);
        expect(classes).toHaveLength(rows);
        const evaluation = m.evaluate(x, y);
        expect(Number.isFinite(evaluation.loss)).toBe(true);
        const grads = m.gradients(x, y);
        expect(grads.layers).toHaveLength(2);
        m.predictProba(xv);
        m.evaluate(xv, yv);
        m.gradients(xv, yv);

        expectIdentical(x, before.x, 'x');
        expectIdentical(y, before.y, 'y');
        expectIdentical(xv, before.xv, 'validation x');
        expectIdentical(yv, before.yv, 'validation y');
        expectIdentical({ ...options, onEpochEnd: undefined }, before.options, 'fit options');

        // the model kept no reference to the caller's arrays: scribbling on them now changes nothing
        const weights1 = m.getWeights();
        scribble(x);
        scribble(xv);
        scribble(y);
        scribble(yv);
        const fresh = featuresIn(xForm, xValues, rows, cols);
        expect(m.getWeights()).toEqual(weights1);
        expect(m.predictProba(fresh)).toEqual(p);

        // trainTestSplit (needs a row on each side)
        if (rows >= 2) {
          const xs = featuresIn(xForm, values(random, rows, cols), rows, cols);
          const ys = labelsIn(yForm, labelsFor(random, rows));
          const copy = structuredClone({ xs, ys });
          const split = trainTestSplit(xs, ys, { cols, testFraction: 0.5, seed: 3 });
          expect(split.train.x.rows + split.test.x.rows).toBe(rows);
          expectIdentical(xs, copy.xs, 'trainTestSplit x');
          expectIdentical(ys, copy.ys, 'trainTestSplit y');
          const trainData = split.train.x.data.slice();
          scribble(xs);
          expect(split.train.x.data).toEqual(trainData);
        }
        m.dispose();
      });
    });

    it('setWeights: the arrays passed in are unchanged, and writing to them afterwards changes nothing', async () => {
      const random = prng(rows * 31 + cols);
      const x = featuresIn('Float32Array', values(random, rows, cols), rows, cols);
      const m = await create(cols, 1);
      const shapes = m.getWeights().map((l) => [l.weights.length, l.bias.length] as const);
      const w: LayerWeights[] = shapes.map(([nw, nb]) => ({
        weights: Float32Array.from({ length: nw }, () => random() - 0.5),
        bias: Float32Array.from({ length: nb }, () => random() - 0.5),
      }));
      const copy = structuredClone(w);
      m.setWeights(w);
      expectIdentical(w, copy, 'setWeights argument');
      expect(m.getWeights()).toEqual(copy);
      const p = m.predictProba(x);

      for (const layer of w) {
        layer.weights.fill(7);
        layer.bias.fill(-7);
      }
      expect(m.getWeights()).toEqual(copy);
      expect(m.predictProba(x)).toEqual(p);

      // plain number[] kernels and biases are read the same way (cast: the type says Float32Array)
      const plain = copy.map((l) => ({ weights: Array.from(l.weights), bias: Array.from(l.bias) }));
      const plainCopy = structuredClone(plain);
      const m2 = await create(cols, 2);
      m2.setWeights(plain as never);
      expectIdentical(plain, plainCopy, 'setWeights number[] argument');
      expect(m2.predictProba(x)).toEqual(p);
      scribble(plain);
      expect(m2.predictProba(x)).toEqual(p);

      // frozen arrays: a library writing to them would throw in strict mode
      const frozen = Object.freeze(plainCopy.map((l) => Object.freeze({ weights: Object.freeze(l.weights.slice()), bias: Object.freeze(l.bias.slice()) })));
      expect(() => m2.setWeights(frozen as never)).not.toThrow();
      m.dispose();
      m2.dispose();
    });

    it('getWeights, gradients and toJSON hand out copies: writing to them changes nothing', async () => {
      const random = prng(rows * 77 + cols);
      const x = featuresIn('number[][]', values(random, rows, cols), rows, cols);
      const y = labelsFor(random, rows);
      const m = await create(cols, 4);
      await m.fit(x, y, { epochs: 2, learningRate: 0.3 });
      const p = m.predictProba(x);
      const g = m.gradients(x, y);
      const gCopy = structuredClone(g);
      const snapshot = m.getWeights();

      const handedOut = m.getWeights();
      for (const layer of handedOut) {
        layer.weights.fill(3);
        layer.bias.fill(3);
      }
      for (const layer of g.layers) {
        layer.weights.fill(5);
        layer.bias.fill(5);
      }
      const json = m.toJSON();
      for (const layer of json.layers) {
        layer.weights.fill(9);
        layer.bias.fill(9);
      }
      json.inputs = 999;

      expect(m.getWeights()).toEqual(snapshot);
      expect(m.predictProba(x)).toEqual(p);
      expect(m.gradients(x, y)).toEqual(gCopy);
      expect(m.toJSON().inputs).toBe(cols);
      m.dispose();
    });

    it('Sequential.fromJSON: the object passed in is unchanged, and writing to it afterwards changes nothing', async () => {
      const random = prng(rows * 53 + cols);
      const x = featuresIn('Float64Array', values(random, rows, cols), rows, cols);
      const source = await create(cols, 9);
      await source.fit(x, labelsFor(random, rows), { epochs: 2, learningRate: 0.5 });
      const p = source.predictProba(x);
      const json: ModelJSON = source.toJSON();
      const copy = structuredClone(json);

      const loaded = await Sequential.fromJSON(json, { backend, seed: 1 });
      expectIdentical(json, copy, 'fromJSON argument');
      expect(loaded.predictProba(x)).toEqual(p);

      for (const layer of json.layers) {
        layer.weights.fill(42);
        layer.bias.fill(-42);
        layer.units = 7;
        layer.activation = 'relu';
      }
      json.inputs = 1234;
      expect(loaded.predictProba(x)).toEqual(p);
      expect(loaded.toJSON()).toEqual(copy);

      // a deep-frozen file loads: nothing writes to it
      const frozen = deepFreeze(structuredClone(copy));
      const again = await Sequential.fromJSON(frozen, { backend });
      expect(again.predictProba(x)).toEqual(p);
      expectIdentical(frozen, copy, 'frozen fromJSON argument');

      // and so does its text, which is a string and so cannot change, but must give the same model
      const fromText = await Sequential.fromJSON(JSON.stringify(copy), { backend });
      expect(fromText.getWeights()).toEqual(loaded.getWeights());
      for (const m of [source, loaded, again, fromText]) m.dispose();
    });

    it('deep-frozen number[][] inputs work everywhere (a write would throw in strict mode)', async () => {
      const random = prng(rows * 97 + cols);
      const flat = values(random, rows, cols);
      const x = deepFreeze(featuresIn('number[][]', flat, rows, cols) as number[][]);
      const y = Object.freeze(labelsFor(random, rows));
      const xm = deepFreeze({ data: flat.slice(), rows, cols });
      const m = await create(cols, 5);
      await m.fit(x, y, { epochs: 2, batchSize: 1, validationData: Object.freeze([xm, y] as const) });
      expect(m.predictProba(x)).toEqual(m.predictProba(xm));
      m.predict(xm);
      m.evaluate(x, y);
      m.gradients(xm, y);
      if (rows >= 2) trainTestSplit(x, y, { cols, testFraction: 0.5 });
      expect(x.flat()).toEqual(flat);
      m.dispose();
    });
  });
});

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !ArrayBuffer.isView(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
