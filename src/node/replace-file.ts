// The files of gradwasm/node's savers (saveOnnx, saveTfjsLayers) and the command line's outputs
// are written to a temporary file beside the file they replace and renamed over it: rename is
// atomic within a directory, so a reader — or a run that fails half-way — sees the old file or
// the new one, never part of one. A symbolic link keeps pointing at the file it names (the file
// is replaced, not the link), and the replaced file keeps its mode (a new file would not).
import { randomBytes } from 'node:crypto';
import { chmod, lstat, mkdir, readlink, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** The file a path names through any chain of symbolic links (which may not exist yet); a loop is an ELOOP error. */
export async function followLinks(path: string): Promise<string> {
  let file = resolve(path);
  for (let hops = 0; ; hops++) {
    const link = await lstat(file).catch(() => null);
    if (!link?.isSymbolicLink()) return file;
    if (hops === 40) throw Object.assign(new Error(`${path} is a loop of symbolic links`), { code: 'ELOOP' });
    file = resolve(dirname(file), await readlink(file));
  }
}

/** A file being written beside the one it will replace: `commit` renames it over that file, `discard` removes it. */
export interface Replacement {
  readonly temporary: string;
  commit(): Promise<void>;
  discard(): Promise<void>;
}

/**
 * Begin replacing the file `path` names, making its missing parent folders: the caller writes
 * `temporary` (create it exclusively: flag 'wx'), then commits. Errors are those of node:fs (the
 * callers say which argument was at fault).
 */
export async function beginReplacing(path: string): Promise<Replacement> {
  const file = await followLinks(path);
  await mkdir(dirname(file), { recursive: true });
  const mode = await stat(file).then(
    (s) => (s.isFile() ? s.mode & 0o7777 : null),
    () => null,
  );
  // A name of its own for each write: two writes of one file at once (in one process or two) never share a temporary file.
  const temporary = join(dirname(file), `.${basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  const discard = (): Promise<void> => rm(temporary, { force: true });
  return {
    temporary,
    async commit() {
      try {
        if (mode !== null) await chmod(temporary, mode);
        await rename(temporary, file);
      } catch (error) {
        await discard();
        throw error;
      }
    },
    discard,
  };
}

/** Write `data` to the file `path` names, whole or not at all, making its missing parent folders. */
export async function replaceFile(path: string, data: string | Uint8Array): Promise<void> {
  const replacement = await beginReplacing(path);
  try {
    await writeFile(replacement.temporary, data, { flag: 'wx' }); // (wx: a file or a link planted under that name is never followed)
  } catch (error) {
    await replacement.discard();
    throw error;
  }
  await replacement.commit();
}
