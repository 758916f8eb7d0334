// Issue 10's memory defects, each reproduced: sizes past 2³¹ that wrapped in 32-bit arithmetic,
// allocation that was not all-or-nothing, passes whose workspace grew with the input, a trap
// that reached the caller and left other models to run on damaged memory.
import { afterEach, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, setMemoryLimit } from '../src/index.js';
import { CHUNK_BUDGET, planModel } from '../src/backend/plan.js';
import { loadTestCore } from './support/test-core.js';
import { totalMemory } from '../src/backend/wasm/arena.js';
import { coreOf } from './support/core.js';
import { labels, relativeDifference, uniform } from './support/random.js';

afterEach(() => setMemoryLimit(2 ** 32));

/** A small model whose predictions must not change, whatever happens to the others. */
async function canary(): Promise<{ check: () => void }> {
  const model = await Sequential.create({ inputs: 3, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed: 11 });
  const x = { data: uniform(12, 30), rows: 10, cols: 3 };
  const expected = model.predictProba(x);
  return { check: () => expect(model.predictProba(x)).toEqual(expected) };
}

describe('the memory plan', () => {
  it('sizes a chunk of rows by the model, not by the data, and never wraps', () => {
    const plan = planModel({ inputs: 1, layers: [dense(4096, 'relu'), dense(1, 'sigmoid')] });
    expect(plan.chunkRows * plan.rowBytes).toBeLessThanOrEqual(CHUNK_BUDGET);
    expect(plan.chunkRows).toBeGreaterThanOrEqual(4);
    const wide = planModel({ inputs: 65536, layers: [dense(65536), dense(1, 'sigmoid')] });
    // parameters and gradients (2 × (2³² + 65,536 + 65,536 + 4) floats) and the output kernel's transposition
    expect(wide.blockBytes).toBe(4 * (2 * (2 ** 32 + 65536 + 65536 + 4) + 65536)); // 32 GiB, not a wrapped small number
  });

  it('the descriptor size matches the core', async () => {
    const core = await loadTestCore(); // (the test build exports modelBytes; the core is the same source)
    for (const layers of [1, 2, 7, 100]) {
      const plan = planModel({
        inputs: 2,
        layers: Array.from({ length: layers }, (_, l) => dense(l === layers - 1 ? 1 : 3, l === layers - 1 ? 'sigmoid' : 'relu')),
      });
      expect(plan.descriptorBytes).toBe(core.exports.modelBytes(layers));
    }
  });
});

describe('the repro of issue 10: 1 input, dense(4096), 140,000 rows', () => {
  it('gradients() streams the rows through a bounded workspace and another model keeps working', async () => {
    const other = await canary();
    const model = await Sequential.create({ inputs: 1, layers: [dense(4096, 'relu'), dense(1, 'sigmoid')], seed: 5 });
    const core = coreOf(model);
    const rows = 140_000;
    const x = uniform(6, rows, -2, 2);
    const y = labels(7, rows);
    const before = core.exports.memory.buffer.byteLength;
    const all = model.gradients(x, y);
    // rows-sized buffers would be 140,000 × 4096 × 4 bytes = 2.1 GiB each: memory grew by far less
    expect(core.exports.memory.buffer.byteLength - before).toBeLessThan(64 * 2 ** 20);
    expect(Number.isFinite(all.loss)).toBe(true);
    // The mean gradient over all rows is the row-weighted mean of the gradients of two halves.
    const half = rows / 2;
    const a = model.gradients(x.subarray(0, half), y.subarray(0, half));
    const b = model.gradients(x.subarray(half), y.subarray(half));
    for (let l = 0; l < 2; l++) {
      const mean = all.layers[l]!.weights.map((_, i) => (a.layers[l]!.weights[i]! + b.layers[l]!.weights[i]!) / 2);
      expect(relativeDifference(all.layers[l]!.weights, mean)).toBeLessThan(1e-4);
    }
    expect(all.loss).toBeCloseTo((a.loss + b.loss) / 2, 10);
    other.check();
    model.dispose();
  }, 60_000);

  it('matches the js backend when the rows run in several chunks', async () => {
    const spec = { inputs: 3, layers: [dense(2048, 'relu'), dense(1, 'sigmoid')], seed: 9 };
    const rows = 3 * planModel(spec).chunkRows + 17;
    const x = { data: uniform(10, rows * 3), rows, cols: 3 };
    const y = labels(11, rows);
    const wasm = await Sequential.create(spec);
    const js = await Sequential.create({ ...spec, backend: 'js' });
    const gw = wasm.gradients(x, y),
      gj = js.gradients(x, y);
    expect(gw.loss).toBeCloseTo(gj.loss, 6);
    for (let l = 0; l < 2; l++) {
      expect(relativeDifference(gw.layers[l]!.weights, gj.layers[l]!.weights)).toBeLessThan(1e-4);
      expect(relativeDifference(gw.layers[l]!.bias, gj.layers[l]!.bias)).toBeLessThan(1e-4);
    }
    expect(relativeDifference(wasm.predictProba(x), js.predictProba(x))).toBeLessThan(1e-5);
    const ew = wasm.evaluate(x, y),
      ej = js.evaluate(x, y);
    expect(ew.loss).toBeCloseTo(ej.loss, 6);
    expect(ew.confusion).toEqual(ej.confusion);
  });
});

