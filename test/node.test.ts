// gradwasm/node: readCsv on real files, and a TF.js Layers model written to a directory and read
// back — by us and by TensorFlow.js — with hostile manifests refused.
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import * as tfl from '@tensorflow/tfjs-layers';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, StandardScaler, dense, parseCsv } from '../src/index.js';
import { loadTfjsLayers, readCsv, saveTfjsLayers } from '../src/node/index.js';
import { labels, uniform } from './support/random.js';

let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'gradwasm-node-'));
  tf.enableProdMode();
  await tf.setBackend('cpu');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function rejection(promise: Promise<unknown>): Promise<GradwasmError> {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'expected a GradwasmError').toBeInstanceOf(GradwasmError);
  return error as GradwasmError;
}

describe('readCsv', () => {
  it('reads a file as parseCsv reads its text (BOM and CRLF included)', async () => {
    const text = '\uFEFFradius,"texture, mean",label\r\n1.5,2,1\r\n3,4,0\r\n';
    const path = join(dir, 'table.csv');
    writeFileSync(path, text, 'utf8');
    const table = await readCsv(path);
    expect(table).toEqual(parseCsv(text));
    expect(table.features).toEqual(['radius', 'texture, mean']);
    const rows = await readCsv(path, { label: null });
    expect(rows.x.cols).toBe(3);
    const data = await readCsv(new URL('../data/breast_cancer.csv', import.meta.url).pathname);
    expect(data.x.rows).toBe(569);
    expect(data.label).toBe('label');
  });

  it('names the file in its errors, with line and column', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'a,b,label\n1,2,0\n3,oops,1\n');
    const error = await rejection(readCsv(path));
    expect(error.argument).toBe('path');
    expect(error.message).toBe(`${path}: line 3, column 2 (b): "oops" is not a number`);
    const missing = await rejection(readCsv(join(dir, 'missing.csv')));
    expect(missing.argument).toBe('path');
    expect(missing.message).toMatch(/missing\.csv cannot be read: ENOENT/);
    expect((await rejection(readCsv(path, { label: 'nope' }))).argument).toBe('options.label');
    expect((await rejection(readCsv(path, { source: 'x' } as never))).argument).toBe('options.source');
    expect((await rejection(readCsv(path, null as never))).message).toBe('options must be an object, got null');
    expect((await rejection(readCsv(42 as never))).message).toBe('path must be a file path, got 42');
  });
});

