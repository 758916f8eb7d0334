// The throw-away projects of test/e2e/consumers.test.ts: the package packed as npm publishes it
// (its tarball, without the prepack build: `npm test` has built dist/), installed offline into a
// fresh directory per consumer as a user installs it; commands run there with a consumer's
// environment (no npm_* variables: `npm test` passes npm_config_local_prefix=<this repository>,
// which would make a child npm install into the repository itself).
import { spawn } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** The consumers' own sources: the browser app and the checks every consumer shares, the Node apps. */
export const SOURCES = join(ROOT, 'test/consumers');

/** The environment of a user's shell: this process's, less what `npm test` adds for its scripts. */
export const consumerEnv: NodeJS.ProcessEnv = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));

export interface Ran {
  command: string;
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run a command to its end (never throws for its exit code: the caller asserts on it). */
export function run(command: string, args: string[], options: { cwd: string; timeout?: number; env?: NodeJS.ProcessEnv }): Promise<Ran> {
  const started = performance.now();
  const line = [command, ...args].join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd: options.cwd, env: options.env ?? consumerEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '',
      stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeout ?? 60_000);
    child.once('error', (error) => {
      clearTimeout(timer);
      reject(new Error(`${line} (in ${options.cwd}) could not start: ${error.message}`));
    });
    child.once('close', (code, signal) => {
      clearTimeout(timer);
      resolve({
        command: `${line} (in ${options.cwd})`,
        code: signal ? null : code,
        stdout,
        stderr: signal ? `${stderr}\nkilled by ${signal} (timeout)` : stderr,
        ms: performance.now() - started,
      });
    });
  });
}

/** What a failed command said, for an assertion's message. */
export const said = (r: Ran): string => `${r.command} exited with ${r.code}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;

/** `npm pack --ignore-scripts` of this repository into `into`: the tarball's path. */
export async function pack(into: string): Promise<{ tarball: string; version: string; ran: Ran }> {
  if (!existsSync(join(ROOT, 'dist/gradwasm.browser.js')) || !existsSync(join(ROOT, 'dist/index.js'))) {
    throw new Error('dist/ is missing: npm test builds it (or npm run build)');
  }
  const ran = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', into], { cwd: ROOT, timeout: 60_000 });
  if (ran.code !== 0) throw new Error(`npm pack failed: ${said(ran)}`);
  const [packed] = JSON.parse(ran.stdout) as { filename: string; version: string }[];
  return { tarball: join(into, packed!.filename), version: packed!.version, ran };
}

export interface Project {
  name: string;
  dir: string;
  /** What `npm install <tarball>` printed. */
  install: Ran;
}

/**
 * A new project `dir` (package.json of an application, ES modules), the consumer's `files`
 * copied in (from test/consumers/, `to` name → source path under it) or written (`text`), then
 * `npm install <tarball> --offline`: the package has no dependencies, so nothing is fetched.
 */
export async function makeProject(name: string, dir: string, tarball: string, files: Record<string, { from: string } | { text: string }>): Promise<Project> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
  for (const [to, source] of Object.entries(files)) {
    mkdirSync(join(dir, to, '..'), { recursive: true });
    if ('from' in source) copyFileSync(join(SOURCES, source.from), join(dir, to));
    else writeFileSync(join(dir, to), source.text);
  }
  const install = await run('npm', ['install', tarball, '--offline', '--no-audit', '--no-fund'], { cwd: dir, timeout: 120_000 });
  if (install.code !== 0) throw new Error(`${name}: npm install of the tarball failed: ${said(install)}`);
  return { name, dir, install };
}

/** The lines npm printed as warnings (npm 11 writes "npm warn …" to stderr). */
export const npmWarnings = (r: Ran): string[] => `${r.stdout}\n${r.stderr}`.split('\n').filter((line) => /^npm warn/i.test(line));

// The TypeScript consumers. Their sources live here, as text, rather than as .ts files under
// test/: the repository's own `tsc -p tsconfig.json` type-checks test/ and would check them
// against this repository instead of the installed package.

/** An ES module (the project is "type": "module") using the three entry points and their types. */
export const TS_APP = `import { Sequential, dense, trainInWorker, GradwasmError, type CsvTable, type History, type ModelJSON } from 'gradwasm';
import { readCsv } from 'gradwasm/node';
import { explain, formatTrace, type Trace } from 'gradwasm/explain';

