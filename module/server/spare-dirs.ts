// Session directories kept for the next session instead of being deleted and made again
// (session-store.ts). A finished session's directory, once its request file has been published,
// holds only its session.json: renamed into <sessionsDir>/Spare, it becomes the next new session's
// directory by another rename, and the state file in it is overwritten in place. Neither inode is
// freed or allocated again, where rmdir + unlink and mkdir + create freed and allocated two per
// session. On ext4 without a journal (this machine kind's disk) every inode allocation scans past
// every inode freed in the last one to six minutes (ext4's recently_deleted()), so a server's own
// deletions made each of its file creations slower the longer it ran (a create + unlink: 48 µs on
// a quiet disk, 823 µs just after another process's few thousand; farm-load's file-create probe:
// 145–706 µs between load runs before, 16–121 µs after). The request file is still
// allocated per session: it becomes the published file.
//
// The state a spare directory still holds names its old session: read under a new session's id it
// is no state at all (session-store.ts checks the id), so a crash between the rename and the new
// state's write leaves a directory without a state, which load() drops as the remains of a crash.
//
// Names are `.spare-<host>-<pid>-<random>-<n>`: an instance takes only its own, from memory. Its
// spares are removed when it closes; the ones a killed instance left, by the next instance on its host that
// starts (their pid is gone). Another instance removing a spare never races a live one's use of
// it: it removes only those of dead processes.
import { mkdirSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { processAlive } from './process-alive.js';

/** Spare directories an instance keeps at most (about the sessions that start at one moment). */
export const MAX_SPARE_DIRS = 256;

const PREFIX = '.spare-';

/** `.spare-<host>-`: the host name with every character but letters, digits, '_' and '.' as '_', so '-' ends it. */
function hostPrefix(): string {
  return `${PREFIX}${hostname().replace(/[^\w.]/g, '_')}-`;
}

export class SpareDirs {
  private readonly names: string[] = [];
  private next = 0;
  private readonly own: string;

  constructor(private readonly parent: string) {
    this.own = `${hostPrefix()}${process.pid}-${randomBytes(4).toString('hex')}-`;
  }

  /** Creates the pool's directory and removes the spares of processes of this host that are gone. */
  load(): void {
    mkdirSync(this.parent, { recursive: true });
    const host = hostPrefix();
    for (const name of readdirSync(this.parent)) {
      // Another host's spares are for that host's instances to remove.
      if (name.startsWith(PREFIX) && !name.startsWith(host)) continue;
      // This host's: kept while their process lives. Anything else here was never a spare.
      const pid = name.startsWith(host) ? Number(name.slice(host.length).split('-')[0]) : NaN;
      if (Number.isInteger(pid) && pid > 0 && processAlive(pid)) continue;
      rmSync(join(this.parent, name), { recursive: true, force: true });
    }
  }

  /** Renames `dir` (a finished session's, holding at most its state) into the pool; false when full or when it cannot be moved. */
  keep(dir: string): boolean {
    if (this.names.length >= MAX_SPARE_DIRS) return false;
    const spare = join(this.parent, `${this.own}${this.next++}`);
    try {
      renameSync(dir, spare);
    } catch {
      return false;
    }
    this.names.push(spare);
    return true;
  }

  /** Renames a spare directory to `dir` (which must not exist); false when the pool is empty. */
  take(dir: string): boolean {
    for (let spare = this.names.pop(); spare !== undefined; spare = this.names.pop()) {
      try {
        renameSync(spare, dir);
        return true;
      } catch {
        // Gone (removed by hand): the next one, or a new directory.
      }
    }
    return false;
  }

  /** Removes this instance's spares. */
  clear(): void {
    for (const spare of this.names.splice(0)) rmSync(spare, { recursive: true, force: true });
  }
}
