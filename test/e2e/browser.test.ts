// The demo page in real headless Chromium (Debian's /usr/bin/chromium, driven by playwright-core):
// the page loads; its playground trains XOR and two moons above 95 % test accuracy in a Web Worker,
// and three blobs through a softmax of three,
// with the weights Node computes from the same seed, bit for bit; models trained in Node predict
// the same float32 bits in the page, and a file that is not a model leaves the one in use (and says so); Reset clears a
// stale form error; the page fits windows from a 390 px phone to 1,920 px, no wider than the window;
// screenshots are saved to test-results/.
// `npm test` builds dist/demo first. Without Chromium this file is skipped loudly, and fails in CI.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseRows } from '../../demo/csv.js';
import { outputLayer, type PlaygroundState } from '../../demo/playground.js';
import type { InferenceState } from '../../demo/inference.js';
import type { BackpropState } from '../../demo/graph-panel.js';
import { GRID, gridPoints } from '../../demo/plots.js';
import { explain, formatNumber } from '../../src/explain/index.js';
import type * as Gradwasm from '../../src/index.js';
import { Sequential, StandardScaler, dense, parseCsv, trainTestSplit, type ModelJSON } from '../../src/index.js';
import { parquetDataset } from '../../src/node/index.js';
import { DuckDBInstance } from '@duckdb/node-api';

const CHROMIUM = '/usr/bin/chromium';
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const RESULTS = join(ROOT, 'test-results');
const IN_CI = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);

if (!haveChromium) {
  console.error(
    [
      '',
      '!'.repeat(78),
      `!!! ${CHROMIUM} is missing: the browser end-to-end test (test/e2e/browser.test.ts) ${IN_CI ? 'FAILS (CI=true)' : 'is SKIPPED'}.`,
      '!!! Install it with: apt-get update && apt-get install -y chromium',
      '!'.repeat(78),
      '',
    ].join('\n'),
  );
}

type Demo = { playground: PlaygroundState; inference: InferenceState; backprop: BackpropState };
type Page$ = Window & { gradwasmDemo: Demo; gradwasm: typeof Gradwasm };

/** The playground's training of `run` (its settings and points) done again in Node: `classes` 0 is a regression. */
async function trainedInNode(
  run: { settings: PlaygroundState['settings']; x: number[]; y: number[]; tx: number[]; ty: number[] },
  inputs: number,
  classes: number,
): Promise<Sequential> {
  const s = run.settings;
  const model = await Sequential.create({
    inputs,
    layers: [...s.hidden.map((u) => dense(u, s.activation)), outputLayer(classes)],
    seed: s.seed,
    backend: s.backend,
  });
  const rows = (x: number[]) => ({ data: Float32Array.from(x), rows: x.length / inputs, cols: inputs });
  await model.fit(rows(run.x), run.y, {
    epochs: s.epochs,
    learningRate: s.learningRate,
    ...(s.batchSize === null ? {} : { batchSize: s.batchSize }),
    validationData: [rows(run.tx), run.ty],
  });
  return model;
}

/** Float32 bit patterns, for comparing numbers exactly (NaN-safe, ±0-safe). */
const bits = (values: ArrayLike<number>): number[] => [...new Uint32Array(Float32Array.from(values).buffer)];
const modelBits = (model: ModelJSON): number[][] => model.layers.flatMap((l) => [bits(l.weights), bits(l.bias)]);

