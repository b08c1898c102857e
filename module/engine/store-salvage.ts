// Opening a damaged store (issue 7). A power cut on a disk that lies about fsync, a full disk, or a
// user's stray edit can leave jobs.sqlite unreadable; without this the service would fail at every
// start and every job would be stuck. Instead the damaged file (and its -wal/-shm) is moved aside as
// `jobs.sqlite.corrupt-<time>` — kept for a person to inspect, never deleted — the readable rows are
// copied into a fresh store, and what could not be read is reported (the engine logs each message).
import { closeSync, copyFileSync, existsSync, openSync, readSync, renameSync, rmSync, statSync, truncateSync } from 'node:fs';
import { basename } from 'node:path';
import Database from 'better-sqlite3';

export interface Salvage {
  /** Rows of `jobs` that could be read, as SELECT * gave them. */
  jobs: Record<string, unknown>[];
  /** Rows of `files` of those jobs. */
  files: Record<string, unknown>[];
  /** False when the files table was damaged: a job without files may have lost them. */
  filesComplete: boolean;
  /** What happened, for the log: one message per problem. */
  problems: string[];
}

/**
 * Checks the store file before use. `quick_check` reads every page (a few ms for thousands of jobs)
 * and is the only way to learn about a damaged page before a query in the middle of a transfer
 * fails on it. Returns null when the file is healthy (or new); otherwise moves it aside and returns
 * what could be salvaged from it.
 */
export function checkOrSalvage(path: string): Salvage | null {
  const damage = damageOf(path);
  if (damage === null) return null;
  const aside = `${path}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`;
  for (const suffix of ['', '-wal', '-shm']) if (existsSync(path + suffix)) renameSync(path + suffix, aside + suffix);
  const salvage = readWhatCan(aside);
  salvage.problems.unshift(`the store file ${basename(path)} is damaged (${damage}): moved aside to ${aside}`);
  return salvage;
}

function damageOf(path: string): string | null {
  if (!existsSync(path)) return null; // a new store
  let db: Database.Database | undefined;
  try {
    db = new Database(path, { fileMustExist: true });
    const rows = db.pragma('quick_check') as { quick_check: string }[];
    const bad = rows.map((r) => r.quick_check).filter((m) => m !== 'ok');
    return bad.length ? bad.slice(0, 3).join('; ').replace(/\s+/g, ' ') : null; // one log line
  } catch (e) {
    return (e as Error).message;
  } finally {
    try {
      db?.close();
    } catch {
      /* closing a broken handle */
    }
  }
}

/**
 * Reads rows in rowid order. A read that hits a damaged page throws; the scan then restarts past the
 * last good rowid with a growing gap (1, 2, 4, …), so the rows behind a bad page are still found
 * without probing every possible rowid.
 */
function scan(db: Database.Database, table: string, problems: string[]): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  let stmt: Database.Statement;
  try {
    stmt = db.prepare(`SELECT rowid AS _rowid_, * FROM ${table} WHERE rowid > ? ORDER BY rowid`);
  } catch (e) {
    problems.push(`table ${table}: ${(e as Error).message} (nothing read)`);
    return rows;
  }
  let after = 0;
  let gap = 0;
  for (let attempt = 0; attempt < 64; attempt++) {
    try {
      for (const row of stmt.iterate(after) as Iterable<Record<string, unknown>>) {
        after = Number(row._rowid_);
        delete row._rowid_;
        rows.push(row);
      }
      return rows;
    } catch (e) {
      if (attempt === 0) problems.push(`table ${table}: ${(e as Error).message} (rows after rowid ${after} may be lost)`);
      gap = gap === 0 ? 1 : gap * 2;
      after += gap;
    }
  }
  return rows;
}

/**
 * A working copy cut to whole pages: past a truncation the last page is partial, and SQLite would
 * read its missing bytes as zeros — rows of NULs that look valid. The damaged file itself stays as it was.
 */
function wholePagesCopy(path: string): string {
  const copy = `${path}.salvage`;
  copyFileSync(path, copy);
  const header = Buffer.alloc(18);
  const fd = openSync(copy, 'r');
  try {
    readSync(fd, header, 0, 18, 0);
  } finally {
    closeSync(fd);
  }
  const raw = header.readUInt16BE(16);
  const pageSize = raw === 1 ? 65536 : raw >= 512 && (raw & (raw - 1)) === 0 ? raw : 4096; // a damaged header: SQLite's default
  const size = statSync(copy).size;
  truncateSync(copy, size - (size % pageSize));
  return copy;
}

function readWhatCan(aside: string): Salvage {
  const problems: string[] = [];
  let db: Database.Database;
  let path: string;
  try {
    path = wholePagesCopy(aside);
  } catch (e) {
    return { jobs: [], files: [], filesComplete: false, problems: [`nothing could be read: ${(e as Error).message}`] };
  }
  try {
    db = new Database(path, { fileMustExist: true });
    // A truncated file is shorter than its header says; SQLite refuses to read it at all unless the
    // schema is "writable" (which needs better-sqlite3's defensive mode off). That only relaxes the
    // check; nothing is written to the copy.
    db.unsafeMode(true);
    db.pragma('writable_schema = ON');
  } catch (e) {
    rmSync(path, { force: true });
    return { jobs: [], files: [], filesComplete: false, problems: [`nothing could be read: ${(e as Error).message}`] };
  }
  try {
    const jobs = scan(db, 'jobs', problems);
    const before = problems.length;
    const files = scan(db, 'files', problems);
    return { jobs, files, filesComplete: problems.length === before, problems };
  } catch (e) {
    problems.push(`nothing could be read: ${(e as Error).message}`);
    return { jobs: [], files: [], filesComplete: false, problems };
  } finally {
    try {
      db.close();
    } catch {
      /* closing a broken handle */
    }
    for (const suffix of ['', '-wal', '-shm']) rmSync(path + suffix, { force: true });
  }
}
