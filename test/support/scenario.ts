// Runs a scenario (test/scenarios/*.ts) in a process of its own, bundled from src/ by esbuild
// as the tests see it: for what may hang a thread (a lost wake-up blocks it inside the core,
// where no test timeout reaches) or must start from a fresh realm (a first create, a new pool).
// The scenario prints one line of JSON; a process that outlives `timeoutMs` is killed and
// reported as hung.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';

const bundles = new Map<string, Promise<string>>();

function bundle(name: string): Promise<string> {
  let file = bundles.get(name);
  if (!file) {
    const out = join(mkdtempSync(join(tmpdir(), 'gradwasm-scenario-')), `${name}.mjs`);
    file = build({
      entryPoints: [new URL(`../scenarios/${name}.ts`, import.meta.url).pathname],
      outfile: out,
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'es2022',
      loader: { '.wasm': 'binary' },
      logLevel: 'warning',
    }).then(() => out);
    bundles.set(name, file);
  }
  return file;
}

export interface ScenarioRun<T> {
  /** The scenario's JSON line, or null if it printed none. */
  result: T | null;
  /** True when it was killed at the timeout (a hang). */
  hung: boolean;
  status: number | null;
  stderr: string;
}

export async function runScenario<T>(name: string, args: readonly string[] = [], timeoutMs = 60_000): Promise<ScenarioRun<T>> {
  const child = spawnSync(process.execPath, [await bundle(name), ...args], { encoding: 'utf8', timeout: timeoutMs, killSignal: 'SIGKILL' });
  const line = child.stdout.trim().split('\n').pop() ?? '';
  return {
    result: line.startsWith('{') ? (JSON.parse(line) as T) : null,
    hung: (child.error !== undefined && (child.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') || child.signal === 'SIGKILL',
    status: child.status,
    stderr: child.stderr,
  };
}
