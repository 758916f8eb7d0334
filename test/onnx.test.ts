// toOnnx: files onnxruntime-web loads and runs as the model predicts — every activation, with and
// without a scaler, on breast cancer and on random MLPs, any batch size — with skl2onnx's outputs
// (label, probabilities) beside probability, and the producer and column names in the header.
// (test/export-exact.test.ts holds the export to 1e-6 where float32 rounds the scaler.)
import * as ort from 'onnxruntime-web';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { HIDDEN_ACTIVATIONS, GradwasmError, Sequential, StandardScaler, dense, toOnnx } from '../src/index.js';
import { readCsv, saveOnnx } from '../src/node/index.js';
import { labels, uniform } from './support/random.js';

beforeAll(() => {
  ort.env.wasm.numThreads = 1;
});

/**
 * P(Y=1) from onnxruntime-web for rows × cols features; `label` and `probabilities` checked
 * against it: label = 1 where P(Y=1) > 0.5, probabilities = [1 − P(Y=1), P(Y=1)] in float32.
 */
async function onnxPredict(bytes: Uint8Array, data: Float32Array, rows: number, cols: number): Promise<Float32Array> {
  const session = await ort.InferenceSession.create(bytes);
  expect(session.inputNames).toEqual(['features']);
  expect(session.outputNames).toEqual(['label', 'probabilities', 'probability']); // skl2onnx's order, then ours
  const { label, probabilities, probability } = await session.run({ features: new ort.Tensor('float32', data, [rows, cols]) });
  expect(probability!.dims).toEqual([rows, 1]);
  expect([label!.type, label!.dims]).toEqual(['int64', [rows]]);
  expect([probabilities!.type, probabilities!.dims]).toEqual(['float32', [rows, 2]]);
  const p = probability!.data as Float32Array,
    both = probabilities!.data as Float32Array;
  expect(Array.from(label!.data as BigInt64Array, Number)).toEqual(Array.from(p, (v) => (v > 0.5 ? 1 : 0)));
  expect(Array.from(both.filter((_, i) => i % 2 === 1))).toEqual(Array.from(p));
  expect(Array.from(both.filter((_, i) => i % 2 === 0))).toEqual(Array.from(p, (v) => Math.fround(1 - v)));
  return p;
}

/** `label` from onnxruntime-web. */
async function onnxLabel(bytes: Uint8Array, data: Float32Array, rows: number, cols: number): Promise<number[]> {
  const session = await ort.InferenceSession.create(bytes);
  const { label } = await session.run({ features: new ort.Tensor('float32', data, [rows, cols]) });
  return Array.from(label!.data as BigInt64Array, Number);
}

function maxDifference(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  return a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
}

