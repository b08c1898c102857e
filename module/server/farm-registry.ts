// What lets N `serve` instances share one session directory (a farm, issue 17): a small SQLite
// database, <sessionsDir>/sessions.db, next to the session files. SQLite is used for its locking,
// not for the data: session.json and requestfile.bin stay where they were.
//
//   sessions(id, client, last_activity, version)  every open session of the farm: the per-client
//       session limit is counted over it in one transaction (two instances cannot both admit the
//       51st), a Ping or a fragment on any instance refreshes it, and the cleanup timer of any
//       instance finds the expired ones in it. `version` counts the saves of session.json: it is
//       bumped before each one, so an instance may reuse the state it read or wrote itself while
//       the version is the same (session-store.ts) and rereads the file once it is not.
//   leases(id, holder, host, pid, until)  who is processing a packet of the session right now.
//       An instance takes the session's lease before it reads the session's state and holds it
//       until its Ack is written. So two instances never write one session's files at the same
//       time, and after the lease every instance sees what the last one wrote. A Close-Session
//       retried on another instance therefore finds the session published, never publishes it twice.
//
// A packet costs no write to the database in the common case: the lease is kept LEASE_KEEP_MS
// after a packet for the session's next one (host-id affinity brings it to the same instance),
// then given back with the session's activity, all idle leases of the instance in one
// transaction. Taking a lease is one upsert (a transaction that checks the holder's pid only when
// another instance's lease is in the way).
//
// A lease taken by a process that then dies (kill -9) is free at once on the same machine (its
// pid is gone), and after LEASE_MS on another machine (the holder renews its leases every
// LEASE_MS/3 while it lives). The database needs a file system with working POSIX locks: a local
// disk, or NFSv4 with locking on. A share without locks is not safe for a farm; run one instance
// there. docs/server-production.md, "A farm", has the whole design.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { processAlive } from './process-alive.js';

/** A lease not renewed for this long is free (its holder died on another machine). */
export const LEASE_MS = 30_000;
/**
 * How long an instance keeps a session's lease after a packet, for the next one: in a farm with
 * host-id affinity it comes to the same instance, which then takes and gives back the lease once
 * for the whole stream of fragments instead of once per packet. Another instance asking for it
 * waits at most this long (plus half of it) longer.
 */
export const LEASE_KEEP_MS = 500;
/** Activity this close to the recorded one is not written again (session timeouts are minutes to days). */
export const ACTIVITY_GRAIN_MS = 1000;
/** How long a packet waits for a session another instance is processing before 503. */
export const LEASE_WAIT_MS = 15_000;

export class LeaseBusyError extends Error {
  constructor(readonly id: string, readonly holder: string) {
    super(`session ${id} is being processed by ${holder}`);
    this.name = 'LeaseBusyError';
  }
}

/**
 * What SessionStore needs of a registry: this farm-wide one, or LocalRegistry (local-registry.ts)
 * for a server alone on its directory.
 */
export interface SessionRegistry {
  /** Unique per process start. */
  readonly instance: string;
  tryAcquire(id: string): string | null;
  acquire(id: string): Promise<void>;
  /** Gives up the lease; `activityAt`: also records activity on the session (its packet succeeded). */
  release(id: string, activityAt?: number): void;
  /** Registers the session with state version 1, the one its creator saves next (save(rec, 1)). */
  admitSession(id: string, client: string, now: number, openSince: number, limit: number): number | null;
  adopt(id: string, client: string, lastActivity: number): void;
  touch(id: string, at: number, openSince: number): boolean;
  /** The session's last activity and state version, or null when it is not registered. */
  look(id: string): SessionLook | null;
  /** Called before a new state is saved to session.json: records the activity and returns the new state version. */
  saved(id: string, at: number): number;
  /**
   * The request file's length as this process's last packet of the session left it, while no
   * other process can have written the file since (farm: the lease was kept in between); else
   * undefined, and the file is looked at.
   */
  knownBytes(id: string): number | undefined;
  /** Records the file's length after a packet under the lease (undefined: not known, e.g. after an error). */
  setKnownBytes(id: string, bytes: number | undefined): void;
  has(id: string): boolean;
  remove(id: string): void;
  expiredBefore(t: number): string[];
  count(): number;
  close(): void;
}

export interface SessionLook {
  lastActivity: number;
  /** Bumped before every save of session.json. */
  version: number;
}

interface LeaseRow {
  holder: string;
  host: string;
  pid: number;
  until: number;
}

export class FarmRegistry implements SessionRegistry {
  private readonly db: Database.Database;
  /** Unique per process start: a new process never mistakes an old lease for its own. */
  readonly instance = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly host = hostname();
  /** Leases this instance holds in the database (a packet in progress, or kept for the next). */
  private readonly held = new Set<string>();
  /** Held leases without a packet in progress: since when (ms). */
  private readonly idle = new Map<string, number>();
  /** Request file lengths of held sessions (knownBytes): valid while the lease is not given back. */
  private readonly bytes = new Map<string, number>();
  /** Activity of held sessions not yet written (with the lease's release). */
  private readonly activity = new Map<string, number>();
  /** Sessions removed while their packet held the lease: given back at once. */
  private readonly removed = new Set<string>();
  private closed = false;
  private renewTimer: NodeJS.Timeout | undefined;
  private keepTimer: NodeJS.Timeout | undefined;
  private readonly stmt;
  private readonly claim;
  private readonly admit;
  private readonly dropLeases;
  private readonly removeHeld;

