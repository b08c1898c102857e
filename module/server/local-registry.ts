// The session registry of a server that is the only process on its session directory (the
// default; a farm is asked for with `farm: true` / `serve --farm`, farm-registry.ts). It keeps in
// memory what the farm keeps in sessions.db, so a lone server needs no SQLite: that is what lets
// our server run where the better-sqlite3 add-on is not built for the platform (the Wine lane runs
// it inside Windows node.exe; a Windows user of `serve` who never builds the add-on).
//
// Handlers of one process on one directory (an embedder's restart, tests) share one registry, so
// they take turns on a session's lease as farm instances do. Processes are not detected: every
// process that shares a session directory must be started with --farm (docs/server-production.md).
// A lock file with a pid was tried and dropped: scripts that start a second server on the same root
// (Start-BitsJob2Server -NoWait twice, a restart before the old one has exited) then fail to start.
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { LeaseBusyError, LEASE_WAIT_MS, type SessionLook, type SessionRegistry } from './farm-registry.js';

/** The registry of each directory this process's lone handlers use. */
const openHere = new Map<string, LocalRegistry>();

/** Whether a lone handler of this process uses `dir` (a farm handler beside it would not share its leases). */
export function usedByLoneHandler(dir: string): boolean {
  return openHere.has(dir);
}

export class LocalRegistry implements SessionRegistry {
  readonly instance = `${hostname()}/${process.pid}/${randomUUID().slice(0, 8)}`;
  private readonly sessions = new Map<string, { client: string; lastActivity: number; version: number; bytes?: number }>();
  private readonly held = new Set<string>();
  /** Handlers of this process using it; it is forgotten when the last one closes. */
  private users = 0;

  /** The directory's registry in this process: the existing one, or a new one. */
  static open(dir: string): LocalRegistry {
    let registry = openHere.get(dir);
    if (!registry) openHere.set(dir, (registry = new LocalRegistry(dir)));
    registry.users++;
    return registry;
  }

  private constructor(private readonly dir: string) {}

  tryAcquire(id: string): string | null {
    if (this.held.has(id)) return this.instance;
    this.held.add(id);
    return null;
  }

  async acquire(id: string): Promise<void> {
    // Another handler of this process is processing the session: wait as a farm instance would.
    const deadline = Date.now() + LEASE_WAIT_MS;
    for (let pause = 10; this.tryAcquire(id) !== null; pause = Math.min(200, pause * 2)) {
      if (Date.now() + pause > deadline) throw new LeaseBusyError(id, this.instance);
      await new Promise((r) => setTimeout(r, pause));
    }
  }

  release(id: string, activityAt?: number): void {
    this.held.delete(id);
    if (activityAt !== undefined) this.touch(id, activityAt, -Infinity);
  }

  admitSession(id: string, client: string, now: number, openSince: number, limit: number): number | null {
    if (limit > 0) {
      let open = 0;
      for (const s of this.sessions.values()) if (s.client === client && s.lastActivity >= openSince) open++;
      if (open >= limit) return open;
    }
    this.sessions.set(id, { client, lastActivity: now, version: 1 });
    return null;
  }

  adopt(id: string, client: string, lastActivity: number): void {
    if (!this.sessions.has(id)) this.sessions.set(id, { client, lastActivity, version: 0 });
  }

  touch(id: string, at: number, openSince: number): boolean {
    const s = this.sessions.get(id);
    if (!s || s.lastActivity < openSince) return false;
    s.lastActivity = Math.max(s.lastActivity, at);
    return true;
  }

  look(id: string): SessionLook | null {
    const s = this.sessions.get(id);
    return s ? { lastActivity: s.lastActivity, version: s.version } : null;
  }

  knownBytes(id: string): number | undefined {
    // Every writer of the directory is a handler of this process, and each records what it wrote.
    return this.sessions.get(id)?.bytes;
  }

  setKnownBytes(id: string, bytes: number | undefined): void {
    const s = this.sessions.get(id);
    if (s) s.bytes = bytes;
  }

  saved(id: string, at: number): number {
    const s = this.sessions.get(id);
    if (!s) return -1;
    s.lastActivity = Math.max(s.lastActivity, at);
    return ++s.version;
  }

  has(id: string): boolean {
    return this.sessions.has(id);
  }

  remove(id: string): void {
    this.sessions.delete(id);
  }

  expiredBefore(t: number): string[] {
    return [...this.sessions].filter(([, s]) => s.lastActivity < t).map(([id]) => id);
  }

  count(): number {
    return this.sessions.size;
  }

  close(): void {
    if (--this.users > 0) return;
    this.held.clear();
    openHere.delete(this.dir);
  }
}
