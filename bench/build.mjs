// Bundles the benchmark runner (bench/run.ts) into dist/bench/run.js, the way scripts/build.mjs
// bundles the library: the core's .wasm inlined as bytes, ES2022 (Node 20 lacks
// Uint8Array.fromBase64, which esbuild's newer targets use to decode it). TensorFlow.js stays
// external so it loads from node_modules as a user's would — and finds its own .wasm files there.
import { build } from 'esbuild';

await build({
  entryPoints: ['bench/run.ts'],
  outfile: 'dist/bench/run.js',
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  external: ['@tensorflow/*'],
  logLevel: 'warning',
});
