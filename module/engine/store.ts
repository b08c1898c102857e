// The portable job store: one SQLite file per user (WAL). Writes are grouped into one commit per
// event-loop turn and synced off the main thread (store-commit.ts); every state change is durable
// before the engine reports it (`durable()`); progress is written at the downloader's checkpoint rate.
import { chmodSync, closeSync, constants, fsyncSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { bitsError, type BitsError } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';
import { HR } from '../api/hresult.js';
import type { FileRecord, JobRecord } from './job-record.js';
import { assertSqliteAddonLoads } from '../common/sqlite-addon.js';
import { GroupCommit } from './store-commit.js';
import { checkOrSalvage, type Salvage } from './store-salvage.js';

const SCHEMA_VERSION = 3;

const JOB_COLUMNS = [
  'id', 'owner', 'type', 'state', 'display_name', 'description', 'priority', 'minimum_retry_delay',
  'no_progress_timeout', 'notify_flags', 'proxy_usage', 'proxy_list', 'bypass_list', 'notify_program',
  'notify_parameters', 'created_at', 'modified_at', 'transfer_completed_at', 'error_count', 'error_json',
  'first_transient_at', 'retry_at', 'queued_at', 'reply_file_name', 'upload_json', 'reply_json',
  'credentials_json', 'notify_json',
] as const;

type JobColumn = (typeof JOB_COLUMNS)[number];
/** Column name → its index in a raw row of `SELECT <JOB_COLUMNS>`. */
const JOB_COLUMN_AT = Object.fromEntries(JOB_COLUMNS.map((c, i) => [c, i])) as Record<JobColumn, number>;

export interface StoreLoadReport {
  jobs: JobRecord[];
  /** What could not be read (a damaged file, rows), one message each; the rest is kept. */
  unreadable: string[];
}

export class JobStore {
  private readonly db: Database.Database;
  private readonly stmts: Record<string, Database.Statement>;
  /** Problems found when the file was opened (a damaged file moved aside), reported by loadAll. */
  private readonly damage: string[] = [];
  private readonly walFd: number;
  private readonly group: GroupCommit;

  /** `log` gets a failed group commit (disk full: the jobs' changes are written again later). */
  constructor(readonly path: string, log: (line: string) => void = () => {}) {
    assertSqliteAddonLoads(); // else a missing add-on would look like a damaged file
    // A damaged file is moved aside and what can be read from it is restored below (store-salvage.ts).
    const salvage = checkOrSalvage(path);
    // Create the file 0600 before SQLite does: its -wal and -shm files copy the database's mode.
    closeSync(openSync(path, 'a', 0o600));
    if (process.platform !== 'win32') chmodSync(path, 0o600);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    // NORMAL: a commit writes the WAL without syncing it; GroupCommit syncs the -wal file itself,
    // off the main thread, before anything is reported — FULL's durability without its blocking fsync.
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.migrate(); // reads the file: SQLite has created the -wal by now
    this.walFd = openSync(`${path}-wal`, constants.O_RDWR | constants.O_CREAT, 0o600);
    // A new -wal file's directory entry must be durable too (SQLite's FULL syncs the directory once).
    syncDirectory(dirname(path));
    this.group = new GroupCommit(this.db, this.walFd, (e) => storeWriteError(path, e), (e) =>
      log(e ? `store: ${e.message}` : 'store: writes are durable again'));
    const cols = JOB_COLUMNS.join(', ');
    const params = JOB_COLUMNS.map((c) => '@' + c).join(', ');
    this.stmts = {
      upsertJob: this.db.prepare(`INSERT OR REPLACE INTO jobs (${cols}) VALUES (${params})`),
      deleteFiles: this.db.prepare('DELETE FROM files WHERE job_id = ?'),
      insertFile: this.db.prepare(
        `INSERT INTO files (job_id, idx, remote_name, local_name, temp_name, bytes_total, bytes_transferred, transferred, completed, etag, last_modified, final_url)
         VALUES (@job_id, @idx, @remote_name, @local_name, @temp_name, @bytes_total, @bytes_transferred, @transferred, @completed, @etag, @last_modified, @final_url)`,
      ),
      checkpoint: this.db.prepare(
        'UPDATE files SET bytes_transferred = ?, bytes_total = ?, etag = ?, last_modified = ?, final_url = ? WHERE job_id = ? AND idx = ?',
      ),
      touch: this.db.prepare('UPDATE jobs SET modified_at = ? WHERE id = ?'),
      transferState: this.db.prepare('UPDATE jobs SET upload_json = ?, reply_json = ?, modified_at = ? WHERE id = ?'),
      deleteJob: this.db.prepare('DELETE FROM jobs WHERE id = ?'),
      // Rows as arrays (raw): better-sqlite3 builds no object with 28 named properties per job, which
      // was most of the time of opening a store of 10,000 jobs (`list --backend portable`).
      allJobs: this.db.prepare(`SELECT ${cols} FROM jobs ORDER BY created_at`).raw(true),
      allFiles: this.db.prepare('SELECT * FROM files ORDER BY job_id, idx'),
    };
    if (salvage) this.restore(salvage);
    this.group.flushSync(); // the migration and the restored rows, before any job is read
  }

  /**
   * Every job of a store file, read without changing anything: no salvage, no migration, no WAL
   * switch (an administrator's look at a stopped user's store, module/service/store-peek.ts).
   */
  static readOnly(path: string): StoreLoadReport {
    assertSqliteAddonLoads();
    const db = new Database(path, { readonly: true, fileMustExist: true });
    try {
      const filesByJob = new Map<unknown, FileRecord[]>();
      for (const f of db.prepare('SELECT * FROM files ORDER BY job_id, idx').all() as Record<string, unknown>[]) {
        const list = filesByJob.get(f.job_id) ?? [];
        list.push(rowToFile(f));
        filesByJob.set(f.job_id, list);
      }
      const jobs: JobRecord[] = [];
      const unreadable: string[] = [];
      for (const row of db.prepare('SELECT * FROM jobs ORDER BY created_at').all() as Record<string, unknown>[]) {
        try {
          const r: Record<string, unknown> = { upload_json: null, reply_json: null, credentials_json: null, notify_json: null, ...row };
          jobs.push(rowToJob((column) => r[column], filesByJob.get(row.id) ?? []));
        } catch (e) {
          unreadable.push(`could not read job ${String(row.id)}: ${(e as Error).message}`);
        }
      }
      return { jobs, unreadable };
    } finally {
      db.close();
    }
  }

  /** Copies the rows salvaged from a damaged file into this (new) store; columns it does not know are dropped. */
  private restore(salvage: Salvage): void {
    this.damage.push(...salvage.problems);
    const columnsOf = (table: string) => new Set((this.db.pragma(`table_info(${table})`) as { name: string }[]).map((c) => c.name));
    const known = { jobs: columnsOf('jobs'), files: columnsOf('files') };
    // A row read from a damaged page may break a constraint (a NULL id): it is skipped and counted.
    const insert = (table: 'jobs' | 'files', row: Record<string, unknown>): boolean => {
      const cols = Object.keys(row).filter((c) => known[table].has(c));
      try {
        const sql = `INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map((c) => '@' + c).join(', ')})`;
        this.db.prepare(sql).run(Object.fromEntries(cols.map((c) => [c, row[c]])));
        return true;
      } catch {
        return false;
      }
    };
    let jobs = 0;
    let skipped = 0;
    const withFiles = new Set<unknown>();
    this.db.transaction(() => {
      const kept = new Set<unknown>();
      for (const j of salvage.jobs) {
        if (insert('jobs', j)) kept.add(j.id);
        else skipped++;
      }
      jobs = kept.size;
      for (const f of salvage.files) if (kept.has(f.job_id) && insert('files', f)) withFiles.add(f.job_id);
      if (!salvage.filesComplete) {
        for (const id of kept) if (!withFiles.has(id)) this.damage.push(`job ${String(id)} was recovered without files (they may have been lost)`);
      }
    })();
    this.damage[0] += `; ${jobs} job(s) recovered from it into a new store${skipped ? `, ${skipped} damaged row(s) skipped` : ''}`;
  }

  /** Schema steps, applied in order from the file's user_version (0 = new file). */
  private migrate(): void {
    const steps: Record<number, string> = {
      0: `
        CREATE TABLE jobs (
          id TEXT PRIMARY KEY, owner TEXT NOT NULL, type INTEGER NOT NULL, state INTEGER NOT NULL,
          display_name TEXT NOT NULL, description TEXT NOT NULL, priority INTEGER NOT NULL,
          minimum_retry_delay INTEGER NOT NULL, no_progress_timeout INTEGER NOT NULL, notify_flags INTEGER NOT NULL,
          proxy_usage INTEGER NOT NULL, proxy_list TEXT, bypass_list TEXT, notify_program TEXT, notify_parameters TEXT,
          created_at INTEGER NOT NULL, modified_at INTEGER NOT NULL, transfer_completed_at INTEGER,
          error_count INTEGER NOT NULL, error_json TEXT, first_transient_at INTEGER, retry_at INTEGER,
          queued_at INTEGER NOT NULL, reply_file_name TEXT
        );
        CREATE INDEX jobs_state ON jobs (state);
        CREATE TABLE files (
          job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
          remote_name TEXT NOT NULL, local_name TEXT NOT NULL, temp_name TEXT NOT NULL,
          bytes_total INTEGER, bytes_transferred INTEGER NOT NULL, transferred INTEGER NOT NULL, completed INTEGER NOT NULL,
          etag TEXT, last_modified TEXT, final_url TEXT,
          PRIMARY KEY (job_id, idx)
        );`,
      // v2: upload sessions and replies (issue 3).
      1: 'ALTER TABLE jobs ADD COLUMN upload_json TEXT; ALTER TABLE jobs ADD COLUMN reply_json TEXT;',
      // v3: sealed credentials and notify command-line state (issue 4).
      2: 'ALTER TABLE jobs ADD COLUMN credentials_json TEXT; ALTER TABLE jobs ADD COLUMN notify_json TEXT;',
    };
    let version = this.db.pragma('user_version', { simple: true }) as number;
    while (version < SCHEMA_VERSION) {
      this.db.transaction(() => {
        this.db.exec(steps[version]!);
        this.db.pragma(`user_version = ${version + 1}`);
      })();
      version++;
    }
  }

  // Writes go into the open batch at once (the row is current for every later read of this
  // connection) and are durable once `durable()` resolves. A job's writes share one key, so a failed
  // batch writes each job once more, from its record as it is then.

  /** Writes the whole job (row + files), all or nothing. */
  save(job: JobRecord): void {
    this.group.write(`job:${job.id}`, () => this.db.transaction(() => {
      this.stmts.upsertJob.run(jobToRow(job));
      this.stmts.deleteFiles.run(job.id);
      for (const f of job.files) this.stmts.insertFile.run(fileToRow(job.id, f));
    })());
  }

  /** Progress checkpoint of one file (bounded rate, called by the downloader after fdatasync). */
  checkpoint(job: JobRecord, file: FileRecord): void {
    this.group.write(`file:${job.id}:${file.index}`, () => this.db.transaction(() => {
      this.stmts.checkpoint.run(file.bytesTransferred, file.bytesTotal, file.etag, file.lastModified, file.finalUrl, job.id, file.index);
      this.stmts.touch.run(job.modifiedAt, job.id);
    })());
  }

  /** Upload session and reply progress (after every fragment Ack / reply checkpoint). */
  saveTransferState(job: JobRecord): void {
    this.group.write(`transfer:${job.id}`, () => {
      this.stmts.transferState.run(job.upload ? JSON.stringify(job.upload) : null, job.reply ? JSON.stringify(job.reply) : null, job.modifiedAt, job.id);
    });
  }

  delete(jobId: string): void {
    this.group.write(`job:${jobId}`, () => {
      this.stmts.deleteJob.run(jobId);
    });
  }

  /** Resolves when every write so far is durable (synced); rejects with the store's error if it failed. */
  durable(): Promise<void> {
    return this.group.durable();
  }

  /** Commits and syncs every write so far on this thread, now (an upload's session state before its next packet). */
  flushSync(): void {
    this.group.flushSync();
  }

  loadAll(): StoreLoadReport {
    const jobs: JobRecord[] = [];
    const unreadable: string[] = [...this.damage];
    // One query for every file, grouped here, instead of one query per job (10,000 jobs: 10,001 statements).
    const filesByJob = new Map<unknown, Record<string, unknown>[]>();
    for (const f of this.stmts.allFiles.all() as Record<string, unknown>[]) {
      const list = filesByJob.get(f.job_id);
      if (list) list.push(f);
      else filesByJob.set(f.job_id, [f]);
    }
    for (const row of this.stmts.allJobs.all() as unknown[][]) {
      const id = row[JOB_COLUMN_AT.id];
      try {
        const files = (filesByJob.get(id) ?? []).map(rowToFile);
        jobs.push(rowToJob((column) => row[JOB_COLUMN_AT[column]], files));
      } catch (e) {
        unreadable.push(`could not read job ${String(id)}: ${(e as Error).message}`);
      }
    }
    return { jobs, unreadable };
  }

  /** Makes the last writes durable and closes. A failure is thrown after the file is closed. */
  close(): void {
    let failure: unknown;
    try {
      this.group.flushSync();
    } catch (e) {
      failure = e;
    }
    this.group.close();
    this.db.close();
    closeSync(this.walFd);
    if (failure !== undefined) throw failure;
  }
}

/** The store's one error conversion: a failed write or sync as the BITS error a caller can act on. */
function storeWriteError(path: string, e: unknown): BitsError {
  const code = (e as { code?: unknown }).code;
  const what = `${String(code ?? 'error')}: ${(e as Error).message ?? String(e)}`;
  if (code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT') {
    return bitsError(HR.ERROR_DISK_FULL!, `The job store ${path} could not be written (${what}). Free disk space there; the changes are written again once there is room.`, ErrorContext.GENERAL_QUEUE_MANAGER);
  }
  return bitsError(HR.E_FAIL!, `The job store ${path} could not be written (${what}); the changes are written again at the next write.`, ErrorContext.GENERAL_QUEUE_MANAGER);
}

function syncDirectory(dir: string): void {
  if (process.platform === 'win32') return; // directories cannot be opened for a sync there (NTFS journals them)
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function jobToRow(j: JobRecord): Record<string, unknown> {
  return {
    id: j.id, owner: j.owner, type: j.type, state: j.state, display_name: j.displayName, description: j.description,
    priority: j.priority, minimum_retry_delay: j.minimumRetryDelay, no_progress_timeout: j.noProgressTimeout,
    notify_flags: j.notifyFlags, proxy_usage: j.proxyUsage, proxy_list: j.proxyList, bypass_list: j.bypassList,
    notify_program: j.notifyProgram, notify_parameters: j.notifyParameters, created_at: j.createdAt,
    modified_at: j.modifiedAt, transfer_completed_at: j.transferCompletedAt, error_count: j.errorCount,
    error_json: j.error ? JSON.stringify(j.error) : null, first_transient_at: j.firstTransientAt,
    retry_at: j.retryAt, queued_at: j.queuedAt, reply_file_name: j.replyFileName,
    upload_json: j.upload ? JSON.stringify(j.upload) : null, reply_json: j.reply ? JSON.stringify(j.reply) : null,
    credentials_json: j.credentials.length ? JSON.stringify(j.credentials) : null, notify_json: j.notify ? JSON.stringify(j.notify) : null,
  };
}

function fileToRow(jobId: string, f: FileRecord): Record<string, unknown> {
  return {
    job_id: jobId, idx: f.index, remote_name: f.remoteName, local_name: f.localName, temp_name: f.tempName,
    bytes_total: f.bytesTotal, bytes_transferred: f.bytesTransferred, transferred: f.transferred ? 1 : 0,
    completed: f.completed ? 1 : 0, etag: f.etag, last_modified: f.lastModified, final_url: f.finalUrl,
  };
}

/** A job from its columns (`column` reads one: from a raw row or from a row object). */
function rowToJob(column: (name: JobColumn) => unknown, files: FileRecord[]): JobRecord {
  const num = (k: JobColumn) => {
    const v = column(k);
    if (typeof v !== 'number' && typeof v !== 'bigint') throw new Error(`column ${k} is not a number`);
    return Number(v);
  };
  const optNum = (k: JobColumn) => (column(k) === null || column(k) === undefined ? null : num(k));
  const str = (k: JobColumn) => {
    const v = column(k);
    if (typeof v !== 'string') throw new Error(`column ${k} is not text`);
    return v;
  };
  const optStr = (k: JobColumn) => (column(k) === null || column(k) === undefined ? null : str(k));
  return {
    id: str('id'), owner: str('owner'), type: num('type'), state: num('state'), displayName: str('display_name'),
    description: str('description'), priority: num('priority'), minimumRetryDelay: num('minimum_retry_delay'),
    noProgressTimeout: num('no_progress_timeout'), notifyFlags: num('notify_flags'), proxyUsage: num('proxy_usage'),
    proxyList: optStr('proxy_list'), bypassList: optStr('bypass_list'), notifyProgram: optStr('notify_program'),
    notifyParameters: optStr('notify_parameters'), createdAt: num('created_at'), modifiedAt: num('modified_at'),
    transferCompletedAt: optNum('transfer_completed_at'), errorCount: num('error_count'),
    error: column('error_json') ? JSON.parse(str('error_json')) : null, firstTransientAt: optNum('first_transient_at'),
    retryAt: optNum('retry_at'), queuedAt: num('queued_at'), replyFileName: optStr('reply_file_name'),
    upload: column('upload_json') ? JSON.parse(str('upload_json')) : null, reply: column('reply_json') ? JSON.parse(str('reply_json')) : null,
    credentials: column('credentials_json') ? JSON.parse(str('credentials_json')) : [], notify: column('notify_json') ? JSON.parse(str('notify_json')) : null, files,
  };
}

function rowToFile(r: Record<string, unknown>): FileRecord {
  return {
    index: Number(r.idx), remoteName: String(r.remote_name), localName: String(r.local_name), tempName: String(r.temp_name),
    bytesTotal: r.bytes_total === null ? null : Number(r.bytes_total), bytesTransferred: Number(r.bytes_transferred),
    transferred: r.transferred === 1, completed: r.completed === 1, etag: (r.etag as string | null) ?? null,
    lastModified: (r.last_modified as string | null) ?? null, finalUrl: (r.final_url as string | null) ?? null,
  };
}