describe.each(['wasm', 'js'] as const)('a full batch larger than the workspace (%s)', (backend) => {
  it('runs through it in chunks and takes exactly one step: W − λ·gradients()', async () => {
    const spec = { inputs: 2, layers: [dense(1024, 'tanh'), dense(1, 'sigmoid')], seed: 3, backend };
    const rows = 2 * planModel(spec).chunkRows + 101;
    const x = { data: uniform(4, rows * 2), rows, cols: 2 };
    const y = labels(5, rows);
    const model = await Sequential.create(spec);
    const w0 = model.getWeights();
    const g = model.gradients(x, y);
    const lr = Math.fround(0.5);
    const history = await model.fit(x, y, { epochs: 1, learningRate: lr });
    expect(history.loss[0]).toBeCloseTo(g.loss, 12);
    model.getWeights().forEach((layer, l) => {
      const expected = w0[l]!.weights.map((w, i) => Math.fround(w + Math.fround(-lr * g.layers[l]!.weights[i]!)));
      expect(layer.weights).toEqual(expected);
    });
  });
});

describe('the repro of issue 10: setMemoryLimit(256 MiB), 1 input, dense(8714), 56,781 rows, fit', () => {
  it('trains (the full batch in chunks) and the other models keep working', async () => {
    const other = await canary();
    setMemoryLimit(256 * 2 ** 20);
    const model = await Sequential.create({ inputs: 1, layers: [dense(8714, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    const rows = 56_781;
    const history = await model.fit(uniform(2, rows), labels(3, rows), { epochs: 1 });
    expect(history.loss[0]).toBeGreaterThan(0.5);
    expect(model.getWeights().every((l) => l.weights.every(Number.isFinite))).toBe(true);
    other.check();
    model.dispose();
  }, 60_000);
});

describe('models too large are refused at once, before anything is allocated', () => {
  it('65,536 inputs × dense(8192) under a 64 MiB limit, and dense(65536) (16 GiB) anywhere', async () => {
    const size = totalMemory();
    setMemoryLimit(64 * 2 ** 20);
    const started = performance.now();
    for (const units of [8192, 2048]) {
      const error = await Sequential.create({ inputs: 65536, layers: [dense(units), dense(1, 'sigmoid')] }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GradwasmError);
      expect((error as GradwasmError).argument).toBe('options.layers');
    }
    setMemoryLimit(2 ** 32);
    for (const backend of ['wasm', 'js'] as const) {
      const error = await Sequential.create({ inputs: 65536, layers: [dense(65536), dense(1, 'sigmoid')], backend }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(GradwasmError);
      expect((error as Error).message).toMatch(/more than the 4 GiB gradwasm can address/);
    }
    expect(performance.now() - started).toBeLessThan(2000); // (the weights were never drawn: seconds and GBs before)
    expect(totalMemory()).toBe(size);
  });

  it('a fit over the limit is refused before any row is copied, and changes nothing', async () => {
    const model = await Sequential.create({ inputs: 64, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    const core = coreOf(model);
    const weights = model.getWeights();
    setMemoryLimit(totalMemory() + 65536);
    const size = core.exports.memory.buffer.byteLength,
      inUse = core.arena.bytesInUse;
    const rows = 100_000;
    let copied = 0;
    const data = new Proxy({ length: rows * 64 }, { get: (t, k) => (k === 'length' ? t.length : (copied++, 0)) });
    const error = await model.fit({ data: data as ArrayLike<number>, rows, cols: 64 }, new Float32Array(rows)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).argument).toBe('x');
    expect((error as Error).message).toMatch(/^fit on 100000 rows × 64 columns in one batch of all rows needs .* setMemoryLimit/);
    expect(copied).toBe(0);
    expect(core.exports.memory.buffer.byteLength).toBe(size);
    expect(core.arena.bytesInUse).toBe(inUse);
    expect(model.getWeights()).toEqual(weights);
    setMemoryLimit(2 ** 32);
    model.dispose();
  });
});

describe('a trap in the core', () => {
  it('becomes a GradwasmError, marks that model broken, and leaves the others working', async () => {
    const other = await canary();
    const model = await Sequential.create({ inputs: 4, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 2 });
    const core = coreOf(model);
    // No call can trap by design, so damage the model's descriptor by hand: its first layer's
    // kernel pointer (assembly/model.ts: after the header, L_W at 12) now points past the memory.
    const descriptor = (model as unknown as { engine: { model: number } }).engine.model;
    const header = (await loadTestCore()).exports.modelBytes(0);
    new Uint32Array(core.exports.memory.buffer, descriptor + header + 12, 1)[0] = 0xfffffff0;
    const x = [[1, 2, 3, 4]];
    expect(() => model.predictProba(x)).toThrow(GradwasmError);
    expect(() => model.predictProba(x)).toThrow(/trap/);
    for (const call of [() => model.predictProba(x), () => model.gradients(x, [1]), () => model.evaluate(x, [1]), () => model.getWeights()]) {
      expect(call).toThrow(/this model is broken/);
    }
    await expect(model.fit(x, [1])).rejects.toThrow(/this model is broken/);
    other.check();
    model.dispose();
    other.check();
  });
});
