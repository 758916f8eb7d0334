// Builds dist/: the library as one ESM file with the WebAssembly inlined, its .d.ts files,
// and the runnable examples. Run after the core is compiled (npm run build does both).
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';

const common = {
  bundle: true,
  format: 'esm',
  target: 'es2022',
  loader: { '.wasm': 'binary' },
  logLevel: 'warning',
};

await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.js', platform: 'neutral' });
await build({ ...common, entryPoints: ['examples/breast-cancer.ts'], outfile: 'dist/examples/breast-cancer.js', platform: 'node' });
execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.build.json'], { stdio: 'inherit' });
