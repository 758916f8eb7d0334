// The gradwasm command line, run in-process (and once as the built executable).
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, lstatSync, mkdtempSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from './support/cli.js';
import { Sequential, parseCsv } from '../src/index.js';
import { shortestFloat32 } from '../src/core/float32-decimal.js';

const DATA = 'data/breast_cancer.csv';
const dir = mkdtempSync(join(tmpdir(), 'gradwasm-cli-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('gradwasm train / predict / evaluate', () => {
  const model = join(dir, 'model.json');

  it("trains with the issue's flags, prints the metrics table and saves a model with its scaler", async () => {
    const r = await cli(
      'train',
      DATA,
      '--label',
      'label',
      '--layers',
      '16,8',
      '--activation',
      'relu',
      '--optimizer',
      'adam',
      '--epochs',
      '30',
      '--lr',
      '0.01',
      '--batch',
      '32',
      '--val',
      '0.2',
      '--seed',
      '1',
      '--out',
      model,
      '--no-progress',
    );
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
    const csvRows = readFileSync(DATA, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split(',').map(Number).slice(0, -1));
    expect(Math.fround(Number(firstP))).toBe(loaded.predictProba([csvRows[0]!])[0]);
    expect(Number(firstP), 'the shortest decimal of the float32').toBe(shortestFloat32(loaded.predictProba([csvRows[0]!])[0]!));
    const out = join(dir, 'p.csv');
    expect((await cli('predict', model, DATA, '--out', out, '--threshold', '0.9')).code).toBe(0);
    expect(readFileSync(out, 'utf8').split('\n')).toHaveLength(571);
  });

  it('evaluates a labelled file', async () => {
    const r = await cli('evaluate', model, DATA);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/loss\s+accuracy\s+precision\s+recall\s+F1\s+ROC AUC\s+TP\s+FP\s+TN\s+FN/);
  });

  it('--threads: the same model for 1 and 3 threads, the header says how many; predict and evaluate take it too', async () => {
    const outs = [];
    for (const threads of ['1', '3']) {
      const out = join(dir, `threads-${threads}.json`);
      const r = await cli('train', DATA, '--epochs', '5', '--threads', threads, '--out', out, '--no-progress');
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(threads === '1' ? /wasm backend\n/ : /wasm backend, 3 threads\n/);
      outs.push(readFileSync(out, 'utf8'));
    }
    expect(outs[1]).toBe(outs[0]);
    const p1 = await cli('predict', join(dir, 'threads-1.json'), DATA, '--threads', '1');
    const p3 = await cli('predict', join(dir, 'threads-1.json'), DATA, '--threads', '3');
    expect(p3.out).toBe(p1.out);
    expect((await cli('evaluate', join(dir, 'threads-1.json'), DATA, '--threads', 'auto')).code).toBe(0);
  });

  it('export writes ONNX that onnxruntime runs as the model predicts, and TF.js Layers files; it needs one of them', async () => {
    const ort = await import('onnxruntime-web');
    ort.env.wasm.numThreads = 1;
    const onnx = join(dir, 'exported.onnx'),
      tfjs = join(dir, 'exported-tfjs');
    const r = await cli('export', model, '--onnx', onnx, '--tfjs', tfjs);
    expect(r.err).toBe('');
    expect(r.out).toMatch(
      /→ .*exported\.onnx \(ONNX, opset 13: input "features" \[batch, 30\], outputs "label" \[batch\], "probabilities" \[batch, 2\], "probability" \[batch, 1\], the scaler inside\)/,
    );
    expect(existsSync(join(tfjs, 'model.json')) && existsSync(join(tfjs, 'weights.bin'))).toBe(true);
    const table = parseCsv(readFileSync(DATA, 'utf8'));
    const session = await ort.InferenceSession.create(new Uint8Array(readFileSync(onnx)));
    const { probability } = await session.run({ features: new ort.Tensor('float32', table.x.data, [table.x.rows, 30]) });
    const expected = (await Sequential.fromJSON(readFileSync(model, 'utf8'))).predictProba(table.x);
    (probability!.data as Float32Array).forEach((p, i) => expect(Math.abs(p - expected[i]!)).toBeLessThanOrEqual(1e-6));
    const none = await cli('export', model);
    expect(none.code).toBe(1);
    expect(none.err).toBe('gradwasm: export needs --onnx <file.onnx>, --tfjs <directory> or both\n');
    expect((await cli('export', model, '--onnx', model)).err).toMatch(/^gradwasm: --onnx .* is the model/);
  });

  it('trains logistic regression with sgd and no hidden layer', async () => {
    const r = await cli('train', DATA, '--layers', '', '--optimizer', 'sgd', '--lr', '0.1', '--epochs', '5', '--no-progress', '--val', '0');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/logistic regression 30-1 \(sigmoid\), sgd, 5 epochs, batch 32, L2 1\/569,/);
  });

  it('trains logistic regression to its optimum by default: L-BFGS, full batch, L2 1/n (scikit-learn C = 1), until converged', async () => {
    const r = await cli('train', DATA, '--layers', '', '--no-progress', '--val', '0');
    expect(r.code, r.err).toBe(0);
    expect(r.out).toMatch(/logistic regression 30-1 \(sigmoid\), lbfgs, up to 100 iterations \(until converged\), full batch, L2 1\/569,/);
    expect(r.out).toMatch(/trained \d+ iterations in .*, converged/);
  });

  it('refuses lbfgs with what it cannot do, in flags', async () => {
    for (const [flags, message] of [
      [['--optimizer', 'lbfgs', '--lr', '0.1'], /--lr does not apply to --optimizer lbfgs/],
      [['--optimizer', 'lbfgs', '--batch', '32'], /--batch 32: --optimizer lbfgs is full-batch/],
      [['--optimizer', 'lbfgs', '--stream'], /--optimizer lbfgs takes every row .* streamed/],
    ] as const) {
      const r = await cli('train', DATA, '--layers', '', '--no-progress', ...flags);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(message);
    }
    // the default falls back to Adam where L-BFGS cannot go
    const streamed = await cli('train', DATA, '--layers', '', '--no-progress', '--stream', '--epochs', '2');
    expect(streamed.code, streamed.err).toBe(0);
    expect(streamed.out).toMatch(/logistic regression 30-1 \(sigmoid\), adam, 2 epochs, batch 32, L2 1\/455,/);
  });
});

