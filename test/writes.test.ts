// What gradwasm/node writes — saveOnnx, saveTfjsLayers — is written to a temporary file beside
// the file it names and renamed over it: a reader sees the old file or the new one, never half of
// one; the TF.js folder gets weights.bin before the model.json that names it; missing folders are
// made (as `gradwasm export` makes them); a symbolic link and the replaced file's mode are kept.
import { chmodSync, existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { GradwasmError, Sequential, dense, toOnnx } from '../src/index.js';
import { saveOnnx, saveTfjsLayers } from '../src/node/index.js';

/** Every write and rename the library makes, in order. */
const calls = vi.hoisted(() => [] as { op: 'write' | 'open' | 'rename'; path: string; from?: string }[]);
vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof import('node:fs/promises')>();
  const record =
    <A extends unknown[], R>(op: 'write' | 'open', f: (path: never, ...rest: A) => R) =>
    (path: never, ...rest: A): R => {
      calls.push({ op, path: String(path) });
      return f(path, ...rest);
    };
  return {
    ...fs,
    writeFile: record('write', fs.writeFile as never),
    open: record('open', fs.open as never),
    rename: (from: string, to: string) => {
      calls.push({ op: 'rename', path: String(to), from: String(from) });
      return fs.rename(from, to);
    },
  };
});

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-writes-'));
const model = await Sequential.create({ inputs: 3, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 2 });

/** The files `finals` reached their place by a rename from a file beside them, none written there in place; the renames' targets in order. */
function renamedIntoPlace(finals: string[]): string[] {
  for (const call of calls) {
    if (call.op !== 'rename') expect(finals, `${call.path} was written in place`).not.toContain(call.path);
  }
  const renames = calls.filter((c) => c.op === 'rename');
  for (const r of renames) expect(dirname(r.from!), 'the temporary file is beside the file it replaces').toBe(dirname(r.path));
  return renames.map((r) => r.path);
}

/** What the directory holds but `expected`: a temporary file left behind. */
const leftovers = (folder: string, expected: string[]) => readdirSync(folder).filter((name) => !expected.includes(name));

beforeEach(() => void calls.splice(0));

describe('saveOnnx', () => {
  it('writes a temporary file and renames it into place', async () => {
    const path = join(dir, 'atomic.onnx');
    await saveOnnx(model, path);
    expect(renamedIntoPlace([path])).toEqual([path]);
    expect(new Uint8Array(readFileSync(path))).toEqual(toOnnx(model));
    expect(leftovers(dir, ['atomic.onnx'])).toEqual([]);
  });

  it('makes missing folders, as gradwasm export --onnx does', async () => {
    const path = join(dir, 'made', 'for', 'it', 'model.onnx');
    await saveOnnx(model, path);
    expect(new Uint8Array(readFileSync(path))).toEqual(toOnnx(model));
  });

  it('leaves a reader of the old file the old file, whole; the path names the new one', async () => {
    const path = join(dir, 'replaced.onnx'),
      reader = join(dir, 'reader.onnx');
    writeFileSync(path, 'the old model, still being read');
    linkSync(path, reader); // the old file as a reader that opened it holds it
    await saveOnnx(model, path);
    expect(readFileSync(reader, 'utf8')).toBe('the old model, still being read');
    expect(new Uint8Array(readFileSync(path))).toEqual(toOnnx(model));
    expect(statSync(path).ino).not.toBe(statSync(reader).ino);
  });

  it('keeps the mode of the file it replaces, and a symbolic link pointing at the file it names', async () => {
    const target = join(dir, 'target.onnx'),
      link = join(dir, 'link.onnx');
    writeFileSync(target, 'old');
    chmodSync(target, 0o640);
    symlinkSync(target, link);
    await saveOnnx(model, link);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(new Uint8Array(readFileSync(target))).toEqual(toOnnx(model));
    expect(statSync(target).mode & 0o777).toBe(0o640);
  });

  it('fails as a GradwasmError naming path, leaving nothing behind', async () => {
    const folder = join(dir, 'a-folder');
    mkdirSync(join(folder, 'model.onnx'), { recursive: true });
    const error = await saveOnnx(model, join(folder, 'model.onnx')).then(
      () => null,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as GradwasmError).argument).toBe('path');
    expect((error as GradwasmError).message).toMatch(/model\.onnx: the model could not be written/);
    expect(leftovers(folder, ['model.onnx'])).toEqual([]);
  });
});

describe('saveTfjsLayers', () => {
  it('renames weights.bin into place, then model.json, which names it', async () => {
    const folder = join(dir, 'tfjs');
    const files = await saveTfjsLayers(model, folder);
    expect(renamedIntoPlace([files.weightsBin, files.modelJson])).toEqual([files.weightsBin, files.modelJson]);
    expect(leftovers(folder, ['model.json', 'weights.bin'])).toEqual([]);
  });

  it('leaves a reader of the old files the old files, whole', async () => {
    const folder = join(dir, 'tfjs-again');
    const first = await saveTfjsLayers(model, folder);
    const held = [first.modelJson, first.weightsBin].map((file) => {
      const reader = join(dir, `held-${basename(file)}`);
      linkSync(file, reader);
      return { file, reader, bytes: readFileSync(file) };
    });
    const other = await Sequential.create({ inputs: 3, layers: [dense(2, 'relu'), dense(1, 'sigmoid')], seed: 5 });
    await saveTfjsLayers(other, folder);
    for (const { file, reader, bytes } of held) {
      expect(readFileSync(reader)).toEqual(bytes);
      expect(readFileSync(file)).not.toEqual(bytes);
    }
    other.dispose();
  });

  it('a folder that cannot be made is a GradwasmError naming directory, and no file is written', async () => {
    writeFileSync(join(dir, 'a-file'), 'x');
    const error = await saveTfjsLayers(model, join(dir, 'a-file', 'sub')).then(
      () => null,
      (e: unknown) => e,
    );
    expect((error as GradwasmError).argument).toBe('directory');
    expect(existsSync(join(dir, 'a-file', 'sub'))).toBe(false);
  });
});

describe('writeNpy and NpyWriter', () => {
  it('write to a temporary file beside the path and rename it into place on close; until then the path holds the old file', async () => {
    const { NpyWriter, npyDataset, writeNpy } = await import('../src/node/index.js');
    const path = join(dir, 'rows.npy');
    await writeNpy(path, { data: Float32Array.of(1, 2, 3, 4), rows: 2, cols: 2 });
    const old = readFileSync(path);
    calls.length = 0;
    const writer = await NpyWriter.create(path, 2);
    await writer.append(Float32Array.of(5, 6));
    expect(readFileSync(path)).toEqual(old); // half-written: the old file is still whole
    await writer.close();
    expect(renamedIntoPlace([path])).toEqual([path]);
    expect((await npyDataset(path)).rows).toBe(1);
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });

  it('abort leaves the old file as it was and no temporary file', async () => {
    const { NpyWriter } = await import('../src/node/index.js');
    const path = join(dir, 'kept.npy');
    writeFileSync(path, 'not touched');
    const writer = await NpyWriter.create(path, 3);
    await writer.append(Float32Array.of(1, 2, 3));
    await writer.abort();
    expect(readFileSync(path, 'utf8')).toBe('not touched');
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([]);
  });
});
