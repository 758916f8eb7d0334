// The built gradwasm/explain entry: on the library beside it (one GradwasmError, one copy of the
// core), in Node and in the browser build, reachable through the package's exports.
import { existsSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import type * as Gradwasm from '../src/index.js';
import type * as Explain from '../src/explain/index.js';

const dist = (path: string): URL => new URL(`../dist/${path}`, import.meta.url);

describe('dist/explain.js and dist/explain.browser.js (gradwasm/explain)', () => {
  it('exist (npm test builds them first) and import the library beside them instead of carrying a copy', () => {
    for (const [file, library] of [
      ['explain.js', './index.js'],
      ['explain.browser.js', './gradwasm.browser.js'],
    ]) {
      expect(existsSync(dist(file!)), file).toBe(true);
      const text = readFileSync(dist(file!), 'utf8');
      const imports = [...text.matchAll(/\bimport\s*\{[^}]*\}\s*from\s*"([^"]+)"/g)].map((m) => m[1]);
      expect([...new Set(imports)], file).toEqual([library]);
      expect(text).not.toMatch(/WebAssembly\.instantiate|AGFzbQ/); // no core inside
    }
    // (the explain code alone, three heads' loss nodes: about 10 kB; with a copy of the library it would be over 50)
    expect(gzipSync(readFileSync(dist('explain.browser.js')), { level: 9 }).length).toBeLessThan(11_000);
  });

  it('explains a model of the built library, throwing its GradwasmError', async () => {
    const lib = (await import(/* @vite-ignore */ dist('index.js').href)) as typeof Gradwasm;
    const explain = (await import(/* @vite-ignore */ dist('explain.js').href)) as typeof Explain;
    const model = await lib.LogisticRegression.create({ inputs: 1, seed: 0 });
    model.setWeights([{ weights: Float32Array.of(3), bias: Float32Array.of(0) }]);
    const trace = explain.explain(model, [3], 1);
    expect(trace.ok).toBe(true);
    expect(trace.parameters[0]!.gradient.data[0]).toBeCloseTo((1 / (1 + Math.exp(-9)) - 1) * 3, 12);
    expect(explain.formatTrace(trace)).toContain('∂L/∂w = ∂L/∂p · ∂p/∂z · ∂z/∂(x·w) · ∂(x·w)/∂w');
    expect(() => explain.explain(model, [3], 1, { rows: 0 })).toThrow(lib.GradwasmError);
    // importing it gave the built library's models their graph() method
    expect(model.graph()).toEqual(explain.graph(model));
  });

  it('is the package export gradwasm/explain', () => {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { exports: Record<string, Record<string, string>> };
    expect(pkg.exports['./explain']).toEqual({ types: './dist/types/explain/index.d.ts', browser: './dist/explain.browser.js', default: './dist/explain.js' });
  });
});
