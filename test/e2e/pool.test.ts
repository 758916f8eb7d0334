// The pool of threads in headless Chromium, on a cross-origin isolated page whose main thread is
// the leader (it may not block: it spins): the keeper and its workers are Web Workers; a step's
// parts go to them, with Node's bits; a part that traps on a worker, and a worker that dies in the
// middle of a step, fail that call with a GradwasmError — never a page that spins for ever — and
// the next model gets a working pool. The page loads the sources bundled with the pool's test hooks.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Gradwasm from '../../src/index.js';
import type * as Pool from '../../src/backend/wasm/threads.js';
import { Sequential, dense } from '../../src/index.js';
import { uniform } from '../support/random.js';
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
type Page$ = Window & { gradwasm: typeof Gradwasm; pool: typeof Pool };

describe.runIf(haveChromium || IN_CI)('the pool in headless Chromium', () => {
  let scratch: string;
  let server: { close(): void } | undefined;
  let context: BrowserContext | undefined;
  let page: Page;
  const problems: string[] = [];

  beforeAll(async () => {
    if (!haveChromium) throw new Error(`${CHROMIUM} is missing (CI=true): apt-get update && apt-get install -y chromium`);
    scratch = mkdtempSync(join(tmpdir(), 'gradwasm-pool-e2e-'));
    // the browser bundle's module swaps (scripts/build.mjs): Web Workers for worker_threads, the page's cores for Node's
    const browserModules = {
      name: 'browser-modules',
      setup(b: { onResolve(o: { filter: RegExp }, f: (a: { path: string; resolveDir: string }) => { path: string }): void }) {
        b.onResolve({ filter: /\/(pool|environment)\.js$/ }, (args) => ({ path: join(args.resolveDir, args.path.replace(/\.js$/, '.browser.ts')) }));
        b.onResolve({ filter: /^\.\/spawn\.js$/ }, (args) => ({ path: join(args.resolveDir, 'spawn.browser.ts') }));
      },
    };
    await build({
      entryPoints: [new URL('./pool-page.ts', import.meta.url).pathname],
      outfile: join(scratch, 'pool-page.js'),
      bundle: true,
      format: 'esm',
      platform: 'browser',
      target: 'es2022',
      loader: { '.wasm': 'binary' },
      plugins: [browserModules],
      logLevel: 'warning',
    });
    writeFileSync(join(scratch, 'index.html'), '<!doctype html><title>pool</title><script type="module" src="pool-page.js"></script>');
    const started = await startServer({ port: 0, mounts: { '/': scratch } });
    server = started.server;
    context = await chromium.launchPersistentContext(join(scratch, 'profile'), { executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = context.pages()[0] ?? (await context.newPage());
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    await page.goto(started.url);
    await page.waitForFunction(() => document.body.dataset.ready === 'true', null, { timeout: 20_000 });
  }, 120_000);

  afterAll(async () => {
    await context?.close();
    server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  const inputs = 256,
    rows = 4096;
  const x = { data: uniform(1, rows * inputs), rows, cols: inputs };
  const spec = { inputs, layers: [dense(64, 'relu'), dense(1, 'sigmoid')], seed: 3 };

  it('starts with the first step that wants it, and its workers take parts: the same bits as Node on one thread', async () => {
    const expected = [...(await Sequential.create({ ...spec, threads: 1 })).predictProba(x)];
    const result = await page.evaluate(
      async ({ data }) => {
        const { gradwasm: g, pool } = window as unknown as Page$;
        const x = { data: Float32Array.from(data), rows: 4096, cols: 256 };
        const model = await g.Sequential.create({ inputs: 256, layers: [g.dense(64, 'relu'), g.dense(1, 'sigmoid')], seed: 3, threads: 2 });
        const workersAtCreate = await pool.poolWorkers();
        const first = [...model.predictProba(x)];
        await pool.poolReady(1);
        await pool.fixPoolHelpers();
        // The leader takes over the parts of a worker that has not woken yet (on a loaded machine
        // a whole step can pass first), so the worker gets a few steps to take one; each the same bits.
        const before = (await pool.poolStats()).threads[1]!.parts;
        const seconds: number[][] = [];
        let parts = 0;
        while (parts === 0 && seconds.length < 50) {
          seconds.push([...model.predictProba(x)]);
          parts = (await pool.poolStats()).threads[1]!.parts - before;
        }
        return { isolated: crossOriginIsolated, workersAtCreate, first, seconds, parts };
      },
      { data: [...x.data] },
    );
    expect(result.isolated).toBe(true);
    expect(result.workersAtCreate).toBe(0);
    expect(result.first).toEqual(expected);
    for (const second of result.seconds) expect(second).toEqual(expected);
    expect(result.parts).toBeGreaterThan(0);
    expect(problems).toEqual([]);
  }, 60_000);

  it('a part that traps on a worker, and a worker that dies mid-step: a BrokenModelError each (a GradwasmError), the model broken, the next model on a working pool', async () => {
    const expected = [...(await Sequential.create({ ...spec, threads: 1 })).predictProba(x)];
    const result = await page.evaluate(
      async ({ data }) => {
        const { gradwasm: g, pool } = window as unknown as Page$;
        const x = { data: Float32Array.from(data), rows: 4096, cols: 256 };
        const make = () => g.Sequential.create({ inputs: 256, layers: [g.dense(64, 'relu'), g.dense(1, 'sigmoid')], seed: 3, threads: 2 });
        const outcomes = [];
        for (const kind of ['trap', 'death'] as const) {
          const victim = await make();
          victim.predictProba(x);
          await pool.poolReady(1);
          await pool.fixPoolHelpers();
          await pool.injectPoolFault(kind, 1);
          let message = '';
          for (let attempt = 0; attempt < 20 && !message; attempt++) {
            try {
              victim.predictProba(x);
            } catch (error) {
              message = `${(error as Error).name}: ${(error as Error).message}`;
            }
          }
          let broken = false;
          try {
            victim.predictProba(x);
          } catch (error) {
            broken = /this model is broken/.test((error as Error).message);
          }
          victim.dispose();
          const next = await make();
          next.predictProba(x);
          await pool.poolReady(1);
          await pool.fixPoolHelpers();
          // (parts are handed out as threads come for them: a worker slow to wake may find none
          // left in one call, so a working pool is one whose worker takes a part within a few calls)
          const before = (await pool.poolStats()).threads[1]!.parts;
          let p: number[] = [];
          for (let call = 0; call < 20 && (call === 0 || (await pool.poolStats()).threads[1]!.parts === before); call++) p = [...next.predictProba(x)];
          outcomes.push({ kind, message, broken, p, workerParts: (await pool.poolStats()).threads[1]!.parts - before });
          next.dispose();
        }
        return outcomes;
      },
      { data: [...x.data] },
    );
    const [trap, death] = result;
    expect(trap!.message).toMatch(/^BrokenModelError: the WebAssembly core stopped with a trap on a thread of the pool/);
    expect(death!.message).toMatch(/^BrokenModelError: a thread of the pool stopped \(terminated, or out of memory\) in the middle of this model's step/);
    for (const outcome of result) {
      expect(outcome.broken, outcome.kind).toBe(true);
      expect(outcome.p, outcome.kind).toEqual(expected);
      expect(outcome.workerParts, outcome.kind).toBeGreaterThan(0);
    }
  }, 60_000);
});
