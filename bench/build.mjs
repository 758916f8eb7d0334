// Bundles the benchmark runner (bench/run.ts) into dist/bench/run.js, the way scripts/build.mjs
// bundles the library: the core's .wasm inlined as bytes, ES2022 (Node 20 lacks
// Uint8Array.fromBase64, which esbuild's newer targets use to decode it). TensorFlow.js
// and onnxruntime-web stay external so they load from node_modules as a user's would — and find
// their own .wasm files there.
import { build } from 'esbuild';

const common = {
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  external: ['@tensorflow/*', 'onnxruntime-web', '@duckdb/*'],
  logLevel: 'warning',
};
await build({ ...common, entryPoints: ['bench/run.ts'], outfile: 'dist/bench/run.js' });
// the contention benchmark's configurations, each in a process of its own (bench/contention.ts)
await build({ ...common, entryPoints: ['bench/contention-child.ts'], outfile: 'dist/bench/contention-child.js' });
// onnxruntime-web, measured in a process of its own per thread count (bench/onnx.ts)
await build({ ...common, entryPoints: ['bench/onnx-child.ts'], outfile: 'dist/bench/onnx-child.js' });
