// Issue 13: the command line matches a file's columns to the model's by name. Reordered columns
// score as the original; a missing one is a one-line error naming it; extra ones are ignored and
// named; the label the model was trained on is the default label; --delimiter (and ; or tab found
// from the header) on every command that reads CSV. Files without a header: by position.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { Sequential, parseCsv } from '../src/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-columns-'));
const path = (name: string) => join(dir, name);
const source = parseCsv(readFileSync('data/breast_cancer.csv', 'utf8'));
const names = [...source.features, 'label'];

/**
 * The breast cancer table with its columns in `order`: names of `names`; `y`, the label again;
 * `other…`, a 0/1 column that is not the label; anything else, a column of text.
 */
function table(order: string[], delimiter = ','): string {
  const lines = [order.join(delimiter)];
  for (let r = 0; r < source.x.rows; r++) {
    const cell = (name: string) =>
      name === 'label' || name === 'y'
        ? String(source.y[r])
        : name.startsWith('other')
          ? String(r % 2)
          : names.includes(name)
            ? String(source.x.data[r * source.x.cols + source.features.indexOf(name)])
            : `row ${r}`;
    lines.push(order.map(cell).join(delimiter));
  }
  return lines.join('\n') + '\n';
}

/** The order of breast cancer's columns with `label` renamed `y` and put in the middle, as the issue tells. */
const middleLabel = [...source.features.slice(0, 10), 'y', ...source.features.slice(10), 'other01'];
const metricsLine = (out: string) => out.split('\n').find((l) => /^\S+\.csv\s+\d/.test(l))!;

describe('gradwasm predict / evaluate match columns by name', () => {
  const model = path('model.json');
  beforeAll(async () => {
    writeFileSync(path('train.csv'), table(names));
    const r = await cli('train', path('train.csv'), '--epochs', '20', '--seed', '3', '--out', model, '--no-progress');
    expect(r.code, r.err).toBe(0);
  });

  it('the model file keeps the feature names and the label name', () => {
    const json = JSON.parse(readFileSync(model, 'utf8'));
    expect(json.features).toEqual(source.features);
    expect(json.label).toBe('label');
  });

  it('reordered columns give the same probabilities and metrics', async () => {
    const shuffled = [...names].reverse();
    writeFileSync(path('reordered.csv'), table(shuffled));
    const [a, b] = [await cli('predict', model, path('train.csv')), await cli('predict', model, path('reordered.csv'))];
    expect(a.code).toBe(0);
    expect(b.code, b.err).toBe(0);
    expect(b.out).toBe(a.out);
    expect(b.err, 'the label column is not an extra column').toBe('');
    const [ea, eb] = [await cli('evaluate', model, path('train.csv')), await cli('evaluate', model, path('reordered.csv'))];
    expect(eb.code).toBe(0);
    expect(metricsLine(eb.out).replace(/^\S+/, '')).toBe(metricsLine(ea.out).replace(/^\S+/, ''));
    expect(Number(/\s(0\.\d+)\s+(0\.\d+)/.exec(metricsLine(eb.out))![2])).toBeGreaterThan(0.95);
  });

  it('a missing column: one line naming it, exit 1', async () => {
    writeFileSync(path('missing.csv'), table(names.filter((n) => n !== 'mean_radius' && n !== source.features[5])));
    for (const command of ['predict', 'evaluate']) {
      const r = await cli(command, model, path('missing.csv'));
      expect(r.code).toBe(1);
      expect(r.out).toBe('');
      expect(r.err.trim().split('\n')).toHaveLength(1);
      expect(r.err).toContain(`has no column ${JSON.stringify(source.features[0])}`);
    }
  });

  it('extra columns are ignored and named', async () => {
    writeFileSync(path('extra.csv'), table(['id', ...names.slice(0, 15), 'notes', ...names.slice(15)]));
    const r = await cli('evaluate', model, path('extra.csv'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/ignored: id, notes/);
    const p = await cli('predict', model, path('extra.csv'));
    expect(p.out).toBe((await cli('predict', model, path('train.csv'))).out);
  });

  it('the stored label is the default label: a label named y in the middle, another 0/1 column at the end', async () => {
    writeFileSync(path('middle.csv'), table(middleLabel));
    const labelled = path('middle-model.json');
    let r = await cli('train', path('middle.csv'), '--label', 'y', '--epochs', '20', '--seed', '3', '--out', labelled, '--no-progress');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(readFileSync(labelled, 'utf8')).label).toBe('y');
    r = await cli('evaluate', labelled, path('middle.csv'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/label column 'y'/);
    expect(Number(/\s(\d\.\d+)\s+(0\.\d+)/.exec(metricsLine(r.out))![1])).toBeLessThan(0.3); // loss, not 17.5
    // a file without that label column: say so, in one line
    writeFileSync(path('nolabel.csv'), table(source.features));
    r = await cli('evaluate', labelled, path('nolabel.csv'));
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/nolabel\.csv has no column "y", the label .* was trained on: name the label column with --label/);
  });

  it('without a header: by position, as before', async () => {
    writeFileSync(path('headless.csv'), table(names).split('\n').slice(1).join('\n'));
    const r = await cli('predict', model, path('headless.csv'));
    expect(r.code, r.err).toBe(0);
    expect(r.out).toBe((await cli('predict', model, path('train.csv'))).out);
    expect((await cli('evaluate', model, path('headless.csv'))).code).toBe(0);
  });

  it('a model without names (saved before they were kept) reads by position', async () => {
    const json = JSON.parse(readFileSync(model, 'utf8'));
    delete json.features;
    delete json.label;
    writeFileSync(path('nameless.json'), JSON.stringify(json));
    writeFileSync(path('reordered2.csv'), table([...names].reverse()));
    const r = await cli('predict', path('nameless.json'), path('reordered2.csv'), '--label', 'label');
    expect(r.code).toBe(0);
    expect(r.out).not.toBe((await cli('predict', model, path('train.csv'))).out);
  });
});

