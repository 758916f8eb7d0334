// The command line's outputs (issue 19): each is checked against every input and against every
// other output before anything is written — `export dir/model.json --tfjs dir` would overwrite
// the model it reads, `--tfjs t3 --onnx t3/weights.bin` would lose the ONNX file under the TF.js
// weights — and each is written to a temporary file and renamed into place.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { cli } from './support/cli.js';
import { checkDistinct, checkOutput } from '../src/cli/files.js';
import { GradwasmError } from '../src/index.js';

/** Every write and rename made, in order. */
const calls = vi.hoisted(() => [] as { op: 'write' | 'rename'; path: string }[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  return {
    ...fs,
    writeFile: (path: never, ...rest: never[]) => {
      calls.push({ op: 'write', path: String(path) });
      return (fs.writeFile as (...a: never[]) => Promise<void>)(path, ...rest);
    },
    rename: (from: string, to: string) => {
      calls.push({ op: 'rename', path: to });
      return fs.rename(from, to);
    },
  };
});

const DATA = 'data/breast_cancer.csv';
const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-outputs-'));
const model = join(dir, 'model.json');
let saved = '';

beforeAll(async () => {
  const r = await cli('train', DATA, '--epochs', '2', '--no-progress', '--out', model);
  expect(r.code, r.err).toBe(0);
  saved = readFileSync(model, 'utf8');
});
beforeEach(() => void calls.splice(0));

/** Nothing was written, and the model is as it was. */
function nothingWritten(): void {
  expect(calls.filter((c) => c.op === 'write')).toEqual([]);
  expect(readFileSync(model, 'utf8')).toBe(saved);
}

describe('gradwasm export', () => {
  it('refuses --tfjs into the folder of the model it reads (its model.json would be the model), before writing anything', async () => {
    const r = await cli('export', model, '--tfjs', dir);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^gradwasm: --tfjs .* \(its model\.json\) is the model \(.*model\.json\): writing there would destroy it/);
    nothingWritten();
    expect(existsSync(join(dir, 'weights.bin'))).toBe(false);
  });

  it('refuses --tfjs into the folder of a model file named weights.bin', async () => {
    const folder = join(dir, 'named-weights');
    mkdirSync(folder);
    const weights = join(folder, 'weights.bin');
    await cli('train', DATA, '--epochs', '1', '--no-progress', '--out', weights);
    const before = readFileSync(weights, 'utf8');
    calls.splice(0);
    const r = await cli('export', weights, '--tfjs', folder);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--tfjs .* \(its weights\.bin\) is the model/);
    expect(readFileSync(weights, 'utf8')).toBe(before);
    expect(existsSync(join(folder, 'model.json'))).toBe(false);
  });

  it('refuses two outputs that name the same file, naming both flags, before writing anything', async () => {
    const t3 = join(dir, 't3');
    const r = await cli('export', model, '--tfjs', t3, '--onnx', join(t3, 'weights.bin'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^gradwasm: --onnx .*t3\/weights\.bin and --tfjs .*t3 \(its weights\.bin\) name the same file/);
    expect(existsSync(t3)).toBe(false);
    nothingWritten();
    // also through a link to the folder, and onto model.json
    mkdirSync(t3);
    symlinkSync(t3, join(dir, 'to-t3'));
    const linked = await cli('export', model, '--tfjs', t3, '--onnx', join(dir, 'to-t3', 'model.json'));
    expect(linked.code).toBe(1);
    expect(linked.err).toMatch(/--onnx .*to-t3\/model\.json and --tfjs .*t3 \(its model\.json\) name the same file/);
    expect(readdirSync(t3)).toEqual([]);
  });

  it('writes each file to a temporary file renamed into place, weights.bin before model.json, and makes missing folders', async () => {
    const onnx = join(dir, 'new', 'folders', 'model.onnx'),
      tfjs = join(dir, 'more', 'tfjs');
    const r = await cli('export', model, '--onnx', onnx, '--tfjs', tfjs);
    expect(r.code, r.err).toBe(0);
    const finals = [onnx, join(tfjs, 'weights.bin'), join(tfjs, 'model.json')];
    expect(calls.filter((c) => c.op === 'write' && finals.includes(c.path))).toEqual([]);
    expect(calls.filter((c) => c.op === 'rename').map((c) => c.path)).toEqual(finals);
    expect(readdirSync(tfjs).sort()).toEqual(['model.json', 'weights.bin']);
  });
});

describe('gradwasm train', () => {
  it.each([
    ['--out', '--checkpoint'],
    ['--out', '--cache'],
    ['--checkpoint', '--cache'],
  ])('refuses %s and %s naming the same new file, before reading the data', async (first, second) => {
    const same = join(dir, `same-${first.slice(2)}-${second.slice(2)}`);
    const r = await cli('train', DATA, '--epochs', '1000000', '--no-progress', first, same, second, same);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`^gradwasm: ${first} .*same-.* and ${second} .*same-.* name the same file`));
    expect(existsSync(same)).toBe(false);
  });
});

describe('checkOutput and checkDistinct', () => {
  it('name the flag as the argument', async () => {
    const input = [{ path: model, what: 'the model' }];
    const caught = await checkOutput(model, '--out', input).then(
      () => null,
      (e: unknown) => e,
    );
    expect(caught).toBeInstanceOf(GradwasmError);
    expect((caught as GradwasmError).argument).toBe('--out');
    const a = await checkOutput(join(dir, 'x.json'), '--out', input),
      b = await checkOutput(join(dir, 'x.json'), '--checkpoint', input);
    expect(() => checkDistinct([a, b])).toThrow(expect.objectContaining({ argument: '--checkpoint' }));
    expect(() => checkDistinct([a, null])).not.toThrow();
  });
});
