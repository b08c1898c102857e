// fsync of a directory after a file was renamed or linked into it, shared by every publish into
// that directory at the same time (group commit): one fsync makes all entries made before it
// started durable, so a caller whose entry was made while an fsync was already running waits for
// the next one, which starts as soon as the running one ends and answers all who came meanwhile.
// Under the load bench 200 clients publish into one directory; one fsync per Close-Session was one
// disk flush each, queued behind each other in the journal, before their Acks.
import { closeSync, fsync, openSync } from 'node:fs';

interface DirectoryState {
  /** The fsync running now. */
  running: Promise<void> | null;
  /** The next one, for callers that came while `running` ran (it may have missed their entries). */
  next: Promise<void> | null;
}

const directories = new Map<string, DirectoryState>();

/** A file system that cannot fsync a directory is taken as is (as publish.ts always did). */
const UNSUPPORTED = new Set(['EINVAL', 'EISDIR', 'EPERM']);

function fsyncDirectory(dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let fd: number;
    try {
      fd = openSync(dir, 'r');
    } catch (e) {
      return UNSUPPORTED.has((e as NodeJS.ErrnoException).code ?? '') ? resolve() : reject(e);
    }
    fsync(fd, (e) => {
      closeSync(fd);
      if (e && !UNSUPPORTED.has(e.code ?? '')) reject(e);
      else resolve();
    });
  });
}

function start(dir: string, s: DirectoryState): Promise<void> {
  const run: Promise<void> = fsyncDirectory(dir).finally(() => {
    if (s.running === run) s.running = null;
    if (!s.running && !s.next) directories.delete(dir);
  });
  s.running = run;
  return run;
}

/** Resolves once an fsync of `dir` that started after this call has completed. */
export function syncDirectory(dir: string): Promise<void> {
  let s = directories.get(dir);
  if (!s) directories.set(dir, (s = { running: null, next: null }));
  const running = s.running;
  if (!running) return start(dir, s);
  const state = s;
  state.next ??= running.then(
    () => undefined,
    () => undefined,
  ).then(() => {
    state.next = null;
    return start(dir, state);
  });
  return state.next;
}
