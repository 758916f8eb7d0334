import { readFileSync } from 'node:fs';
import { defineConfig } from 'vitest/config';
import { bundleWorker, stringModule } from './scripts/worker-bundle.mjs';

/** The .wasm files as esbuild loads them into the training worker's code. */
const wasmBinary = {
  name: 'wasm-binary',
  setup: (b: { onLoad: (o: object, f: (a: { path: string }) => object) => void }) =>
    b.onLoad({ filter: /\.wasm$/ }, (a) => ({ contents: readFileSync(a.path), loader: 'binary' })),
};

// Tests import src/ directly; the core's .wasm is inlined as bytes there, as esbuild does for dist/.
export default defineConfig({
  plugins: [
    {
      name: 'wasm-bytes',
      enforce: 'pre',
      async load(id) {
        // The training worker's code, made afresh from src/ (scripts/build.mjs writes it for dist/).
        if (id.endsWith('/build/worker.node.js'))
          return stringModule(await bundleWorker({ entry: 'src/worker/entry.node.ts', platform: 'node', plugins: [wasmBinary] }));
        if (!id.endsWith('.wasm')) return null;
        const base64 = readFileSync(id).toString('base64');
        return `export default Uint8Array.from(atob(${JSON.stringify(base64)}), (c) => c.charCodeAt(0));`;
      },
    },
  ],
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
