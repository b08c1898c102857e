// Publishing a finished upload at its destination on Close-Session, atomically: a reader of the
// destination sees either nothing (or the old file) or the whole new file, never a partial one.
// Same file system: rename (overwrite allowed) or link + unlink (no overwrite: link fails with EEXIST
// instead of replacing a file that appeared since Create-Session). Across file systems: copy to a
// temporary name in the destination directory, flush it, then rename/link that into place.
//
// Crash safety across file systems (issue 17): a Close-Session retried after the instance died
// mid-publish must not fail. The copy's temporary name is fixed by the session (publishTempPath), so
// a retry finds a copy a dead attempt left — maybe partial — and starts it again; the copy's identity
// (dev, ino) is handed to `onCopied` (the caller records it in session.json) before it is linked into
// place, so a retry after the link recognises the destination as its own copy. The directory is
// fsynced after the move, so a published file survives a power cut once Close-Session is answered;
// that fsync is shared by the publishes into one directory at the same moment (directory-sync.ts).
// The moves themselves are synchronous calls (link, unlink, rename: microseconds; see
// session-store.ts on why); the flushes stay in the thread pool.
import { closeSync, constants, fdatasync, linkSync, openSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { copyFile, open, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { syncDirectory } from './directory-sync.js';

/** Suffix of the temporary files publish() creates; the file server never serves them. */
export const PUBLISH_TEMP_SUFFIX = '.bits-tmp';

export class DestinationExistsError extends Error {
  readonly code = 'EEXIST';
  constructor(readonly path: string) {
    super(`${path} exists and overwrites are not allowed`);
    this.name = 'DestinationExistsError';
  }
}

/** Where the copy of a cross-file-system publish is written first (one name per destination and session). */
export function publishTempPath(dest: string, tag: string): string {
  return join(dirname(dest), `.${basename(dest)}.${tag.replace(/[{}]/g, '')}${PUBLISH_TEMP_SUFFIX}`);
}

/** The identity of a file, as stat gives it. */
export interface FileIdentity {
  dev: number;
  ino: number;
}

async function flush(path: string): Promise<void> {
  const fd = openSync(path, 'r+');
  try {
    await new Promise<void>((resolve, reject) => fdatasync(fd, (e) => (e ? reject(e) : resolve())));
  } finally {
    closeSync(fd);
  }
}

const LINK_UNSUPPORTED = new Set(['EPERM', 'ENOTSUP', 'EOPNOTSUPP', 'ENOSYS', 'EXDEV', 'EMLINK']);

/** Moves `tmp` (same directory as `dest`) to `dest` without ever replacing an existing file unless `overwrite`. */
function place(tmp: string, dest: string, overwrite: boolean): void {
  if (overwrite) return renameSync(tmp, dest);
  try {
    linkSync(tmp, dest);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code === 'EEXIST') throw new DestinationExistsError(dest);
    if (!LINK_UNSUPPORTED.has(code)) throw e;
    // No hard links here (some network/FAT volumes): check, then rename (a tiny race, documented).
    if (statSync(dest, { throwIfNoEntry: false })) throw new DestinationExistsError(dest);
    return renameSync(tmp, dest);
  }
  unlinkSync(tmp);
}

/**
 * Moves the session file `src` to `dest`. `tag` makes the temporary name unique (the session id).
 * `onCopied` is awaited with the identity of the copy, across file systems, before the copy is
 * moved into place.
 */
export async function publishFile(src: string, dest: string, overwrite: boolean, tag: string, onCopied?: (copy: FileIdentity) => Promise<void>): Promise<void> {
  await flush(src);
  try {
    place(src, dest, overwrite);
    await syncDirectory(dirname(dest));
    return;
  } catch (e) {
    if (e instanceof DestinationExistsError) throw e;
    const code = (e as NodeJS.ErrnoException).code ?? '';
    if (code !== 'EXDEV') throw e;
  }
  const tmp = publishTempPath(dest, tag);
  try {
    // A copy of a publish that died: maybe partial, and in any case not yet in place.
    await rm(tmp, { force: true });
    await copyFile(src, tmp, constants.COPYFILE_EXCL);
    await flush(tmp);
    const copied = await stat(tmp);
    await onCopied?.({ dev: copied.dev, ino: copied.ino });
    place(tmp, dest, overwrite);
    await syncDirectory(dirname(dest));
  } catch (e) {
    await rm(tmp, { force: true });
    throw e;
  }
  await rm(src, { force: true });
}
