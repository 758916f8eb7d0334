// Builds the demo page into dist/demo/: index.html and style.css as written, demo/main.ts
// bundled into demo.js, and beside them the browser build exactly as the package ships it
// (gradwasm.browser.js and the files it imports on first use: training, the threaded core, the
// 'js' backend, the Parquet decoder, the training worker's code), which demo.js imports instead of the sources.
// Run after `npm run build`; `npm run demo` does both, `npm run serve` serves the result.
import { build } from 'esbuild';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { resolve } from 'node:path';

const OUT = 'dist/demo';
const SHIPPED = [
  'dist/gradwasm.browser.js',
  'dist/gradwasm.worker-source.js',
  'dist/gradwasm.js-backend.js',
  'dist/gradwasm.training.js',
  'dist/gradwasm.threads.js',
  'dist/gradwasm.parquet.js',
];
for (const file of SHIPPED) {
  if (!existsSync(file)) throw new Error(`${file} is missing: run npm run build first`);
}
mkdirSync(OUT, { recursive: true });

/**
 * The demo imports ../src/index.js for its types; at run time it gets the shipped bundle. So do
 * the sources it bundles (src/explain/ imports ../index.js): one copy of the library, the shipped one.
 */
const library = resolve('src/index.js');
const shippedBundle = {
  name: 'shipped-bundle',
  setup(b) {
    b.onResolve({ filter: /\/index\.js$/ }, (args) =>
      resolve(args.resolveDir, args.path) === library ? { path: './gradwasm.browser.js', external: true } : undefined,
    );
  },
};

await build({
  entryPoints: ['demo/main.ts'],
  outfile: `${OUT}/demo.js`,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: 'es2022',
  minify: true,
  sourcemap: 'linked',
  plugins: [shippedBundle],
  logLevel: 'warning',
});
for (const file of ['demo/index.html', 'demo/style.css', ...SHIPPED]) {
  copyFileSync(file, `${OUT}/${file.split('/').pop()}`);
}
console.log(`demo built in ${OUT}/ — npm run serve, then open the address it prints`);
