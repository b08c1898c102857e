// Publishing a finished upload at its destination on Close-Session, atomically: a reader of the
// destination sees either nothing (or the old file) or the whole new file, never a partial one.
// Same file system: rename (overwrite allowed) or link + unlink (no overwrite: link fails with EEXIST
// instead of replacing a file that appeared since Create-Session). Across file systems: copy to a
// temporary name in the destination directory, flush it, then rename/link that into place.
import { constants } from 'node:fs';
import { copyFile, link, open, rename, rm, stat, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Suffix of the temporary files publish() creates; the file server never serves them. */
export const PUBLISH_TEMP_SUFFIX = '.bits-tmp';

export class DestinationExistsError extends Error {
  readonly code = 'EEXIST';
  constructor(readonly path: string) {
    super(`${path} exists and overwrites are not allowed`);
    this.name = 'DestinationExistsError';
  }
}

async function flush(path: string): Promise<void> {
  const fh = await open(path, 'r+');
  try {
    await fh.datasync();
  } finally {
    await fh.close();
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Moves `tmp` (same directory as `dest`) to `dest` without ever replacing an existing file unless `overwrite`. */
async function place(tmp: string, dest: string, overwrite: boolean): Promise<void> {
  if (overwrite) return rename(tmp, dest);
  try {
    await link(tmp, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw new DestinationExistsError(dest);
    if (!LINK_UNSUPPORTED.has(code)) throw e;
    // No hard links here (some network/FAT volumes): check, then rename (a tiny race, documented).
    if (await stat(dest).then(() => true, () => false)) throw new DestinationExistsError(dest);
    return rename(tmp, dest);
  }
  await unlink(tmp);
}

/** Moves the session file `src` to `dest`. `tag` makes the temporary name unique (the session id). */
export async function publishFile(src: string, dest: string, overwrite: boolean, tag: string): Promise<void> {
  await flush(src);
  try {
    await place(src, dest, overwrite);
    return;
  } catch (e) {
    if (e instanceof DestinationExistsError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code !== 'EXDEV') throw e;
  }
  const tmp = join(dirname(dest), `.${basename(dest)}.${tag.replace(/[{}]/g, '')}${PUBLISH_TEMP_SUFFIX}`);
  try {
    await copyFile(src, tmp, constants.COPYFILE_EXCL);
    await flush(tmp);
    await place(tmp, dest, overwrite);
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await rm(src, { force: true });
}
