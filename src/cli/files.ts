// Files the CLI reads and writes. Outputs are written to a temporary file beside the target
// and renamed into place, so that a failure never leaves a partial file behind.
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { GradwasmError } from '../errors.js';
import { Sequential, type BackendName } from '../sequential.js';

export async function writeAtomically(path: string, text: string): Promise<void> {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(temporary, text);
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new GradwasmError('out', `cannot write ${path}: ${(error as Error).message}`);
  }
}

export async function loadModel(path: string, backend: BackendName): Promise<Sequential> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new GradwasmError('model', `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  try {
    return await Sequential.fromJSON(text, { backend });
  } catch (error) {
    if (error instanceof GradwasmError) throw new GradwasmError('model', `${path}: ${error.message}`);
    throw error;
  }
}