describe.runIf(haveChromium || IN_CI)('the demo page in headless Chromium', () => {
  let scratch: string;
  let server: ChildProcess | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  let url: string;
  const problems: string[] = [];
  /** Collect a page's errors, and the errors it logs, into `problems`. */
  const watch = (p: Page): void => {
    p.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    p.on('console', (message) => {
      if (message.type() === 'error') problems.push(`console error: ${message.text()}`);
    });
  };

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing (CI=true): apt-get update && apt-get install -y chromium`);
    if (!existsSync(join(ROOT, 'dist/demo/index.html'))) throw new Error('dist/demo/ is missing: npm test builds it (npm run build && npm run build:demo)');
    scratch = mkdtempSync(join(tmpdir(), 'gradwasm-e2e-'));
    // The model `npm start` saves, made by the built command line itself in a scratch directory.
    execFileSync(
      process.execPath,
      [join(ROOT, 'dist/cli.js'), 'train', join(ROOT, 'data/breast_cancer.csv'), '--out', 'models/breast-cancer.json', '--no-progress'],
      { cwd: scratch, stdio: 'ignore' },
    );

    // `npm run serve`, on a free port, serving that model as /models/.
    server = spawn(process.execPath, [join(ROOT, 'scripts/serve.mjs')], {
      env: { ...process.env, PORT: '0', MODELS_DIR: join(scratch, 'models') },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    url = await new Promise<string>((resolve, reject) => {
      let out = '';
      server!.stdout!.on('data', (chunk: Buffer) => {
        out += chunk.toString();
        const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
        if (match) resolve(match[0]);
      });
      server!.once('exit', (code) => reject(new Error(`npm run serve exited with code ${code}: ${out}`)));
    });

    context = await chromium.launchPersistentContext(join(scratch, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: FLAGS,
      viewport: { width: 1400, height: 1000 },
    });
    page = context.pages()[0] ?? (await context.newPage());
    watch(page);
    await page.goto(url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 20_000 });
    // The library itself, for the checks below that call it directly in the page.
    await page.addScriptTag({ type: 'module', content: "import * as g from './gradwasm.browser.js'; window.gradwasm = g;" });
    await page.waitForFunction(() => 'gradwasm' in window);
  }, 120_000);

  /** Do `action`, then wait until the inference panel of `on` (the main page by default) has classified once more. */
  async function classifyAfter(action: () => Promise<unknown>, on: Page = page): Promise<void> {
    const runs = await on.evaluate(() => (window as unknown as Page$).gradwasmDemo.inference.runs);
    await action();
    await on.waitForFunction((before) => (window as unknown as Page$).gradwasmDemo.inference.runs > before, runs);
  }

  /** The demo in a page of its own, `width` px wide, once it is ready (its errors go to `problems` too). */
  async function openDemo(width: number, height = 900): Promise<Page> {
    const other = await context!.newPage();
    watch(other);
    await other.setViewportSize({ width, height });
    await other.goto(url);
    await other.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 20_000 });
    return other;
  }

  afterAll(async () => {
    await context?.close();
    server?.kill();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('loads, without errors, and reports the size of the bundle it runs on', async () => {
    await expect(page.title()).resolves.toBe('gradwasm — in the browser');
    await expect(page.textContent('#bundle-size')).resolves.toMatch(/^gradwasm\.browser\.js: [\d.]+ kB, [\d.]+ kB gzipped/);
    expect(problems).toEqual([]);
  });

  for (const [dataset, title] of [
    ['xor', 'XOR'],
    ['moons', 'two moons'],
  ] as const) {
    it(`the playground trains ${title} above 95 % accuracy in its Web Worker`, async () => {
      await page.click(`#pg-datasets input[value="${dataset}"]`, { force: true });
      await page.click('#pg-train');
      await page.waitForFunction(() => document.getElementById('playground')!.dataset.state === 'training');
      await page.waitForFunction(() => ['done', 'error'].includes(document.getElementById('playground')!.dataset.state!), null, { timeout: 60_000 });
      const { status, final, settings, epochs, threads, cores } = await page.evaluate(() => {
        const p = (window as unknown as Page$).gradwasmDemo.playground;
        return {
          status: p.status,
          final: p.final,
          settings: p.settings,
          epochs: p.result?.history.loss.length,
          threads: p.threads,
          cores: navigator.hardwareConcurrency,
        };
      });
      // the page is cross-origin isolated: the WebAssembly backend trains on every core, and says so
      expect(threads).toBe(settings.backend === 'wasm' ? cores : 1);
      await expect(page.textContent('#pg-status')).resolves.toMatch(threads === 1 ? /\(1 thread\)/ : new RegExp(`\\(${threads} threads\\)`));
      console.log(`playground ${title}: ${epochs} epochs, train accuracy ${final?.trainAccuracy}, test accuracy ${final?.testAccuracy}`);
      expect(status).toBe('done');
      expect(settings.dataset).toBe(dataset);
      expect(epochs).toBe(settings.epochs);
      expect(final!.testAccuracy).toBeGreaterThan(0.95);
      expect(final!.trainAccuracy).toBeGreaterThan(0.95);
      await expect(page.textContent('#pg-acc-test')).resolves.toBe(`${(100 * final!.testAccuracy).toFixed(1)} %`);
    });
  }

  it("the playground's weights, trained in the page's worker, equal Node's for the same seed, bit for bit", async () => {
    const run = await page.evaluate(() => {
      const p = (window as unknown as Page$).gradwasmDemo.playground;
      return { settings: p.settings, model: p.result!.model, x: [...p.train.x], y: [...p.train.y], tx: [...p.test.x], ty: [...p.test.y] };
    });
    const model = await trainedInNode(run, 2, 2);
    expect(modelBits(run.model)).toEqual(modelBits(model.toJSON()));
  });

  it("the backprop panel draws the trained network's graph, explains a point picked on the plot, and shows a node's numbers on click", async () => {
    await page.waitForFunction(() => /after 200 epochs of training/.test((window as unknown as Page$).gradwasmDemo.backprop.network));
    const ids = await page.evaluate(() => (window as unknown as Page$).gradwasmDemo.backprop.trace!.nodes.map((n) => n.id));
    expect(ids).toHaveLength(22); // 2 → 8 tanh → 8 tanh → 1 sigmoid: 3 × 5 + 7
    await expect(page.locator('#bg-graph [data-node]').count()).resolves.toBe(ids.length);
    await expect(page.locator('#bg-graph .bg-edge').count()).resolves.toBe(23);

    // a click on the plot picks the nearest data point
    const updates = await page.evaluate(() => (window as unknown as Page$).gradwasmDemo.backprop.updates);
    await page.click('#pg-boundary', { position: { x: 120, y: 300 } });
    await page.waitForFunction((n) => (window as unknown as Page$).gradwasmDemo.backprop.updates > n, updates);
    // a click on a node shows its numbers
    await page.click('#bg-graph [data-node="W2"]');
    await expect(page.getAttribute('#bg-graph [data-node="W2"]', 'class')).resolves.toContain('selected');
    const details = (await page.textContent('#bg-details'))!;
    expect(details).toMatch(/^W₂the kernel of layer 2: 8 inputs × 8 units/);
    for (const s of [
      'value',
      '∂L/∂node',
      'chain rule',
      '∂L/∂W₂ = ∂L/∂p · ∂p/∂z₃ · ∂z₃/∂(a₂·W₃) · ∂(a₂·W₃)/∂a₂ · ∂a₂/∂z₂ · ∂z₂/∂(a₁·W₂) · ∂(a₁·W₂)/∂W₂',
      'gradients()',
      'finite differences',
      '✓',
    ]) {
      expect(details).toContain(s);
    }
    const run = await page.evaluate(() => {
      const { playground: p, backprop: b } = (window as unknown as Page$).gradwasmDemo;
      const W2 = b.trace!.parameters.find((q) => q.id === 'W2')!;
      return {
        point: b.point!,
        settings: p.settings,
        selected: b.selected,
        ok: b.trace!.ok,
        summary: document.getElementById('bg-summary')!.textContent,
        weights: p.weights!.map((l) => ({ weights: [...l.weights], bias: [...l.bias] })),
        x: [...b.trace!.nodes[0]!.value.data],
        W2: { gradient: [...W2.gradient.data], backprop: [...W2.backprop] },
        shown: [...document.querySelectorAll('#bg-details dd')].map((d) => d.textContent),
      };
    });
    expect(run.selected).toBe('W2');
    expect(run.ok).toBe(true);
    expect(run.summary).toMatch(/✓ On all 105 parameters the chain rule matches gradients\(\) within \S+ and finite differences within \S+\.$/);
    expect(run.point.x[0]).toBeLessThan(0); // the left of the plot
    expect(run.x).toEqual(run.point.x);

    // the same trace in Node, from the same weights and point: float32 back-propagation bit for bit, float64 within roundings
    const s = run.settings;
    const model = await Sequential.create({ inputs: 2, layers: [...s.hidden.map((u) => dense(u, s.activation)), dense(1, 'sigmoid')], seed: s.seed });
    model.setWeights(run.weights.map((l) => ({ weights: Float32Array.from(l.weights), bias: Float32Array.from(l.bias) })));
    const node = explain(model, [run.point.x], [run.point.y]);
    const W2 = node.parameters.find((q) => q.id === 'W2')!;
    expect(bits(run.W2.backprop)).toEqual(bits(W2.backprop));
    run.W2.gradient.forEach((g, i) => expect(Math.abs(g - W2.gradient.data[i]!)).toBeLessThanOrEqual(1e-12 * Math.abs(W2.gradient.data[i]!)));
    // the panel shows them: value, then ∂L/∂node, to 4 digits
    expect(run.shown[0]).toContain(formatNumber(W2.value.data[0]!, 4));
    expect(run.shown[1]).toContain(formatNumber(W2.gradient.data[0]!, 4));
    mkdirSync(RESULTS, { recursive: true });
    await page.locator('#backprop').screenshot({ path: join(RESULTS, 'backprop.png') });
  });

  it("the playground trains three blobs with a softmax of three: the plane shaded by the likeliest class as Node predicts it, the weights Node's bit for bit, and the backprop panel explains the softmax and its cross-entropy", async () => {
    const other = await openDemo(1400);
    await other.click('#pg-datasets input[value="blobs"]', { force: true });
    await other.uncheck('#pg-animate');
    await other.click('#pg-train');
    await other.waitForFunction(() => ['done', 'error'].includes((window as unknown as Page$).gradwasmDemo.playground.status), null, { timeout: 60_000 });
    await other.waitForFunction(() => /after 200 epochs of training/.test((window as unknown as Page$).gradwasmDemo.backprop.network));
    await other.click('#bg-graph [data-node="p"]');
    const run = await other.evaluate(() => {
      const { playground: p, backprop: b } = (window as unknown as Page$).gradwasmDemo;
      // each pixel of the plot whose colour is a shade of a class colour (from the near-white middle, weaker than
      // the points' full colour: the heatmap, not the points): which class's
      const canvas = document.getElementById('pg-boundary') as HTMLCanvasElement;
      const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
      const middle = [248, 250, 252];
      const colours = [
        [37, 99, 235],
        [234, 88, 12],
        [22, 163, 74],
      ].map((c) => c.map((v, i) => v - middle[i]!));
      const shaded = [0, 0, 0];
      for (let i = 0; i < pixels.length; i += 4) {
        const d = [pixels[i]! - middle[0]!, pixels[i + 1]! - middle[1]!, pixels[i + 2]! - middle[2]!];
        colours.forEach((c, k) => {
          const along = (d[0]! * c[0]! + d[1]! * c[1]! + d[2]! * c[2]!) / (c[0]! ** 2 + c[1]! ** 2 + c[2]! ** 2); // the shade's strength
          const off = Math.hypot(...d.map((v, j) => v - along * c[j]!));
          if (along > 0.05 && along < 0.55 && off < 6) shaded[k]!++;
        });
      }
      return {
        status: p.status,
        final: p.final,
        settings: p.settings,
        classes: p.train.classes,
        model: p.result!.model,
        x: [...p.train.x],
        y: [...p.train.y],
        tx: [...p.test.x],
        ty: [...p.test.y],
        shaded: shaded.map((n) => n / (pixels.length / 4)),
        key: { third: !document.getElementById('pg-key-c2')!.hidden, shade: document.getElementById('pg-key-shade')!.textContent },
        network: b.network,
        ok: b.trace!.ok,
        ops: b.trace!.nodes.map((n) => [n.id, n.op]),
        p: [...b.trace!.nodes.find((n) => n.id === 'p')!.value.data],
        point: b.point!,
        summary: document.getElementById('bg-summary')!.textContent!,
        details: document.getElementById('bg-details')!.textContent!,
      };
    });
    console.log(
      `playground three blobs: train accuracy ${run.final?.trainAccuracy}, test accuracy ${run.final?.testAccuracy}; shaded ${run.shaded.map((f) => f.toFixed(3))}`,
    );
    expect(run.status).toBe('done');
    expect(run.classes).toBe(3);
    expect(new Set(run.y)).toEqual(new Set([0, 1, 2]));
    expect(run.final!.testAccuracy).toBeGreaterThan(0.9);
    expect(run.key).toEqual({ third: true, shade: expect.stringMatching(/the likeliest class/) });

    // the same training in Node: the same bits; its predictions over the plot's grid give each class the share of the plane the page shades
    const model = await trainedInNode(run, 2, 3);
    expect(modelBits(run.model)).toEqual(modelBits(model.toJSON()));
    const grid = gridPoints();
    const predicted = model.predict({ data: grid, rows: GRID * GRID, cols: 2 });
    const share = [0, 1, 2].map((k) => predicted.filter((c) => c === k).length / predicted.length);
    for (const k of [0, 1, 2]) {
      expect(share[k]).toBeGreaterThan(0.15);
      expect(Math.abs(run.shaded[k]! - share[k]!), `class ${k}: ${run.shaded[k]} of the plot shaded, ${share[k]} of the grid predicted`).toBeLessThan(0.06);
    }

    // the backprop panel: the softmax node and the cross-entropy −log p_y, the chain rule checked on all 123 parameters
    expect(run.network).toBe('2 → 8 tanh → 8 tanh → 3 softmax, after 200 epochs of training');
    expect(run.ok).toBe(true);
    expect(run.ops).toContainEqual(['p', 'softmax']);
    expect(run.ops).toContainEqual(['ce', 'neg_log_p_y']);
    expect(run.p).toHaveLength(3);
    expect(Math.abs(run.p.reduce((a, b) => a + b) - 1)).toBeLessThan(1e-12);
    expect(run.summary).toMatch(
      /^2 → 8 tanh → 8 tanh → 3 softmax.*class [012]: p = \([^,]+, [^,]+, [^,]+\), L = .*✓ On all 123 parameters the chain rule matches/,
    );
    expect(run.details).toMatch(/^p = softmax\(z₃\)/);
    expect(run.details).toContain('pⱼ = e^zⱼ / Σₖ e^zₖ');
    await other.locator('#playground').screenshot({ path: join(RESULTS, 'playground-three-blobs.png') });
    await other.locator('#backprop').screenshot({ path: join(RESULTS, 'backprop-softmax.png') });
    await other.close();
    expect(problems).toEqual([]);
  });

  for (const [dataset, inputs] of [
    ['curve', 1],
    ['surface', 2],
  ] as const) {
    it(`the playground regresses the ${dataset} through a linear unit: R² above 0.85, the weights Node's bit for bit, the fit drawn, the squared error explained`, async () => {
      const other = await openDemo(1400);
      await other.click(`#pg-datasets input[value="${dataset}"]`, { force: true });
      await other.uncheck('#pg-animate');
      await other.click('#pg-train');
      await other.waitForFunction(() => ['done', 'error'].includes((window as unknown as Page$).gradwasmDemo.playground.status), null, { timeout: 60_000 });
      await other.waitForFunction(() => /after 200 epochs of training/.test((window as unknown as Page$).gradwasmDemo.backprop.network));
      const run = await other.evaluate(() => {
        const { playground: p, backprop: b } = (window as unknown as Page$).gradwasmDemo;
        // the plot's pixels: the fitted curve's orange ink, or the surface's shades of blue and orange
        const canvas = document.getElementById('pg-boundary') as HTMLCanvasElement;
        const pixels = canvas.getContext('2d')!.getImageData(0, 0, canvas.width, canvas.height).data;
        let ink = 0,
          blue = 0,
          orange = 0;
        for (let i = 0; i < pixels.length; i += 4) {
          const [r, g, bl] = [pixels[i]!, pixels[i + 1]!, pixels[i + 2]!];
          if (Math.abs(r - 234) < 4 && Math.abs(g - 88) < 4 && Math.abs(bl - 12) < 4) ink++;
          if (bl > r + 20) blue++;
          if (r > bl + 20) orange++;
        }
        return {
          status: p.status,
          final: p.final,
          settings: p.settings,
          model: p.result!.model,
          x: [...p.train.x],
          y: [...p.train.y],
          tx: [...p.test.x],
          ty: [...p.test.y],
          share: { ink: ink / (pixels.length / 4), blue: blue / (pixels.length / 4), orange: orange / (pixels.length / 4) },
          scoreLabel: document.getElementById('pg-acc-test')!.previousElementSibling!.textContent,
          shown: document.getElementById('pg-acc-test')!.textContent,
          network: b.network,
          ok: b.trace!.ok,
          ops: b.trace!.nodes.map((n) => n.op),
          summary: document.getElementById('bg-summary')!.textContent!,
        };
      });
      console.log(`playground ${dataset}: test R² ${run.final?.testR2}; plot ${JSON.stringify(run.share)}`);
      expect(run.status).toBe('done');
      expect(run.final!.testR2).toBeGreaterThan(0.85);
      expect(run.final!.testAccuracy).toBeNaN();
      expect(run.scoreLabel).toBe('Test R²');
      expect(run.shown).toBe(run.final!.testR2.toFixed(3));
      if (inputs === 1)
        expect(run.share.ink).toBeGreaterThan(0.002); // the curve, 2.5 px wide across the plot
      else expect(Math.min(run.share.blue, run.share.orange)).toBeGreaterThan(0.15);

      const model = await trainedInNode(run, inputs, 0);
      expect(modelBits(run.model)).toEqual(modelBits(model.toJSON()));

      expect(run.network).toBe(`${inputs} → 8 tanh → 8 tanh → 1 linear, after 200 epochs of training`);
      expect(run.ok).toBe(true);
      expect(run.ops).toContain('squared_error');
      expect(run.summary).toMatch(/target \S+: ŷ = \S+, L = /);
      await other.locator('#playground').screenshot({ path: join(RESULTS, `playground-${dataset}.png`) });
      await other.close();
      expect(problems).toEqual([]);
    });
  }

  it("a Parquet file (DuckDB's) read in the page from a Blob: its decoder fetched on the first read only, the model Node trains from the file, bit for bit", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-browser-parquet-'));
    const path = join(dir, 'bc.parquet');
    const duck = await (await DuckDBInstance.create(':memory:')).connect();
    await duck.run(`COPY (SELECT * FROM read_csv('${join(ROOT, 'data/breast_cancer.csv')}', header = true)) TO '${path}' (FORMAT PARQUET, COMPRESSION ZSTD)`);
    duck.closeSync();
    const options = { inputs: 30, layers: [dense(8, 'relu'), dense(1, 'sigmoid')], seed: 5 };
    const fit = { epochs: 4, batchSize: 32, learningRate: 0.05, shuffleBuffer: 64 };
    const node = await Sequential.create(options);
    await node.fitDataset(await parquetDataset(path), fit);
    const fetched: string[] = [];
    page.on('request', (request) => fetched.push(new URL(request.url()).pathname));
    const before = fetched.length;
    const run = await page.evaluate(
      async ({ bytes, fit }) => {
        const g = (window as unknown as Page$).gradwasm;
        const loadedBefore = performance.getEntriesByType('resource').some((e) => e.name.endsWith('gradwasm.parquet.js'));
        const ds = await g.parquetDataset(new Blob([Uint8Array.from(bytes)]), { name: 'bc.parquet' });
        const model = await g.Sequential.create({ inputs: 30, layers: [g.dense(8, 'relu'), g.dense(1, 'sigmoid')], seed: 5 });
        await model.fitDataset(ds, fit);
        return { loadedBefore, rows: ds.rows, features: ds.features.length, model: model.toJSON() };
      },
      { bytes: [...readFileSync(path)], fit },
    );
    expect(run.loadedBefore).toBe(false);
    expect(fetched.slice(before).filter((p) => p.endsWith('/gradwasm.parquet.js'))).toHaveLength(1);
    expect([run.rows, run.features]).toEqual([569, 30]);
    expect(modelBits(run.model)).toEqual(modelBits(node.toJSON()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("seeded training on the page's main thread and in its worker equals Node's, bit for bit, on both backends", async () => {
    const { x, y } = scaledBreastCancer();
    for (const backend of ['wasm', 'js'] as const) {
      const options = { inputs: 30, layers: [dense(16, 'relu'), dense(8, 'relu'), dense(1, 'sigmoid')], seed: 42, backend };
      const fit = { epochs: 15, learningRate: 0.05, batchSize: 16 };
      const node = await Sequential.create(options);
      await node.fit(x, y, fit);
      const inPage = await page.evaluate(
        async ({ x, y, backend, fit }) => {
          const g = (window as unknown as Page$).gradwasm;
          const options = { inputs: 30, layers: [g.dense(16, 'relu'), g.dense(8, 'relu'), g.dense(1, 'sigmoid')], seed: 42, backend };
          const data = { data: Float32Array.from(x), rows: y.length, cols: 30 };
          const main = await g.Sequential.create(options);
          await main.fit(data, y, fit);
          const worker = await g.trainInWorker({ model: options, x: data, y, fit }).done;
          return { main: main.toJSON(), worker: worker.model };
        },
        { x: [...x.data], y: [...y], backend, fit },
      );
      expect(modelBits(inPage.main), `${backend}: main thread`).toEqual(modelBits(node.toJSON()));
      expect(modelBits(inPage.worker), `${backend}: worker`).toEqual(modelBits(node.toJSON()));
    }
  });

  it('the page is cross-origin isolated: models take every core, and 2 threads train on its main thread (spinning) and in its worker as Node does, bit for bit', async () => {
    const { x, y } = scaledBreastCancer();
    const options = { inputs: 30, layers: [dense(64, 'relu'), dense(32, 'tanh'), dense(1, 'sigmoid')], seed: 7 };
    const fit = { epochs: 6, learningRate: 0.05, batchSize: 64, optimizer: 'adam' as const };
    const node = await Sequential.create({ ...options, threads: 1 });
    await node.fit(x, y, fit);
    const inPage = await page.evaluate(
      async ({ x, y, fit }) => {
        const g = (window as unknown as Page$).gradwasm;
        const options = { inputs: 30, layers: [g.dense(64, 'relu'), g.dense(32, 'tanh'), g.dense(1, 'sigmoid')], seed: 7, threads: 2 };
        const data = { data: Float32Array.from(x), rows: y.length, cols: 30 };
        const main = await g.Sequential.create(options);
        await main.fit(data, y, fit);
        const worker = await g.trainInWorker({ model: options, x: data, y, fit }).done;
        const auto = await g.Sequential.create({ inputs: 2, layers: [g.dense(1, 'sigmoid')] });
        return {
          isolated: crossOriginIsolated,
          cores: navigator.hardwareConcurrency,
          auto: auto.threads,
          threads: main.threads,
          main: main.toJSON(),
          worker: worker.model,
        };
      },
      { x: [...x.data], y: [...y], fit },
    );
    expect(inPage.isolated).toBe(true);
    expect(inPage.auto).toBe(inPage.cores);
    expect(inPage.threads).toBe(2);
    expect(modelBits(inPage.main), 'main thread, 2 threads').toEqual(modelBits(node.toJSON()));
    expect(modelBits(inPage.worker), 'worker, 2 threads').toEqual(modelBits(node.toJSON()));
  });

  it('a page that is not cross-origin isolated runs one thread, and says why when asked for more', async () => {
    const plain = spawn(process.execPath, [join(ROOT, 'scripts/serve.mjs')], {
      env: { ...process.env, PORT: '0', ISOLATE: '0' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        plain.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          const match = /http:\/\/127\.0\.0\.1:\d+\//.exec(out);
          if (match) resolve(match[0]);
        });
        plain.once('exit', (code) => reject(new Error(`npm run serve exited with code ${code}: ${out}`)));
      });
      const other = await context!.newPage();
      await other.goto(url);
      await other.addScriptTag({ type: 'module', content: "import * as g from './gradwasm.browser.js'; window.gradwasm = g;" });
      await other.waitForFunction(() => 'gradwasm' in window);
      const result = await other.evaluate(async () => {
        const g = (window as unknown as Page$).gradwasm;
        const spec = { inputs: 2, layers: [g.dense(4, 'tanh'), g.dense(1, 'sigmoid')], seed: 1 };
        const auto = await g.Sequential.create(spec);
        const refused = await g.Sequential.create({ ...spec, threads: 2 }).then(
          () => null,
          (e: Error) => ({ name: e.name, argument: (e as Gradwasm.GradwasmError).argument, message: e.message }),
        );
        const trained = await auto.fit(
          [
            [0, 0],
            [0, 1],
            [1, 0],
            [1, 1],
          ],
          [0, 1, 1, 0],
          { epochs: 3 },
        );
        return { isolated: crossOriginIsolated, threads: auto.threads, refused, epochs: trained.loss.length };
      });
      expect(result.isolated).toBe(false);
      expect(result.threads).toBe(1);
      expect(result.epochs).toBe(3);
      expect(result.refused).toEqual({
        name: 'OptionError',
        argument: 'options.threads',
        message:
          'options.threads is 2, but the page is not cross-origin isolated, which threads need: serve it with "Cross-Origin-Opener-Policy: same-origin" and "Cross-Origin-Embedder-Policy: require-corp" (npm run serve does), or use threads: 1',
      });
      await other.close();
    } finally {
      plain.kill();
    }
  });

  it('an ONNX file from toOnnx runs in onnxruntime-web in the page as the model predicts (within 1e-6), for every activation, with a scaler', async () => {
    const ortDir = join(ROOT, 'node_modules/onnxruntime-web/dist');
    await context!.route('**/vendor/ort/**', (route) => {
      const name = new URL(route.request().url()).pathname.split('/').pop()!;
      return route.fulfill({ path: join(ortDir, name), contentType: name.endsWith('.wasm') ? 'application/wasm' : 'text/javascript' });
    });
    await page.addScriptTag({
      type: 'module',
      content:
        "import * as ort from '/vendor/ort/ort.wasm.min.mjs'; ort.env.wasm.wasmPaths = location.origin + '/vendor/ort/'; ort.env.wasm.numThreads = 1; ort.env.logLevel = 'error'; window.ort = ort;",
    });
    await page.waitForFunction(() => 'ort' in window);
    const table = parseCsv(readFileSync(join(ROOT, 'data/breast_cancer.csv'), 'utf8'));
    for (const activation of ['relu', 'tanh', 'sigmoid', 'linear'] as const) {
      const model = await Sequential.create({ inputs: 30, layers: [dense(12, activation), dense(1, 'sigmoid')], seed: 2, scaler: StandardScaler.fit(table.x) });
      await model.fit(table.x, table.y, { epochs: 5, batchSize: 32, learningRate: 0.01 });
      const result = await page.evaluate(
        async ({ json, x, rows }) => {
          const ort = (window as unknown as { ort: typeof import('onnxruntime-web') }).ort;
          const g = (window as unknown as Page$).gradwasm;
          const m = await g.Sequential.fromJSON(json);
          const data = Float32Array.from(x);
          const session = await ort.InferenceSession.create(g.toOnnx(m));
          const out = await session.run({ features: new ort.Tensor('float32', data, [rows, 30]) });
          return { onnx: [...(out.probability!.data as Float32Array)], model: [...m.predictProba({ data, rows, cols: 30 })] };
        },
        { json: JSON.stringify(model), x: [...table.x.data], rows: table.x.rows },
      );
      expect(bits(result.model), `${activation}: the page predicts Node's bits`).toEqual(bits(model.predictProba(table.x)));
      const worst = result.onnx.reduce((w, p, i) => Math.max(w, Math.abs(p - result.model[i]!)), 0);
      expect(worst, activation).toBeLessThanOrEqual(1e-6);
    }
  });

  it("the model `npm start` saved (its scaler inside) loads by default, and classifies the raw sample rows with Node's bits", async () => {
    const saved = readFileSync(join(scratch, 'models/breast-cancer.json'), 'utf8');
    expect((JSON.parse(saved) as ModelJSON).scaler?.mean).toHaveLength(30);
    const before = await page.evaluate(() => {
      const i = (window as unknown as Page$).gradwasmDemo.inference;
      return { source: i.modelSource, scaler: i.scaler !== null };
    });
    expect(before).toEqual({ source: 'models/breast-cancer.json', scaler: true });
    await expect(page.textContent('#inf-scaler-status')).resolves.toMatch(/^Feature scaling saved in the model/);

    await classifyAfter(() => page.click('#inf-sample'));
    const proba = await page.evaluate(() => [...(window as unknown as Page$).gradwasmDemo.inference.proba!]);

    const rows = parseRows(readFileSync(join(ROOT, 'data/breast_cancer.csv'), 'utf8'), 30);
    if (typeof rows === 'string') throw new Error(rows);
    const node = (await Sequential.fromJSON(saved)).predictProba(rows); // raw rows: the model scales them
    expect(proba).toHaveLength(569);
    expect(bits(proba)).toEqual(bits(node));
    await expect(page.textContent('#inf-summary')).resolves.toMatch(/^569 rows classified .* accuracy against the label column: 9\d\.\d\d %/);
  });

  it("a model file chosen in the page, with rows uploaded as CSV, predicts Node's bits", async () => {
    // Another model, trained in Node on the 'js' backend on already-scaled rows; no scaler this time.
    const { x, y } = scaledBreastCancer();
    const model = await Sequential.create({ inputs: 30, layers: [dense(6, 'tanh'), dense(1, 'sigmoid')], seed: 3, backend: 'js' });
    await model.fit(x, y, { epochs: 10, learningRate: 0.1, batchSize: 32 });
    const modelPath = join(scratch, 'uploaded-model.json');
    writeFileSync(modelPath, JSON.stringify(model));
    const csvPath = join(scratch, 'scaled-rows.csv');
    const lines = Array.from({ length: y.length }, (_, r) => [...x.data.subarray(r * 30, (r + 1) * 30), y[r]].join(','));
    writeFileSync(csvPath, lines.join('\n'));

    await page.setInputFiles('#inf-model-file', modelPath);
    await page.waitForFunction(() => (window as unknown as Page$).gradwasmDemo.inference.modelSource === 'uploaded-model.json');
    await expect(page.textContent('#inf-model-summary')).resolves.toMatch(/^30 inputs → 6 tanh → 1 sigmoid · 193 parameters$/);
    await expect(page.evaluate(() => (window as unknown as Page$).gradwasmDemo.inference.scaler)).resolves.toBeNull();
    await expect(page.textContent('#inf-scaler-status')).resolves.toMatch(/^No feature scaler in this model/);
    await classifyAfter(() => page.setInputFiles('#inf-csv-file', csvPath));
    const proba = await page.evaluate(() => [...(window as unknown as Page$).gradwasmDemo.inference.proba!]);
    // The page loads it on the default backend (wasm); so does Node here.
    const node = (await Sequential.fromJSON(readFileSync(modelPath, 'utf8'))).predictProba(x);
    expect(bits(proba)).toEqual(bits(node));
  });

  it('a file that is not a gradwasm model, or a failed reload, leaves the model in use, and the status says which', async () => {
    const inference = () =>
      page.evaluate(() => {
        const i = (window as unknown as Page$).gradwasmDemo.inference;
        return { source: i.modelSource, proba: [...i.proba!] };
      });
    const before = await inference();
    expect(before.source).toBe('uploaded-model.json');
    const summary = await page.textContent('#inf-model-summary');
    const status = async (pattern: RegExp): Promise<string> => {
      await page.waitForFunction((source) => new RegExp(source).test(document.getElementById('inf-model-status')!.textContent!), pattern.source);
      return (await page.textContent('#inf-model-status'))!;
    };

    await page.setInputFiles('#inf-model-file', { name: 'not-a-model.json', mimeType: 'application/json', buffer: Buffer.from('{"hello": "world"}') });
    expect(await status(/^not-a-model\.json is not/)).toMatch(/^not-a-model\.json is not a gradwasm model \(.+\)\. Still using uploaded-model\.json\.$/);
    // the reload button, when the server has no model (Chromium logs the 404, as asked: not a problem of the page) or a broken one
    const logged = problems.length;
    await page.route('**/models/breast-cancer.json', (route) => route.fulfill({ status: 404, body: 'not found' }));
    await page.click('#inf-reload');
    expect(await status(/^No models/)).toMatch(/^No models\/breast-cancer\.json here: .*\. Still using uploaded-model\.json\.$/);
    expect(problems.splice(logged)).toEqual(['console error: Failed to load resource: the server responded with a status of 404 (Not Found)']);
    await page.unroute('**/models/breast-cancer.json');
    await page.route('**/models/breast-cancer.json', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: '{"layers": [' }));
    await page.click('#inf-reload');
    expect(await status(/^models\/breast-cancer\.json is not/)).toMatch(
      /^models\/breast-cancer\.json is not a gradwasm model \(.+\)\. Still using uploaded-model\.json\.$/,
    );
    await page.unroute('**/models/breast-cancer.json');

    // the model in use is the one uploaded before: same summary, same predictions, bit for bit
    await expect(page.textContent('#inf-model-summary')).resolves.toBe(summary);
    await classifyAfter(() => page.click('#inf-classify'));
    const after = await inference();
    expect(after.source).toBe('uploaded-model.json');
    expect(bits(after.proba)).toEqual(bits(before.proba));
  });

  it('Reset clears a hidden-layers error: an invalid field goes back to the network in use, a valid edit stays; a fixed field clears it too', async () => {
    const other = await openDemo(1400);
    const look = () =>
      other.evaluate(() => ({
        error: document.getElementById('pg-error')!.hidden ? null : document.getElementById('pg-error')!.textContent,
        field: (document.getElementById('pg-hidden') as HTMLInputElement).value,
        hidden: (window as unknown as Page$).gradwasmDemo.playground.settings.hidden,
        status: (window as unknown as Page$).gradwasmDemo.playground.status,
      }));
    const invalid = /^Hidden layers: up to 8 whole numbers from 1 to 256/;
    await other.fill('#pg-hidden', '8, x');
    await other.click('#pg-train');
    expect(await look()).toMatchObject({ error: expect.stringMatching(invalid), field: '8, x', hidden: [8, 8], status: 'idle' });
    await other.click('#pg-reset');
    expect(await look()).toEqual({ error: null, field: '8, 8', hidden: [8, 8], status: 'idle' });
    await expect(other.textContent('#pg-status')).resolves.toMatch(/^Hidden layers back to 8, 8\./);
    // the backprop panel explains the network in use again
    await other.waitForFunction(() => /^2 → 8 tanh → 8 tanh → 1 sigmoid, untrained/.test((window as unknown as Page$).gradwasmDemo.backprop.network));

    // a valid edit survives Reset, and becomes the network in use
    await other.fill('#pg-hidden', '4');
    await other.click('#pg-reset');
    expect(await look()).toEqual({ error: null, field: '4', hidden: [4], status: 'idle' });

    // an error goes as soon as the field is fixed
    await other.fill('#pg-hidden', '0');
    await other.click('#pg-train');
    expect((await look()).error).toMatch(invalid);
    await other.fill('#pg-hidden', '3, 3');
    expect((await look()).error).toBeNull();
    await other.close();
    expect(problems).toEqual([]);
  });

  // The page is as wide as the window, at every width: nothing is cut off (the backprop graph and the results table scroll in
  // their own boxes). Each width gets a fresh page that has trained a short run and classified the sample rows.
  for (const width of [390, 1024, 1280, 1920]) {
    it(`fits a ${width} px wide window: no wider than it, the stats and the loss chart inside it; screenshot test-results/demo-${width}.png`, async () => {
      const other = await openDemo(width);
      await other.fill('#pg-epochs', '40');
      await other.uncheck('#pg-animate');
      await other.click('#pg-train');
      await other.waitForFunction(() => (window as unknown as Page$).gradwasmDemo.playground.status === 'done', null, { timeout: 60_000 });
      await classifyAfter(() => other.click('#inf-sample'), other);
      await other.waitForFunction(() => /after 40 epochs of training/.test((window as unknown as Page$).gradwasmDemo.backprop.network));
      const measured = await other.evaluate(() => {
        const box = (selector: string) => {
          const element = document.querySelector<HTMLElement>(selector)!;
          const { left, right } = element.getBoundingClientRect();
          return { selector, left, right, clipped: element.scrollWidth > element.clientWidth };
        };
        const stats = ['#pg-epoch', '#pg-speed', '#pg-loss-train', '#pg-loss-test', '#pg-acc-train', '#pg-acc-test'];
        return {
          innerWidth: window.innerWidth,
          clientWidth: document.documentElement.clientWidth,
          scrollWidth: document.documentElement.scrollWidth,
          boxes: [
            ...stats.map((id) => box(`.stats div:has(> dd${id})`)),
            box('#pg-loss'),
            box('#pg-boundary'),
            box('#playground'),
            box('#backprop'),
            box('#inference'),
          ],
          values: stats.map((id) => box(id)),
          canvas: (() => {
            const c = document.getElementById('pg-loss') as HTMLCanvasElement;
            return { width: c.width, css: c.getBoundingClientRect().width, ratio: devicePixelRatio };
          })(),
        };
      });
      console.log(`${width} px: scrollWidth ${measured.scrollWidth}, clientWidth ${measured.clientWidth}, innerWidth ${measured.innerWidth}`);
      mkdirSync(RESULTS, { recursive: true });
      await other.screenshot({ path: join(RESULTS, `demo-${width}.png`), fullPage: true });
      expect(measured.innerWidth).toBe(width);
      expect(measured.scrollWidth).toBeLessThanOrEqual(measured.clientWidth);
      expect(measured.scrollWidth).toBeLessThanOrEqual(measured.innerWidth);
      for (const b of measured.boxes) {
        expect(b.left, b.selector).toBeGreaterThanOrEqual(0);
        expect(b.right, b.selector).toBeLessThanOrEqual(measured.clientWidth);
      }
      for (const v of measured.values) expect(v.clipped, `${v.selector} overflows its card`).toBe(false);
      // the loss chart is drawn at its own size, for the screen's pixels
      expect(measured.canvas.width).toBe(Math.round(measured.canvas.css * measured.canvas.ratio));

      // narrowed after loading: the canvases follow, and the page still fits
      if (width > 390) {
        await other.setViewportSize({ width: 390, height: 900 });
        await other.waitForFunction(
          () =>
            Math.abs(
              (document.getElementById('pg-loss') as HTMLCanvasElement).width -
                Math.round(document.getElementById('pg-loss')!.getBoundingClientRect().width * devicePixelRatio),
            ) === 0,
        );
        const narrowed = await other.evaluate(() => ({ scrollWidth: document.documentElement.scrollWidth, clientWidth: document.documentElement.clientWidth }));
        expect(narrowed.scrollWidth, `loaded at ${width} px, then 390 px wide`).toBeLessThanOrEqual(narrowed.clientWidth);
      }
      await other.close();
      expect(problems).toEqual([]);
    });
  }

  it('saves screenshots to test-results/', async () => {
    // Leave the page as a visitor would see it: two moons trained, the sample rows classified.
    await page.click('#inf-reload');
    await page.waitForFunction(() => (window as unknown as Page$).gradwasmDemo.inference.scaler !== null);
    await classifyAfter(() => page.click('#inf-sample'));
    mkdirSync(RESULTS, { recursive: true });
    await page.screenshot({ path: join(RESULTS, 'demo.png'), fullPage: true });
    await page.locator('#playground').screenshot({ path: join(RESULTS, 'playground.png') });
    expect(readFileSync(join(RESULTS, 'demo.png')).subarray(1, 4).toString()).toBe('PNG');
    expect(problems).toEqual([]);
  });
});

/** The bundled table split and z-scored as `npm start` does (seed 42): the training rows. */
function scaledBreastCancer(): { x: { data: Float32Array; rows: number; cols: number }; y: Float32Array } {
  const table = parseCsv(readFileSync(join(ROOT, 'data/breast_cancer.csv'), 'utf8'));
  const { train } = trainTestSplit(table.x, table.y, { cols: 30, testFraction: 0.2, seed: 42 });
  return { x: { ...train.x, data: StandardScaler.fit(train.x).transform(train.x) }, y: train.y };
}