export async function main(path: string): Promise<number> {
  const table: CsvTable = await readCsv(path);
  const model: Sequential = await Sequential.create({ inputs: table.x.cols, layers: [dense(4, 'tanh'), dense(1, 'sigmoid')], seed: 1 });
  const history: History = await model.fit(table, { epochs: 2 });
  const { model: saved }: { model: ModelJSON } = await trainInWorker({ model: model.toJSON(), x: table.x, y: table.y }).done;
  const trace: Trace = explain(model, { data: table.x.data, rows: 1, cols: table.x.cols }, [table.y[0] ?? 0]);
  if (formatTrace(trace).length === 0 || saved.layers.length !== 2) throw new GradwasmError('x', 'unreachable');
  // @ts-expect-error: an activation outside the closed list is a type error (the types are real, not any)
  dense(4, 'swish');
  return history.loss.length;
}
`;

/**
 * A CommonJS file (.cts) importing the ES module package statically: TS1479 under module
 * node16/node18, which model a Node that cannot require() an ES module; allowed under
 * node20/nodenext (TypeScript ≥ 5.8), whose require() of ES modules Node ≥ 20.19 has.
 */
export const TS_CJS_STATIC = `import { Sequential } from 'gradwasm';
import { readCsv } from 'gradwasm/node';

export const both = [Sequential, readCsv];
`;

/** The README's way out for a CommonJS file: a dynamic import. */
export const TS_CJS_DYNAMIC = `export async function load(): Promise<number> {
  const { Sequential, dense } = await import('gradwasm');
  const { readCsv } = await import('gradwasm/node');
  const { explain } = await import('gradwasm/explain');
  const model = await Sequential.create({ inputs: 2, layers: [dense(1, 'sigmoid')] });
  return model.inputs + readCsv.length + explain.length;
}
`;

const compilerOptions = { target: 'es2022', strict: true, noEmit: true, skipLibCheck: false, types: [] };
/** tsconfig files for this repository's TypeScript (6.0), by the check they make. */
export const TS_CONFIGS = {
  'tsconfig.nodenext.json': { compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext' }, files: ['app.ts'] },
  'tsconfig.bundler.json': { compilerOptions: { ...compilerOptions, module: 'esnext', moduleResolution: 'bundler' }, files: ['app.ts'] },
  'tsconfig.cts-node16.json': { compilerOptions: { ...compilerOptions, module: 'node16', moduleResolution: 'node16' }, files: ['static.cts', 'dynamic.cts'] },
  'tsconfig.cts-nodenext.json': {
    compilerOptions: { ...compilerOptions, module: 'nodenext', moduleResolution: 'nodenext' },
    files: ['static.cts', 'dynamic.cts'],
  },
  // the legacy resolution (node10), deprecated in TypeScript 6 and gone from 7
  'tsconfig.legacy-node.json': {
    compilerOptions: { ...compilerOptions, module: 'commonjs', moduleResolution: 'node10', ignoreDeprecations: '6.0' },
    files: ['app.ts'],
  },
};

/** `tsc -p <config>` with this repository's TypeScript. */
export const tsc = (dir: string, config: string, ...flags: string[]): Promise<Ran> =>
  run(process.execPath, [join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', config, '--pretty', 'false', ...flags], { cwd: dir, timeout: 60_000 });

/** The legacy `moduleResolution: node` with `module: commonjs`: its errors, and the package's declaration files the program read. */
export async function legacyNodeCheck(dir: string): Promise<{ ran: Ran; declarations: string[] }> {
  const ran = await tsc(dir, 'tsconfig.legacy-node.json', '--listFiles');
  const declarations = ran.stdout
    .split('\n')
    .map((line) => line.trim())
    .filter((f) => f.includes('/node_modules/gradwasm/'));
  return { ran, declarations };
}
