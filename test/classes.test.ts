// Class names (src/data/classes.ts): a label column of names or codes read as classes sorted as
// numpy.unique sorts them, a model that keeps its classes (create, fit on a table, its file, its
// TF.js files, its worker) and says its predictions by them; a .npy's label codes read as classes.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OptionError, Sequential, dense, fromTfjsLayers, parseCsv, toTfjsLayers } from '../src/index.js';
import { npyDataset, readCsv, writeNpy } from '../src/node/index.js';

describe("parseCsv with labels: 'classes'", () => {
  it('sorts names by code point and numbers by value, as numpy.unique, and gives their indices', () => {
    const names = parseCsv('a,label\n1,setosa\n2,virginica\n3,versicolor\n4,setosa\n5,Zebra\n', { labels: 'classes' });
    expect(names.classes).toEqual(['Zebra', 'setosa', 'versicolor', 'virginica']);
    expect([...names.y]).toEqual([1, 3, 2, 1, 0]);
    const codes = parseCsv('a,label\n1,3\n2,1\n3,2\n4,10\n5, 2.0\n', { labels: 'classes' });
    expect(codes.classes).toEqual([1, 2, 3, 10]);
    expect([...codes.y]).toEqual([2, 0, 1, 3, 1]);
  });

  it('maps labels through given classes, naming the line of one that is none of them', () => {
    const t = parseCsv('a,label\n1,virginica\n2,setosa\n', { classes: ['setosa', 'versicolor', 'virginica'] });
    expect([...t.y]).toEqual([2, 0]);
    expect(t.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(() => parseCsv('a,label\n1,setosa\n2,rose\n', { classes: ['setosa', 'virginica'] })).toThrow(
      'text: line 3, column 2 (label): "rose" is not one of the classes ["setosa","virginica"]',
    );
    expect(() => parseCsv('a,label\n1,\n', { labels: 'classes' })).toThrow('line 2, column 2 (label): empty; every label must name a class');
    expect(() => parseCsv('a,label\n1,x\n', { labels: 'bogus' as never })).toThrow(OptionError);
    expect(() => parseCsv('a,label\n1,x\n', { labels: 'binary', classes: ['x', 'y'] })).toThrow("options.classes goes with options.labels 'classes'");
  });

  it('reads iris: three named classes of 50 rows', async () => {
    const iris = await readCsv('data/iris.csv', { labels: 'classes' });
    expect(iris.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect([0, 1, 2].map((c) => iris.y.filter((v) => v === c).length)).toEqual([50, 50, 50]);
  });
});

describe('a model keeps its classes', () => {
  it('from fit on a table; saved, loaded and exported with them; predictions said by them', async () => {
    const iris = await readCsv('data/iris.csv', { labels: 'classes' });
    const model = await Sequential.create({ inputs: 4, layers: [dense(8, 'tanh'), dense(3, 'softmax')], seed: 1 });
    expect(model.classNames).toBeNull();
    expect(model.classes).toEqual([0, 1, 2]);
    await model.fit(iris, { epochs: 60, batchSize: 16, optimizer: 'adam', learningRate: 0.05 });
    expect(model.classNames).toEqual(['setosa', 'versicolor', 'virginica']);
    const named = model.predictClasses(iris.x);
    expect(named.filter((c, i) => c === iris.classes![iris.y[i]!]).length / 150).toBeGreaterThan(0.9);
    const copy = await Sequential.fromJSON(JSON.stringify(model));
    expect(copy.classNames).toEqual(model.classNames);
    const files = toTfjsLayers(model);
    expect((await fromTfjsLayers(files.modelJson, files.weightsBin)).classNames).toEqual(model.classNames);
    // a table of other classes, or of another count, is refused by name
    const other = parseCsv('a,b,c,d,label\n1,2,3,4,rose\n1,2,3,4,tulip\n1,2,3,4,iris\n', { labels: 'classes' });
    await expect(model.fit(other, { epochs: 1 })).rejects.toThrow(
      /the table's classes are \["iris","rose","tulip"\], but the model's are \["setosa","versicolor","virginica"\]/,
    );
    model.dispose();
    copy.dispose();
  });

  it('given to create: checked against the head, kept in the file; binary predictions said by them too', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1, classes: ['ham', 'spam'] });
    expect(model.classes).toEqual(['ham', 'spam']);
    model.setWeights([{ weights: Float32Array.of(1, 0), bias: Float32Array.of(0) }]);
    expect(
      model.predictClasses([
        [3, 0],
        [-3, 0],
      ]),
    ).toEqual(['spam', 'ham']);
    expect(JSON.parse(JSON.stringify(model)).classes).toEqual(['ham', 'spam']);
    await expect(Sequential.create({ inputs: 2, layers: [dense(3, 'softmax')], classes: ['a', 'b'] })).rejects.toThrow(
      /^options\.classes must be an array of 3 class names/,
    );
    await expect(Sequential.create({ inputs: 2, layers: [dense(2, 'softmax')], classes: ['a', 'a'] })).rejects.toThrow(
      'options.classes names "a" twice (at 0 and 1)',
    );
    const json = JSON.parse(JSON.stringify(model));
    json.classes = ['x'];
    await expect(Sequential.fromJSON(json)).rejects.toMatchObject({ argument: 'json.classes' });
    model.dispose();
  });
});

