// The package as its users get it: `npm pack` (the tarball npm would publish; `npm test` has built
// dist/), installed offline into throw-away projects, then used the way the README says —
//  - in Node: an ES module app (the three entry points; training, trainInWorker with no
//    workerUrl, 2 threads, readCsv of the package's own data, explain), a CommonJS
//    require('gradwasm') (Node ≥ 20.19), TypeScript under module nodenext, bundler and the legacy
//    node resolution (through typesVersions), a CommonJS file's static import (TS1479 under
//    node16, fine under nodenext) and its way out, and the `gradwasm` command through npx;
//  - in headless Chromium: one app built by esbuild (inlined and split), Vite, webpack 5 and
//    Rollup with nothing configured for gradwasm, served by Vite's development server, and an
//    import-map page with no bundler, each cross-origin isolated (COOP/COEP): fit and predict in
//    the page, trainInWorker, and 2 threads — the same float32 bits as 1 thread and as Node.
// Every check shares test/consumers/app/checks.js. Without Chromium the browser half is skipped
// loudly, and fails when CI=true.
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BROWSER_CONSUMERS, type Built } from './consumers-bundlers.js';
import {
  TS_APP,
  TS_CJS_DYNAMIC,
  TS_CJS_STATIC,
  TS_CONFIGS,
  legacyNodeCheck,
  makeProject,
  npmWarnings,
  pack,
  run,
  said,
  tsc,
  type Project,
} from './consumers-projects.js';
// @ts-expect-error: a plain ES module of the repository's scripts, without types
import { startServer } from '../../scripts/serve.mjs';

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
const IN_CI = process.env.CI === 'true';
const haveChromium = existsSync(CHROMIUM);
if (!haveChromium) {
  console.error(
    `\n!!! ${CHROMIUM} is missing: the browser consumers of test/e2e/consumers.test.ts ${IN_CI ? 'FAIL (CI=true)' : 'are SKIPPED'} (apt-get install -y chromium)\n`,
  );
}

/** What checks.js returns (test/consumers/app/checks.js). */
interface Checks {
  isolated?: boolean;
  fit: { firstLoss: number; lastLoss: number; accuracy: number; weights: string };
  worker: { epochs: number; cancelled: boolean; accuracy: number; weights: string };
  threads: Record<'1' | '2', { threads: number; lastLoss: number; weights: string }>;
}
interface EsmApp extends Checks {
  csv: { rows: number; cols: number; label: string };
  explain: { nodes: number; parameters: number; graph: boolean };
}

const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
const requiresEsm = major > 20 || (major === 20 && minor >= 19);
const NODE = 'Node (ES modules, CommonJS, TypeScript, the gradwasm command)';

let scratch: string;
let tarball: Promise<{ tarball: string; version: string }>;
const timings: string[] = [];
/** Each project by its id, made once on first use (the installs run side by side). */
const projects = new Map<string, Promise<Project>>();
function project(id: string, files: Parameters<typeof makeProject>[3]): Promise<Project> {
  if (!projects.has(id)) {
    const started = performance.now();
    const made = tarball.then(({ tarball: tgz }) => makeProject(id, join(scratch, id), tgz, files));
    made.then(
      () => timings.push(`install ${id} ${seconds(started)}`),
      () => undefined,
    );
    projects.set(id, made);
  }
  return projects.get(id)!;
}
const seconds = (since: number): string => `${((performance.now() - since) / 1000).toFixed(1)} s`;
const nodeProject = (): Promise<Project> =>
  project('node', {
    'checks.js': { from: 'app/checks.js' },
    'esm.mjs': { from: 'node/esm.mjs' },
    'cjs.cjs': { from: 'node/cjs.cjs' },
    'app.ts': { text: TS_APP },
    'static.cts': { text: TS_CJS_STATIC },
    'dynamic.cts': { text: TS_CJS_DYNAMIC },
    ...Object.fromEntries(Object.entries(TS_CONFIGS).map(([file, config]) => [file, { text: `${JSON.stringify(config, null, 2)}\n` }])),
  });

