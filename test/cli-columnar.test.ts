// The command line on Parquet and Arrow files (written here by DuckDB and apache-arrow): the same
// flags as on a CSV, the same models as from the CSV of the same table, in memory or streamed.
import { DuckDBInstance } from '@duckdb/node-api';
import { tableFromArrays, tableToIPC } from 'apache-arrow';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const bin = new URL('../dist/cli.js', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-columnar-'));
const at = (name: string) => join(dir, name);
const gradwasm = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });
const TABLES = ['breast_cancer', 'iris', 'diabetes_regression'];

beforeAll(async () => {
  const duck = await (await DuckDBInstance.create(':memory:')).connect();
  for (const name of TABLES) {
    const select = `SELECT * FROM read_csv('data/${name}.csv', header = true)`;
    await duck.run(`COPY (${select}) TO '${at(name + '.parquet')}' (FORMAT PARQUET, ROW_GROUP_SIZE 2048)`);
    const read = await duck.runAndReadAll(select);
    const columns = read.getColumnsJS() as unknown[][];
    const arrays = Object.fromEntries(
      read.columnNames().map((n, c) => [n, typeof columns[c]![0] === 'string' ? (columns[c] as string[]) : Float64Array.from(columns[c]!.map(Number))]),
    );
    writeFileSync(at(name + '.arrow'), tableToIPC(tableFromArrays(arrays), 'file'));
  }
  duck.closeSync();
}, 60_000);

describe('gradwasm train on Parquet and Arrow files', () => {
  it.each(TABLES)('%s: the model the CSV gives, from .parquet and .arrow, with the same first line', (name) => {
    const csv = gradwasm('train', `data/${name}.csv`, '--epochs', '3', '--no-progress', '--out', at(`${name}-csv.json`));
    expect(csv.status, csv.stderr).toBe(0);
    for (const kind of ['parquet', 'arrow']) {
      const run = gradwasm('train', at(`${name}.${kind}`), '--epochs', '3', '--no-progress', '--out', at(`${name}-${kind}.json`));
      expect(run.status, run.stderr).toBe(0);
      expect(run.stdout.split('\n')[0]!.replace(at(`${name}.${kind}`), 'FILE')).toBe(csv.stdout.split('\n')[0]!.replace(`data/${name}.csv`, 'FILE'));
      expect(readFileSync(at(`${name}-${kind}.json`), 'utf8')).toBe(readFileSync(at(`${name}-csv.json`), 'utf8'));
    }
  });

  it('--stream with --cache and --checkpoint/--resume from a .parquet: the model of an uninterrupted streamed run of the CSV; --label by name', () => {
    const common = ['--no-progress', '--label', 'label', '--batch', '32', '--patience', '50'];
    // (a streamed run shuffles in a window, so it is compared with streamed runs: of the CSV, and uninterrupted)
    expect(gradwasm('train', 'data/breast_cancer.csv', ...common, '--stream', '--epochs', '6', '--out', at('whole.json')).status).toBe(0);
    const first = gradwasm(
      'train',
      at('breast_cancer.parquet'),
      ...common,
      '--stream',
      '--cache',
      at('cache.npy'),
      '--epochs',
      '3',
      '--checkpoint',
      at('ck.json'),
    );
    expect(first.status, first.stderr).toBe(0);
    const resumed = gradwasm(
      'train',
      at('breast_cancer.parquet'),
      ...common,
      '--stream',
      '--epochs',
      '6',
      '--resume',
      at('ck.json'),
      '--out',
      at('resumed.json'),
    );
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(JSON.parse(readFileSync(at('resumed.json'), 'utf8'))).toEqual(JSON.parse(readFileSync(at('whole.json'), 'utf8')));
    const missing = gradwasm('train', at('breast_cancer.parquet'), '--label', 'nope');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/^gradwasm: --label "nope" is not a column of the header: "mean_radius"/);
  });
});

describe('gradwasm predict, evaluate and explain on Parquet and Arrow files', () => {
  it.each(TABLES)('%s: the text the CSV gives, columns matched by name', (name) => {
    const model = at(`${name}-model.json`);
    expect(gradwasm('train', `data/${name}.csv`, '--epochs', '2', '--no-progress', '--out', model).status).toBe(0);
    const csvPredict = gradwasm('predict', model, `data/${name}.csv`);
    const csvEvaluate = gradwasm('evaluate', model, `data/${name}.csv`);
    const csvExplain = gradwasm('explain', model, `data/${name}.csv`, '--row', '7');
    expect(csvPredict.status, csvPredict.stderr).toBe(0);
    for (const kind of ['parquet', 'arrow']) {
      const file = at(`${name}.${kind}`);
      const predicted = gradwasm('predict', model, file);
      expect(predicted.status, predicted.stderr).toBe(0);
      expect(predicted.stdout).toBe(csvPredict.stdout);
      const evaluated = gradwasm('evaluate', model, file);
      expect(evaluated.status, evaluated.stderr).toBe(0);
      // (the same figures; the columns' padding follows the file name's length)
      const figures = (text: string, path: string) => text.replaceAll(path, 'FILE').replace(/[ ─]+/g, ' ');
      expect(figures(evaluated.stdout, file)).toBe(figures(csvEvaluate.stdout, `data/${name}.csv`));
      const explained = gradwasm('explain', model, file, '--row', '7');
      expect(explained.stdout.replaceAll(file, 'FILE')).toBe(csvExplain.stdout.replaceAll(`data/${name}.csv`, 'FILE'));
    }
  });

  it("--out, a missing feature named as the model's, and --row past the end", () => {
    const model = at('breast_cancer-model.json');
    const out = gradwasm('predict', model, at('breast_cancer.parquet'), '--out', at('p.csv'));
    expect(out.status, out.stderr).toBe(0);
    expect(readFileSync(at('p.csv'), 'utf8')).toBe(gradwasm('predict', model, 'data/breast_cancer.csv').stdout);
    const wine = gradwasm('predict', model, at('iris.parquet'));
    expect(wine.status).toBe(1);
    expect(wine.stderr).toMatch(/iris\.parquet has no column "mean_radius".* \(features .*breast_cancer-model\.json takes\)/);
    expect(gradwasm('explain', model, at('breast_cancer.arrow'), '--row', '570').stderr).toMatch(
      /--row 570 is past the last row of .*breast_cancer\.arrow \(569 rows\)/,
    );
  });
});
