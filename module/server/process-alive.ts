// Whether a process of this host still runs: how a farm instance tells a dead holder's lease
// (farm-registry.ts) and a killed instance's spare directories (spare-dirs.ts) from a live one's.

/** True while `pid` exists (EPERM: it exists, owned by another user). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
