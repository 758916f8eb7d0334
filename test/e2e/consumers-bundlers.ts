// The browser consumers of test/e2e/consumers.test.ts: one app (test/consumers/app/main.js,
// importing 'gradwasm' by name) built by each bundler through its JavaScript API, with no
// configuration for gradwasm — an entry and an output, and for Rollup the node-resolve plugin
// with `browser: true` (Rollup resolves no package without it) — and one page with no bundler
// (an import map to node_modules/gradwasm/dist/gradwasm.browser.js). Each build gives the
// directory to serve (its index.html runs the app), or, for Vite's development server, its URL:
// there the only configuration is the two headers, `server.headers`, that threads need.
import { copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import { build as esbuild } from 'esbuild';
import { rollup } from 'rollup';
import { build as vite, createLogger, createServer } from 'vite';
import webpack from 'webpack';
import { SOURCES } from './consumers-projects.js';

export interface Built {
  /** The directory to serve: its index.html is the page. */
  root: string;
  /** Or the page of a server the bundler runs itself (then `root` is the project), and how to stop it (once, whoever asks). */
  served?: { url: string; close(): Promise<void> };
  /** What the bundler warned about. */
  warnings: string[];
}

export interface BrowserConsumer {
  /** A short name: the project's directory, the timings. */
  id: string;
  name: string;
  /**
   * The JavaScript files the build emits: one when the library's dynamic imports are inlined
   * (esbuild without splitting), several when they are followed as chunks; none for the page
   * with no bundler and for a development server.
   */
  scripts: 'one' | 'several' | 'none';
  /** The project's files from test/consumers/ (target → source). */
  files: Record<string, { from: string }>;
  build(dir: string): Promise<Built>;
}

/** The headers of a cross-origin isolated page, as scripts/serve.mjs sends them (threads need them). */
export const ISOLATION = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };

/** A Vite logger that keeps the warnings, for the test to show. */
function viteLogger(warnings: string[]): ReturnType<typeof createLogger> {
  const logger = createLogger('warn');
  logger.warn = (message) => void warnings.push(message);
  logger.warnOnce = logger.warn;
  return logger;
}

const app = { 'main.js': { from: 'app/main.js' }, 'checks.js': { from: 'app/checks.js' } };
/** The page that loads the output's main.js as a module script. */
const modulePage = (out: string): void => copyFileSync(join(SOURCES, 'app/index.html'), join(out, 'index.html'));

export const BROWSER_CONSUMERS: BrowserConsumer[] = [
  {
    id: 'esbuild',
    name: 'esbuild (bundle, no splitting: the dynamic imports inlined)',
    scripts: 'one',
    files: app,
    async build(dir) {
      const out = join(dir, 'out');
      const result = await esbuild({
        entryPoints: [join(dir, 'main.js')],
        outfile: join(out, 'main.js'),
        bundle: true,
        format: 'esm',
        platform: 'browser',
        logLevel: 'silent',
      });
      modulePage(out);
      return { root: out, warnings: result.warnings.map((w) => w.text) };
    },
  },
  {
    id: 'esbuild-splitting',
    name: 'esbuild (bundle, --splitting)',
    scripts: 'several',
    files: app,
    async build(dir) {
      const out = join(dir, 'out');
      const result = await esbuild({
        entryPoints: [join(dir, 'main.js')],
        outdir: out,
        bundle: true,
        splitting: true,
        format: 'esm',
        platform: 'browser',
        logLevel: 'silent',
      });
      modulePage(out);
      return { root: out, warnings: result.warnings.map((w) => w.text) };
    },
  },
  {
    id: 'vite',
    name: 'Vite (vite build)',
    scripts: 'several',
    files: { ...app, 'index.html': { from: 'app/index.html' } },
    async build(dir) {
      const out = join(dir, 'out');
      const warnings: string[] = [];
      await vite({ root: dir, configFile: false, logLevel: 'warn', customLogger: viteLogger(warnings), build: { outDir: out } });
      return { root: out, warnings };
    },
  },
  {
    id: 'vite-dev',
    name: 'Vite development server (server.headers: COOP/COEP; its dependency pre-bundling)',
    scripts: 'none',
    files: { ...app, 'index.html': { from: 'app/index.html' } },
    async build(dir) {
      const warnings: string[] = [];
      const server = await createServer({
        root: dir,
        configFile: false,
        logLevel: 'warn',
        customLogger: viteLogger(warnings),
        server: { host: '127.0.0.1', port: 0, headers: ISOLATION },
      });
      await server.listen();
      let closing: Promise<void> | undefined;
      return { root: dir, warnings, served: { url: server.resolvedUrls!.local[0]!, close: () => (closing ??= server.close()) } };
    },
  },
  {
    id: 'webpack',
    name: 'webpack 5 (mode production; its default output, a classic script)',
    scripts: 'several',
    files: app,
    async build(dir) {
      const out = join(dir, 'out');
      const stats = await new Promise<webpack.Stats>((resolve, reject) => {
        const compiler = webpack({ mode: 'production', context: dir, entry: './main.js', output: { path: out, filename: 'main.js' } });
        compiler.run((error, result) => {
          compiler.close(() => undefined);
          if (error || !result) reject(error ?? new Error('webpack gave no stats'));
          else resolve(result);
        });
      });
      const { errors = [], warnings = [] } = stats.toJson({ all: false, errors: true, warnings: true });
      if (errors.length > 0) throw new Error(`webpack: ${errors.map((e) => e.message).join('\n')}`);
      copyFileSync(join(SOURCES, 'app/classic.html'), join(out, 'index.html'));
      return { root: out, warnings: warnings.map((w) => w.message) };
    },
  },
  {
    id: 'rollup',
    name: 'Rollup (@rollup/plugin-node-resolve, browser: true)',
    scripts: 'several',
    files: app,
    async build(dir) {
      const out = join(dir, 'out');
      const warnings: string[] = [];
      const bundle = await rollup({ input: join(dir, 'main.js'), plugins: [nodeResolve({ browser: true })], onwarn: (w) => void warnings.push(w.message) });
      try {
        await bundle.write({ dir: out, format: 'es' });
      } finally {
        await bundle.close();
      }
      modulePage(out);
      return { root: out, warnings };
    },
  },
  {
    id: 'import-map',
    name: 'no bundler (an import map to node_modules/gradwasm/dist/gradwasm.browser.js)',
    scripts: 'none',
    files: { ...app, 'index.html': { from: 'app/importmap.html' } },
    build: async (dir) => ({ root: dir, warnings: [] }),
  },
];
