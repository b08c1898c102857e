// Group commit for the job store. One SQLite commit with synchronous=FULL is an fsync on the main
// thread: with 100 jobs every state change and checkpoint of every job waited for the disk in turn,
// and no socket was read meanwhile (BENCHMARKS.md, concurrent jobs: 41 % of the service's time).
//
// Here every write of the store runs at once inside one open transaction (a batch). The batch is
// committed when the event loop turns (setImmediate), so the writes of one turn — of every job — are
// one commit. The database runs with synchronous=NORMAL, under which a WAL commit writes its frames
// but does not sync them; the sync is done here instead, as an fdatasync of the -wal file on libuv's
// thread pool, so the main thread keeps serving sockets while the disk works. Only when that sync
// completes is the batch durable: `durable()` resolves then, and every report of a state change (an
// RPC reply, a promise of the in-process engine, a notify program, a 'state' event) waits for it.
// While one sync runs, new writes gather in the next batch, committed and synced when it ends: one
// sync in flight, however many jobs write.
//
// Crash consistency: SQLite applies a batch all or nothing, in write order, so after a kill -9 or a
// power cut the store holds the state as of a batch boundary — never a torn job. Nothing reported is
// lost: a report waits for the sync of the batch holding its change (and every earlier one).
//
// A failed commit or sync (disk full, I/O error) rejects the waiters of that batch with the error and
// writes those jobs again in the next batch (each write is keyed, e.g. by job, and re-applied from the
// record in memory), so the store catches up once the disk has room.
import { fdatasync, fdatasyncSync } from 'node:fs';
import type Database from 'better-sqlite3';

interface Batch {
  /** Keyed writes of this batch, kept until it is durable, to write them again if it fails. */
  writes: Map<string, () => void>;
  promise: Promise<void> | null;
  resolve(): void;
  reject(e: unknown): void;
}

function newBatch(): Batch {
  return { writes: new Map(), promise: null, resolve: () => {}, reject: () => {} };
}

/** The promise of a batch, created when first asked for (most batches have nobody waiting). */
function promiseOf(b: Batch): Promise<void> {
  b.promise ??= new Promise<void>((resolve, reject) => {
    b.resolve = resolve;
    b.reject = reject;
  });
  return b.promise;
}

/** A failed batch's writes are tried again this long after, if nothing else writes first. */
const RETRY_MS = 1000;

