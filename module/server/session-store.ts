// Upload sessions on disk, so that they survive a restart of the server (spec §7.4; IIS keeps them
// in <vdir>\BITS-Sessions too):
//
//   <sessionsDir>/Requests/<{GUID}>/requestfile.bin   the bytes received so far
//   <sessionsDir>/Requests/<{GUID}>/session.json      the state below (replaced atomically)
//   <sessionsDir>/Replies/<{GUID}>/responsefile.bin   the reply of an upload-reply session
//
// The JSON is written after the data of every fragment and the Ack is sent after both, so after a
// crash the file can only hold more bytes than the state says (cut back on load) or, after a power
// loss without fsync, fewer (then `received` drops to the file size and the next Ack tells the
// client where to continue — BITS clients move back as well as forward).
import { mkdir, open, readdir, readFile, rename, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { normalizeSessionId } from './url-path.js';

export interface SessionRecord {
  version: 1;
  /** `{GUID}`, upper-case. */
  id: string;
  createdAt: number;
  /** Last successfully processed message (ms); the session timeout counts from here. */
  lastActivityAt: number;
  clientAddress: string;
  /** Authenticated user that created the session (null/absent: no authentication on its URL). */
  user?: string | null;
  /** Upload URL as the client addressed it at Create-Session (BITS-Original-Request-URL). */
  remoteUrl: string;
  /** Decoded path segments below the root: later packets must address the same file. */
  segments: string[];
  /** Query string of the upload URL with its '?', or ''. */
  query: string;
  /** Absolute local path the upload is published to. */
  destination: string;
  /** 'none' = type 0, publish on Close; 'app' = notify a server application (types 1/2, or replyHandler). */
  notify: 'none' | 'app';
  /** Total size from the first fragment, null before it. */
  total: number | null;
  /** Bytes held: the next byte the server wants. */
  received: number;
  /** The application was notified successfully ([MC-BUP] NotifyCache): the final Ack is cached. */
  notified: boolean;
  /** BITS-Reply-URL of the cached final Ack (upload-reply), or null. */
  replyUrl: string | null;
  /** The reply lives in Replies/<id>/responsefile.bin ('file'), at a static URL ('static'), or nowhere yet. */
  reply: 'file' | 'static' | null;
  /** Publish the upload on Close-Session even though an application was notified. */
  copyToDestination: boolean;
}

export class SessionStore {
  private readonly sessions = new Map<string, SessionRecord>();
  private readonly locks = new Map<string, Promise<unknown>>();

  constructor(readonly dir: string) {}

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

  get(id: string): SessionRecord | undefined {
    return this.sessions.get(id);
  }
  all(): SessionRecord[] {
    return [...this.sessions.values()];
  }

  /** Loads every session left by an earlier run and removes what belongs to none. */
  async load(): Promise<void> {
    await mkdir(join(this.dir, 'Requests'), { recursive: true });
    await mkdir(join(this.dir, 'Replies'), { recursive: true });
    for (const name of await readdir(join(this.dir, 'Requests'))) {
      const id = normalizeSessionId(name);
      const rec = id === name ? await this.readState(name) : null;
      if (!rec) {
        await rm(join(this.dir, 'Requests', name), { recursive: true, force: true });
        continue;
      }
      await rm(this.stateFile(rec.id) + '.tmp', { force: true });
      if (!rec.notified) {
        const size = await stat(this.requestFile(rec.id)).then((s) => s.size, () => null);
        if (size === null) {
          // The data is gone: start the file again; the next Ack sends the client back to byte 0.
          await writeFile(this.requestFile(rec.id), '');
          rec.received = 0;
        } else if (size > rec.received) await truncate(this.requestFile(rec.id), rec.received);
        else if (size < rec.received) rec.received = size;
      }
      this.sessions.set(rec.id, rec);
    }
    for (const name of await readdir(join(this.dir, 'Replies'))) {
      if (!this.sessions.has(name)) await rm(join(this.dir, 'Replies', name), { recursive: true, force: true });
    }
  }

  private async readState(id: string): Promise<SessionRecord | null> {
    try {
      const rec = JSON.parse(await readFile(this.stateFile(id), 'utf8')) as SessionRecord;
      return rec && rec.version === 1 && rec.id === id && Array.isArray(rec.segments) && typeof rec.destination === 'string' ? rec : null;
    } catch {
      return null;
    }
  }

  /** Creates the session's directory, an empty request file and its state. */
  async create(rec: SessionRecord): Promise<void> {
    await mkdir(this.requestDir(rec.id), { recursive: true });
    await writeFile(this.requestFile(rec.id), '', { flag: 'wx' });
    this.sessions.set(rec.id, rec);
    try {
      await this.save(rec);
    } catch (e) {
      await this.remove(rec.id);
      throw e;
    }
  }

  /** Writes the state atomically (temp file + rename). */
  async save(rec: SessionRecord): Promise<void> {
    const file = this.stateFile(rec.id);
    const fh = await open(file + '.tmp', 'w');
    try {
      await fh.writeFile(JSON.stringify(rec));
    } finally {
      await fh.close();
    }
    await rename(file + '.tmp', file);
  }

  /** Forgets the session and deletes its request and reply data. */
  async remove(id: string): Promise<void> {
    this.sessions.delete(id);
    await rm(this.requestDir(id), { recursive: true, force: true });
    await rm(this.replyDir(id), { recursive: true, force: true });
  }

  /**
   * Runs `fn` after every earlier call for the same session has finished: one request per session
   * at a time, even when a client retries before its previous request has ended.
   */
  withLock<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const previous = this.locks.get(id) ?? Promise.resolve();
    const run = previous.then(fn, fn);
    const settled = run.catch(() => undefined);
    this.locks.set(id, settled);
    void settled.then(() => {
      if (this.locks.get(id) === settled) this.locks.delete(id);
    });
    return run;
  }
}