describe('--delimiter', () => {
  it.each([
    [';', ';'],
    ['tab', '\t'],
  ])('%s: found from the header, or named; the same model and predictions as with commas', async (flag, char) => {
    const commas = path('commas.csv'),
      other = path(`other-${flag}.csv`);
    writeFileSync(commas, table(names));
    writeFileSync(other, table(names, char));
    const outs = [];
    for (const [file, extra] of [
      [commas, []],
      [other, []],
      [other, ['--delimiter', flag]],
    ] as const) {
      const out = path(`m-${flag}-${outs.length}.json`);
      const r = await cli('train', file, '--epochs', '3', '--seed', '1', '--out', out, '--no-progress', ...extra);
      expect(r.code, r.err).toBe(0);
      const json = JSON.parse(readFileSync(out, 'utf8'));
      outs.push(JSON.stringify(json.layers));
      expect(json.features).toEqual(source.features);
      const p = await cli('predict', out, file, ...extra);
      expect(p.code, p.err).toBe(0);
      const e = await cli('evaluate', out, file, ...extra);
      expect(e.code, e.err).toBe(0);
      const x = await cli('explain', out, file, '--row', '2', ...extra);
      expect(x.code, x.err).toBe(0);
    }
    expect(outs[1]).toBe(outs[0]);
    expect(outs[2]).toBe(outs[0]);
  });

  it('a wrong delimiter named is one line', async () => {
    const r = await cli('evaluate', path('model.json'), path('train.csv'), '--delimiter', '::');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/--delimiter.*expected one character/);
  });

  it('parses the same model as the library does', async () => {
    const loaded = await Sequential.fromJSON(readFileSync(path('model.json'), 'utf8'));
    expect(loaded.featureNames).toEqual(source.features);
    loaded.dispose();
  });
});
