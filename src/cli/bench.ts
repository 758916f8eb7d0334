// `gradwasm bench`: the benchmark suite (bench/), which lives in the repository beside the
// package files and needs its development dependencies (TensorFlow.js for the comparison).
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { OptionError } from '../core/errors.js';

export async function bench(args: string[]): Promise<number> {
  const root = fileURLToPath(new URL('..', import.meta.url)); // this file is dist/cli.js
  if (!existsSync(`${root}bench/run.ts`)) {
    throw new OptionError('bench', `the benchmark suite is not in this installation (${root}); run it from a clone of the gradwasm repository`);
  }
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['run', 'bench', '--', ...args], { cwd: root, stdio: 'inherit', shell: process.platform === 'win32' });
    child.on('error', reject);
    child.on('exit', (code) => resolve(code ?? 1));
  });
}
