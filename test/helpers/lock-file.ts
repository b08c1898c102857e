// A lock between the test files run-all runs at the same time (two at a time): an exclusive lock
// file created with O_EXCL that names its owner's pid, retried every half second until `timeoutMs`;
// a lock whose owner process is gone is taken over. The Wine lane takes it around its one prefix
// (wine.ts), the bottleneck link around its measurements (bottleneck.ts).
import { readFileSync, rmSync, writeFileSync } from 'node:fs';

/** Takes `path`; the returned function gives it back (once; later calls do nothing). */
export async function acquireLockFile(path: string, what: string, timeoutMs: number): Promise<() => void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      writeFileSync(path, String(process.pid), { flag: 'wx' });
      break;
    } catch {
      let owner = 0;
      try {
        owner = Number(readFileSync(path, 'utf8') || 0);
      } catch {
        continue; // given back between our two calls
      }
      let alive = false;
      try { alive = owner > 0 && process.kill(owner, 0); } catch { alive = false; }
      if (!alive) { rmSync(path, { force: true }); continue; }
      if (Date.now() > deadline) throw new Error(`${what} is locked by process ${owner} for more than ${timeoutMs} ms (${path})`);
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  let held = true;
  return () => {
    if (!held) return;
    held = false;
    rmSync(path, { force: true });
  };
}