describe('toOnnx', () => {
  it.each(HIDDEN_ACTIVATIONS)('a random MLP with %s hidden layers, with and without a scaler, at any batch size, within 1e-6', async (activation) => {
    const cols = 7;
    for (const scaled of [false, true]) {
      const x = uniform(3, 300 * cols, -2, 5);
      const scaler = scaled ? StandardScaler.fit({ data: x, rows: 300, cols }) : null;
      const model = await Sequential.create({ inputs: cols, layers: [dense(13, activation), dense(6, activation), dense(1, 'sigmoid')], seed: 4, scaler });
      await model.fit({ data: x, rows: 300, cols }, labels(5, 300), { epochs: 3, batchSize: 32, learningRate: 0.01 });
      const bytes = toOnnx(model);
      for (const rows of [1, 2, 300]) {
        const data = x.subarray(0, rows * cols);
        const worst = maxDifference(await onnxPredict(bytes, data, rows, cols), model.predictProba({ data, rows, cols }));
        expect(worst, `${activation}, ${scaled ? 'scaled' : 'raw'}, ${rows} rows`).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it('the breast-cancer model with its scaler, on the raw table', async () => {
    const t = await readCsv('data/breast_cancer.csv');
    const model = await Sequential.create({
      inputs: 30,
      layers: [dense(16, 'relu'), dense(8, 'relu'), dense(1, 'sigmoid')],
      seed: 1,
      scaler: StandardScaler.fit(t.x),
    });
    await model.fit(t.x, t.y, { epochs: 30, batchSize: 32, optimizer: 'adam', learningRate: 0.01 });
    const p = await onnxPredict(toOnnx(model), t.x.data, t.x.rows, 30);
    expect(maxDifference(p, model.predictProba(t.x))).toBeLessThanOrEqual(1e-6);
  });

  it('a logistic regression (one Gemm and a Sigmoid), and saveOnnx writes the same bytes', async () => {
    const model = await Sequential.create({ inputs: 4, layers: [dense(1, 'sigmoid')], seed: 9 });
    const bytes = toOnnx(model);
    const x = uniform(8, 40, -1, 1);
    expect(maxDifference(await onnxPredict(bytes, x, 10, 4), model.predictProba({ data: x, rows: 10, cols: 4 }))).toBeLessThanOrEqual(1e-6);
    const path = join(mkdtempSync(join(tmpdir(), 'gradwasm-onnx-')), 'model.onnx');
    await saveOnnx(model, path);
    expect(new Uint8Array(readFileSync(path))).toEqual(bytes);
  });

  it("carries the model's column names as metadata_props, which onnxruntime still loads", async () => {
    const t = await readCsv('data/breast_cancer.csv');
    const model = await Sequential.create({ inputs: 30, layers: [dense(1, 'sigmoid')], seed: 2 });
    await model.fit(t, { epochs: 1 });
    const bytes = toOnnx(model);
    expect(metadata(bytes)).toEqual({ features: JSON.stringify(t.features), label: 'label' });
    expect(
      maxDifference(await onnxPredict(bytes, t.x.data.subarray(0, 150), 5, 30), model.predictProba({ data: t.x.data.subarray(0, 150), rows: 5, cols: 30 })),
    ).toBeLessThanOrEqual(1e-6);
    const nameless = await Sequential.create({ inputs: 3, layers: [dense(1, 'sigmoid')], seed: 2 });
    expect(metadata(toOnnx(nameless))).toEqual({});
  });

  it("label is predict's class — but where P(Y=1) is within 1e-6 of 0.5 — and probabilities its [1 − p, p]", async () => {
    const t = await readCsv('data/breast_cancer.csv');
    const model = await Sequential.create({ inputs: 30, layers: [dense(8, 'tanh'), dense(1, 'sigmoid')], seed: 3, scaler: StandardScaler.fit(t.x) });
    await model.fit(t.x, t.y, { epochs: 2, batchSize: 64, learningRate: 0.01 });
    const bytes = toOnnx(model);
    const label = await onnxLabel(bytes, t.x.data, t.x.rows, 30);
    const p = model.predictProba(t.x),
      classes = model.predict(t.x);
    const near = p.filter((v) => Math.abs(v - 0.5) <= 1e-6).length;
    expect(label.filter((c, i) => Math.abs(p[i]! - 0.5) > 1e-6 && c !== classes[i])).toEqual([]);
    expect(near).toBeLessThan(3);
    expect(new Set(label)).toEqual(new Set([0, 1])); // both classes occur: the comparison means something
    const probabilities = (await ort.InferenceSession.create(bytes).then((s) => s.run({ features: new ort.Tensor('float32', t.x.data, [t.x.rows, 30]) })))
      .probabilities!.data as Float32Array;
    for (let i = 0; i < t.x.rows; i++) {
      expect(Math.abs(probabilities[2 * i]! - (1 - p[i]!))).toBeLessThanOrEqual(1e-6);
      expect(Math.abs(probabilities[2 * i + 1]! - p[i]!)).toBeLessThanOrEqual(1e-6);
    }
  });

  it('names its producer (gradwasm and the version the build put in) and says what it computes in doc_string', async () => {
    const model = await Sequential.create({
      inputs: 3,
      layers: [dense(4, 'relu'), dense(1, 'sigmoid')],
      seed: 1,
      scaler: StandardScaler.fromStats({ mean: [1, 2, 3], std: [1, 1, 1] }),
    });
    expect(header(toOnnx(model))).toMatchObject({ ir_version: 7, producer_name: 'gradwasm', producer_version: 'dev', opset: 13 }); // sources as vitest runs them
    vi.stubGlobal('GRADWASM_VERSION', '9.8.7'); // what the build's define puts in
    const h = header(toOnnx(model));
    expect(h.producer_version).toBe('9.8.7');
    expect(h.doc_string).toBe(
      'A binary classifier from gradwasm 9.8.7: StandardScaler → Dense(4, relu) → Dense(1, sigmoid). Input features [batch, 3], raw (the scaler is inside); ' +
        'outputs label (int64, 1 where P(Y=1) > 0.5), probabilities [1 − P(Y=1), P(Y=1)] (as skl2onnx writes them with zipmap off) and probability [batch, 1], P(Y=1).',
    );
    const session = await ort.InferenceSession.create(toOnnx(model));
    expect(session.outputNames).toEqual(['label', 'probabilities', 'probability']);
  });

  it('refuses what is not a model', () => {
    for (const bad of [null, {}, 'model.json']) {
      expect(() => toOnnx(bad as never)).toThrow(GradwasmError);
    }
  });
});

afterEach(() => {
  vi.unstubAllGlobals();
});

/** A message's fields in order: [field number, varint or bytes], read with a protobuf reader of its own. */
function fields(b: Uint8Array): [number, Uint8Array | number][] {
  const out: [number, Uint8Array | number][] = [];
  let i = 0;
  const varint = (): number => {
    let v = 0,
      scale = 1;
    for (;;) {
      const byte = b[i++]!;
      v += (byte & 0x7f) * scale;
      scale *= 128;
      if (byte < 0x80) return v;
    }
  };
  while (i < b.length) {
    const key = varint(),
      field = Math.floor(key / 8),
      type = key % 8;
    if (type === 0) out.push([field, varint()]);
    else if (type === 2) {
      const n = varint();
      out.push([field, b.subarray(i, i + n)]);
      i += n;
    } else throw new Error(`wire type ${type}`);
  }
  return out;
}

const text = (v: Uint8Array | number) => new TextDecoder().decode(v as Uint8Array);

/** ModelProto.metadata_props (field 14: key 1, value 2). */
function metadata(bytes: Uint8Array): Record<string, string> {
  return Object.fromEntries(
    fields(bytes)
      .filter(([f]) => f === 14)
      .map(([, entry]) => {
        const kv = new Map(fields(entry as Uint8Array));
        return [text(kv.get(1)!), text(kv.get(2)!)];
      }),
  );
}

/** ModelProto's header: ir_version (1), producer_name (2), producer_version (3), doc_string (6), the default domain's opset (8: version 2). */
function header(bytes: Uint8Array): { ir_version: number; producer_name: string; producer_version: string; doc_string: string; opset: number } {
  const m = new Map(fields(bytes));
  return {
    ir_version: m.get(1) as number,
    producer_name: text(m.get(2)!),
    producer_version: text(m.get(3)!),
    doc_string: text(m.get(6)!),
    opset: new Map(fields(m.get(8) as Uint8Array)).get(2) as number,
  };
}