describe('gradwasm train --patience', () => {
  it('watches the training loss with --val 0 (it has no validation loss to watch), as its help says', async () => {
    const r = await cli(
      'train',
      DATA,
      '--layers',
      '',
      '--optimizer',
      'sgd',
      '--lr',
      '20',
      '--batch',
      'all',
      '--epochs',
      '300',
      '--val',
      '0',
      '--patience',
      '1',
      '--no-progress',
    );
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/trained \d+ epochs .*, stopped early/);
    expect((await cli('train', '--help')).out.replace(/\s+/g, ' ')).toMatch(
      /--patience <epochs> stop when the validation loss — the training loss with --val 0 — has not improved/,
    );
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
    [['train'], /missing required argument 'file'/],
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
    // (a label 2 beside 0s is a class since issue 21: --task binary refuses it by line, test/cli-multiclass.test.ts)
    // (and a label 0.5 makes a regression since issue 22: test/cli-regression.test.ts)
    ['empty label', header + '1,2,0\n3,4,\n', /line 3, column 3 \(label\): empty/],
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

describe('issue 10: the command never hangs, never overwrites what it was not asked to, speaks in flags', () => {
  const bin = new URL('../dist/cli.js', import.meta.url).pathname;
  /** dist/cli.js as a user runs it; a hang fails the test at the timeout instead of blocking it. */
  const gradwasm = (args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 30_000 });
    expect(r.error, 'the command did not end by itself').toBeUndefined();
    return r;
  };

  it.each([
    [
      'a diverging SGD run',
      ['--optimizer', 'sgd', '--lr', '1e6', '--batch', '32'],
      /^gradwasm: training diverged in epoch 0, batch \d+ \(of 15\).*--no-stop-on-exploding-loss turns it off.*a smaller --lr/,
    ],
    [
      'a diverging run with L2',
      ['--optimizer', 'sgd', '--lr', '0.5', '--l2', '10'],
      /^gradwasm: training diverged.*--l2 10 times the learning rate 0\.5 is ≥ 1.*a smaller --l2/,
    ],
  ])('ends with one line and exit 1 after an error raised in training with the progress bar on: %s', (_name, flags, message) => {
    const r = gradwasm(['train', DATA, '--epochs', '20', ...flags]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(message);
  });

  it('gives the terminal back — cursor shown, line wrap on — after an error and after Ctrl-C', () => {
    const pty = (command: string, input = '') => spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000, input });
    const failed = pty(`${process.execPath} ${bin} train ${DATA} --optimizer sgd --lr 1e6`);
    expect(failed.status).toBe(1);
    expect(failed.stdout).toContain('\x1b[?25l'); // the bar hid the cursor…
    expect(failed.stdout.slice(failed.stdout.lastIndexOf('\x1b[?25l'))).toContain('\x1b[?25h'); // …and showed it again
    expect(failed.stdout.slice(failed.stdout.lastIndexOf('\x1b[?7l'))).toContain('\x1b[?7h');
    // Ctrl-C, typed into the terminal a second into a long run: stops within the epoch, exit 130, nothing written
    const out = join(dir, 'interrupted.json');
    const script = `(sleep 1; printf '\\003'; sleep 2) | script -qec "${process.execPath} ${bin} train ${DATA} --epochs 1000000 --patience 1000000 --out ${out}" /dev/null`;
    const interrupted = spawnSync('sh', ['-c', script], { encoding: 'utf8', timeout: 30_000 });
    expect(interrupted.status).toBe(130);
    expect(interrupted.stdout).toMatch(/gradwasm: interrupted by SIGINT after \d+ epochs?; nothing was saved/);
    expect(interrupted.stdout.slice(interrupted.stdout.lastIndexOf('\x1b[?25l'))).toContain('\x1b[?25h');
    expect(existsSync(out)).toBe(false);
  });

  it('checks flags before reading the data, and names them', () => {
    const cases: [string[], RegExp][] = [
      [['--lr', '1e39'], /option '--lr <rate>' argument '1e39' is invalid\. expected a number > 0, finite as a float32/],
      [['--l2', '1e39'], /option '--l2 <decay>'.*'1e39'/],
      [['--momentum', '1.5'], /option '--momentum <m>'.*expected a number in \[0, 1\]/],
      [['--layers', '16,70000'], /expected hidden layer sizes from 1 to 65536/],
      [['--seed', '4294967296'], /--seed.*expected an integer in \[0, 4294967295\]/],
      [['--batch', 'most'], /--batch.*expected an integer ≥ 1, got "most"/],
      [['--threads', '0'], /--threads.*expected "auto" or an integer from 1 to 256, got "0"/],
      [['--threads', 'many'], /--threads.*got "many"/],
    ];
    for (const [flags, message] of cases) {
      const r = gradwasm(['train', 'no/such/data.csv', ...flags]); // the file is never reached
      expect(r.status).toBe(1);
      expect(r.stderr.trim()).toMatch(message);
      expect(r.stderr).not.toMatch(/options\./);
    }
    // what only the data can tell is said in flags too
    for (const [flags, message] of [
      [['--val', '0.9999'], /--val 0\.9999 leaves no rows on one side of the 569/],
      [['--label', 'nope'], /--label "nope" is not a column/],
    ] as const) {
      const r = gradwasm(['train', DATA, '--no-progress', ...flags]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(message);
      expect(r.stderr).not.toMatch(/options\./);
    }
    const js = gradwasm(['train', DATA, '--no-progress', '--backend', 'js', '--threads', '2']);
    expect(js.status).toBe(1);
    expect(js.stderr.trim()).toBe("gradwasm: --threads is 2, but the 'js' backend runs on one thread; use backend: 'wasm' for threads");
    expect(gradwasm(['train', '--help']).stdout).not.toMatch(/\(default: all rows\)/);
    const full = gradwasm(['train', DATA, '--batch', 'all', '--epochs', '2', '--no-progress']);
    expect(full.status).toBe(0);
    expect(full.stdout).toMatch(/batch all/);
  });

  it('refuses an output that is one of its inputs, a device, or read-only — before any work — and writes through a symlink', () => {
    const data = join(dir, 'precious.csv');
    writeFileSync(data, readFileSync(DATA));
    const before = readFileSync(data, 'utf8');
    const r1 = gradwasm(['train', data, '--out', data, '--epochs', '1000000']); // refused at once, not after a million epochs
    expect(r1.status).toBe(1);
    expect(r1.stderr).toMatch(/--out .*precious\.csv is the training data .*writing there would destroy it/);
    expect(readFileSync(data, 'utf8')).toBe(before);
    const model = join(dir, 'keep.json');
    expect(gradwasm(['train', data, '--epochs', '2', '--no-progress', '--out', model]).status).toBe(0);
    const saved = readFileSync(model, 'utf8');
    for (const out of [model, data]) {
      const r = gradwasm(['predict', model, data, '--out', out]);
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(/is the (model|data) .*writing there would destroy it/);
    }
    expect(readFileSync(model, 'utf8')).toBe(saved);
    const device = gradwasm(['train', data, '--out', '/dev/null', '--epochs', '1000000']);
    expect(device.stderr).toMatch(/--out \/dev\/null is a character device, not a regular file/);
    expect(gradwasm(['train', data, '--out', dir, '--epochs', '1000000']).stderr).toMatch(/is a directory, not a regular file/);
    // a symlink stays a symlink; the file it names gets the model
    const target = join(dir, 'target.json'),
      link = join(dir, 'link.json');
    symlinkSync(target, link);
    expect(gradwasm(['train', data, '--epochs', '2', '--no-progress', '--out', link]).status).toBe(0);
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    expect(JSON.parse(readFileSync(target, 'utf8')).layers).toHaveLength(2);
    // a read-only file is refused (also as root, who may write anything)
    chmodSync(target, 0o444);
    const readOnly = gradwasm(['train', data, '--epochs', '1000000', '--out', link]);
    expect(readOnly.stderr).toMatch(/--out .*link\.json is read-only/);
  });

  it('a reader that stops early (| head) ends the output, not the command: exit 0, no stack trace, the model saved', () => {
    const model = join(dir, 'piped.json');
    for (const command of [`train ${DATA} --epochs 3 --no-progress --out ${model}`, `predict ${model} ${DATA}`, 'explain']) {
      const r = spawnSync('bash', ['-c', `set -o pipefail; ${process.execPath} ${bin} ${command} | head -1 >/dev/null`], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stderr, command).toBe('');
      expect(r.status, command).toBe(0);
    }
    expect(JSON.parse(readFileSync(model, 'utf8')).layers).toHaveLength(2);
  });

  it('predict and evaluate on a file of the wrong width name the file and the model', async () => {
    const model = join(dir, 'width.json');
    await cli('train', DATA, '--epochs', '1', '--no-progress', '--out', model);
    const narrow = file('narrow.csv', 'a,b,label\n1,2,0\n3,4,1\n');
    for (const command of ['predict', 'evaluate', 'explain']) {
      const r = await cli(command, model, narrow);
      expect(r.code).toBe(1);
      // the model knows its columns' names, and the file has a header: matched by name
      expect(r.err).toMatch(/narrow\.csv has no column "mean_radius", .* and 25 more \(features .*width\.json takes\); its header: "a", "b", "label"\n$/);
      const headless = file('narrow-headless.csv', '1,2,0\n3,4,1\n');
      expect((await cli(command, model, headless)).err).toMatch(/narrow-headless\.csv has [23] (feature )?columns.*width\.json takes 30 inputs/);
    }
  });

  it('npm run serve on a busy port says so in one line', async () => {
    const { createServer } = await import('node:net');
    const busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    const port = (busy.address() as { port: number }).port;
    const r = spawnSync(process.execPath, ['scripts/serve.mjs'], { encoding: 'utf8', timeout: 30_000, env: { ...process.env, PORT: String(port) } });
    busy.close();
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`gradwasm demo: port ${port} is in use; set PORT to another (PORT=0 picks a free one)`);
  });
});
