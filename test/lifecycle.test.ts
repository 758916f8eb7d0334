// Memory lifecycle of the wasm backend: freed memory is reused, growth never leaves a stale
// view, and data too large for the address space (or a chosen cap) is refused up front.
import { afterEach, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, setMemoryLimit } from '../src/index.js';
import { totalMemory } from '../src/backend/wasm/arena.js';
import { coreOf } from './support/core.js';
import { poolWorkers } from '../src/backend/wasm/threads.js';
import { labels, uniform } from './support/random.js';

afterEach(() => setMemoryLimit(2 ** 32));

describe('wasm memory lifecycle', () => {
  it('10,000 create/fit/dispose cycles with threads leave the memory size bounded, nothing in use, no worker or listener more', async () => {
    const x = { data: uniform(1, 40 * 6), rows: 40, cols: 6 };
    const y = labels(2, 40);
    const warm = await Sequential.create({ inputs: 6, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 0, threads: 2 });
    const core = coreOf(warm);
    warm.dispose();
    const inUse = core.arena.bytesInUse;
    const size = core.exports.memory.buffer.byteLength;
    const workers = await poolWorkers(),
      listeners = process.eventNames().map((e) => process.listenerCount(e));
    for (let i = 0; i < 10_000; i++) {
      const model = await Sequential.create({ inputs: 6, layers: [dense(1 + (i % 9), 'relu'), dense(1, 'sigmoid')], seed: i, threads: 2 });
      await model.fit(x, y, { epochs: 1, batchSize: 1 + (i % 40), learningRate: 0.1 });
      model.predictProba(x);
      model.dispose();
    }
    const grown = core.exports.memory.buffer.byteLength - size;
    console.log(
      `after 10,000 create/fit/dispose cycles: linear memory ${size} → ${core.exports.memory.buffer.byteLength} bytes (+${grown}), in use ${inUse} → ${core.arena.bytesInUse}`,
    );
    expect(core.arena.bytesInUse).toBe(inUse);
    expect(grown).toBeLessThanOrEqual(1 << 20);
    // the same pool served every model, and nothing was left listening
    expect(await poolWorkers()).toBe(workers);
    expect(process.eventNames().map((e) => process.listenerCount(e))).toEqual(listeners);
  });

  it('a memory.grow between calls leaves every model working on fresh views', async () => {
    const x = { data: uniform(3, 50 * 5), rows: 50, cols: 5 };
    const model = await Sequential.create({ inputs: 5, layers: [dense(7, 'tanh'), dense(1, 'sigmoid')], seed: 4 });
    const core = coreOf(model);
    const before = model.predictProba(x);
    const weights = model.getWeights();
    const size = core.exports.memory.buffer.byteLength;
    // another model's large fit forces the memory to grow (≥ 32 MiB of data)
    const rows = 8192,
      cols = 1024;
    const big = await Sequential.create({ inputs: cols, layers: [dense(1, 'sigmoid')], seed: 1 });
    await big.fit({ data: new Float32Array(rows * cols), rows, cols }, new Float32Array(rows), { epochs: 1, batchSize: 512, learningRate: 0.1 });
    expect(core.exports.memory.buffer.byteLength).toBeGreaterThan(size);
    expect(model.predictProba(x)).toEqual(before);
    expect(model.getWeights()).toEqual(weights);
    await model.fit(x, labels(5, 50), { epochs: 2, learningRate: 0.1 });
    expect(model.predictProba(x)).not.toEqual(before);
    big.dispose();
    model.dispose();
  });

  it('refuses data beyond the 4 GiB address space before allocating anything', async () => {
    const model = await Sequential.create({ inputs: 1024, layers: [dense(1, 'sigmoid')], seed: 1 });
    const core = coreOf(model);
    const inUse = core.arena.bytesInUse;
    const size = core.exports.memory.buffer.byteLength;
    const rows = 2 ** 21; // × 1024 columns = 2^31 float32 values = 8 GiB
    const huge = { data: { length: rows * 1024 } as ArrayLike<number>, rows, cols: 1024 };
    for (const call of [() => model.predictProba(huge), () => model.fit(huge, { length: rows } as ArrayLike<number>)]) {
      await expect((async () => call())()).rejects.toThrow(/more than the 4 GiB/);
    }
    expect(core.arena.bytesInUse).toBe(inUse);
    expect(core.exports.memory.buffer.byteLength).toBe(size);
    model.dispose();
  });

  it('refuses what would grow memory past a limit set with setMemoryLimit, and works again below it', async () => {
    const model = await Sequential.create({ inputs: 256, layers: [dense(16, 'relu'), dense(1, 'sigmoid')], seed: 1 });
    const core = coreOf(model);
    const size = core.exports.memory.buffer.byteLength;
    setMemoryLimit(totalMemory()); // no growth allowed from here (the limit counts every core's memory)
    const rows = Math.ceil(size / (256 * 4)) + 1; // a dataset larger than the whole memory
    const x = { data: new Float32Array(rows * 256), rows, cols: 256 };
    const error = await model.fit(x, new Float32Array(rows)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).message).toMatch(/setMemoryLimit/);
    expect(core.exports.memory.buffer.byteLength).toBe(size);
    const small = { data: uniform(2, 10 * 256), rows: 10, cols: 256 };
    expect(model.predictProba(small)).toHaveLength(10);
    setMemoryLimit(2 ** 32);
    await model.fit(x, new Float32Array(rows), { epochs: 1, batchSize: 256 });
    model.dispose();
  });

  it('setMemoryLimit checks its argument', () => {
    for (const bad of [0, -1, 1.5, 2 ** 33, NaN, '1e9' as unknown as number]) {
      expect(() => setMemoryLimit(bad)).toThrow(GradwasmError);
    }
  });
});
