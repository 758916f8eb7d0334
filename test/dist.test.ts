// The built package (dist/index.js, WebAssembly inlined) works as users import it.
import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type * as Gradwasm from '../src/index.js';

const bundle = new URL('../dist/index.js', import.meta.url);

describe('dist/index.js', () => {
  it('exists (npm test builds it first)', () => {
    expect(existsSync(bundle)).toBe(true);
  });

  it('trains and predicts on its inlined WebAssembly, as the sources do', async () => {
    const lib = (await import(/* @vite-ignore */ bundle.href)) as typeof Gradwasm;
    const src = await import('../src/index.js');
    const x = [
      [0, 0],
      [0, 1],
      [1, 0],
      [1, 1],
    ];
    const y = [0, 1, 1, 0];
    const results = [];
    for (const { Sequential, dense } of [lib, src]) {
      const model = await Sequential.create({ inputs: 2, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 8 });
      await model.fit(x, y, { epochs: 50, learningRate: 0.5 });
      results.push(model.predictProba(x));
    }
    expect(results[0]).toEqual(results[1]);
    expect(() => lib.dense(0)).toThrow(lib.GradwasmError);
  });

  it("writes package.json's version into the files it exports", async () => {
    const lib = (await import(/* @vite-ignore */ bundle.href)) as typeof Gradwasm;
    const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    const model = await lib.Sequential.create({ inputs: 2, layers: [lib.dense(1, 'sigmoid')], seed: 1 });
    expect(lib.toTfjsLayers(model).modelJson.userDefinedMetadata.gradwasm.version).toBe(version);
    expect(Buffer.from(lib.toOnnx(model)).includes(Buffer.from(`gradwasm${String.fromCharCode(0x1a, version.length)}${version}`, 'latin1'))).toBe(true); // producer_name, then producer_version (field 3)
  });
});

describe('an application bundled with esbuild for Node, alone in a folder', () => {
  it("trains in its worker, with 2 threads, no file of gradwasm's beside it", async () => {
    const { build } = await import('esbuild');
    const { mkdtempSync, rmSync, writeFileSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-esbuild-node-'));
    try {
      const app = join(dir, 'app.mjs');
      writeFileSync(
        app,
        `import { trainInWorker, dense } from ${JSON.stringify(bundle.pathname)};
const x = [[0, 0], [0, 1], [1, 0], [1, 1]], y = [0, 1, 1, 0];
const { history, threads } = await trainInWorker({ model: { inputs: 2, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 8, threads: 2 }, x, y, fit: { epochs: 3 } }).done;
console.log(JSON.stringify({ epochs: history.loss.length, threads }));\n`,
      );
      const out = join(dir, 'out', 'app.js');
      await build({ entryPoints: [app], outfile: out, bundle: true, format: 'esm', platform: 'node', logLevel: 'warning' });
      rmSync(app);
      const printed = execFileSync(process.execPath, [out], { encoding: 'utf8', cwd: dir });
      expect(JSON.parse(printed)).toEqual({ epochs: 3, threads: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the tarball', () => {
  it('holds what consumers run and read, nothing built for this repository (demo, bench, API pages, scripts)', async () => {
    const { execFileSync } = await import('node:child_process');
    const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
    const [pack] = JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { encoding: 'utf8', env, cwd: new URL('..', import.meta.url).pathname }),
    ) as [{ files: { path: string }[] }];
    const paths = pack.files.map((f) => f.path);
    expect(paths.filter((p) => /^dist\/(api|demo|bench|scripts|types\/cli)\//.test(p))).toEqual([]);
    expect(paths.filter((p) => /^(src|assembly|test|bench|scripts)\//.test(p))).toEqual([]);
    for (const shipped of [
      'LICENSE',
      'README.md',
      'package.json',
      'dist/index.js',
      'dist/gradwasm.browser.js',
      'dist/worker-source.js',
      'dist/gradwasm.worker-source.js',
      'dist/cli.js',
      'dist/types/index.d.ts',
    ]) {
      expect(paths).toContain(shipped);
    }
  });
});
