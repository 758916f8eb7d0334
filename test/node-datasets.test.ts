// gradwasm/node's datasets: .npy files read and written, a CSV streamed, both training exactly
// as the same rows held in memory; scanStats as StandardScaler.fit computes it.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, StandardScaler, dense, parseCsv, scanStats, type CsvRows, type CsvTable, type LayerWeights } from '../src/index.js';
import { NpyWriter, csvDataset, npyDataset, readCsv, writeNpy, type CsvDataset, type CsvDatasetOptions } from '../src/node/index.js';
import type { FeatureChunk, FileChunk } from '../src/node/datasets.js';
import { labels, uniform } from './support/random.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-datasets-'));
const bits = (layers: readonly LayerWeights[]): number[][] =>
  layers.flatMap((l) => [[...new Uint32Array(l.weights.slice().buffer)], [...new Uint32Array(l.bias.slice().buffer)]]);
const DATA = 'data/breast_cancer.csv';

/** A chunk's features as packed rows (a reader's rows may sit `stride` apart). */
function packed(x: { data: Float32Array; rows: number; cols: number; stride: number }): Float32Array {
  const out = new Float32Array(x.rows * x.cols);
  for (let r = 0; r < x.rows; r++) out.set(x.data.subarray(r * x.stride, r * x.stride + x.cols), r * x.cols);
  return out;
}

/** Every row of a pass, packed, and its labels. */
async function readAll(
  ds:
    | Iterable<{ x: { data: Float32Array; rows: number; cols: number; stride: number }; y: Float32Array }>
    | AsyncIterable<{ x: { data: Float32Array; rows: number; cols: number; stride: number }; y: Float32Array }>,
): Promise<{ x: Float32Array; y: Float32Array }> {
  const xs: Float32Array[] = [],
    ys: Float32Array[] = [];
  for await (const chunk of ds) {
    xs.push(packed(chunk.x));
    ys.push(chunk.y.slice());
  }
  return { x: Float32Array.from(xs.flatMap((p) => [...p])), y: Float32Array.from(ys.flatMap((p) => [...p])) };
}

/** The breast-cancer table with its label as the last column, as one row-major array. */
async function table() {
  const t = await readCsv(DATA);
  const width = t.x.cols + 1;
  const data = new Float32Array(t.x.rows * width);
  for (let r = 0; r < t.x.rows; r++) {
    data.set(t.x.data.subarray(r * t.x.cols, (r + 1) * t.x.cols), r * width);
    data[r * width + t.x.cols] = t.y[r]!;
  }
  return { t, data, width };
}