describe("csvDataset with labels: 'classes'", () => {
  it('finds the classes in a pass of its own, and streams their indices: the table readCsv reads', async () => {
    const { csvDataset } = await import('../src/node/index.js');
    const whole = await readCsv('data/iris.csv', { labels: 'classes' });
    const ds = csvDataset('data/iris.csv', { labels: 'classes' });
    expect(await ds.classes()).toEqual(whole.classes);
    const y: number[] = [];
    for await (const chunk of ds) y.push(...chunk.y);
    expect(y).toEqual([...whole.y]);
    // given classes: their order; a label that names none of them is refused by line
    const given = csvDataset('data/iris.csv', { classes: ['virginica', 'versicolor', 'setosa'] });
    const first = (await given[Symbol.asyncIterator]().next()).value!;
    expect(first.y[0]).toBe(2);
    const some = csvDataset('data/iris.csv', { classes: ['setosa', 'versicolor'] });
    await expect(async () => {
      for await (const _ of some);
    }).rejects.toThrow(/data\/iris\.csv has 50 problems:\n {2}line 102, column 5 \(label\): "virginica" is not one of the classes \["setosa","versicolor"\]/);
    expect(await csvDataset('data/breast_cancer.csv').classes()).toBeNull();
  });
});

describe('npyDataset with classes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradwasm-npy-classes-'));
  const path = join(dir, 'codes.npy');
  // two features, then UCI-style class codes 3, 1, 2, 10, 2
  const codes = [3, 1, 2, 10, 2];
  const rows = Float32Array.from(codes.flatMap((c, i) => [i, -i, c]));

  it("reads the label column's values, ascending; maps them to their indices; names the row of a stranger", async () => {
    await writeNpy(path, { data: rows, rows: 5, cols: 3 });
    const ds = await npyDataset(path);
    await expect(ds.labelValues()).resolves.toEqual([1, 2, 3, 10]);
    const mapped = await npyDataset(path, { classes: [1, 2, 3, 10] });
    const ys: number[] = [];
    for await (const chunk of mapped) ys.push(...chunk.y);
    expect(ys).toEqual([2, 0, 1, 3, 1]);
    const short = await npyDataset(path, { classes: [1, 2, 3] });
    await expect(
      (async () => {
        for await (const chunk of short) void chunk;
      })(),
    ).rejects.toThrow(`${path} row 3, column 2 (the label) is 10; labels must be one of the classes 1, 2, 3`);
    await expect(npyDataset(path, { classes: [1, 'two'] as unknown as number[] })).rejects.toMatchObject({ argument: 'options.classes[1]' });
    await expect(npyDataset(path, { classes: [1, 1] })).rejects.toMatchObject({ argument: 'options.classes[1]' });
    await writeNpy(path, { data: Float32Array.from([0, 1, 0, NaN]), rows: 2, cols: 2 });
    await expect((await npyDataset(path)).labelValues()).rejects.toThrow(`${path} row 1, column 1 (the label) is NaN`);
  });
});