/** The ES module app's output, once: the browsers compare their bits with it. */
let esmRun: Promise<EsmApp> | undefined;
const esmApp = (): Promise<EsmApp> =>
  (esmRun ??= nodeProject().then(async ({ dir }) => {
    const ran = await run(process.execPath, ['esm.mjs'], { cwd: dir });
    if (ran.code !== 0 || ran.stderr !== '') throw new Error(`the ES module app failed: ${said(ran)}`);
    timings.push(`node esm.mjs ${(ran.ms / 1000).toFixed(1)} s`);
    return JSON.parse(ran.stdout) as EsmApp;
  }));

/** Each browser consumer's install and build, all started at once, settled so that only its own test fails. */
const builds = new Map<string, Promise<{ built?: Built; error?: unknown; project?: Project }>>();
function startBuilds(after: Promise<unknown>): void {
  for (const consumer of BROWSER_CONSUMERS) {
    builds.set(
      consumer.id,
      after
        .then(() => project(consumer.id, consumer.files))
        .then(
          async (made) => {
            const started = performance.now();
            try {
              const built = await consumer.build(made.dir);
              timings.push(`build ${consumer.id} ${seconds(started)}`);
              return { built, project: made };
            } catch (error) {
              return { error, project: made };
            }
          },
          (error: unknown) => ({ error }),
        ),
    );
  }
}

beforeAll(() => {
  scratch = mkdtempSync(join(tmpdir(), 'gradwasm-consumers-'));
  const started = performance.now();
  tarball = pack(scratch).then((packed) => {
    timings.push(`npm pack ${seconds(started)}`);
    return packed;
  });
  tarball.catch(() => undefined); // reported by every test that needs it
  // the Node project first (its tests run while the browser consumers install and build)
  const node = nodeProject().catch(() => undefined);
  if (haveChromium || IN_CI) startBuilds(node);
});

