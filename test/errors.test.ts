// Errors a program can branch on (issue 20): every error gradwasm throws is a GradwasmError, and
// the five kinds are subclasses with fields — found here where the library raises them, not made
// by hand — which keep their class and fields across trainInWorker's message channel.
import { describe, expect, it } from 'vitest';
import {
  BrokenModelError,
  DataError,
  DivergenceError,
  GradwasmError,
  MemoryLimitError,
  OptionError,
  Sequential,
  dense,
  parseCsv,
  setMemoryLimit,
  trainInWorker,
} from '../src/index.js';
import { errorFromRecord, errorRecord } from '../src/worker/error-record.js';
import { labels, uniform } from './support/random.js';

const rows = 64,
  inputs = 5;
const x = { data: uniform(1, rows * inputs, -3, 3), rows, cols: inputs };
const y = labels(2, rows);
const linear = { inputs, layers: [dense(16, 'linear'), dense(8, 'linear'), dense(1, 'sigmoid')], seed: 3 };

/** What `fn` threw (or rejected with). */
async function thrown(fn: () => unknown): Promise<unknown> {
  try {
    await fn();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

function isGradwasm(error: unknown, type: abstract new (...args: never[]) => GradwasmError, name: string): asserts error is GradwasmError {
  expect(error).toBeInstanceOf(type);
  expect(error).toBeInstanceOf(GradwasmError);
  expect(error).toBeInstanceOf(Error);
  expect((error as Error).name).toBe(name);
  expect(String(error)).toMatch(new RegExp(`^${name}: `));
}

describe('the error classes, where the library raises them', () => {
  it('OptionError: an option out of its domain, argument named', async () => {
    const e = await thrown(() => Sequential.create({ ...linear, seed: -1 }));
    isGradwasm(e, OptionError, 'OptionError');
    expect(e.argument).toBe('options.seed');
  });

  it('DataError: a bad cell, with its source, line and column', async () => {
    const e = await thrown(() => parseCsv('a,b,label\n1,2,0\n3,abc,1\n', { source: 'data.csv' }));
    isGradwasm(e, DataError, 'DataError');
    expect(e).toMatchObject({ argument: 'text', source: 'data.csv', line: 3, column: 'b' });
  });

  it('DataError: a value that is not a number, with its row and column in x', async () => {
    const model = await Sequential.create(linear);
    const data = x.data.slice();
    data[7 * inputs + 2] = NaN;
    const e = await thrown(() => model.predictProba({ data, rows, cols: inputs }));
    isGradwasm(e, DataError, 'DataError');
    expect(e).toMatchObject({ argument: 'x', source: 'x', row: 7, column: 2 });
  });

  it.each(['wasm', 'js'] as const)('DivergenceError (%s): epoch, batch and cause as the message says them', async (backend) => {
    const model = await Sequential.create({ ...linear, backend });
    const e = await thrown(() => model.fit(x, y, { epochs: 50, batchSize: 8, learningRate: 1e6 }));
    isGradwasm(e, DivergenceError, 'DivergenceError');
    const [, epoch, batch] = /epoch (\d+), batch (\d+)/.exec(e.message)!.map(Number);
    expect(e).toMatchObject({ epoch, batch });
    expect(['non-finite-loss', 'exploding-loss', 'non-finite-weights']).toContain((e as DivergenceError).cause);
    expect((e as DivergenceError).cause).toBe(
      /the loss became/.test(e.message) ? 'non-finite-loss' : /exploded/.test(e.message) ? 'exploding-loss' : 'non-finite-weights',
    );
  });

  it('MemoryLimitError: the bytes needed and the limit met', async () => {
    const limit = 4 * 2 ** 20;
    setMemoryLimit(limit);
    try {
      const e = await thrown(() => Sequential.create({ inputs: 2000, layers: [dense(1000, 'relu'), dense(1, 'sigmoid')], seed: 1 }));
      isGradwasm(e, MemoryLimitError, 'MemoryLimitError');
      expect((e as MemoryLimitError).limit).toBe(limit);
      expect((e as MemoryLimitError).bytes).toBeGreaterThan(limit);
    } finally {
      setMemoryLimit(2 ** 32);
    }
  });

  it.each(['wasm', 'js'] as const)('BrokenModelError (%s): a disposed model says so', async (backend) => {
    const model = await Sequential.create({ ...linear, backend });
    model.dispose();
    const e = await thrown(() => model.predictProba(x));
    isGradwasm(e, BrokenModelError, 'BrokenModelError');
    expect((e as BrokenModelError).disposed).toBe(true);
  });
});

describe('errors across the worker channel', () => {
  it('a record made into an error again: the same class, message, argument and fields', async () => {
    const errors = [
      await thrown(() => parseCsv('a,label\nx,0\n', { source: 's.csv' })),
      await thrown(async () => (await Sequential.create(linear)).fit(x, y, { epochs: 50, batchSize: 8, learningRate: 1e6 })),
      new MemoryLimitError('memory', 'm', { bytes: 10, limit: 5 }),
      new BrokenModelError('model', 'b', { disposed: false }),
      new OptionError('options.a', 'o'),
      new GradwasmError('g', 'g'),
    ];
    for (const error of errors) {
      const again = errorFromRecord(structuredClone(errorRecord(error)));
      expect(again.constructor).toBe((error as Error).constructor);
      expect({ ...again, message: again.message }).toEqual({ ...(error as Error), message: (error as Error).message });
    }
    expect(errorFromRecord(errorRecord(new RangeError('r')))).toMatchObject({ name: 'RangeError', message: 'r' });
  });

  it('trainInWorker rejects with the DivergenceError the worker met, fields and all', async () => {
    const e = await thrown(() => trainInWorker({ model: linear, x, y, fit: { epochs: 50, batchSize: 8, learningRate: 1e6 } }).done);
    isGradwasm(e, DivergenceError, 'DivergenceError');
    expect(e.message).toMatch(/^training diverged in epoch \d+, batch \d+/);
    expect(Number.isInteger((e as DivergenceError).epoch)).toBe(true);
  });
});
