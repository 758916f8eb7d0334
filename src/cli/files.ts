// Files the CLI reads and writes. An output is checked before any work starts — a regular file
// (or none yet) that may be written, not one of the command's inputs, in a directory that
// exists or can be made — then written to a temporary file beside the file it names and renamed
// over it, so that a failure never leaves a partial file, a symbolic link keeps pointing at the
// file it names, and nothing is replaced that the user did not name as the output.
import { constants, type Stats } from 'node:fs';
import { access, chmod, lstat, mkdir, readFile, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, resolve } from 'node:path';
import { GradwasmError } from '../errors.js';
import type { ModelJSON } from '../serialize.js';
import { Sequential } from '../sequential.js';
import type { BackendName } from '../types.js';

/** Where an output goes: `file`, the path behind any symbolic links, and the mode to keep. */
export interface Output {
  /** As the user wrote it, for messages. */
  readonly path: string;
  readonly file: string;
  readonly mode: number | null;
}

/** An input of the command, which its output must not overwrite. */
export interface Input {
  readonly path: string;
  /** What it is, for the message: `the training data`, `the model`. */
  readonly what: string;
}

/** Check that `path` (given as `flag`) can be written and replaces none of the inputs. */
export async function checkOutput(path: string, flag: string, inputs: readonly Input[]): Promise<Output> {
  const file = await followLinks(path, flag);
  const existing = await stat(file).catch(() => null);
  if (existing) {
    if (!existing.isFile()) throw new GradwasmError(flag, `${flag} ${path} is ${kindOf(existing)}, not a regular file: gradwasm will not replace it`);
    for (const input of inputs) {
      const s = await stat(input.path).catch(() => null);
      if (s && s.dev === existing.dev && s.ino === existing.ino) {
        throw new GradwasmError(flag, `${flag} ${path} is ${input.what} (${input.path}): writing there would destroy it; choose another file`);
      }
    }
    // (0o222: as root, access() grants writing to any file; a file without write bits is still read-only)
    if ((existing.mode & 0o222) === 0 || !(await writable(file))) throw new GradwasmError(flag, `${flag} ${path} is read-only`);
    if (!(await writable(dirname(file)))) throw new GradwasmError(flag, `${flag} ${path}: its directory ${dirname(file)} cannot be written`);
    return { path, file, mode: existing.mode & 0o7777 };
  }
  let dir = dirname(file);
  for (let s = await stat(dir).catch(() => null); !s; s = await stat(dir).catch(() => null)) dir = dirname(dir);
  if (!(await stat(dir)).isDirectory()) throw new GradwasmError(flag, `${flag} ${path}: ${dir} is not a directory`);
  if (!(await writable(dir))) throw new GradwasmError(flag, `${flag} ${path}: the directory ${dir} cannot be written`);
  return { path, file, mode: null };
}

/** The file a path names through any chain of symbolic links (which may not exist yet). */
async function followLinks(path: string, flag: string): Promise<string> {
  let file = resolve(path);
  for (let hops = 0; ; hops++) {
    const link = await lstat(file).catch(() => null);
    if (!link?.isSymbolicLink()) return file;
    if (hops === 40) throw new GradwasmError(flag, `${flag} ${path} is a loop of symbolic links`);
    file = resolve(dirname(file), await readlink(file));
  }
}

function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(() => true, () => false);
}

function kindOf(s: Stats): string {
  if (s.isDirectory()) return 'a directory';
  if (s.isCharacterDevice()) return 'a character device';
  if (s.isBlockDevice()) return 'a block device';
  if (s.isFIFO()) return 'a named pipe';
  if (s.isSocket()) return 'a socket';
  return 'not a regular file';
}

/** Write `text` to a checked output: whole or not at all, keeping the mode of the file it replaces. */
export async function writeAtomically(output: Output, text: string | Uint8Array): Promise<void> {
  const temporary = resolve(dirname(output.file), `.${basename(output.file)}.${process.pid}.tmp`);
  try {
    await mkdir(dirname(output.file), { recursive: true });
    await rm(temporary, { force: true }); // a leftover (or a link planted there) is removed, never followed
    await writeFile(temporary, text, { flag: 'wx' });
    if (output.mode !== null) await chmod(temporary, output.mode);
    await rename(temporary, output.file);
  } catch (error) {
    await rm(temporary, { force: true });
    throw new GradwasmError('out', `cannot write ${output.path}: ${(error as Error).message}`);
  }
}

/** The largest model file read: V8's longest string (a model this large has ~70 M parameters). */
const MAX_MODEL_BYTES = 512 * 2 ** 20;

/** A model file's text: a regular file of sane size (the argument `argument` in errors). */
async function readModelText(path: string, argument: string): Promise<string> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new GradwasmError(argument, `${path} is ${kindOf(s)}, not a model file`);
    if (s.size > MAX_MODEL_BYTES) throw new GradwasmError(argument, `${path} is ${s.size} bytes, more than a model file can be (${MAX_MODEL_BYTES})`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof GradwasmError) throw error;
    throw new GradwasmError(argument, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A checkpoint written by `train --checkpoint`: the model with its training state, and the record of its run. */
export async function loadCheckpoint(path: string): Promise<{ json: ModelJSON; run: unknown }> {
  const text = await readModelText(path, '--resume');
  let json: ModelJSON & { cli?: unknown };
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new GradwasmError('--resume', `--resume ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || !json.training) {
    throw new GradwasmError('--resume', `--resume ${path} has no training state; resume from a file written by --checkpoint`);
  }
  const { cli, ...model } = json;
  return { json: model, run: cli ?? null };
}

export async function loadModel(path: string, backend: BackendName, threads: number | 'auto' = 'auto'): Promise<Sequential> {
  const text = await readModelText(path, 'model');
  try {
    return await Sequential.fromJSON(text, { backend, threads });
  } catch (error) {
    if (error instanceof GradwasmError) throw new GradwasmError('model', `${path}: ${error.message}`);
    throw error;
  }
}