afterAll(() => {
  console.log(`consumers: ${timings.join('; ')}`);
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

describe(NODE, () => {
  it('npm installs the tarball offline with no warning (no install scripts)', async () => {
    const { install } = await nodeProject();
    expect(install.code).toBe(0);
    expect(npmWarnings(install), said(install)).toEqual([]);
    expect(install.stdout).toMatch(/added 1 package/);
  }, 60_000);

  it('an ES module app: fit, trainInWorker with no workerUrl (the same bits), 2 threads (the same bits), readCsv, explain', async () => {
    const r = await esmApp();
    expect(r.fit.accuracy).toBeGreaterThanOrEqual(0.95);
    expect(r.fit.lastLoss).toBeLessThan(r.fit.firstLoss / 5);
    expect(r.worker).toEqual({ epochs: 80, cancelled: false, accuracy: r.fit.accuracy, weights: r.fit.weights });
    expect(r.threads['1'].threads).toBe(1);
    expect(r.threads['2'].threads).toBe(2);
    expect(r.threads['2'].weights).toBe(r.threads['1'].weights);
    expect(r.csv).toEqual({ rows: 569, cols: 30, label: 'label' });
    expect(r.explain.nodes).toBeGreaterThan(10);
    expect(r.explain.graph).toBe(true); // gradwasm/explain gives every Sequential model.graph()
  }, 90_000);

  it.runIf(requiresEsm)(
    `CommonJS: require('gradwasm'), 'gradwasm/node', 'gradwasm/explain' (Node ${process.versions.node} ≥ 20.19), trainInWorker from CommonJS`,
    async () => {
      const { dir } = await nodeProject();
      const ran = await run(process.execPath, ['cjs.cjs'], { cwd: dir });
      expect(ran.code, said(ran)).toBe(0);
      expect(ran.stderr, 'no ExperimentalWarning nor any other').toBe('');
      const r = JSON.parse(ran.stdout) as { p: number[]; fromWorker: number[]; readCsv: string; graphNodes: number };
      expect(r.p.map((p) => (p >= 0.5 ? 1 : 0))).toEqual([0, 1, 1, 0]);
      expect(r.fromWorker).toEqual(r.p);
      expect(r.readCsv).toBe('function');
      expect(r.graphNodes).toBeGreaterThan(10);
    },
    60_000,
  );

  it('TypeScript type-checks the three entry points under module nodenext and under moduleResolution bundler (skipLibCheck off)', async () => {
    const { dir } = await nodeProject();
    const [nodenext, bundler] = await Promise.all([tsc(dir, 'tsconfig.nodenext.json'), tsc(dir, 'tsconfig.bundler.json')]);
    expect(nodenext.code, said(nodenext)).toBe(0);
    expect(bundler.code, said(bundler)).toBe(0);
  }, 60_000);

  it('TypeScript, a CommonJS file (.cts): a static import of gradwasm is TS1479 under module node16, fine under nodenext; await import() under both', async () => {
    const { dir } = await nodeProject();
    const [node16, nodenext] = await Promise.all([tsc(dir, 'tsconfig.cts-node16.json'), tsc(dir, 'tsconfig.cts-nodenext.json')]);
    const errors = node16.stdout.split('\n').filter((line) => /error TS\d+/.test(line));
    expect(
      errors.map((line) => /^([^(]+)\(\d+,\d+\): error (TS\d+)/.exec(line)?.slice(1).join(' ')),
      said(node16),
    ).toEqual([
      'static.cts TS1479', // import … from 'gradwasm'
      'static.cts TS1479', // import … from 'gradwasm/node'
    ]);
    expect(nodenext.code, said(nodenext)).toBe(0); // nodenext models Node ≥ 20.19's require() of ES modules (the CommonJS app above)
  }, 60_000);

  it("the legacy moduleResolution node (module commonjs) finds gradwasm/node's and gradwasm/explain's types through typesVersions", async () => {
    const { dir } = await nodeProject();
    const { ran, declarations } = await legacyNodeCheck(dir);
    expect(ran.code, said(ran)).toBe(0);
    for (const entry of ['dist/types/index.d.ts', 'dist/types/node/index.d.ts', 'dist/types/explain/index.d.ts']) {
      expect(declarations.map((f) => f.replace(/.*\/node_modules\/gradwasm\//, ''))).toContain(entry);
    }
  }, 60_000);

  it('npx gradwasm train <the package’s breast_cancer.csv> --out model.json writes a model; npx gradwasm --version prints the version', async () => {
    const { dir } = await nodeProject();
    const { version } = await tarball;
    const [trained, printed] = await Promise.all([
      run('npx', ['gradwasm', 'train', 'node_modules/gradwasm/data/breast_cancer.csv', '--out', 'model.json', '--no-progress'], { cwd: dir, timeout: 90_000 }),
      run('npx', ['gradwasm', '--version'], { cwd: dir }),
    ]);
    expect(trained.code, said(trained)).toBe(0);
    expect(trained.stdout).toMatch(/model saved to model\.json/);
    const model = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as { format: string; inputs: number };
    expect(model).toMatchObject({ format: 'gradwasm-model', inputs: 30 });
    expect(printed.code, said(printed)).toBe(0);
    expect(printed.stdout.trim()).toBe(version);
  }, 90_000);
});

describe.runIf(haveChromium || IN_CI)('in headless Chromium, cross-origin isolated: bundlers with nothing configured, and an import map', () => {
  let context: BrowserContext | undefined;
  const servers: { close(): void }[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing (CI=true): apt-get update && apt-get install -y chromium`);
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    for (const server of servers) server.close();
    for (const build of builds.values()) await (await build).built?.served?.close(); // a development server whose test did not run
  });

  /** The page's result, and what went wrong on the way: its errors, its console's errors and warnings, failed requests, dedicated workers started. */
  async function openPage(
    built: Built,
  ): Promise<{ outcome?: { ok: boolean; result?: Checks; error?: string }; problems: string[]; workers: number; failure?: string }> {
    let url = built.served?.url;
    if (url === undefined) {
      const started = (await startServer({ port: 0, mounts: { '/': built.root } })) as { server: { close(): void }; url: string };
      servers.push(started.server);
      url = started.url;
    }
    const page = await context!.newPage();
    const problems: string[] = [];
    let workers = 0;
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) problems.push(`HTTP ${r.status()} ${r.url()}`);
    });
    page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} (${r.failure()?.errorText})`));
    page.on('worker', () => void workers++);
    try {
      await page.goto(url);
      await page.waitForFunction(() => document.body?.dataset.done === 'true', null, { timeout: 90_000 });
      const outcome = await page.evaluate(() => (window as unknown as { consumerResult: { ok: boolean; result?: Checks; error?: string } }).consumerResult);
      return { outcome, problems, workers };
    } catch (e) {
      return { problems, workers, failure: `the page did not finish: ${(e as Error).message.split('\n')[0]}` };
    } finally {
      await page.close();
      await built.served?.close();
    }
  }

  for (const consumer of BROWSER_CONSUMERS)
    it(`${consumer.name}: fit and predict in the page, trainInWorker with no workerUrl, 2 threads — the bits of Node`, async () => {
      const { name } = consumer;
      const { built, error, project: made } = await builds.get(consumer.id)!;
      if (!built)
        throw new Error(`${name}: ${made ? 'the build failed' : 'the project could not be made'}: ${error instanceof Error ? error.stack : String(error)}`);
      expect(npmWarnings(made!.install), `${name}: npm install warned\n${said(made!.install)}`).toEqual([]);
      expect(built.warnings, `${name}: the bundler warned`).toEqual([]);
      const scripts = consumer.scripts === 'none' ? [] : readdirSync(built.root, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.js'));
      if (consumer.scripts === 'one') expect(scripts, `${name}: one script, the library's dynamic imports inlined`).toHaveLength(1);
      if (consumer.scripts === 'several')
        expect(scripts.length, `${name}: the library's dynamic imports followed as chunks (${scripts.join(', ')})`).toBeGreaterThanOrEqual(4);

      const started = performance.now();
      const { outcome, problems, workers, failure } = await openPage(built);
      timings.push(`page ${consumer.id} ${seconds(started)}`);
      const why = `${name}\n${problems.join('\n') || 'no console errors'}`;
      if (failure) throw new Error(`${name}: ${failure}\n${problems.join('\n') || 'no console errors'}`);
      expect(outcome!.error, why).toBeUndefined();
      const r = outcome!.result!;
      const node = await esmApp();
      expect(r.isolated, `${why}\ncrossOriginIsolated`).toBe(true);
      expect(r.fit.weights, `${why}\nfit: the weights Node computes`).toBe(node.fit.weights);
      expect(r.fit.accuracy, why).toBe(node.fit.accuracy);
      expect(r.worker, `${why}\ntrainInWorker: the weights of fit`).toEqual({ epochs: 80, cancelled: false, accuracy: r.fit.accuracy, weights: r.fit.weights });
      expect(r.threads['2'].threads, `${why}\nthreads: 2`).toBe(2);
      expect(r.threads['2'].weights, `${why}\n2 threads: the bits of 1`).toBe(r.threads['1'].weights);
      expect(r.threads['1'].weights, `${why}\nthe wide model: the bits of Node`).toBe(node.threads['1'].weights);
      expect(workers, `${why}\nthe page's own Web Workers: trainInWorker's and the pool's keeper`).toBeGreaterThanOrEqual(2);
      expect(problems, why).toEqual([]);
    }, 150_000);
});
