// Files the CLI reads and writes. An output is checked before any work starts — a regular file
// (or none yet) that may be written, not one of the command's inputs nor another of its outputs,
// in a directory that exists or can be made — then written as gradwasm/node writes every file
// (src/node/replace-file.ts): to a temporary file beside the file it names, renamed over it, so
// that a failure never leaves a partial file, a symbolic link keeps pointing at the file it names,
// and nothing is replaced that the user did not name as the output.
import { constants, type Stats } from 'node:fs';
import { access, open, readFile, realpath, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';
import { GradwasmError, OptionError } from '../core/errors.js';
import { beginReplacing, followLinks, replaceFile } from '../node/replace-file.js';
import type { ModelJSON } from '../network/model-json.js';
import { Sequential } from '../model/sequential.js';
import type { BackendName } from '../backend/backend.js';

/** Where an output goes: `file`, the path behind any symbolic links. */
export interface Output {
  /** As the user wrote it, for messages. */
  readonly path: string;
  /** The flag that named it, the argument of its errors. */
  readonly flag: string;
  /** How messages name it: `--out m.json`, `--tfjs dir (its weights.bin)`. */
  readonly names: string;
  readonly file: string;
  /** Equal for two outputs that are one file: its device and inode, or the real path of one not made yet. */
  readonly identity: string;
}

/** An input of the command, which its output must not overwrite. */
export interface Input {
  readonly path: string;
  /** What it is, for the message: `the training data`, `the model`. */
  readonly what: string;
}

/** Check that `path` (given as `flag`, named in messages as `names`) can be written and replaces none of the inputs. */
export async function checkOutput(path: string, flag: string, inputs: readonly Input[], names = `${flag} ${path}`): Promise<Output> {
  const file = await followLinks(path).catch((error: NodeJS.ErrnoException) => {
    throw new OptionError(flag, error.code === 'ELOOP' ? `${names} is a loop of symbolic links` : `${names}: ${error.message}`);
  });
  const existing = await stat(file).catch(() => null);
  if (existing) {
    if (!existing.isFile()) throw new OptionError(flag, `${names} is ${kindOf(existing)}, not a regular file: gradwasm will not replace it`);
    for (const input of inputs) {
      const s = await stat(input.path).catch(() => null);
      if (s && s.dev === existing.dev && s.ino === existing.ino) {
        throw new OptionError(flag, `${names} is ${input.what} (${input.path}): writing there would destroy it; choose another file`);
      }
    }
    // (0o222: as root, access() grants writing to any file; a file without write bits is still read-only)
    if ((existing.mode & 0o222) === 0 || !(await writable(file))) throw new OptionError(flag, `${names} is read-only`);
    if (!(await writable(dirname(file)))) throw new OptionError(flag, `${names}: its directory ${dirname(file)} cannot be written`);
    return { path, flag, names, file, identity: `${existing.dev}:${existing.ino}` };
  }
  let dir = dirname(file);
  for (let s = await stat(dir).catch(() => null); !s; s = await stat(dir).catch(() => null)) dir = dirname(dir);
  if (!(await stat(dir)).isDirectory()) throw new OptionError(flag, `${names}: ${dir} is not a directory`);
  if (!(await writable(dir))) throw new OptionError(flag, `${names}: the directory ${dir} cannot be written`);
  // (the real path: a folder reached through a link is the folder itself)
  return { path, flag, names, file, identity: join(await realpath(dir), relative(dir, file)) };
}

/** Throw if two of a command's outputs are one file: the later write would silently replace the earlier. */
export function checkDistinct(outputs: readonly (Output | null)[]): void {
  const seen: Output[] = [];
  for (const output of outputs) {
    if (!output) continue;
    const earlier = seen.find((o) => o.identity === output.identity);
    if (earlier)
      throw new OptionError(output.flag, `${earlier.names} and ${output.names} name the same file: one would overwrite the other; choose another file`);
    seen.push(output);
  }
}

function writable(path: string): Promise<boolean> {
  return access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
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
  try {
    await replaceFile(output.file, text);
  } catch (error) {
    throw new OptionError(output.flag, `cannot write ${output.path}: ${(error as Error).message}`);
  }
}

/** Writes text to standard output: a promise when the reader is behind (wait for it before writing more). */
export type Write = (text: string) => void | Promise<void>;

/** A checked output written a piece at a time: to a temporary file beside it, renamed into place
 *  by commit() (discard() removes it), so that a reader — or a run that fails half-way — never sees part of it. */
export async function writeInPieces(output: Output): Promise<{ write(text: string): Promise<void>; commit(): Promise<void>; discard(): Promise<void> }> {
  const failed = (error: unknown): never => {
    throw new OptionError(output.flag, `cannot write ${output.path}: ${(error as Error).message}`);
  };
  const replacement = await beginReplacing(output.file).catch(failed);
  // (wx: a file or a link planted under that name is never followed)
  const file = await open(replacement.temporary, 'wx').catch(async (error: unknown) => {
    await replacement.discard();
    return failed(error);
  });
  return {
    async write(text) {
      await file.write(text).catch(failed);
    },
    async commit() {
      await file.close().catch(failed);
      await replacement.commit().catch(failed);
    },
    async discard() {
      await file.close().catch(() => {});
      await replacement.discard();
    },
  };
}

/** The largest model file read: V8's longest string (a model this large has ~70 M parameters). */
const MAX_MODEL_BYTES = 512 * 2 ** 20;

/** A model file's text: a regular file of sane size (the argument `argument` in errors). */
async function readModelText(path: string, argument: string): Promise<string> {
  try {
    const s = await stat(path);
    if (!s.isFile()) throw new OptionError(argument, `${path} is ${kindOf(s)}, not a model file`);
    if (s.size > MAX_MODEL_BYTES) throw new OptionError(argument, `${path} is ${s.size} bytes, more than a model file can be (${MAX_MODEL_BYTES})`);
    return await readFile(path, 'utf8');
  } catch (error) {
    if (error instanceof GradwasmError) throw error;
    throw new OptionError(argument, `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
}

/** A checkpoint written by `train --checkpoint`: the model with its training state, and the record of its run. */
export async function loadCheckpoint(path: string): Promise<{ json: ModelJSON; run: unknown }> {
  const text = await readModelText(path, '--resume');
  let json: ModelJSON & { cli?: unknown };
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new OptionError('--resume', `--resume ${path} is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof json !== 'object' || json === null || !json.training) {
    throw new OptionError('--resume', `--resume ${path} has no training state; resume from a file written by --checkpoint`);
  }
  const { cli, ...model } = json;
  return { json: model, run: cli ?? null };
}

export async function loadModel(path: string, backend: BackendName, threads: number | 'auto' = 'auto'): Promise<Sequential> {
  const text = await readModelText(path, 'model');
  try {
    return await Sequential.fromJSON(text, { backend, threads });
  } catch (error) {
    if (error instanceof GradwasmError) throw new OptionError('model', `${path}: ${error.message}`);
    throw error;
  }
}
