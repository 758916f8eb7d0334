// Fashion-MNIST as a binary task, footwear vs the rest, read straight from the IDX files that
// Debian's dataset-fashion-mnist package installs. IDX is tiny to parse: a big-endian magic
// number (0x0000 08 <dims>: 08 = unsigned bytes), one big-endian uint32 per dimension, then the
// raw bytes in row-major order. The Debian files are gzipped; uncompressed copies work too.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { Matrix } from './impl.js';

/** Where Debian puts the files; FASHION_MNIST_DIR overrides it. */
export const DEFAULT_DIR = '/usr/share/datasets/fashion-mnist';

/** Classes 5 (sandal), 7 (sneaker) and 9 (ankle boot) are footwear: 30 % of the images. */
const FOOTWEAR = new Set([5, 7, 9]);

export interface LabelledImages {
  x: Matrix;
  /** Footwear (1) or not (0). */
  y: Float32Array;
  /** The class of each image, 0…9 (W5's labels). */
  classes: Float32Array;
}

export interface FashionMnist {
  train: LabelledImages;
  test: LabelledImages;
  /** The directory the files were read from. */
  source: string;
}

/** Reads an IDX file of unsigned bytes; returns its dimensions and a view of the payload. */
export function parseIdx(bytes: Uint8Array, name: string): { dims: number[]; values: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.byteLength < 4 || view.getUint16(0) !== 0 || bytes[2] !== 0x08) {
    throw new Error(`${name}: not an IDX file of unsigned bytes (magic ${[...bytes.subarray(0, 4)].map((b) => b.toString(16)).join(' ')})`);
  }
  const rank = bytes[3]!;
  const dims: number[] = [];
  for (let d = 0; d < rank; d++) dims.push(view.getUint32(4 + 4 * d));
  const start = 4 + 4 * rank;
  const count = dims.reduce((a, b) => a * b, 1);
  if (bytes.byteLength < start + count) throw new Error(`${name}: truncated (${bytes.byteLength} bytes, header says ${start + count})`);
  return { dims, values: bytes.subarray(start, start + count) };
}

/** The file's bytes, gunzipped when it is the .gz one; undefined when neither exists. */
function readMaybeGzipped(dir: string, name: string): Uint8Array | undefined {
  for (const file of [`${name}.gz`, name]) {
    const path = join(dir, file);
    if (!existsSync(path)) continue;
    const raw = readFileSync(path);
    return raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw;
  }
  return undefined;
}

/** The first `limit` images scaled to [0, 1], their footwear labels and their classes. */
function readSplit(dir: string, prefix: 'train' | 't10k', limit: number): LabelledImages | undefined {
  const imageBytes = readMaybeGzipped(dir, `${prefix}-images-idx3-ubyte`);
  const labelBytes = readMaybeGzipped(dir, `${prefix}-labels-idx1-ubyte`);
  if (!imageBytes || !labelBytes) return undefined;
  const images = parseIdx(imageBytes, `${prefix} images`);
  const labels = parseIdx(labelBytes, `${prefix} labels`);
  const [count, height, width] = images.dims;
  if (images.dims.length !== 3 || labels.dims.length !== 1 || labels.dims[0] !== count) {
    throw new Error(`${prefix}: image dims ${images.dims.join('×')} do not match label dims ${labels.dims.join('×')}`);
  }
  const rows = Math.min(limit, count!);
  const cols = height! * width!;
  const data = new Float32Array(rows * cols);
  for (let i = 0; i < data.length; i++) data[i] = images.values[i]! / 255;
  const y = new Float32Array(rows);
  for (let r = 0; r < rows; r++) y[r] = FOOTWEAR.has(labels.values[r]!) ? 1 : 0;
  return { x: { data, rows, cols }, y, classes: Float32Array.from(labels.values.subarray(0, rows)) };
}

/** Loads up to `trainRows` training and `testRows` test images, or undefined when the files are absent. */
export function loadFashionMnist(trainRows: number, testRows: number, dir = process.env.FASHION_MNIST_DIR ?? DEFAULT_DIR): FashionMnist | undefined {
  const train = readSplit(dir, 'train', trainRows);
  const test = readSplit(dir, 't10k', testRows);
  return train && test ? { train, test, source: dir } : undefined;
}
