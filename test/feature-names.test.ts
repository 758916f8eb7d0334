// Column names: parseCsv takes columns by name (features) and finds the delimiter ('auto'); a
// model keeps its feature and label names (create, fit on a CsvTable, its file, trainInWorker).
import { describe, expect, it } from 'vitest';
import { GradwasmError, Sequential, dense, parseCsv } from '../src/index.js';

const TEXT = 'a,b,label,c\n1,2,0,3\n4,5,1,6\n';

function fails(run: () => unknown, argument: string, message: RegExp): void {
  let caught: unknown;
  try {
    run();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(GradwasmError);
  expect((caught as GradwasmError).argument).toBe(argument);
  expect((caught as GradwasmError).message).toMatch(message);
}

describe('parseCsv with features', () => {
  it('takes the columns by name, in the order asked, and names the ones it skipped', () => {
    const table = parseCsv(TEXT, { features: ['c', 'a'] });
    expect([...table.x.data]).toEqual([3, 1, 6, 4]);
    expect(table.x.cols).toBe(2);
    expect(table.features).toEqual(['c', 'a']);
    expect(table.label).toBe('label');
    expect([...table.y]).toEqual([0, 1]);
    expect(table.ignored).toEqual(['b']);
    expect(table.header).toBe(true);
  });

  it('reads reordered columns as the same rows', () => {
    const reordered = 'c,label,b,a\n3,0,2,1\n6,1,5,4\n';
    const a = parseCsv(TEXT, { features: ['a', 'b', 'c'] }),
      b = parseCsv(reordered, { features: ['a', 'b', 'c'] });
    expect([...b.x.data]).toEqual([...a.x.data]);
    expect([...b.y]).toEqual([...a.y]);
  });

  it('skips columns it does not read without parsing them', () => {
    const table = parseCsv('id,x,label\nfirst,1,0\nsecond,2,1\n', { features: ['x'] });
    expect([...table.x.data]).toEqual([1, 2]);
    expect(table.ignored).toEqual(['id']);
  });

  it('without label: the column named label, else the last one that is not a feature', () => {
    expect(parseCsv('y,a,b\n1,2,3\n0,5,6\n', { features: ['a', 'b'] }).label).toBe('y');
    expect(parseCsv('a,b,y,z\n1,2,0,3\n4,5,1,6\n', { features: ['a', 'b', 'z'] }).label).toBe('y');
    expect(parseCsv('a,b,label\n1,2,0\n', { features: ['a', 'b'], label: null }).ignored).toEqual(['label']);
  });

  it('names a missing column in one line', () => {
    fails(
      () => parseCsv(TEXT, { features: ['a', 'radius'], source: 'data.csv' }),
      'text',
      /^data\.csv has no column "radius" \(a feature asked for\); its header: "a", "b", "label", "c"$/,
    );
  });

  it('without a header, takes the columns by position', () => {
    const table = parseCsv('1,2,0\n4,5,1\n', { features: ['a', 'b'] });
    expect([...table.x.data]).toEqual([1, 2, 4, 5]);
    expect(table.features).toEqual(['a', 'b']);
    expect(table.header).toBe(false);
    fails(() => parseCsv('1,2,3,0\n', { features: ['a', 'b'] }), 'text', /has no header and 3 feature columns, but options\.features names 2/);
  });

  it('refuses bad names', () => {
    fails(() => parseCsv(TEXT, { features: [] }), 'options.features', /non-empty array/);
    fails(() => parseCsv(TEXT, { features: ['a', 'a'] }), 'options.features[1]', /names "a" twice/);
    fails(() => parseCsv(TEXT, { features: ['a', 3 as unknown as string] }), 'options.features[1]', /column name/);
    fails(() => parseCsv(TEXT, { features: ['a', 'label'], label: 'label' }), 'options.label', /options\.features names as a feature/);
    fails(() => parseCsv('a,a,label\n1,2,0\n', { features: ['a'] }), 'text', /two columns named "a"/);
  });
});

describe("parseCsv's delimiter: 'auto'", () => {
  it.each([
    [',', 'a,b,label\n1,2,0\n'],
    [';', 'a;b;label\n1;2;0\n'],
    ['\t', 'a\tb\tlabel\n1\t2\t0\n'],
    [';', '"x,y";b;label\n1;2;0\n'],
  ])('finds %j from the first line', (_, text) => {
    const table = parseCsv(text, { delimiter: 'auto' });
    expect(table.x.cols).toBe(2);
    expect([...table.x.data]).toEqual([1, 2]);
  });

  it("reads ',' when the first line holds no delimiter", () => {
    expect(parseCsv('x\n1\n2\n', { delimiter: 'auto', label: null }).x.cols).toBe(1);
  });

  it('reads the same table as the delimiter named', () => {
    const semicolons = 'p;q;label\n1.5;2;0\n3;4e-3;1\n';
    expect(parseCsv(semicolons, { delimiter: 'auto' })).toEqual(parseCsv(semicolons, { delimiter: ';' }));
  });
});

describe('a model keeps its column names', () => {
  const x = [
      [1, 2],
      [3, 4],
      [5, 6],
      [7, 8],
    ],
    y = [0, 1, 0, 1];

  it('from create, through its file', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1, featureNames: ['height', 'weight'], labelName: 'sick' });
    expect(model.featureNames).toEqual(['height', 'weight']);
    expect(model.labelName).toBe('sick');
    const json = model.toJSON();
    expect(json.features).toEqual(['height', 'weight']);
    expect(json.label).toBe('sick');
    const back = await Sequential.fromJSON(JSON.stringify(json));
    expect(back.featureNames).toEqual(['height', 'weight']);
    expect(back.labelName).toBe('sick');
    (model.dispose(), back.dispose());
  });

  it('none when not given: the file has no such fields', async () => {
    const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 1 });
    expect(model.featureNames).toBeNull();
    expect(model.labelName).toBeNull();
    expect(model.toJSON()).not.toHaveProperty('features');
    expect(model.toJSON()).not.toHaveProperty('label');
    model.dispose();
  });

  it('from a CsvTable given to fit, which trains as its rows and labels do', async () => {
    const text = 'height,weight,sick\n1,2,0\n3,4,1\n5,6,0\n7,8,1\n';
    const a = await Sequential.create({ inputs: 2, layers: [dense(3, 'tanh'), dense(1, 'sigmoid')], seed: 7 });
    const b = await Sequential.create({ inputs: 2, layers: [dense(3, 'tanh'), dense(1, 'sigmoid')], seed: 7 });
    const table = parseCsv(text);
    const fromTable = await a.fit(table, { epochs: 3, batchSize: 2 });
    const fromArrays = await b.fit(x, y, { epochs: 3, batchSize: 2 });
    expect(fromTable.loss).toEqual(fromArrays.loss);
    expect(a.featureNames).toEqual(['height', 'weight']);
    expect(a.labelName).toBe('sick');
    expect(b.featureNames).toBeNull();
    // a table whose columns are another model's is refused before any step
    const other = parseCsv('weight,height,sick\n1,2,0\n');
    const before = a.getWeights();
    await expect(a.fit(other)).rejects.toThrow(/the table's feature 1 is "weight", but the model's is "height"/);
    expect(a.getWeights()).toEqual(before);
    // a table without a header brings no names
    const c = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], seed: 7 });
    await c.fit(parseCsv('1,2,0\n3,4,1\n'), { epochs: 1 });
    expect(c.featureNames).toBeNull();
    (a.dispose(), b.dispose(), c.dispose());
  });

  it('refuses names that do not fit', async () => {
    const create = (o: object) => Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')], ...o });
    await expect(create({ featureNames: ['a'] })).rejects.toThrow(/options\.featureNames must be an array of 2 column names/);
    await expect(create({ featureNames: ['a', 'a'] })).rejects.toThrow(/names "a" twice/);
    await expect(create({ featureNames: ['a', 'b'], labelName: 'a' })).rejects.toThrow(/options\.labelName "a" is also the name of a feature/);
    await expect(create({ labelName: 3 })).rejects.toThrow(/options\.labelName must be a non-empty string/);
    const json = { ...(await create({})).toJSON(), features: ['a', 7] };
    await expect(Sequential.fromJSON(json as never)).rejects.toThrow(/json\.features\[1\] must be a non-empty string/);
  });
});