  constructor(dir: string) {
    this.db = new Database(join(dir, 'sessions.db'), { timeout: 5000 });
    this.db.pragma('journal_mode = WAL');
    // Process death loses nothing with NORMAL in WAL mode; only a power loss may drop the last
    // commits, which then look like a lease nobody holds and sessions the directory scan re-adopts.
    this.db.pragma('synchronous = NORMAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS sessions (id TEXT PRIMARY KEY, client TEXT NOT NULL, last_activity INTEGER NOT NULL, version INTEGER NOT NULL DEFAULT 0);
      CREATE INDEX IF NOT EXISTS sessions_by_client ON sessions (client, last_activity);
      CREATE TABLE IF NOT EXISTS leases (id TEXT PRIMARY KEY, holder TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL, until INTEGER NOT NULL);`);
    // A sessions.db of a version before `version`: add the column (once, whichever instance is first).
    this.db.transaction(() => {
      const columns = this.db.prepare<[], { name: string }>('PRAGMA table_info(sessions)').all();
      if (!columns.some((c) => c.name === 'version')) this.db.exec('ALTER TABLE sessions ADD COLUMN version INTEGER NOT NULL DEFAULT 0');
    }).immediate();
    this.stmt = {
      lease: this.db.prepare<[string], LeaseRow>('SELECT holder, host, pid, until FROM leases WHERE id = ?'),
      putLease: this.db.prepare('INSERT OR REPLACE INTO leases (id, holder, host, pid, until) VALUES (?, ?, ?, ?, ?)'),
      // The common case in one statement: no lease, our own, or one that has run out.
      takeFreeLease: this.db.prepare(`INSERT INTO leases (id, holder, host, pid, until) VALUES (@id, @holder, @host, @pid, @until)
        ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, host = excluded.host, pid = excluded.pid, until = excluded.until
        WHERE leases.holder = excluded.holder OR leases.until <= @now`),
      dropLease: this.db.prepare('DELETE FROM leases WHERE id = ? AND holder = ?'),
      renew: this.db.prepare('UPDATE leases SET until = ? WHERE holder = ?'),
      countOpen: this.db.prepare<[string, number], { n: number }>('SELECT count(*) AS n FROM sessions WHERE client = ? AND last_activity >= ?'),
      insert: this.db.prepare('INSERT INTO sessions (id, client, last_activity, version) VALUES (?, ?, ?, 1)'),
      adopt: this.db.prepare('INSERT OR IGNORE INTO sessions (id, client, last_activity) VALUES (?, ?, ?)'),
      touch: this.db.prepare('UPDATE sessions SET last_activity = max(last_activity, ?) WHERE id = ? AND last_activity >= ?'),
      saved: this.db.prepare<[number, string], { version: number }>('UPDATE sessions SET last_activity = max(last_activity, ?), version = version + 1 WHERE id = ? RETURNING version'),
      look: this.db.prepare<[string], { last_activity: number; version: number }>('SELECT last_activity, version FROM sessions WHERE id = ?'),
      remove: this.db.prepare('DELETE FROM sessions WHERE id = ?'),
      expired: this.db.prepare<[number], { id: string }>('SELECT id FROM sessions WHERE last_activity < ?'),
      count: this.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM sessions'),
      has: this.db.prepare<[string], { id: string }>('SELECT id FROM sessions WHERE id = ?'),
    };
    this.claim = this.db.transaction((id: string, now: number): string | null => {
      const row = this.stmt.lease.get(id);
      if (row && row.holder !== this.instance && row.until > now && !(row.host === this.host && !processAlive(row.pid))) return row.holder;
      this.stmt.putLease.run(id, this.instance, this.host, process.pid, now + LEASE_MS);
      return null;
    });
    this.admit = this.db.transaction((id: string, client: string, now: number, since: number, limit: number): number | null => {
      if (limit > 0) {
        const open = this.stmt.countOpen.get(client, since)!.n;
        if (open >= limit) return open;
      }
      this.stmt.insert.run(id, client, now);
      return null;
    });
    this.removeHeld = this.db.transaction((id: string) => {
      this.stmt.remove.run(id);
      this.stmt.dropLease.run(id, this.instance);
    });
    this.dropLeases = this.db.transaction((ids: string[]) => {
      for (const id of ids) {
        this.stmt.dropLease.run(id, this.instance);
        const at = this.activity.get(id);
        if (at !== undefined) this.stmt.touch.run(at, id, -Infinity);
      }
    });
  }

  /** Takes the lease of session `id` (null), or names the live instance that holds it. */
  tryAcquire(id: string): string | null {
    const now = Date.now();
    const kept = this.idle.get(id);
    if (kept !== undefined) {
      this.idle.delete(id);
      // Ours in the database since the packet before (renewed on time unless this process stalled).
      if (now - kept < LEASE_MS / 3) return null;
    }
    this.bytes.delete(id); // taken anew: another instance may have written the file meanwhile
    const taken = this.stmt.takeFreeLease.run({ id, holder: this.instance, host: this.host, pid: process.pid, until: now + LEASE_MS, now }).changes > 0;
    // Another instance's lease is in the way: free all the same if its holder is dead on this machine.
    const busy = taken ? null : this.claim.immediate(id, now);
    if (busy === null) {
      this.held.add(id);
      this.renewTimer ??= setInterval(() => this.renewAll(), LEASE_MS / 3).unref();
    } else this.forgetLease(id);
    return busy;
  }

  /** Waits (polling, up to LEASE_WAIT_MS) for the lease of `id`; LeaseBusyError after that. */
  async acquire(id: string): Promise<void> {
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (let pause = 10; ; pause = Math.min(200, pause * 2)) {
      const holder = this.tryAcquire(id);
      if (holder === null) return;
      if (Date.now() + pause > deadline) throw new LeaseBusyError(id, holder);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  /**
   * The packet is done. The lease is kept for LEASE_KEEP_MS in case the session's next packet comes
   * here too (host-id affinity sends it here), then given back with the activity in one
   * transaction; a removed session's at once.
   */
  release(id: string, activityAt?: number): void {
    if (activityAt !== undefined) this.activity.set(id, Math.max(activityAt, this.activity.get(id) ?? -Infinity));
    if (this.closed) return this.forgetLease(id); // close() gave every lease back
    if (this.removed.delete(id)) return this.forgetLease(id); // remove() dropped the lease with the row
    this.idle.set(id, Date.now());
    this.keepTimer ??= setInterval(() => this.giveBackIdle(), LEASE_KEEP_MS / 2).unref();
  }

  private giveBackIdle(): void {
    const before = Date.now() - LEASE_KEEP_MS;
    this.giveBack([...this.idle].filter(([, since]) => since <= before).map(([id]) => id));
  }

  private giveBack(ids: string[]): void {
    if (ids.length > 0) this.dropLeases(ids);
    for (const id of ids) this.forgetLease(id);
  }

  knownBytes(id: string): number | undefined {
    return this.held.has(id) ? this.bytes.get(id) : undefined;
  }

  setKnownBytes(id: string, bytes: number | undefined): void {
    if (bytes === undefined || !this.held.has(id)) this.bytes.delete(id);
    else this.bytes.set(id, bytes);
  }

  private forgetLease(id: string): void {
    this.held.delete(id);
    this.bytes.delete(id);
    this.idle.delete(id);
    this.activity.delete(id);
    if (this.held.size === 0 && this.renewTimer) {
      clearInterval(this.renewTimer);
      this.renewTimer = undefined;
    }
    if (this.idle.size === 0 && this.keepTimer) {
      clearInterval(this.keepTimer);
      this.keepTimer = undefined;
    }
  }

  private renewAll(): void {
    if (this.held.size > 0) this.stmt.renew.run(Date.now() + LEASE_MS, this.instance);
  }

  /** Registers a new session unless `client` already has `limit` open ones (then returns their count). */
  admitSession(id: string, client: string, now: number, openSince: number, limit: number): number | null {
    return this.admit.immediate(id, client, now, openSince, limit);
  }

  /** A session found on disk without a row (written by a version without the registry). */
  adopt(id: string, client: string, lastActivity: number): void {
    this.stmt.adopt.run(id, client, lastActivity);
  }

  /** Records activity on a session that has not expired (Ping, saved state); false if it is gone or expired. */
  touch(id: string, at: number, openSince: number): boolean {
    const row = this.stmt.look.get(id);
    if (!row || row.last_activity < openSince) return false;
    // Recorded less than a grain ago (a host-id client's Ping right after Create-Session): no write.
    if (row.last_activity >= at - ACTIVITY_GRAIN_MS) return true;
    return this.stmt.touch.run(at, id, openSince).changes > 0;
  }

  look(id: string): SessionLook | null {
    const row = this.stmt.look.get(id);
    return row ? { lastActivity: row.last_activity, version: row.version } : null;
  }

  saved(id: string, at: number): number {
    // -1 when the row is gone (removed meanwhile): matches no look, so nothing reuses the state.
    return this.stmt.saved.get(at, id)?.version ?? -1;
  }

  has(id: string): boolean {
    return this.stmt.has.get(id) !== undefined;
  }

  remove(id: string): void {
    if (!this.held.has(id)) {
      this.stmt.remove.run(id);
      return;
    }
    // Under its packet's lease (Close, Cancel, expiry): the row and the lease go in one transaction.
    this.removeHeld(id);
    this.removed.add(id);
  }

  expiredBefore(t: number): string[] {
    return this.stmt.expired.all(t).map((r) => r.id);
  }

  count(): number {
    return this.stmt.count.get()!.n;
  }

  close(): void {
    this.closed = true;
    this.giveBack([...this.held]);
    clearInterval(this.renewTimer);
    clearInterval(this.keepTimer);
    this.db.close();
  }
}
