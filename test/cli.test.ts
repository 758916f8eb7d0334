// The gradwasm command line, run in-process (and once as the built executable).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { run } from '../src/cli/main.js';
import { Sequential } from '../src/index.js';

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '', err = '';
  const code = await run(argv, (t) => void (out += t), (t) => void (err += t));
  return { code, out, err };
}

const DATA = 'data/breast_cancer.csv';
const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('gradwasm train / predict / evaluate', () => {
  const model = join(dir, 'model.json');

  it('trains with the issue\'s flags, prints the metrics table and saves a model with its scaler', async () => {
    const r = await cli('train', DATA, '--label', 'label', '--layers', '16,8', '--activation', 'relu', '--optimizer', 'adam', '--epochs', '30', '--lr', '0.01', '--batch', '32', '--val', '0.2', '--seed', '1', '--out', model, '--no-progress');
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/569 rows × 30 features, label column 'label'; 455 train \/ 114 validation/);
    expect(r.out).toMatch(/validation\s+0\.\d{4}\s+0\.9\d{3}/); // accuracy above 90 %
    const json = JSON.parse(readFileSync(model, 'utf8'));
    expect(json.layers.map((l: { units: number }) => l.units)).toEqual([16, 8, 1]);
    expect(json.scaler).toBeDefined();
  });

  it('predicts raw rows (the label column left out) to standard output and to a file', async () => {
    const r = await cli('predict', model, DATA);
    expect(r.code).toBe(0);
    const lines = r.out.trim().split('\n');
    expect(lines[0]).toBe('probability,class');
    expect(lines).toHaveLength(570);
    const loaded = await Sequential.fromJSON(readFileSync(model, 'utf8'));
    const [firstP] = lines[1]!.split(',');
    const csvRows = readFileSync(DATA, 'utf8').trim().split('\n').slice(1).map((l) => l.split(',').map(Number).slice(0, -1));
    expect(Number(firstP)).toBe(loaded.predictProba([csvRows[0]!])[0]);
    const out = join(dir, 'p.csv');
    expect((await cli('predict', model, DATA, '--out', out, '--threshold', '0.9')).code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(571);
  });

  it('evaluates a labelled file', async () => {
    const r = await cli('evaluate', model, DATA);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/loss\s+accuracy\s+precision\s+recall\s+F1\s+ROC AUC\s+TP\s+FP\s+TN\s+FN/);
  });

  it('trains logistic regression with sgd and no hidden layer', async () => {
    const r = await cli('train', DATA, '--layers', '', '--optimizer', 'sgd', '--lr', '0.1', '--epochs', '5', '--no-progress', '--val', '0');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/MLP 30-1 /);
  });
});

describe('gradwasm explain', () => {
  it("prints the article's example: z = 9, p = σ(9), the chain rule for w", async () => {
    const r = await cli('explain');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/x = 3, y = 1/);
    expect(r.out).toMatch(/0\.99987/); // σ(9)
  });
});

describe('gradwasm misuse: one clear line, non-zero exit', () => {
  it.each([
    [['train'], /missing required argument 'csv'/],
    [['train', DATA, '--epochs', 'ten'], /--epochs.*expected an integer ≥ 1, got "ten"/],
    [['train', DATA, '--layers', '16,x'], /expected hidden layer sizes/],
    [['train', DATA, '--optimizer', 'rmsprop'], /--optimizer.*rmsprop.*Allowed choices/],
    [['train', DATA, '--learning-rate', '1'], /unknown option '--learning-rate'/],
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['train', 'no/such/file.csv'], /no\/such\/file\.csv/],
    [['predict', 'no/such/model.json', DATA], /cannot read no\/such\/model\.json/],
  ])('%j', async (argv, message) => {
    const r = await cli(...argv);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(message);
    expect(r.err.trim().split('\n').length).toBeLessThanOrEqual(2);
  });

  it('--help works for every command', async () => {
    for (const command of [[], ['train'], ['predict'], ['evaluate'], ['explain'], ['bench']]) {
      const r = await cli(...command, '--help');
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^Usage: gradwasm/);
    }
  });
});

describe('hostile CSV files', () => {
  const header = 'a,b,label\n';
  it.each([
    ['empty file', '', /empty|no rows|no data/i],
    ['header only', header, /no (data )?rows|empty/i],
    ['ragged row', header + '1,2,0\n3,1\n', /line 3/],
    ['non-numeric cell', header + '1,2,0\n3,abc,1\n', /line 3, column 2.*"abc"/],
    ['label 2', header + '1,2,0\n3,4,2\n', /line 3, column 3.*0 or 1/],
    ['enormous number', header + '1,1e39,0\n3,4,1\n', /line 2, column 2|1e39|float32/],
    ['binary garbage', '\u0000\u0001\u0002\u00ff\u00fe\n\u0007,\u0000\n', /line 1|not a number|label/i],
  ])('%s: one message, exit 1, no partial model file', async (_name, text, message) => {
    const csv = file(`${_name.replace(/\W/g, '_')}.csv`, text);
    const out = join(dir, `${_name.replace(/\W/g, '_')}.json`);
    const before = readdirSync(dir).length;
    const r = await cli('train', csv, '--out', out, '--no-progress', '--epochs', '1', '--val', '0');
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/^gradwasm: /);
    expect(r.err).toMatch(message);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(dir).length).toBe(before); // no temporary file left either
  });

  it('predict on a bad file leaves no output file', async () => {
    const model = join(dir, 'm2.json');
    await cli('train', DATA, '--epochs', '1', '--out', model, '--no-progress');
    const out = join(dir, 'never.csv');
    const r = await cli('predict', model, file('bad.csv', 'a,b\n1,x\n'), '--out', out);
    expect(r.code).toBe(1);
    expect(existsSync(out)).toBe(false);
  });
});

describe('dist/cli.js', () => {
  it('is an executable that answers --version and trains', () => {
    const bin = new URL('../dist/cli.js', import.meta.url).pathname;
    expect(execFileSync(process.execPath, [bin, '--version'], { encoding: 'utf8' }).trim()).toMatch(/^\d+\.\d+\.\d+$/);
    const out = execFileSync(process.execPath, [bin, 'train', DATA, '--epochs', '3', '--no-progress'], { encoding: 'utf8' });
    expect(out).toMatch(/trained 3 epochs/);
    expect(readFileSync(bin, 'utf8').startsWith('#!/usr/bin/env node')).toBe(true);
  });
});
