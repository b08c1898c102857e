// An administrator's handle on one other user's store (module/service/all-users.ts): their running
// service over its socket, or — when it is not running — the store read as that user, read-only
// (store-peek.ts); for a change to a stopped user's job, their service started as that user
// (as-user.ts) and stopped again afterwards, so the administrator leaves things as found: a logged-off
// user's jobs do not start transferring because an administrator looked at or cancelled one of them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BitsError, bitsError } from '../api/bits-error.js';
import { JobState } from '../api/enums.js';
import { HR } from '../api/hresult.js';
import type { JobSnapshotWire } from '../api/types.js';
import { PeerConnection } from './peer-rpc.js';
import { socketPath } from './socket-path.js';
import type { PeekedJob } from './store-peek.js';
import type { UserAccount, UserStore } from './user-stores.js';
import { SERVICE_NODE_FLAGS } from './node-flags.js';

const E_FAIL = 0x80004005;
const here = (f: string) => fileURLToPath(new URL(f, import.meta.url));
const AS_USER = here('./as-user.js');
const SERVICE_MAIN = here('./main.js');
const STORE_PEEK = here('./store-peek.js');
const OWNER_ACCESS = here('./owner-access.js');
const START_TIMEOUT_MS = 10_000;

/** The environment a user's own processes would start from, not root's (no BITS_JOB2_STATE_DIR, no root HOME). */
function userEnv(user: UserAccount): NodeJS.ProcessEnv {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name, PATH: process.env.PATH ?? '/usr/local/bin:/usr/bin:/bin', LANG: process.env.LANG ?? 'C.UTF-8' };
}

/** Runs `script args…` as the user and returns its stdout (it must exit 0 within 30 s). */
function runAsUser(user: UserAccount, script: string, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AS_USER, String(user.uid), String(user.gid), user.name, script, ...args], {
      env: userEnv(user), cwd: existsSync(user.home) ? user.home : '/', stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', (e) => reject(bitsError(E_FAIL, `Cannot run ${script} as ${user.name}: ${e.message}`)));
    child.on('close', (code) => {
      clearTimeout(timer);
      if (code === 0) resolve(out);
      else reject(bitsError(E_FAIL, `Reading ${user.name}'s jobs as ${user.name} failed (exit ${code}): ${err.trim() || 'no message'}`));
    });
  });
}

export class UserSession {
  private conn?: PeerConnection;
  private connecting?: Promise<PeerConnection | undefined>;
  private peeked?: Promise<PeekedJob[]>;
  /** This session started the user's service (and stops it at close). */
  private started = false;

  constructor(readonly store: UserStore, private readonly admin: { user: string }) {}

  get user(): UserAccount {
    return this.store.user;
  }

  /** The user's service if it runs (start: start it as the user if not); undefined when not running and not started. */
  connection(start: boolean): Promise<PeerConnection | undefined> {
    if (this.conn) return Promise.resolve(this.conn);
    const attempt = (this.connecting ??= this.dial().finally(() => (this.connecting = undefined)));
    return attempt.then((c) => (c || !start ? c : this.startService()));
  }

  private async dial(): Promise<PeerConnection | undefined> {
    let c: PeerConnection;
    try {
      c = await PeerConnection.open(socketPath(this.store.stateDir));
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ECONNREFUSED') return undefined;
      throw bitsError(E_FAIL, `Cannot reach ${this.user.name}'s bits-job2 service in ${this.store.stateDir}: ${(e as Error).message}`);
    }
    try {
      await c.call('adminHello', [{ uid: 0, user: this.admin.user, pid: process.pid }]);
    } catch (e) {
      c.close();
      // A service of an older version has no adminHello: its unlogged calls would still work, but
      // the user would not see who did what, so we do not use it.
      throw bitsError(E_FAIL, `${this.user.name}'s bits-job2 service in ${this.store.stateDir} does not accept an administrator (${BitsError.from(e).message}); restart it with this version.`);
    }
    this.conn = c;
    return c;
  }

  private async startService(): Promise<PeerConnection> {
    const u = this.user;
    const child = spawn(process.execPath, [...SERVICE_NODE_FLAGS, AS_USER, String(u.uid), String(u.gid), u.name, SERVICE_MAIN, '--state-dir', this.store.stateDir], {
      env: userEnv(u), cwd: existsSync(u.home) ? u.home : '/', stdio: 'ignore', detached: true,
    });
    child.unref();
    this.started = true;
    const deadline = Date.now() + START_TIMEOUT_MS;
    for (let wait = 20; Date.now() < deadline; wait = Math.min(wait * 2, 200)) {
      const c = await this.dial();
      if (c) return c;
      await new Promise((r) => setTimeout(r, wait));
    }
    throw bitsError(E_FAIL, `${u.name}'s bits-job2 service did not start within ${START_TIMEOUT_MS / 1000} s (state dir ${this.store.stateDir}; see its service.log).`);
  }

  /** Every job of the store, read as the user without starting anything (store-peek.ts). */
  peek(): Promise<PeekedJob[]> {
    this.peeked ??= runAsUser(this.user, STORE_PEEK, [this.store.stateDir]).then((out) => {
      const doc = JSON.parse(out) as { jobs?: unknown };
      if (!Array.isArray(doc.jobs)) throw bitsError(E_FAIL, `The store of ${this.user.name} could not be read.`);
      return doc.jobs as PeekedJob[];
    });
    return this.peeked;
  }

  /** The user's queued jobs (final ones have left the queue, as for EnumJobs). */
  async listJobs(): Promise<JobSnapshotWire[]> {
    const c = await this.connection(false);
    const snaps = c ? await c.call<JobSnapshotWire[]>('listJobs', []) : (await this.peek()).map((j) => j.snapshot).filter((s) => s.state !== JobState.ACKNOWLEDGED && s.state !== JobState.CANCELLED);
    if (!Array.isArray(snaps)) throw bitsError(E_FAIL, `${this.user.name}'s service did not answer listJobs with a list.`);
    return snaps;
  }

  /** Whether the job is in this store (any state the store remembers). */
  async has(jobId: string): Promise<boolean> {
    const c = await this.connection(false);
    if (!c) return (await this.peek()).some((j) => j.snapshot?.id === jobId);
    try {
      await c.call('describeJob', [jobId]);
      return true;
    } catch (e) {
      if (e instanceof BitsError && e.hresult === HR.BG_E_NOT_FOUND) return false;
      throw e;
    }
  }

  /** What the user could not do with these files, checked as the user (owner-access.ts). */
  async refusedAccess(wanted: { path: string; need: 'read' | 'write-dir' }[]): Promise<string[]> {
    return JSON.parse(await runAsUser(this.user, OWNER_ACCESS, [JSON.stringify(wanted)])) as string[];
  }

  /** Closes the connection; a service this session started is asked to stop (jobs wait for their owner again). */
  async close(): Promise<void> {
    const c = this.conn;
    this.conn = undefined;
    if (c && this.started) await c.call('shutdown', []).catch(() => undefined);
    c?.close();
  }
}
