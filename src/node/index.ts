/**
 * `gradwasm/node`: file conveniences for Node — {@link readCsv} reads a CSV file,
 * {@link saveTfjsLayers} and {@link loadTfjsLayers} write and read a TensorFlow.js Layers model
 * (`model.json` + `weights.bin`), {@link saveOnnx} writes an ONNX file. Its own entry point, so that the browser bundle of `gradwasm`
 * never imports `node:` modules; it runs on the library beside it (one `GradwasmError`).
 * @packageDocumentation
 */
import { lstat, open, readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize } from 'node:path';
import { DataError, GradwasmError, OptionError, fromTfjsLayers, parseCsv, toOnnx, toTfjsLayers } from '../index.js';
import { tfjsWeightBytes } from '../formats/tfjs-format.js';
import { replaceFile } from './replace-file.js';
export { csvDataset, npyDataset, writeNpy, NpyWriter } from './datasets.js';
export type { CsvDataset, CsvDatasetOptions, CsvColumns, NpyDataset, FileChunk, FileRows, FeatureChunk } from './datasets.js';
export { scanStats } from '../data/dataset.js';
export { parquetDataset } from './parquet-file.js';
export { arrowDataset } from './arrow-file.js';
export type { ColumnStats } from '../data/dataset.js';
import type { CsvOptions, CsvRows, CsvTable, FromTfjsOptions, Sequential } from '../index.js';

/** Options of {@link readCsv}: those of `parseCsv`, whose `source` is the path. */
export type ReadCsvOptions = Omit<CsvOptions, 'source'>;

/**
 * Read a CSV file (UTF-8) with `parseCsv`: feature rows, labels and column names. Errors name
 * the file: `data.csv: line 5, column 3 (radius): "abc" is not a number`; a file that cannot be
 * read is a {@link GradwasmError} too.
 */
export async function readCsv(path: string, options: ReadCsvOptions & { label: null }): Promise<CsvRows>;
export async function readCsv(path: string, options?: ReadCsvOptions): Promise<CsvTable>;
export async function readCsv(path: string, options: ReadCsvOptions = {}): Promise<CsvRows | CsvTable> {
  const text = await read(path, 'utf8');
  let o: CsvOptions = options; // parseCsv says what is wrong with options that are not an object
  if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
    if ('source' in options) throw new OptionError('options.source', 'readCsv names the file itself; options.source is for parseCsv');
    o = { ...options, source: path };
  }
  try {
    return parseCsv(text, o);
  } catch (error) {
    // The cells at fault are the file's: name the path as the argument.
    if (error instanceof GradwasmError && error.argument === 'text') throw new DataError('path', error.message);
    throw error;
  }
}

/** The two files {@link saveTfjsLayers} wrote. */
export interface SavedTfjsFiles {
  modelJson: string;
  weightsBin: string;
}

/**
 * Write `model` in the TensorFlow.js Layers format (see `toTfjsLayers`) into `directory`
 * (created, with any missing parent folders, if needed): `model.json` and `weights.bin`, which
 * `tf.loadLayersModel` reads (`file://…/model.json` with tfjs-node, or over HTTP in a browser).
 * Each file is written to a temporary file beside it and renamed into place, `weights.bin` first,
 * so that a reader never sees part of a file, nor a `model.json` whose weights are not there yet.
 */
export async function saveTfjsLayers(model: Sequential, directory: string): Promise<SavedTfjsFiles> {
  if (typeof directory !== 'string' || directory === '')
    throw new DataError('directory', `directory must be a path, got ${JSON.stringify(directory) ?? String(directory)}`);
  const { modelJson, weightsBin } = toTfjsLayers(model);
  const files = { modelJson: join(directory, 'model.json'), weightsBin: join(directory, 'weights.bin') };
  await save(files.weightsBin, new Uint8Array(weightsBin), 'directory', directory);
  await save(files.modelJson, JSON.stringify(modelJson), 'directory', directory);
  return files;
}

/**
 * Write the model as an ONNX file (see `toOnnx`) at `path`: what onnxruntime and every ONNX tool
 * load. Missing parent folders are created (as `gradwasm export --onnx` does); the file is
 * written to a temporary file beside it and renamed into place, so a reader never sees part of it.
 */
export async function saveOnnx(model: Sequential, path: string): Promise<void> {
  if (typeof path !== 'string' || path === '') throw new DataError('path', `path must be a file path, got ${JSON.stringify(path) ?? String(path)}`);
  await save(path, toOnnx(model), 'path', path);
}

/** {@link replaceFile}, its failure a GradwasmError naming `argument` (whose value was `given`). */
async function save(file: string, data: string | Uint8Array, argument: string, given: string): Promise<void> {
  try {
    await replaceFile(file, data);
  } catch (error) {
    throw new DataError(argument, `${given}: the model could not be written: ${(error as Error).message}`);
  }
}

