// Small helpers of server.ts (kept apart so that server.ts stays about the service itself).
import { unlinkSync } from 'node:fs';

/** process.umask(mask), or undefined where it cannot be set (Windows, worker threads). */
export function setUmask(mask: number): number | undefined {
  if (process.platform === 'win32') return undefined;
  try {
    return process.umask(mask);
  } catch {
    return undefined;
  }
}

export function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    /* not there */
  }
}

/** Waits for `p`, at most `ms` (the timer is cleared so it never holds the process open). */
export function within(p: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([p, new Promise<void>((r) => (timer = setTimeout(r, ms)))]).finally(() => clearTimeout(timer));
}
