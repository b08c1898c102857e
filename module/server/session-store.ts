// Upload sessions on disk, so that they survive a restart of the server (spec §7.4; IIS keeps them
// in <vdir>\BITS-Sessions too):
//
//   <sessionsDir>/Requests/<{GUID}>/requestfile.bin   the bytes received so far
//   <sessionsDir>/Requests/<{GUID}>/session.json      the state, one record per change (session-record.ts)
//   <sessionsDir>/Replies/<{GUID}>/responsefile.bin   the reply of an upload-reply session
//   <sessionsDir>/Spare/                               finished sessions' directories, kept for new ones (spare-dirs.ts)
//
//   <sessionsDir>/sessions.db                          the farm registry (farm-registry.ts), with `farm`;
//                                                      without it the registry is in memory (local-registry.ts)
//
// How many bytes the session holds is the request file's length, read under the session's lease:
// a fragment's bytes are written before its Ack, at their offset, by the one instance that holds
// the lease, so the file is always a prefix of the upload. session.json is written only when the
// session's state changes (created, the total known, an application notified), not per fragment,
// and not when a type-0 upload completes (its length equals the saved total); a fragment records its activity in the registry with the release of its lease.
// After a kill -9 mid-fragment the file may hold bytes the client never had acknowledged: they
// are its own bytes at their place, so they are kept, and the next Ack tells the client where to
// continue (it moves forward past them, as BITS clients do). A file without a known total holds
// nothing acknowledged and is emptied; one past the total is cut back to it. After a power loss
// without fsync the file may be shorter: the next Ack sends the client back.
//
// Several server instances may share the directory (a farm). Each packet takes the session's
// lease (withLock) and reads the state under it. The state is reused from memory only while the
// registry's version of it is the one this instance read or wrote itself (every save bumps it
// first), so whichever instance gets the next packet carries on from what the last one saved.
//
// The small-file operations of a session (its directory, session.json, the empty request file,
// removal) are synchronous calls: each is one or two system calls of microseconds on the disk that
// sessions.db, whose SQLite calls are synchronous too, already requires, while a thread-pool round
// trip cost ~100 µs of CPU and two context switches each. Under the load bench (200 clients, about
// 30 such operations per upload) the round trips were the largest part of a session's server CPU
// beside the bytes themselves. What may take long stays asynchronous: the fragment's bytes, fsync,
// and deleting a request file that may hold a large unfinished upload.
import { closeSync, fstatSync, mkdirSync, openSync, rmdirSync, rmSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { FarmRegistry, LeaseBusyError, type SessionRegistry } from './farm-registry.js';
import { SpareDirs } from './spare-dirs.js';
import { StateCache } from './state-cache.js';
import { LocalRegistry, usedByLoneHandler } from './local-registry.js';
import { normalizeSessionId } from './url-path.js';
import { appendState, parseState, readStateText, type SessionRecord } from './session-record.js';

export type { SessionRecord } from './session-record.js';

/** The state version a session is registered with (SessionRegistry.admitSession). */
const ADMITTED_VERSION = 1;

/** The per-client session limit is reached (farm-wide). */
export class TooManySessionsError extends Error {
  constructor(readonly open: number) {
    super(`${open} open sessions`);
    this.name = 'TooManySessionsError';
  }
}

export class SessionStore {
  /** In-process queue per session, in front of the farm-wide lease. */
  private readonly locks = new Map<string, Promise<unknown>>();
  private registryValue: SessionRegistry | null = null;
  /** session.json as this instance last read (under the lease) or wrote it, with its version. */
  private readonly states = new StateCache();
  /** Activity of a packet in progress, recorded when its lease is released. */
  private readonly activity = new Map<string, number>();
  /** Directories of finished sessions, for new ones: no inode freed and allocated again (spare-dirs.ts). */
  private readonly spares: SpareDirs;

  constructor(
    readonly dir: string,
    /** Sessions idle for longer are expired (ms). */
    private readonly timeoutMs: number,
    private readonly now: () => number,
    /** Other instances share the directory (farm-registry.ts); else this one must be alone on it (local-registry.ts). */
    private readonly farm = false,
  ) {
    this.spares = new SpareDirs(join(dir, 'Spare'));
  }

  get registry(): SessionRegistry {
    if (!this.registryValue) throw new Error('the session store is not loaded');
    return this.registryValue;
  }

  requestDir(id: string): string {
    return join(this.dir, 'Requests', id);
  }
  requestFile(id: string): string {
    return join(this.requestDir(id), 'requestfile.bin');
  }
  private stateFile(id: string): string {
    return join(this.requestDir(id), 'session.json');
  }
  replyDir(id: string): string {
    return join(this.dir, 'Replies', id);
  }
  replyFile(id: string): string {
    return join(this.replyDir(id), 'responsefile.bin');
  }

  isExpired(rec: SessionRecord): boolean {
    return this.now() - rec.lastActivityAt > this.timeoutMs;
  }
  private openSince(): number {
    return this.now() - this.timeoutMs;
  }

  /** Open sessions of the whole farm. */
  count(): number {
    return this.registry.count();
  }

  private openRegistry(): SessionRegistry {
    if (!this.farm) return LocalRegistry.open(this.dir);
    if (usedByLoneHandler(this.dir)) throw new Error(`a server of this process uses the session directory ${this.dir} without farm: start every server that shares it with farm: true (--farm)`);
    return new FarmRegistry(this.dir);
  }

  /**
   * Opens the registry; adopts sessions on disk that it does not know (left by a version without
   * one) and removes what belongs to no session. Files of sessions it knows are not touched here:
   * another instance may be writing them; they are checked when the session is next taken.
   */
  async load(): Promise<void> {
    await mkdir(join(this.dir, 'Requests'), { recursive: true });
    await mkdir(join(this.dir, 'Replies'), { recursive: true });
    this.spares.load();
    this.registryValue ??= this.openRegistry();
    const reg = this.registryValue;
    for (const name of await readdir(join(this.dir, 'Requests'))) {
      const id = normalizeSessionId(name);
      if (id === name && reg.has(id)) continue;
      const rec = id === name ? await this.readState(name) : null;
      // A session directory is registered before it is created, so one without a row and without
      // a state is the remains of a crash, never a session another instance is creating.
      if (!rec) await rm(join(this.dir, 'Requests', name), { recursive: true, force: true });
      else reg.adopt(rec.id, rec.clientAddress, rec.lastActivityAt);
    }
    for (const name of await readdir(join(this.dir, 'Replies'))) {
      if (!reg.has(name)) await rm(join(this.dir, 'Replies', name), { recursive: true, force: true });
    }
  }

  private async readState(id: string): Promise<SessionRecord | null> {
    return parseState(id, await readFile(this.stateFile(id), 'utf8').catch(() => null));
  }

  /**
   * The session as the farm last saved it, or undefined. Without the lease this is a look only;
   * under it (`reconcile`) `received` is the request file's length (see the top of this file).
   */
  async read(id: string, reconcile = false): Promise<SessionRecord | undefined> {
    const look = this.registry.look(id);
    if (look === null) {
      this.states.forget(id);
      return undefined;
    }
    let rec = parseState(id, this.states.get(id, look.version));
    if (!rec) {
      const text = readStateText(this.stateFile(id));
      rec = parseState(id, text);
      if (!rec) return undefined;
      // Only a read under the lease may be reused: a look without it can race another instance's save.
      if (reconcile) this.states.set(id, look.version, text!);
    }
    rec.lastActivityAt = Math.max(rec.lastActivityAt, look.lastActivity);
    if (reconcile && !rec.notified) {
      rec.received = this.registry.knownBytes(id) ?? (await this.heldBytes(rec));
      this.registry.setKnownBytes(id, rec.received);
    }
    return rec;
  }

  /** The request file's length, after making it a prefix of the upload that can be continued. */
  private async heldBytes(rec: SessionRecord): Promise<number> {
    const file = this.requestFile(rec.id);
    const size = statSync(file, { throwIfNoEntry: false })?.size ?? null;
    if (size === null) {
      // The data is gone: start the file again; the next Ack sends the client back to byte 0.
      await writeFile(file, '');
      return 0;
    }
    // No total saved: no fragment was ever acknowledged (the first one's Ack follows the save).
    const limit = rec.total ?? 0;
    if (size > limit) {
      await truncate(file, limit);
      return limit;
    }
    return size;
  }

  /**
   * Registers the session (TooManySessionsError past `limit` per client), then makes its
   * directory (a spare one, or a new one) and files. session.json is written in place: the
   * session is unknown to every client until this Ack, and a state cut short by a crash, or the
   * old state of a spare directory, is a session that never was (load() and read() find no valid
   * state of this id and drop it).
   */
  async create(rec: SessionRecord, limit: number): Promise<void> {
    const openSessions = this.registry.admitSession(rec.id, rec.clientAddress, rec.lastActivityAt, this.openSince(), limit);
    if (openSessions !== null) throw new TooManySessionsError(openSessions);
    try {
      if (!this.spares.take(this.requestDir(rec.id))) mkdirSync(this.requestDir(rec.id), { recursive: true });
      const fd = openSync(this.requestFile(rec.id), 'wx');
      try {
        const { dev, ino } = fstatSync(fd);
        rec.publishing = { dev, ino };
      } finally {
        closeSync(fd);
      }
      const text = JSON.stringify(rec);
      // Over the state a spare directory holds (another session's: never read as this one's).
      writeFileSync(this.stateFile(rec.id), text);
      this.registry.setKnownBytes(rec.id, 0);
      this.states.set(rec.id, ADMITTED_VERSION, text);
    } catch (e) {
      await this.remove(rec.id);
      throw e;
    }
  }

  /**
   * Appends the state as session.json's new last record (session-record.ts), after bumping
   * its version in the registry (`version`: the version admitSession gave a new session, already
   * in the registry). Only the lease holder writes, so appends never interleave.
   */
  async save(rec: SessionRecord, version?: number): Promise<void> {
    const text = JSON.stringify(rec);
    this.states.forget(rec.id);
    this.activity.delete(rec.id);
    version ??= this.registry.saved(rec.id, rec.lastActivityAt);
    this.registry.setKnownBytes(rec.id, rec.received);
    appendState(this.stateFile(rec.id), text);
    this.states.set(rec.id, version, text);
  }

  /** A packet that changed nothing but the bytes held: its activity goes to the registry with the lease. */
  noteActivity(rec: SessionRecord): void {
    this.activity.set(rec.id, rec.lastActivityAt);
    this.registry.setKnownBytes(rec.id, rec.received);
  }

  /** A Ping naming a live session keeps it alive, on whichever instance it arrives. */
  touch(id: string): boolean {
    return this.registry.touch(id, this.now(), this.openSince());
  }

  /**
   * Deletes the session's request and reply data, then forgets it. A published session's
   * directory (its request file moved away) goes to the spare pool; otherwise session.json and the
   * directory are removed, anything else in it (a request file left, a temp file of a dead
   * instance) by a recursive removal in the thread pool.
   */
  async remove(id: string): Promise<void> {
    const dir = this.requestDir(id);
    const published = !statSync(this.requestFile(id), { throwIfNoEntry: false });
    if (!(published && this.spares.keep(dir))) await this.removeRequestDir(id);
    rmSync(this.replyDir(id), { recursive: true, force: true });
    this.registry.remove(id);
    this.states.forget(id);
    this.activity.delete(id);
  }

  /** The common case (session.json alone) in two calls. */
  private async removeRequestDir(id: string): Promise<void> {
    const dir = this.requestDir(id);
    try {
      unlinkSync(this.stateFile(id));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
    }
    try {
      rmdirSync(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') await rm(dir, { recursive: true, force: true });
    }
  }

  /** Ids of the sessions idle past the timeout (farm-wide). */
  expiredIds(): string[] {
    return this.registry.expiredBefore(this.openSince());
  }

  /**
   * Runs `fn` holding the session: after every earlier call of this process for it has finished,
   * and with its farm-wide lease (waits for another instance that is processing it; LeaseBusyError
   * after LEASE_WAIT_MS). `wait: false` gives up at once instead (the cleanup timer). `before`
   * runs in the queue ahead of the lease; it throws to give up.
   */
  withLock<T>(id: string, fn: () => Promise<T>, wait = true, before?: () => Promise<void>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const leased = async () => {
      // In the queue, so packets keep their arrival order (pipelined fragments), but before the
      // lease: a packet naming a session that is not its own never waits for another instance.
      if (before) await before();
      if (wait) await this.registry.acquire(id);
      else {
        const holder = this.registry.tryAcquire(id);
        if (holder !== null) throw new LeaseBusyError(id, holder);
      }
      try {
        return await fn();
      } catch (e) {
        // A packet that failed (a body cut off, a full disk) may have left the file otherwise.
        this.registry.setKnownBytes(id, undefined);
        throw e;
      } finally {
        const at = this.activity.get(id);
        this.activity.delete(id);
        this.registry.release(id, at);
      }
    };
    const run = previous.then(leased, leased);
    const settled = run.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return run;
  }

  close(): void {
    this.spares.clear();
    this.states.clear();
    this.registryValue?.close();
    this.registryValue = null;
  }
}
