// The command line on more than two classes (issue 21): the task read from the label column (or
// --task), a softmax model with its classes, multinomial L-BFGS for logistic regression, the
// per-class report, predict's column per class and evaluate on a file of class names.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { taskOf } from '../src/cli/data-file.js';
import { Sequential } from '../src/index.js';
import { writeNpy } from '../src/node/index.js';

const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-multiclass-'));

describe('the task, from the label column', () => {
  it('exactly 0 and 1: binary; names, or few integers: multiclass; many numbers: regression', () => {
    expect(taskOf([0, 1], 100)).toBe('binary');
    expect(taskOf(['no', 'yes'], 100)).toBe('multiclass');
    expect(taskOf([1, 2, 3], 178)).toBe('multiclass'); // UCI wine's own codes
    expect(
      taskOf(
        Array.from({ length: 10 }, (_, i) => i),
        50,
      ),
    ).toBe('multiclass'); // max(10, rows/20)
    expect(
      taskOf(
        Array.from({ length: 11 }, (_, i) => i),
        200,
      ),
    ).toBe('regression'); // 11 > max(10, 10)
    expect(
      taskOf(
        Array.from({ length: 30 }, (_, i) => i),
        1000,
      ),
    ).toBe('multiclass');
    expect(taskOf([0.5, 1, 2], 1000)).toBe('regression');
    expect(
      taskOf(
        Array.from({ length: 257 }, (_, i) => i),
        100_000,
      ),
    ).toBe('regression'); // k ≤ 256
  });
});

