// The built gradwasm/node entry: on the library beside it (one GradwasmError, one copy of the
// core), reachable through the package's exports, and never part of the browser bundle.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as Gradwasm from '../src/index.js';
import type * as Node from '../src/node/index.js';

const dist = (path: string): URL => new URL(`../dist/${path}`, import.meta.url);

describe('dist/node.js (gradwasm/node)', () => {
  it('exists (npm test builds it first) and imports the library beside it and node: modules only', () => {
    expect(existsSync(dist('node.js'))).toBe(true);
    const text = readFileSync(dist('node.js'), 'utf8');
    const imports = [...text.matchAll(/\bimport\s*(?:\{[^}]*\}|\*\s+as\s+\w+|\w+)\s*from\s*"([^"]+)"/g)].map((m) => m[1]);
    expect(new Set(imports.filter((i) => !i!.startsWith('node:')))).toEqual(new Set(['./index.js']));
    // on first use: the Parquet decoder beside it (shared with dist/index.js), and the user's apache-arrow
    expect(new Set(text.match(/\bimport\s*\([^)]*\)/g))).toEqual(new Set(['import("./parquet-reader.js")', 'import("apache-arrow")']));
    expect(new Set(readFileSync(dist('index.js'), 'utf8').match(/\bimport\s*\([^)]*\)/g))).toContain('import("./parquet-reader.js")');
    expect(text).not.toMatch(/extends Error/); // GradwasmError is the library's, not a copy
    expect(text).not.toMatch(/WebAssembly\.instantiate|AGFzbQ/); // no core inside
    expect(readFileSync(dist('gradwasm.browser.js'), 'utf8')).not.toMatch(/readCsv|saveTfjsLayers/);
  });

  it('reads a CSV file and round-trips a TF.js model with the built library, throwing its GradwasmError', async () => {
    const lib = (await import(/* @vite-ignore */ dist('index.js').href)) as typeof Gradwasm;
    const node = (await import(/* @vite-ignore */ dist('node.js').href)) as typeof Node;
    const dir = mkdtempSync(join(tmpdir(), 'gradwasm-node-dist-'));
    try {
      writeFileSync(join(dir, 't.csv'), 'a,b,label\n1,2,0\n3,4,1\n');
      const table = await node.readCsv(join(dir, 't.csv'));
      const model = await lib.Sequential.create({ inputs: 2, layers: [lib.dense(3, 'relu'), lib.dense(1, 'sigmoid')], seed: 1 });
      await node.saveTfjsLayers(model, join(dir, 'tfjs'));
      const again = await node.loadTfjsLayers(join(dir, 'tfjs'));
      expect(again).toBeInstanceOf(lib.Sequential);
      expect(again.predictProba(table.x)).toEqual(model.predictProba(table.x));
      writeFileSync(join(dir, 'bad.csv'), 'a,label\nx,0\n');
      await expect(node.readCsv(join(dir, 'bad.csv'))).rejects.toBeInstanceOf(lib.GradwasmError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is the package export gradwasm/node', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(pkg.exports['./node']).toEqual({ types: './dist/types/node/index.d.ts', default: './dist/node.js' });
  });
});