/**
 * Read a TensorFlow.js Layers model (see `fromTfjsLayers`): `path` is its `model.json`, or the
 * directory holding it. The weight files the manifest lists are read from beside `model.json`,
 * and only there: a path that leaves that directory (absolute, or through `..`), a symbolic
 * link or anything but a regular file is refused, and so are files that together hold more or
 * fewer bytes than the manifest describes — all checked before a byte of weights is read, and
 * no more than the manifest's total is ever read.
 */
export async function loadTfjsLayers(path: string, options: FromTfjsOptions = {}): Promise<Sequential> {
  const file = (await isDirectory(path)) ? join(path, 'model.json') : path;
  const text = await readModelJson(file);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new DataError('path', `${file} is not valid JSON: ${(error as Error).message}`);
  }
  const expected = tfjsWeightBytes(json); // the topology and the manifest checked; its total in bytes
  const shards: { path: string; size: number }[] = [];
  for (const name of weightPaths(json)) {
    if (isAbsolute(name) || normalize(name).split(/[\\/]/).includes('..') || /^[a-z][a-z0-9+.-]*:/i.test(name)) {
      throw new DataError('path', `${file} lists the weights file ${JSON.stringify(name)}, outside its directory; only files beside model.json are read`);
    }
    const shard = join(dirname(file), name);
    const s = await lstat(shard).catch((error: Error) => {
      throw new DataError('path', `${shard} cannot be read: ${error.message}`);
    });
    if (!s.isFile()) {
      throw new DataError(
        'path',
        `${file} lists the weights file ${JSON.stringify(name)}, which is ${s.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}; only regular files beside model.json are read`,
      );
    }
    shards.push({ path: shard, size: s.size });
  }
  const total = shards.reduce((n, s) => n + s.size, 0);
  if (total !== expected) {
    throw new DataError('path', `the weights files ${file} lists hold ${total} bytes, but its manifest describes ${expected}`);
  }
  const bytes = new Uint8Array(expected);
  let at = 0;
  for (const shard of shards) at += await readExactly(shard.path, bytes.subarray(at, at + shard.size));
  return fromTfjsLayers(json, bytes, options);
}

/** model.json itself: a file (through links: the caller named it), of a sane size. */
async function readModelJson(file: string): Promise<string> {
  const s = await stat(file).catch(() => null);
  if (s && !s.isFile()) throw new DataError('path', `${file} is not a regular file`);
  if (s && s.size > MAX_MODEL_JSON)
    throw new DataError('path', `${file} is ${s.size} bytes; a model.json is at most ${MAX_MODEL_JSON} (its weights live in the .bin files)`);
  return read(file, 'utf8');
}

/** A model.json holds the topology and the manifest, not the weights: 64 MiB is far more than any needs. */
const MAX_MODEL_JSON = 64 * 2 ** 20;

/** Fill `into` from the start of a file, reading no more than its length. */
async function readExactly(path: string, into: Uint8Array): Promise<number> {
  const handle = await open(path, 'r').catch((error: Error) => {
    throw new DataError('path', `${path} cannot be read: ${error.message}`);
  });
  try {
    let done = 0;
    while (done < into.length) {
      const { bytesRead } = await handle.read(into, done, into.length - done, done);
      if (bytesRead === 0) throw new DataError('path', `${path} became shorter while it was read`);
      done += bytesRead;
    }
    return done;
  } finally {
    await handle.close();
  }
}

/** The weight files a model.json lists, in order; none if its manifest is malformed (fromTfjsLayers then says why). */
function weightPaths(json: unknown): string[] {
  const manifest = (json as { weightsManifest?: unknown } | null)?.weightsManifest;
  if (!Array.isArray(manifest)) return [];
  return manifest.flatMap((group: { paths?: unknown } | null) => (Array.isArray(group?.paths) ? group.paths.map(String) : []));
}

async function isDirectory(path: string): Promise<boolean> {
  return stat(path).then(
    (s) => s.isDirectory(),
    () => false,
  );
}

async function read(path: string, encoding: 'utf8'): Promise<string>;
async function read(path: string, encoding: null): Promise<Uint8Array>;
async function read(path: string, encoding: 'utf8' | null): Promise<string | Uint8Array> {
  if (typeof path !== 'string' || path === '') throw new DataError('path', `path must be a file path, got ${JSON.stringify(path) ?? String(path)}`);
  try {
    return encoding ? await readFile(path, encoding) : await readFile(path);
  } catch (error) {
    throw new DataError('path', `${path} cannot be read: ${(error as Error).message}`);
  }
}
