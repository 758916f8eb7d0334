// `gradwasm train` streams its file (docs/architecture.md §7–8): .npy and CSV alike, a cache, checkpoints
// that a signal writes too, and --resume ending with the model of a run that never stopped; a
// CSV larger than V8's longest string trains in bounded memory. predict and evaluate stream theirs
// too: the text they printed when they read the file whole, in memory that does not grow with it.
import { spawn, spawnSync } from 'node:child_process';
import { createReadStream, createWriteStream, existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Sequential } from '../src/index.js';
import { csvDataset, npyDataset, readCsv, writeNpy } from '../src/node/index.js';
import { shortestFloat32 } from '../src/core/float32-decimal.js';
import { metricsTable } from '../src/cli/report.js';
import { cli } from './support/cli.js';
import { Xoshiro128 } from '../src/core/prng.js';

const bin = new URL('../dist/cli.js', import.meta.url).pathname;
const DATA = 'data/breast_cancer.csv';
const dir = mkdtempSync(join(tmpdir(), 'gradwasm-stream-'));
const gradwasm = (...args: string[]) => spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8', timeout: 120_000 });

describe('gradwasm train, streamed', () => {
  it('--stream reads the CSV pass by pass; --cache writes the parsed table and gives the same model; a .npy trains alike', async () => {
    const out = (name: string) => join(dir, name);
    const plain = gradwasm('train', DATA, '--stream', '--epochs', '4', '--no-progress', '--out', out('plain.json'));
    expect(plain.status, plain.stderr).toBe(0);
    expect(plain.stdout).toMatch(/trained 4 epochs in [\d.]+ s \([\d,]+ samples\/s, streamed at \d+ MB\/s\)/);
    const cached = gradwasm('train', DATA, '--stream', '--epochs', '4', '--no-progress', '--cache', out('cache.npy'), '--out', out('cached.json'));
    expect(cached.status, cached.stderr).toBe(0);
    expect(readFileSync(out('cached.json'), 'utf8')).toBe(readFileSync(out('plain.json'), 'utf8'));
    const cache = await npyDataset(out('cache.npy'));
    expect([cache.rows, cache.cols]).toEqual([569, 30]);
    // the cache is a training file too: the same rows, the same model
    const fromNpy = gradwasm('train', out('cache.npy'), '--stream', '--epochs', '4', '--no-progress', '--out', out('npy.json'));
    expect(fromNpy.status, fromNpy.stderr).toBe(0);
    expect(JSON.parse(readFileSync(out('npy.json'), 'utf8')).layers).toEqual(JSON.parse(readFileSync(out('plain.json'), 'utf8')).layers);
    expect(gradwasm('train', out('cache.npy'), '--label', 'label').stderr).toMatch(/--label label is a name, but .*cache\.npy \(\.npy\) has no column names/);
  });

  it('--checkpoint then --resume ends with the model of an uninterrupted run; a checkpoint of other flags or data is refused', () => {
    const ck = join(dir, 'ck.json');
    const common = ['--stream', '--no-progress', '--optimizer', 'momentum', '--lr', '0.05', '--batch', '16', '--patience', '50'];
    expect(gradwasm('train', DATA, ...common, '--epochs', '3', '--checkpoint', ck).status).toBe(0);
    expect(JSON.parse(readFileSync(ck, 'utf8')).training.epoch).toBe(3);
    const resumed = gradwasm('train', DATA, ...common, '--epochs', '7', '--resume', ck, '--out', join(dir, 'resumed.json'));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(resumed.stdout).toMatch(/resumed from .*ck\.json after epoch 3/);
    expect(gradwasm('train', DATA, ...common, '--epochs', '7', '--out', join(dir, 'whole.json')).status).toBe(0);
    expect(readFileSync(join(dir, 'resumed.json'), 'utf8')).toBe(readFileSync(join(dir, 'whole.json'), 'utf8'));
    const otherFlags = gradwasm('train', DATA, ...common.map((f) => (f === '16' ? '32' : f)), '--epochs', '7', '--resume', ck);
    expect(otherFlags.status).toBe(1);
    expect(otherFlags.stderr).toMatch(/^gradwasm: --resume .*ck\.json was written with --batch 16, not 32; resume with the same flags/);
    const other = join(dir, 'other.csv');
    writeFileSync(other, readFileSync(DATA, 'utf8').split('\n').slice(0, 300).join('\n') + '\n');
    const otherData = gradwasm('train', other, ...common, '--epochs', '7', '--resume', ck);
    expect(otherData.stderr).toMatch(/^gradwasm: --resume .*ck\.json was written for other data: .*other\.csv has rows 299, the checkpoint's data had 569/);
    expect(gradwasm('train', DATA, '--resume', DATA).stderr).toMatch(/--resume .* is not valid JSON/);
  });

  it('SIGINT in the middle of an epoch: a valid checkpoint, exit 130, the earlier --out intact; resuming ends as an uninterrupted run', async () => {
    const ck = join(dir, 'signal.json'),
      out = join(dir, 'kept.json');
    const args = ['--epochs', '30000', '--no-progress', '--batch', '8', '--seed', '3'];
    expect(gradwasm('train', DATA, '--epochs', '2', '--no-progress', '--out', out).status).toBe(0);
    const before = readFileSync(out, 'utf8');
    const child = spawn(process.execPath, [bin, 'train', DATA, ...args, '--checkpoint', ck, '--out', out]);
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => void (stderr += d));
    // wait until training is under way (the first checkpoint is written after an epoch), then interrupt
    await new Promise<void>((resolve) => {
      const poll = setInterval(() => {
        if (existsSync(ck)) {
          clearInterval(poll);
          setTimeout(resolve, 300);
        }
      }, 20);
    });
    child.kill('SIGINT');
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(130);
    const epoch = Number(
      /interrupted by SIGINT after (\d+) epochs?; the checkpoint of epoch \1 is in .*signal\.json \(continue with --resume/.exec(stderr)?.[1],
    );
    expect(epoch).toBeGreaterThan(0);
    expect(epoch).toBeLessThan(30000);
    expect(readFileSync(out, 'utf8')).toBe(before); // the model of the earlier run, untouched
    const checkpoint = JSON.parse(readFileSync(ck, 'utf8'));
    expect(checkpoint.training.epoch).toBe(epoch);
    await Sequential.fromJSON({ ...checkpoint, cli: undefined }); // a valid model file
    // resume to a nearer end, and compare with a run that never stopped
    const end = String(epoch + 20);
    const resumed = gradwasm('train', DATA, ...args.map((a) => (a === '30000' ? end : a)), '--resume', ck, '--out', join(dir, 'after.json'));
    expect(resumed.status, resumed.stderr).toBe(0);
    expect(gradwasm('train', DATA, ...args.map((a) => (a === '30000' ? end : a)), '--out', join(dir, 'never.json')).status).toBe(0);
    expect(readFileSync(join(dir, 'after.json'), 'utf8')).toBe(readFileSync(join(dir, 'never.json'), 'utf8'));
  }, 120_000);

  it("a CSV larger than 512 MiB (past V8's longest string) trains in bounded memory", async () => {
    const big = join(dir, 'big.csv');
    const cols = 16;
    const rng = new Xoshiro128(5);
    const block = Array.from({ length: 20_000 }, () => {
      const cells = Array.from({ length: cols }, () => (rng.nextUnit() * 200 - 100).toFixed(4));
      return `${cells.join(',')},${rng.nextBelow(2)}\n`;
    }).join('');
    const file = createWriteStream(big);
    file.write(`${Array.from({ length: cols }, (_, c) => `f${c}`).join(',')},label\n`);
    let written = 0;
    while (written < 540 * 2 ** 20) {
      if (!file.write(block)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      written += block.length;
    }
    await new Promise<void>((resolve) => file.end(() => resolve()));
    expect(statSync(big).size).toBeGreaterThan(512 * 2 ** 20);
    const rss = join(dir, 'rss.cjs');
    writeFileSync(rss, "process.on('exit', () => process.stderr.write(`peak RSS ${process.resourceUsage().maxRSS} KiB\\n`));");
    const r = spawnSync(
      process.execPath,
      [
        '--require',
        rss,
        bin,
        'train',
        big,
        '--layers',
        '',
        '--optimizer',
        'sgd',
        '--lr',
        '0.01',
        '--batch',
        '1024',
        '--epochs',
        '1',
        '--val',
        '0',
        '--no-scale',
        '--no-progress',
      ],
      { encoding: 'utf8', timeout: 170_000 },
    );
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/trained 1 epoch .*streamed at \d+ MB\/s/);
    const peak = Number(/peak RSS (\d+) KiB/.exec(r.stderr)![1]) / 1024;
    console.log(`a ${(statSync(big).size / 2 ** 20).toFixed(0)} MiB CSV, one epoch: peak RSS ${peak.toFixed(0)} MiB; ${r.stdout.split('\n')[2]}`);
    expect(peak).toBeLessThanOrEqual(400);
  }, 180_000);
});

describe('the split of a streamed file', () => {
  it('holds out exactly round(rows × fraction) rows, seeded, the same on every pass', async () => {
    const { validationRows } = await import('../src/cli/data-file.js');
    for (const [rows, fraction] of [
      [569, 0.2],
      [10, 0.5],
      [1000, 0.01],
      [7, 0.3],
    ] as const) {
      const bits = validationRows(rows, fraction, 1);
      let held = 0;
      for (let i = 0; i < rows; i++) held += (bits[i >> 3]! >> (i & 7)) & 1;
      expect(held).toBe(Math.round(rows * fraction));
      expect(validationRows(rows, fraction, 1)).toEqual(bits);
      expect(validationRows(rows, fraction, 2)).not.toEqual(bits);
    }
    await writeNpy(join(dir, 'x.npy'), { data: Float32Array.of(1, 0), rows: 1, cols: 2 });
  });
});

describe('gradwasm predict / evaluate, streamed', () => {
  /** `from` with its rows repeated to about `mib` MiB: a file of several 4 MiB pieces (several chunks). */
  const replicated = (from: string, mib: number, name: string): string => {
    const text = readFileSync(from, 'utf8');
    const head = text.slice(0, text.indexOf('\n') + 1),
      body = text.slice(head.length);
    writeFileSync(join(dir, name), head + body.repeat(Math.ceil((mib * 2 ** 20) / body.length)));
    return join(dir, name);
  };

  /** What predict printed before it streamed: every row of the file read whole (readCsv), predicted at once. */
  async function wholeFilePredictions(model: Sequential, csv: string): Promise<string> {
    const { x } = await readCsv(csv, { features: model.featureNames!, label: null });
    const lines: string[] = [];
    if (model.isTask('regression')) lines.push(model.labelName!, ...Array.from(model.predict(x), (v) => String(shortestFloat32(v))));
    else if (model.isTask('softmax')) {
      const p = model.predictProba(x),
        k = model.classes.length,
        c = model.predictClasses(x);
      lines.push([...model.classes.map((name) => `p(${name})`), 'class'].join(','));
      for (let r = 0; r < x.rows; r++) lines.push([...Array.from(p.subarray(r * k, (r + 1) * k), shortestFloat32), String(c[r])].join(','));
    } else lines.push('probability,class', ...Array.from(model.predictProba(x), (v) => `${shortestFloat32(v)},${v > 0.5 ? 1 : 0}`));
    return lines.join('\n') + '\n';
  }

  /** What evaluate printed before it streamed: model.evaluate on the whole table. */
  async function wholeFileEvaluation(model: Sequential, csv: string): Promise<string> {
    const kind = model.task === 'softmax' ? { classes: model.classes } : model.task === 'regression' ? { labels: 'values' as const } : {};
    const t = await readCsv(csv, { features: model.featureNames!, label: model.labelName!, ...kind });
    const what = model.task === 'binary' ? ', threshold 0.5' : model.task === 'softmax' ? `, ${model.classes.length} classes` : ', regression';
    const options = model.task === 'binary' ? { threshold: 0.5 } : {};
    return `${csv}: ${t.x.rows} rows, label column '${t.label}'${what}\n${metricsTable(model.task, [[csv, model.evaluate(t.x, t.y, options)]], model.classes)}\n`;
  }

  it.each([
    ['binary', DATA, []],
    ['softmax', 'data/iris.csv', ['--task', 'multiclass']],
    ['regression', 'data/diabetes_regression.csv', ['--task', 'regression']],
  ])(
    '%s: the same text as the whole file read at once, on a small file and over many chunks, to stdout and to --out',
    async (task, data, flags) => {
      const model = join(dir, `${task}.json`);
      const r = await cli('train', data, '--epochs', '3', '--no-progress', '--out', model, ...flags);
      expect(r.code, r.err).toBe(0);
      const loaded = await Sequential.fromJSON(readFileSync(model, 'utf8'));
      expect(loaded.task).toBe(task);
      for (const csv of [data, replicated(data, 6, `${task}-6mib.csv`)]) {
        const expected = await wholeFilePredictions(loaded, csv);
        const p = await cli('predict', model, csv);
        expect(p.code, p.err).toBe(0);
        expect(p.out === expected, `predict ${csv}: the same text`).toBe(true);
        const out = join(dir, `${task}-predictions.csv`);
        expect((await cli('predict', model, csv, '--out', out)).code).toBe(0);
        expect(readFileSync(out, 'utf8') === expected, `predict ${csv} --out: the same text`).toBe(true);
        const e = await cli('evaluate', model, csv);
        expect(e.code, e.err).toBe(0);
        expect(e.out).toBe(await wholeFileEvaluation(loaded, csv));
      }
      // and the metrics themselves, not only as printed: evaluateDataset over the chunks ≡ evaluate on the table
      const big = join(dir, `${task}-6mib.csv`);
      const kind = task === 'softmax' ? { classes: loaded.classes } : task === 'regression' ? { labels: 'values' as const } : {};
      const t = await readCsv(big, kind);
      expect(await loaded.evaluateDataset(csvDataset(big, kind))).toEqual(loaded.evaluate(t.x, t.y));
      loaded.dispose();
    },
    60_000,
  );

  it('a file of 150 MB: predict --out and evaluate stay far below its size in memory', async () => {
    const big = join(dir, 'big150.csv'),
      small = join(dir, 'small150.csv');
    const cols = 16;
    const rng = new Xoshiro128(7);
    const block = Array.from({ length: 20_000 }, () => {
      const cells = Array.from({ length: cols }, () => (rng.nextUnit() * 200 - 100).toFixed(4));
      return `${cells.join(',')},${rng.nextBelow(2)}\n`;
    }).join('');
    const header = `${Array.from({ length: cols }, (_, c) => `f${c}`).join(',')},label\n`;
    writeFileSync(small, header + block);
    const file = createWriteStream(big);
    file.write(header);
    let written = 0;
    while (written < 150 * 2 ** 20) {
      if (!file.write(block)) await new Promise<void>((resolve) => file.once('drain', () => resolve()));
      written += block.length;
    }
    await new Promise<void>((resolve) => file.end(() => resolve()));
    const size = statSync(big).size / 2 ** 20,
      rows = (written / block.length) * 20_000;
    const model = join(dir, 'big-model.json');
    expect(gradwasm('train', small, '--epochs', '2', '--no-progress', '--out', model).status).toBe(0);
    const rss = join(dir, 'rss.cjs');
    writeFileSync(rss, "process.on('exit', () => process.stderr.write(`peak RSS ${process.resourceUsage().maxRSS} KiB\\n`));");
    const measured = (...args: string[]) => {
      const r = spawnSync(process.execPath, ['--require', rss, bin, ...args], { encoding: 'utf8', timeout: 60_000 });
      expect(r.status, r.stderr).toBe(0);
      return { out: r.stdout, peak: Number(/peak RSS (\d+) KiB/.exec(r.stderr)![1]) / 1024 };
    };
    const out = join(dir, 'big-predictions.csv');
    const p = measured('predict', model, big, '--out', out);
    const e = measured('evaluate', model, big);
    console.log(`a ${size.toFixed(0)} MiB CSV of ${rows} rows: predict --out peak RSS ${p.peak.toFixed(0)} MiB, evaluate ${e.peak.toFixed(0)} MiB`);
    expect(e.out).toMatch(new RegExp(`big150\\.csv: ${rows} rows, label column 'label', threshold 0\\.5`));
    // every row predicted: a line each, after the header (counted without reading the output whole)
    let lines = 0;
    for await (const piece of createReadStream(out)) for (const byte of piece as Buffer) lines += byte === 10 ? 1 : 0;
    expect(lines).toBe(rows + 1);
    // (the whole text alone, before streaming, was as large as the file, and its table and lines more)
    expect(p.peak).toBeLessThan(250);
    expect(e.peak).toBeLessThan(250);
  }, 60_000);
});