describe('gradwasm train on classes', () => {
  it('iris (names): multinomial logistic regression by L-BFGS, the classes in the file, the report by class', async () => {
    const out = join(dir, 'iris.json');
    const r = await cli('train', 'data/iris.csv', '--layers', '', '--no-progress', '--out', out);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const lines = r.out.split('\n');
    expect(lines[0]).toMatch(/^data\/iris\.csv: 3 classes \(setosa, versicolor, virginica\); 150 rows × 4 features/);
    expect(lines[1]).toMatch(/^multinomial logistic regression 4-3 \(softmax\), lbfgs, up to 100 iterations \(until converged\), full batch, L2 1\/120,/);
    expect(r.out).toMatch(/\n {0,}virginica +\d\.\d{4}/);
    expect(r.out).toContain('confusion matrix (rows true, columns predicted)');
    const json = JSON.parse(readFileSync(out, 'utf8'));
    expect(json.classes).toEqual(['setosa', 'versicolor', 'virginica']);
    expect(json.layers.at(-1)).toMatchObject({ units: 3, activation: 'softmax' });

    // predict: a probability column per class, named by it, then the class by name
    const p = await cli('predict', out, 'data/iris.csv');
    const rows = p.out.trim().split('\n');
    expect(rows[0]).toBe('p(setosa),p(versicolor),p(virginica),class');
    expect(rows).toHaveLength(151);
    const model = await Sequential.fromJSON(readFileSync(out, 'utf8'));
    const table = readFileSync('data/iris.csv', 'utf8').trim().split('\n').slice(1);
    const x = table.map((l) => l.split(',').slice(0, 4).map(Number));
    const named = model.predictClasses(x);
    rows.slice(1).forEach((row, i) => {
      const cells = row.split(',');
      expect(cells[3]).toBe(named[i]);
      expect(cells.slice(0, 3).reduce((s, v) => s + Number(v), 0)).toBeCloseTo(1, 5);
    });
    const right = named.filter((c, i) => c === table[i]!.split(',')[4]).length;
    expect(right / 150).toBeGreaterThan(0.95);

    // evaluate: the same accuracy, by class
    const e = await cli('evaluate', out, 'data/iris.csv');
    expect(e.out).toContain("data/iris.csv: 150 rows, label column 'label', 3 classes");
    expect(e.out).toMatch(new RegExp(`data/iris\\.csv +\\d\\.\\d{4} +${(right / 150).toFixed(4)}`));
    model.dispose();
  });

  it('wine (codes 0, 1, 2): an MLP, class weights by class index; a class weight for a class it lacks is refused', async () => {
    const r = await cli('train', 'data/wine.csv', '--no-progress', '--epochs', '20', '--class-weight', '0:1,1:2,2:1');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^data\/wine\.csv: 3 classes \(0, 1, 2\); 178 rows/);
    expect(r.out).toMatch(/MLP 13-100-3 \(relu, softmax\), adam/);
    expect(r.out).toContain('class weights 0:1,1:2,2:1');
    const bad = await cli('train', 'data/wine.csv', '--no-progress', '--class-weight', '0:1,1:2');
    expect(bad.code).not.toBe(0);
    expect(bad.err).toContain('--class-weight needs a weight for each class index 0…2 (0: 0, 1: 1, 2: 2) and no other; class 2 has none');
  });

  it('--task: binary on names is refused by the label check; a column of many numbers is a regression (test/cli-regression.test.ts)', async () => {
    const binary = await cli('train', 'data/iris.csv', '--task', 'binary', '--no-progress');
    expect(binary.code).not.toBe(0);
    expect(binary.err).toMatch(/"setosa" is not a label; labels must be 0 or 1/);
    const file = join(dir, 'real.csv');
    writeFileSync(file, 'a,label\n' + Array.from({ length: 40 }, (_, i) => `${i},${(i * 0.37).toFixed(2)}`).join('\n') + '\n');
    const real = await cli('train', file, '--no-progress', '--layers', '');
    expect(real.err).toBe('');
    expect(real.out).toMatch(/^\S+real\.csv: regression \(real-valued targets\); 40 rows/);
  });

  it('a .npy of UCI wine codes 1, 2, 3: the same task, classes and model as the CSV of the same rows; a .npy of many numbers is a regression', async () => {
    const lines = readFileSync('data/wine.csv', 'utf8').trim().split('\n');
    const cells = lines.slice(1).map((l) => l.split(',').map(Number));
    const csv = join(dir, 'wine-codes.csv'),
      npy = join(dir, 'wine-codes.npy');
    writeFileSync(csv, [lines[0], ...cells.map((c) => [...c.slice(0, -1), c.at(-1)! + 1].join(','))].join('\n') + '\n');
    await writeNpy(npy, { data: Float32Array.from(cells.flatMap((c) => [...c.slice(0, -1), c.at(-1)! + 1])), rows: cells.length, cols: 14 });
    const fromCsv = await cli('train', csv, '--layers', '', '--no-progress', '--out', join(dir, 'csv.json'));
    const fromNpy = await cli('train', npy, '--layers', '', '--no-progress', '--out', join(dir, 'npy.json'));
    expect(fromNpy.err).toBe('');
    expect(fromNpy.out).toMatch(/wine-codes\.npy: 3 classes \(1, 2, 3\); 178 rows × 13 features/);
    const [a, b] = ['csv.json', 'npy.json'].map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
    expect(b.classes).toEqual([1, 2, 3]);
    expect(b.layers).toEqual(a.layers);
    const report = (out: string): string =>
      out
        .split('\n')
        .slice(1)
        .join('\n')
        .replace(/in [\d.]+ s \([\d,]+ samples\/s/, '')
        .replace(/(csv|npy)\.json/, '');
    expect(report(fromNpy.out)).toBe(report(fromCsv.out));

    const many = join(dir, 'real.npy');
    await writeNpy(many, { data: Float32Array.from({ length: 80 }, (_, i) => (i % 2 ? i * 0.37 : i)), rows: 40, cols: 2 });
    const real = await cli('train', many, '--no-progress', '--layers', '');
    expect(real.err).toBe('');
    expect(real.out).toMatch(/^\S+real\.npy: regression \(real-valued targets\); 40 rows × 1 features/);
  });
});
