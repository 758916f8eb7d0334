// A source that is still a Promise — `fitDataset(npyDataset(path))`, the reader not awaited — is
// named as such wherever a source of chunks is taken, with the fix, and never awaited for the
// caller (the API says what it takes).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, type DataSource } from '../src/index.js';
import { npyDataset, scanStats, writeNpy } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-promise-'));

/** What `call` rejects with: a GradwasmError naming `argument`, its message matching `message`. */
async function expectRejection(call: () => Promise<unknown>, argument: string, message: RegExp): Promise<void> {
  const error = await call().then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, `expected a GradwasmError for ${argument}`).toBeInstanceOf(GradwasmError);
  expect((error as GradwasmError).argument).toBe(argument);
  expect((error as GradwasmError).message).toMatch(message);
}

const isPromise = (argument: string) => new RegExp(`^${argument.replace(/\./g, '\\.')} is a Promise.*await it`);
const returnedPromise = /^source\(\) returned a Promise.*await/;

describe('a source passed as a Promise', () => {
  const path = join(dir, 'rows.npy');
  const unread = () => npyDataset(path, { label: 2 }) as unknown as DataSource; // as a JavaScript caller would, without types
  beforeAll(() => writeNpy(path, { data: new Float32Array([0, 1, 0, 1, 0, 1, 1, 0, 1, 0, 1, 0]), rows: 4, cols: 3 }));

  it.each(['wasm', 'js'] as const)('fitDataset, its validationData and evaluateDataset name the argument and say to await it (%s)', async (backend) => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1, backend });
    try {
      await expectRejection(() => model.fitDataset(unread(), { epochs: 1 }), 'source', isPromise('source'));
      const rows = await npyDataset(path, { label: 2 });
      await expectRejection(
        () => model.fitDataset(rows, { epochs: 1, validationData: unread() }),
        'options.validationData',
        isPromise('options.validationData'),
      );
      await expectRejection(() => model.evaluateDataset(unread()), 'source', isPromise('source'));
      expect((await model.fitDataset(rows, { epochs: 1 })).loss).toHaveLength(1); // awaited, it trains
    } finally {
      model.dispose();
    }
  });

  it('scanStats says the same', async () => {
    await expectRejection(() => scanStats(unread()), 'source', isPromise('source'));
  });

  it('a function that returns a Promise (an async function) is named too, not left to fail as "an object" or a TypeError', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 });
    try {
      await expectRejection(() => model.fitDataset(unread as DataSource, { epochs: 1 }), 'source', returnedPromise);
      await expectRejection(() => model.evaluateDataset(unread as DataSource), 'source', returnedPromise);
      await expectRejection(() => scanStats(unread as DataSource), 'source', returnedPromise);
    } finally {
      model.dispose();
    }
  });
});