describe('.npy files', () => {
  it('writeNpy → npyDataset gives the rows back, the label from any column', async () => {
    const { t, data, width } = await table();
    const path = join(dir, 'bc.npy');
    await writeNpy(path, { data, rows: t.x.rows, cols: width });
    const bytes = readFileSync(path);
    expect([...bytes.subarray(0, 6)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]);
    expect(bytes.length).toBe(128 + 4 * data.length);
    expect(new TextDecoder().decode(bytes.subarray(10, 128))).toMatch(/^\{'descr': '<f4', 'fortran_order': False, 'shape': \(569, 31\), \} *\n$/);
    const ds = await npyDataset(path);
    expect([ds.rows, ds.cols]).toEqual([569, 30]);
    expect(await readAll(ds)).toEqual({ x: t.x.data, y: t.y });
    expect(ds.bytesRead).toBe(4 * data.length);
    // the label in column 0 (its index, or −31 from the end): the features are the other columns
    const moved = new Float32Array(data.length);
    for (let r = 0; r < 569; r++) {
      moved[r * width] = t.y[r]!;
      moved.set(t.x.data.subarray(r * 30, (r + 1) * 30), r * width + 1);
    }
    await writeNpy(join(dir, 'first.npy'), { data: moved, rows: 569, cols: width });
    for (const label of [0, -31]) {
      expect(await readAll(await npyDataset(join(dir, 'first.npy'), { label }))).toEqual({ x: t.x.data, y: t.y });
    }
    // the label in column 7: the features are columns 0–6 and 8–30, in that order
    const middle = new Float32Array(data.length);
    for (let r = 0; r < 569; r++) {
      middle.set(t.x.data.subarray(r * 30, r * 30 + 7), r * width);
      middle[r * width + 7] = t.y[r]!;
      middle.set(t.x.data.subarray(r * 30 + 7, (r + 1) * 30), r * width + 8);
    }
    await writeNpy(join(dir, 'middle.npy'), { data: middle, rows: 569, cols: width });
    for (const label of [7, -24]) {
      expect(await readAll(await npyDataset(join(dir, 'middle.npy'), { label }))).toEqual({ x: t.x.data, y: t.y });
    }
  });

  it('NpyWriter appends chunks and writes the row count at the end', async () => {
    const path = join(dir, 'appended.npy');
    const writer = await NpyWriter.create(path, 3);
    await writer.append(Float32Array.of(1, 2, 0, 3, 4, 1));
    await writer.append(Float32Array.of(5, 6, 1));
    await writer.close();
    const ds = await npyDataset(path);
    expect(ds.rows).toBe(3);
    const { x, y } = await readAll(ds);
    expect(Array.from(x)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(Array.from(y)).toEqual([0, 1, 1]);
  });

  it.each<[string, (header: string) => string | Uint8Array, RegExp]>([
    ['float64 data', (h) => h.replace("'<f4'", "'<f8'"), /its dtype is '<f8', not little-endian float32/],
    ['big-endian float32', (h) => h.replace("'<f4'", "'>f4'"), /its dtype is '>f4'/],
    ['Fortran order', (h) => h.replace('False', 'True'), /it is in Fortran \(column-major\) order/],
    ['a header that does not parse', (h) => h.replace("'shape'", "'shoe'"), /does not parse/],
    ['a 1-D shape', (h) => h.replace('(3, 2)', '(6,)  '), /its shape is \(6,\)/],
  ])('%s: GradwasmError', async (_name, edit, message) => {
    const path = join(dir, 'good.npy');
    await writeNpy(path, { data: Float32Array.of(1, 0, 2, 1, 3, 0), rows: 3, cols: 2 });
    const bytes = readFileSync(path);
    const header = new TextDecoder().decode(bytes.subarray(10, 128));
    const edited = edit(header) as string;
    const bad = join(dir, 'bad.npy');
    writeFileSync(bad, Buffer.concat([bytes.subarray(0, 10), Buffer.from(edited.padEnd(118, ' ').slice(0, 117) + '\n'), bytes.subarray(128)]));
    const error = await npyDataset(bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GradwasmError);
    expect((error as Error).message).toMatch(message);
  });

  it('a file shorter than its header says, not .npy at all, or a label that is not 0/1: GradwasmError', async () => {
    const path = join(dir, 'short.npy');
    await writeNpy(path, { data: Float32Array.of(1, 0, 2, 1, 3, 0), rows: 3, cols: 2 });
    writeFileSync(join(dir, 'cut.npy'), readFileSync(path).subarray(0, 128 + 12));
    await expect(npyDataset(join(dir, 'cut.npy'))).rejects.toThrow(/its header says 3 × 2 float32 values \(24 bytes\), but the file holds 12 after the header/);
    writeFileSync(join(dir, 'text.npy'), 'label,a\n1,2\n');
    await expect(npyDataset(join(dir, 'text.npy'))).rejects.toThrow(/does not start with "\\x93NUMPY"/);
    await writeNpy(join(dir, 'label2.npy'), { data: Float32Array.of(1, 0, 2, 2), rows: 2, cols: 2 });
    const ds = await npyDataset(join(dir, 'label2.npy'));
    await expect(
      (async () => {
        for await (const _ of ds);
      })(),
    ).rejects.toThrow(/row 1, column 1 \(the label\) is 2; labels must be 0 or 1/);
    await expect(npyDataset(path, { label: 2 })).rejects.toThrow(/options\.label must be a column index/);
  });
});

describe.each(['wasm', 'js'] as const)('files train as their rows in memory (%s)', (backend) => {
  const spec = { inputs: 30, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 2, backend };

  it('fitDataset(npyDataset) and fitDataset(csvDataset) ≡ fit(readCsv), with a scaler and a validation split', async () => {
    const { t, data, width } = await table();
    const path = join(dir, `train-${backend}.npy`);
    await writeNpy(path, { data, rows: t.x.rows, cols: width });
    const scaler = StandardScaler.fit(t.x);
    const options = { epochs: 4, batchSize: 32, learningRate: 0.05, validationSplit: 0.2 };
    const reference = await Sequential.create({ ...spec, scaler });
    const expected = await reference.fit(t.x, t.y, { ...options, shuffle: false });
    for (const source of [await npyDataset(path), csvDataset(DATA)]) {
      const model = await Sequential.create({ ...spec, scaler });
      expect(await model.fitDataset(source, options)).toEqual(expected);
      expect(bits(model.getWeights())).toEqual(bits(reference.getWeights()));
    }
  });
});

describe.each(['wasm', 'js'] as const)('a file of many chunks (%s)', (backend) => {
  // 20,000 rows of 40 features and a label: chunks of 6,393 rows (1 MiB) and one of 821, so that
  // a lending pass reuses each of its two buffers.
  const rows = 20_000,
    cols = 40,
    width = cols + 1;
  const x = uniform(31, rows * cols, -3, 3),
    y = labels(32, rows);
  const spec = { inputs: cols, layers: [dense(5, 'tanh'), dense(1, 'sigmoid')], seed: 7, backend };

  it.each([
    ['last', -1],
    ['first', 0],
    ['fourth', 3],
  ] as const)('label column %s: fitDataset ≡ fit, evaluateDataset ≡ evaluate; chunks of a plain pass stay valid', async (_where, label) => {
    const at = label < 0 ? width + label : label;
    const data = new Float32Array(rows * width);
    for (let r = 0; r < rows; r++) {
      const row = x.subarray(r * cols, (r + 1) * cols);
      data.set(row.subarray(0, at), r * width);
      data[r * width + at] = y[r]!;
      data.set(row.subarray(at), r * width + at + 1);
    }
    const path = join(dir, `many-${backend}-${at}.npy`);
    await writeNpy(path, { data, rows, cols: width });
    const source = await npyDataset(path, { label });
    const kept = [];
    for await (const chunk of source) kept.push(chunk); // held: each must keep its own rows
    expect(kept.map((c) => c.x.rows)).toEqual([6393, 6393, 6393, 821]);
    expect(await readAll(kept)).toEqual({ x, y });

    const options = { epochs: 3, batchSize: 100, learningRate: 0.1 };
    const reference = await Sequential.create(spec);
    const expected = await reference.fit(x, y, { ...options, shuffle: false });
    const model = await Sequential.create(spec);
    expect(await model.fitDataset(source, options)).toEqual(expected);
    expect(bits(model.getWeights())).toEqual(bits(reference.getWeights()));
    expect(await model.evaluateDataset(source)).toEqual(reference.evaluate(x, y));
  });
});

describe('csvDataset', () => {
  it('counts rows, names columns, and reads the same values as readCsv', async () => {
    const ds = csvDataset(DATA);
    expect(await ds.columns()).toEqual({ features: (await readCsv(DATA)).features, label: 'label', header: true, ignored: [] });
    expect(await ds.count()).toBe(569);
    expect(ds.bytesRead).toBe(readFileSync(DATA).length);
    expect(() => csvDataset(DATA, { source: 'x' } as never)).toThrow(/csvDataset names the file itself/);
    await expect(
      (async () => {
        for await (const _ of csvDataset(join(dir, 'nope.csv')));
      })(),
    ).rejects.toThrow(/nope\.csv cannot be read/);
  });
});

/** Every row of a pass, packed, and its labels (none for unlabelled rows); the columns() of the dataset. */
async function streamed(ds: CsvDataset<FileChunk | FeatureChunk>) {
  const xs: Float32Array[] = [],
    ys: Float32Array[] = [];
  for await (const chunk of ds) {
    xs.push(packed(chunk.x));
    if (chunk.y) ys.push(chunk.y.slice());
  }
  const cat = (parts: Float32Array[]) => {
    const out = new Float32Array(parts.reduce((n, p) => n + p.length, 0));
    parts.reduce((at, p) => (out.set(p, at), at + p.length), 0);
    return out;
  };
  return { x: cat(xs), y: ys.length ? cat(ys) : null, chunks: xs.length, columns: await ds.columns() };
}

/** The first index where two float32 arrays differ in their bits (−1 for none): cheap to report on a million values. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  const [u, v] = [new Uint32Array(a.buffer, a.byteOffset, a.length), new Uint32Array(b.buffer, b.byteOffset, b.length)];
  if (u.length !== v.length) return Math.min(u.length, v.length);
  for (let i = 0; i < u.length; i++) if (u[i] !== v[i]) return i;
  return -1;
}

/** csvDataset and readCsv read `path` with `options`: the same features, labels, names and ignored columns, to the bit. */
async function sameAsReadCsv(path: string, options: CsvDatasetOptions): Promise<number> {
  const whole: CsvRows & Partial<CsvTable> = await readCsv(path, options as CsvDatasetOptions & { label: null });
  const s = await streamed(csvDataset(path, options));
  expect(s.x.length).toBe(whole.x.data.length);
  expect(firstDifference(s.x, whole.x.data), 'the first feature that differs').toBe(-1);
  if (whole.y) expect(firstDifference(s.y!, whole.y), 'the first label that differs').toBe(-1);
  else expect(s.y).toBeNull();
  expect(s.columns).toEqual({ features: whole.features, label: whole.label ?? null, header: whole.header, ignored: whole.ignored });
  return s.chunks;
}

describe('csvDataset: features by name, rows without labels', () => {
  const names = parseCsv(readFileSync(DATA, 'utf8')).features;
  it('reads what readCsv reads, to the bit: features reordered, a subset, label null, label by name', async () => {
    const reordered = [...names].reverse();
    for (const options of [
      { features: reordered },
      { features: reordered, label: null },
      { features: names.slice(3, 9), label: 'label' },
      { features: [names[7]!, names[2]!], label: null },
      { label: null },
      { label: 'mean_radius', labels: 'values' as const },
      { label: 0, labels: 'values' as const },
    ]) {
      await sameAsReadCsv(DATA, options);
    }
  });

  it('a small file with quoted cells, a text column left unread, CRLF lines; without a header, by position', async () => {
    const quoted = join(dir, 'quoted.csv');
    writeFileSync(
      quoted,
      '"a",notes,"b ""x""",label\r\n' + '"1.5","says ""hi"", twice",  -2e-3 ,1\r\n' + '0.1,plain,"3.25",0\r\n' + '"  7 ","multi\r\nline",1e30,1\r\n',
    );
    for (const options of [{ features: ['b "x"', 'a'] }, { features: ['b "x"', 'a'], label: null }, { features: ['a'], label: 'label' }]) {
      await sameAsReadCsv(quoted, options);
    }
    // every column read: the text column is a problem, as readCsv says
    const problem = await readCsv(quoted, { label: null }).catch((e: Error) => e.message);
    await expect(streamed(csvDataset(quoted, { label: null }))).rejects.toThrow(problem as string);
    const headless = join(dir, 'headless.csv');
    writeFileSync(headless, '1,2,0\n4,"5",1\n');
    await sameAsReadCsv(headless, { features: ['p', 'q'] });
    await sameAsReadCsv(headless, { features: ['p', 'q', 'r'], label: null });
    const wrong = await readCsv(headless, { features: ['p'] }).catch((e: Error) => e.message);
    expect(wrong).toMatch(/has no header and 2 feature columns, but options\.features names 1/);
    await expect(streamed(csvDataset(headless, { features: ['p'] }))).rejects.toThrow(wrong as string);
  });

  it('the errors of readCsv: a missing column, the label named as a feature', async () => {
    for (const options of [{ features: ['mean_radius', 'nope', 'nada'] }, { features: ['label'], label: 'label' }]) {
      const message = await readCsv(DATA, options).catch((e: Error) => e.message);
      expect(message).toMatch(/has no column "nope", "nada" \(features asked for\)|options\.label names "label"/);
      const error = await streamed(csvDataset(DATA, options)).catch((e: GradwasmError) => e);
      expect(error).toBeInstanceOf(GradwasmError);
      expect((error as Error).message).toBe(message);
    }
  });

  it('over many chunks (a file of 6 MiB): the same rows as readCsv, reordered and unlabelled', async () => {
    const big = join(dir, 'many-chunks.csv');
    const text = readFileSync(DATA, 'utf8');
    const body = text.slice(text.indexOf('\n') + 1);
    writeFileSync(big, text.slice(0, text.indexOf('\n') + 1) + body.repeat(Math.ceil((6 * 2 ** 20) / body.length)));
    expect(await sameAsReadCsv(big, { features: [...names].reverse(), label: null })).toBeGreaterThan(1);
    expect(await sameAsReadCsv(big, { features: names.slice(10, 20) })).toBeGreaterThan(1);
  });
});

describe('scanStats', () => {
  it('one pass, merged chunk by chunk: the mean and scale StandardScaler.fit computes', async () => {
    const { t } = await table();
    const stats = await scanStats(csvDataset(DATA));
    expect(stats.rows).toBe(569);
    const fitted = StandardScaler.fit(t.x);
    const scaler = StandardScaler.fromStats(stats);
    scaler.mean.forEach((m, c) => expect(Math.abs(m - fitted.mean[c]!)).toBeLessThanOrEqual(1e-12 * Math.abs(fitted.mean[c]!)));
    scaler.scale.forEach((s, c) => expect(Math.abs(s - fitted.scale[c]!)).toBeLessThanOrEqual(1e-12 * fitted.scale[c]!));
    // in chunks of 7 rows, from arrays, the same to 1e-12; a constant column keeps its value and scale 1
    const rows = 1000,
      cols = 3;
    const x = uniform(9, rows * cols, -1e3, 1e3);
    for (let r = 0; r < rows; r++) x[r * cols + 1] = 0.1;
    const chunks = Array.from({ length: Math.ceil(rows / 7) }, (_, k) => ({
      x: { data: x.subarray(7 * k * cols, Math.min(rows, 7 * k + 7) * cols), rows: Math.min(7, rows - 7 * k), cols },
      y: labels(1, Math.min(7, rows - 7 * k)),
    }));
    const s = StandardScaler.fromStats(await scanStats(chunks));
    const f = StandardScaler.fit({ data: x, rows, cols });
    expect(s.mean[1]).toBe(Math.fround(0.1));
    expect(s.scale[1]).toBe(1);
    for (const c of [0, 2]) {
      expect(Math.abs(s.mean[c]! - f.mean[c]!)).toBeLessThan(1e-12 * 1e3);
      expect(Math.abs(s.scale[c]! / f.scale[c]! - 1)).toBeLessThan(1e-12);
    }
  });

  it('the same bits however the rows are chunked (a CSV and its .npy cache give one scaler)', async () => {
    const rows = 10_000,
      cols = 4;
    const x = uniform(12, rows * cols, -50, 70),
      y = labels(13, rows);
    const cut = (size: number) =>
      Array.from({ length: Math.ceil(rows / size) }, (_, k) => {
        const n = Math.min(size, rows - k * size);
        return { x: { data: x.subarray(k * size * cols, (k * size + n) * cols), rows: n, cols }, y: y.subarray(k * size, k * size + n) };
      });
    const whole = await scanStats(cut(rows));
    for (const size of [1, 7, 4095, 5000]) expect(await scanStats(cut(size)), `chunks of ${size}`).toEqual(whole);
  });
});
