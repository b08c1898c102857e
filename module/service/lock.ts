// The single-instance lock of the service: `<stateDir>/service.lock`. One service per state dir,
// because two engines on one store would run every job twice.
//
// Text: "<pid>\n<started ISO>\nboot=<ms>\nstart=<ticks|->\n". The first line is the pid (tools and
// tests read just that). boot/start identify the owner beyond its pid: after a reboot the old pid
// may belong to any process, and the lock must then count as stale, not as "already running".
//
// Creation is atomic with its content: the text is written to a private temp file which is then
// hard-linked to the lock name (link fails with EEXIST like O_EXCL, but no reader ever sees an empty
// lock). File systems without hard links fall back to open(O_CREAT|O_EXCL) + write.
import { closeSync, linkSync, openSync, readFileSync, statSync, unlinkSync, writeFileSync, writeSync } from 'node:fs';
import { uptime } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bitsError } from '../api/bits-error.js';

export function lockPath(stateDir: string): string {
  return join(stateDir, 'service.lock');
}

export interface LockInfo {
  /** NaN when the file holds no pid (being written through the fallback path, or damaged). */
  pid: number;
  /** Boot time of the machine when the lock was taken (ms since the epoch), if recorded. */
  bootMs?: number;
  /** Linux: start time of the owner process in clock ticks since boot, if recorded. */
  startTicks?: string;
  text: string;
  ageMs: number;
}

/** Boot times computed at different moments differ by clock adjustments; a reboot moves it by far more. */
const BOOT_TOLERANCE_MS = 120_000;
/** A lock without a readable pid (fallback creation in progress) is left alone this long. */
const UNREADABLE_GRACE_MS = 10_000;

export function readLock(stateDir: string): LockInfo | undefined {
  return readLockFile(lockPath(stateDir));
}

function readLockFile(path: string): LockInfo | undefined {
  let text: string;
  let ageMs: number;
  try {
    text = readFileSync(path, 'utf8');
    ageMs = Date.now() - statSync(path).mtimeMs;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const lines = text.split('\n').map((l) => l.trim());
  const info: LockInfo = { pid: /^\d+$/.test(lines[0] ?? '') ? Number(lines[0]) : NaN, text, ageMs };
  for (const l of lines) {
    if (l.startsWith('boot=') && /^\d+$/.test(l.slice(5))) info.bootMs = Number(l.slice(5));
    if (l.startsWith('start=') && /^\d+$/.test(l.slice(6))) info.startTicks = l.slice(6);
  }
  return info;
}

/** True when a process with this pid exists (EPERM: it exists but belongs to someone else). */
export function isProcessAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function bootTimeMs(): number {
  return Math.round(Date.now() - uptime() * 1000);
}

/** Linux only: field 22 of /proc/<pid>/stat (start time in ticks since boot); undefined elsewhere. */
export function processStartTicks(pid: number): string | undefined {
  if (process.platform !== 'linux') return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm (field 2) is in parentheses and may contain spaces: count fields after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const v = fields[19];
    return v && /^\d+$/.test(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether the process that wrote the lock is gone: dead pid, or the pid now belongs to another process
 * (the machine rebooted since, or — on Linux — the process start time differs).
 */
export function lockOwnerGone(info: LockInfo): boolean {
  if (Number.isNaN(info.pid)) return info.ageMs > UNREADABLE_GRACE_MS;
  if (!isProcessAlive(info.pid)) return true;
  if (info.bootMs !== undefined && Math.abs(info.bootMs - bootTimeMs()) > BOOT_TOLERANCE_MS) return true;
  if (info.startTicks !== undefined) {
    const now = processStartTicks(info.pid);
    if (now !== undefined && now !== info.startTicks) return true;
  }
  return false;
}

export interface HeldLock {
  readonly path: string;
  readonly text: string;
  /** Removes the lock if it is still ours (never someone else's). */
  release(): void;
}

export interface AcquireOptions {
  /** Decides whether an existing lock is stale. Default: lockOwnerGone. */
  isStale?(info: LockInfo): Promise<boolean>;
}

/**
 * Takes the lock or throws a BitsError naming the pid of the running service. Creating the lock is
 * always exclusive, so the only way two services could both win is by one deleting a live lock; a
 * stale lock is therefore deleted only under a second, short-lived lock and only after checking that
 * it is still the very file judged stale (see takeOver).
 */
export async function acquireLock(stateDir: string, opts: AcquireOptions = {}): Promise<HeldLock> {
  const isStale = opts.isStale ?? (async (i: LockInfo) => lockOwnerGone(i));
  const path = lockPath(stateDir);
  const start = processStartTicks(process.pid);
  const text = `${process.pid}\n${new Date().toISOString()}\nboot=${bootTimeMs()}\nstart=${start ?? '-'}\n`;
  for (let attempt = 0; attempt < 20; attempt++) {
    if (tryCreate(path, text)) return held(path, text);
    const info = readLockFile(path);
    if (!info) continue; // released between our create and our read: try again
    if (!(await isStale(info))) {
      throw bitsError(
        0x80004005,
        Number.isNaN(info.pid)
          ? `Another bits-job2 service is starting for this state directory (lock ${path}).`
          : `Another bits-job2 service is already running for this state directory (pid ${info.pid}, lock ${path}).`,
        0,
        { pid: info.pid },
      );
    }
    if (!takeOver(path, info.text, text)) await new Promise((r) => setTimeout(r, 5 + Math.random() * 20));
  }
  throw bitsError(0x80004005, `Could not take the service lock ${path}; other services keep starting. Try again.`);
}

/** A takeover mutex older than this was abandoned by a process killed inside the few synchronous lines below. */
const TAKEOVER_ABANDONED_MS = 5000;

/**
 * Deletes the lock if it still holds `staleText`, under `<lock>.takeover` (held only for these
 * synchronous lines). Without it, a starter that judged the old lock stale could delete the lock
 * another starter has just created over it. Returns false when another starter holds the mutex.
 */
function takeOver(path: string, staleText: string, ownText: string): boolean {
  const mutex = `${path}.takeover`;
  if (!tryCreate(mutex, ownText)) {
    const m = readLockFile(mutex);
    if (m && m.ageMs > TAKEOVER_ABANDONED_MS) safeUnlink(mutex);
    return false;
  }
  try {
    const now = readLockFile(path);
    if (now && now.text === staleText) safeUnlink(path);
  } finally {
    safeUnlink(mutex);
  }
  return true;
}

function tryCreate(path: string, text: string): boolean {
  const tmp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, text, { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return false;
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'ENOSYS' || code === 'EOPNOTSUPP') return createExclusive(path, text);
    throw e;
  } finally {
    safeUnlink(tmp);
  }
}

function createExclusive(path: string, text: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'wx', 0o600);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw e;
  }
  try {
    writeSync(fd, text);
  } finally {
    closeSync(fd);
  }
  return true;
}

function held(path: string, text: string): HeldLock {
  let released = false;
  return {
    path,
    text,
    release() {
      if (released) return;
      released = true;
      const now = readLockFile(path);
      if (now && now.text === text) safeUnlink(path);
    },
  };
}

function safeUnlink(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* already gone */
  }
}