describe('saveTfjsLayers / loadTfjsLayers', () => {
  it('writes model.json and weights.bin that TF.js and gradwasm both read back', async () => {
    const inputs = 6,
      rows = 120;
    const x = uniform(1, rows * inputs, -3, 3);
    const model = await Sequential.create({
      inputs,
      layers: [dense(10, 'relu'), dense(1, 'sigmoid')],
      seed: 4,
      scaler: StandardScaler.fit(x, { cols: inputs }),
    });
    await model.fit(x, labels(2, rows), { epochs: 5, learningRate: 0.2, batchSize: 16 });
    const target = join(dir, 'tfjs', 'breast');
    const files = await saveTfjsLayers(model, target);
    expect(files).toEqual({ modelJson: join(target, 'model.json'), weightsBin: join(target, 'weights.bin') });

    // TF.js, from the files on disk
    const json = JSON.parse(readFileSync(files.modelJson, 'utf8'));
    const bin = readFileSync(files.weightsBin);
    const tfModel = await tfl.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const out = tfModel.predict(tf.tensor2d(x, [rows, inputs])) as tf.Tensor;
    const theirs = out.dataSync();
    const ours = model.predictProba(x);
    let d = 0;
    ours.forEach((p, i) => (d = Math.max(d, Math.abs(p - theirs[i]!))));
    expect(d).toBeLessThanOrEqual(1e-6);

    // gradwasm, from the directory or the model.json path
    for (const path of [target, files.modelJson]) {
      const again = await loadTfjsLayers(path, { backend: 'js' });
      expect(again.backend).toBe('js');
      expect(again.scaler!.toJSON()).toEqual(model.scaler!.toJSON()); // the exact scaler, from the metadata
      const p = again.predictProba(x);
      let e = 0;
      p.forEach((v, i) => (e = Math.max(e, Math.abs(v - ours[i]!))));
      expect(e).toBeLessThanOrEqual(1e-6);
    }
  });

  it('reads weights split into shards, as tfjs-node writes large models', async () => {
    const model = await Sequential.create({ inputs: 3, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 9 });
    const target = join(dir, 'shards');
    const files = await saveTfjsLayers(model, target);
    const json = JSON.parse(readFileSync(files.modelJson, 'utf8'));
    const bin = readFileSync(files.weightsBin);
    writeFileSync(join(target, 'group1-shard1of2.bin'), bin.subarray(0, 20));
    writeFileSync(join(target, 'group1-shard2of2.bin'), bin.subarray(20));
    json.weightsManifest[0].paths = ['group1-shard1of2.bin', './group1-shard2of2.bin'];
    writeFileSync(files.modelJson, JSON.stringify(json));
    const again = await loadTfjsLayers(target);
    expect(again.getWeights()).toEqual(model.getWeights());
  });

  it.each<[string, (json: any) => void, RegExp]>([
    [
      'an absolute weights path',
      (j) => (j.weightsManifest[0].paths = ['/etc/passwd']),
      /lists the weights file "\/etc\/passwd", outside its directory; only files beside model\.json are read$/,
    ],
    ['a weights path through ..', (j) => (j.weightsManifest[0].paths = ['../secret.bin']), /lists the weights file "\.\.\/secret\.bin", outside its directory/],
    ['a weights path through .. further in', (j) => (j.weightsManifest[0].paths = ['a/../../secret.bin']), /outside its directory/],
    ['a URL as weights path', (j) => (j.weightsManifest[0].paths = ['https://example.com/w.bin']), /outside its directory/],
    ['a missing weights file', (j) => (j.weightsManifest[0].paths = ['nope.bin']), /nope\.bin cannot be read: ENOENT/],
  ])('refuses %s', async (_name, edit, message) => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 });
    const target = join(dir, `hostile-${Math.random().toString(36).slice(2)}`);
    const files = await saveTfjsLayers(model, target);
    const json = JSON.parse(readFileSync(files.modelJson, 'utf8'));
    edit(json);
    writeFileSync(files.modelJson, JSON.stringify(json));
    const error = await rejection(loadTfjsLayers(target));
    expect(error.argument).toBe('path');
    expect(error.message).toMatch(message);
  });

  it('checks the weight files against the manifest before reading them: sizes, links, devices', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 });
    const target = join(dir, `checked-${Math.random().toString(36).slice(2)}`);
    const files = await saveTfjsLayers(model, target);
    const json = JSON.parse(readFileSync(files.modelJson, 'utf8'));
    const rewrite = (edit: (j: any) => void) => {
      const j = structuredClone(json);
      edit(j);
      writeFileSync(files.modelJson, JSON.stringify(j));
    };
    // one weights file listed 100 times: refused from the sizes, nothing read past the manifest's 12 bytes
    rewrite((j) => (j.weightsManifest[0].paths = Array(100).fill('weights.bin')));
    expect((await rejection(loadTfjsLayers(target))).message).toMatch(/the weights files .*model\.json lists hold 1200 bytes, but its manifest describes 12$/);
    // a link to an endless device, or to a file outside the folder, is never followed
    symlinkSync('/dev/zero', join(target, 'zero.bin'));
    rewrite((j) => (j.weightsManifest[0].paths = ['zero.bin']));
    expect((await rejection(loadTfjsLayers(target))).message).toMatch(/"zero\.bin", which is a symbolic link; only regular files beside model\.json are read/);
    writeFileSync(join(dir, 'secret.bin'), new Uint8Array(12));
    symlinkSync('../secret.bin', join(target, 'escape.bin'));
    rewrite((j) => (j.weightsManifest[0].paths = ['escape.bin']));
    expect((await rejection(loadTfjsLayers(target))).message).toMatch(/"escape\.bin", which is a symbolic link/);
    mkdirSync(join(target, 'folder.bin'));
    rewrite((j) => (j.weightsManifest[0].paths = ['folder.bin']));
    expect((await rejection(loadTfjsLayers(target))).message).toMatch(/"folder\.bin", which is not a regular file/);
    // a file longer than the manifest says
    writeFileSync(join(target, 'long.bin'), new Uint8Array(20 * 2 ** 20));
    rewrite((j) => (j.weightsManifest[0].paths = ['long.bin']));
    expect((await rejection(loadTfjsLayers(target))).message).toMatch(/hold 20971520 bytes, but its manifest describes 12/);
    // model.json itself must be a file
    expect((await rejection(loadTfjsLayers('/dev/zero'))).message).toMatch(/\/dev\/zero is not a regular file/);
    rewrite(() => {});
    expect((await loadTfjsLayers(target)).getWeights()).toEqual(model.getWeights());
  });

  it('reports unreadable and malformed files as GradwasmErrors', async () => {
    expect((await rejection(loadTfjsLayers(join(dir, 'nothing-here')))).message).toMatch(/nothing-here cannot be read: ENOENT/);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'model.json'), '{"modelTopology": ');
    expect((await rejection(loadTfjsLayers(broken))).message).toMatch(/model\.json is not valid JSON: /);
    writeFileSync(join(broken, 'model.json'), '{"modelTopology": {"class_name": "Functional"}, "weightsManifest": 3}');
    expect((await rejection(loadTfjsLayers(broken))).argument).toBe('modelJson.modelTopology.class_name');
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 });
    expect((await rejection(saveTfjsLayers(model, ''))).argument).toBe('directory');
    writeFileSync(join(dir, 'a-file'), 'x');
    expect((await rejection(saveTfjsLayers(model, join(dir, 'a-file', 'sub')))).message).toMatch(/the model could not be written/);
    expect((await rejection(Promise.resolve().then(() => saveTfjsLayers({} as never, join(dir, 'x'))))).argument).toBe('model');
  });
});