export class GroupCommit {
  /** The batch whose transaction is open (BEGIN issued), or null. */
  private open: Batch | null = null;
  /** The batch committed and now being synced, or null. */
  private syncing: Batch | null = null;
  /** Writes of failed batches, written again at the start of the next one. */
  private carry = new Map<string, () => void>();
  private commitQueued = false;
  private retryTimer: NodeJS.Timeout | null = null;
  /** A failure was reported and no batch has been durable since (one log line per outage). */
  private failing = false;
  private lastError: Error = new Error('the job store could not be written');
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    /** A descriptor of the -wal file, synced after each commit. */
    private readonly walFd: number,
    /** Turns a SQLite or sync failure into the error the waiters get (the store's one conversion). */
    private readonly toError: (e: unknown) => Error,
    /** The first failure of an outage, and (null) the first durable batch after it. */
    private readonly onFailure: (e: Error | null) => void,
  ) {}

  /**
   * Runs `write` in the open batch (starting one); throws what it throws. `key` names what it
   * writes ("job:ID"): a failed batch writes each key once more, with its latest `write`, so
   * `write` must read the record when it runs instead of capturing values.
   */
  write(key: string, write: () => void): void {
    if (this.closed) throw new Error('the job store is closed');
    this.apply(this.begin(), key, write);
    this.queueCommit();
  }

  /** Resolves when everything written so far is durable; rejects if a batch holding it failed. */
  durable(): Promise<void> {
    if (this.carry.size > 0 && !this.open && !this.closed) {
      // Writes of a failed batch wait for their retry: asking is a reason to try now.
      try {
        this.begin();
        this.queueCommit();
      } catch (e) {
        return Promise.reject(this.toError(e));
      }
      if (this.carry.size > 0) return Promise.reject(this.lastError); // writing them again failed at once
    }
    const last = this.open ?? this.syncing;
    return last ? promiseOf(last) : Promise.resolve();
  }

  /**
   * Commits and syncs now, on this thread (an upload's session state before its next packet, and
   * close). Throws the failure, which the batch's waiters get too.
   */
  flushSync(): void {
    const batch = this.open;
    const syncing = this.syncing;
    const failed = batch ? this.commit(batch) : undefined;
    if (failed !== undefined) throw this.toError(failed);
    try {
      fdatasyncSync(this.walFd);
    } catch (e) {
      if (batch) this.fail(batch, e);
      throw this.toError(e);
    }
    // The running sync's callback settles `syncing` as well; this sync covered it already.
    syncing?.resolve();
    batch?.resolve();
  }

  /** After the last flushSync: no more writes, no retry. */
  close(): void {
    this.closed = true;
    if (this.retryTimer) clearTimeout(this.retryTimer);
  }

  private apply(batch: Batch, key: string, write: () => void): void {
    try {
      write();
    } catch (e) {
      // Most failures undo only the statement; some (SQLITE_FULL, IOERR) roll back the whole
      // transaction, and with it the batch's earlier writes.
      if (!this.db.inTransaction && this.open === batch) this.fail(batch, e);
      throw e;
    }
    batch.writes.delete(key); // re-inserted: the latest write of a key keeps its place last
    batch.writes.set(key, write);
  }

  private begin(): Batch {
    if (this.open) return this.open;
    const batch = this.startBatch();
    if (this.carry.size === 0) return batch;
    this.applyCarry(batch);
    // Writing them again rolled the batch back: start clean, the retry timer tries them later.
    return this.open === batch ? batch : this.startBatch();
  }

  private startBatch(): Batch {
    this.db.exec('BEGIN');
    this.open = newBatch();
    return this.open;
  }

  private applyCarry(batch: Batch): void {
    const carried = this.carry;
    this.carry = new Map();
    for (const [key, write] of carried) {
      if (this.open !== batch) {
        this.carry.set(key, write); // the batch failed meanwhile: keep the rest for later
        continue;
      }
      try {
        this.apply(batch, key, write);
      } catch {
        // A statement error (the job went meanwhile) drops the write; a rollback keeps it.
        if (this.open !== batch) this.carry.set(key, write);
      }
    }
  }

  private queueCommit(): void {
    if (this.commitQueued || this.syncing) return; // the end of the running sync queues it
    this.commitQueued = true;
    setImmediate(() => {
      this.commitQueued = false;
      const batch = this.open;
      if (!batch || this.syncing) return;
      if (this.commit(batch) !== undefined) return;
      this.syncing = batch;
      fdatasync(this.walFd, (err) => {
        if (this.syncing === batch) this.syncing = null;
        if (err) this.fail(batch, err);
        else this.succeeded(batch);
        if (this.open) this.queueCommit();
      });
    });
  }

  /** COMMIT of the open batch (its frames written to the WAL, not yet synced); the failure, if any. */
  private commit(batch: Batch): unknown {
    this.open = null;
    try {
      this.db.exec('COMMIT');
      return undefined;
    } catch (e) {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
      this.fail(batch, e);
      return e;
    }
  }

  private succeeded(batch: Batch): void {
    batch.resolve();
    if (this.failing) {
      this.failing = false;
      this.onFailure(null);
    }
  }

  /**
   * The batch is lost: its waiters get the error, and its writes are written again — into the batch
   * now open (whose waiters were promised everything written before them), else into the next one.
   */
  private fail(batch: Batch, e: unknown): void {
    if (this.open === batch) this.open = null;
    const error = this.toError(e);
    this.lastError = error;
    if (!this.failing) {
      this.failing = true;
      this.onFailure(error);
    }
    batch.reject(error);
    batch.promise?.catch(() => {}); // reported above; a waiter may be gone
    for (const [key, write] of batch.writes) {
      this.carry.delete(key);
      this.carry.set(key, write);
    }
    if (this.closed) return;
    if (this.open) {
      this.applyCarry(this.open);
      this.queueCommit();
    } else {
      this.retryTimer ??= setTimeout(() => {
        this.retryTimer = null;
        if (this.closed || this.carry.size === 0) return;
        try {
          this.begin();
          this.queueCommit();
        } catch (err) {
          this.fail(newBatch(), err);
        }
      }, RETRY_MS);
      this.retryTimer.unref();
    }
  }
}
