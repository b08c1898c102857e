// The administrator's view of every user's jobs (BG_JOB_ENUM_ALL_USERS, spec §4.3; TakeOwnership,
// spec §4.2) for the portable backends. Design (module/service/README.md "Administrators"):
//
// There is no machine-wide queue: each user has their own service and store (DESIGN §4). So root's
// Backend is this decorator around root's own one (service client or in-process engine), put there
// by openBackend when the caller is root on POSIX. It reaches the other users' stores (found by
// user-stores.ts) through user-session.ts:
//   - list --all-users: root's own jobs, then each user's, from their running service over its
//     socket (root passes the 0700/0600 permissions) or, when it is not running, from their store
//     read as that user, read-only. Snapshots carry the owner the store's directory belongs to
//     (S-1-22-1-uid), not what the store claims. A store that cannot be read is reported
//     (listProblems), never silently left out.
//   - a job call (info, cancel, suspend, resume, complete, set …) on an id root does not own goes to
//     the store holding it: to the user's service, which does the work with the user's rights (a
//     cancelled job's temp files are deleted by their owner). On a stopped service, reads are answered
//     from the read-only store; a change starts the service as the user and stops it afterwards.
//   - take-ownership moves the job into root's own store, as BITS does ("the job then runs with the
//     new owner's credentials"): the user's service hands the record over (the transfer stops, the job
//     stays there until root has stored it, so a crash loses nothing), root checks as the former
//     owner that they could reach every file of the job (else root would read or write files for a
//     user who could not), root's engine rebuilds and adopts it (engine/adopt.ts: credentials and
//     notify command line removed, as BITS does; temp names derived, not taken), then the user's
//     service forgets it, leaving the files in place.
// Every call on another user's job is written to admin.log in root's state dir (who, what, whose
// job, via service or store) and to the user's service.log (admin-peer.ts).
import { appendFileSync } from 'node:fs';
import { join } from 'node:path';
import { userInfo } from 'node:os';
import { BitsError, bitsError } from '../api/bits-error.js';
import { JobState } from '../api/enums.js';
import { HR } from '../api/hresult.js';
import type { JobSnapshotWire } from '../api/types.js';
import type { Backend, BackendMethod } from '../api/port.js';
import { PORT, READ_ONLY_METHODS, portOf } from '../api/port.js';
import type { UserSession } from './user-session.js';

/**
 * What reaches other users' stores, loaded on first use: root's `info` and `list` of its own jobs
 * (every root CLI command builds this decorator) never need these six modules, whose loading was
 * a tenth of the CLI's start-up.
 */
async function peerModules() {
  const [adopt, peerRpc, userSession, userStores] = await Promise.all([
    import('../engine/adopt.js'), import('./peer-rpc.js'), import('./user-session.js'), import('./user-stores.js'),
  ]);
  return { ...adopt, ...peerRpc, ...userSession, ...userStores };
}
type PeerModules = Awaited<ReturnType<typeof peerModules>>;

/** Job methods a stopped user's store answers without starting their service. */
const FROM_STORE: Partial<Record<BackendMethod, (j: import('./store-peek.js').PeekedJob) => unknown>> = {
  getJob: (j) => {
    if (j.snapshot.state === JobState.ACKNOWLEDGED || j.snapshot.state === JobState.CANCELLED) throw bitsError(HR.BG_E_NOT_FOUND, `Job ${j.snapshot.id} has left the queue.`);
    return j.snapshot;
  },
  describeJob: (j) => j.snapshot,
  listFiles: (j) => j.files,
  getError: (j) => {
    if (!j.error) throw bitsError(HR.BG_E_ERROR_INFORMATION_UNAVAILABLE, 'The job is not in ERROR or TRANSIENT_ERROR.');
    return j.error;
  },
  getProxySettings: (j) => j.snapshot.proxy,
  getNotifyCmdLine: (j) => j.snapshot.notifyCmdLine,
};


const isNotFound = (e: unknown) => e instanceof BitsError && e.hresult === HR.BG_E_NOT_FOUND;

export interface AllUsersOptions {
  /** Root's own state dir: admin.log goes there. */
  stateDir: string;
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the port methods are installed below the class
export class AllUsersBackend implements Backend {
  readonly kind: string;
  /** Stores that could not be read by the last listJobs({allUsers}) (user and reason). */
  listProblems: string[] = [];
  private sessions?: UserSession[];
  private modules?: Promise<PeerModules>;
  private readonly located = new Map<string, UserSession>();
  private readonly admin = userInfo().username;
  private readonly ownUid = process.getuid!();

  constructor(readonly inner: Backend, private readonly options: AllUsersOptions) {
    this.kind = inner.kind;
  }

  private peers(): Promise<PeerModules> {
    this.modules ??= peerModules();
    return this.modules;
  }

  private async users(): Promise<UserSession[]> {
    const { discoverUserStores, UserSession } = await this.peers();
    this.sessions ??= discoverUserStores(this.ownUid).map((s) => new UserSession(s, { user: this.admin }));
    return this.sessions;
  }

  private audit(line: string): void {
    try {
      appendFileSync(join(this.options.stateDir, 'admin.log'), `${new Date().toISOString()} [${process.pid}] ${this.admin} (uid ${this.ownUid}): ${line}\n`, { mode: 0o600 });
    } catch {
      /* the action's outcome does not depend on its log line */
    }
  }

  async listJobs(options?: { allUsers?: boolean }): Promise<JobSnapshotWire[]> {
    const own = await this.inner.listJobs(options);
    if (!options?.allUsers) return own;
    this.listProblems = [];
    const seen = new Set(own.map((s) => s.id));
    const { ownerSidOf } = await this.peers();
    const others = await Promise.all((await this.users()).map(async (u) => {
      try {
        const owner = ownerSidOf(u.user.uid);
        return (await u.listJobs()).filter((s) => s && typeof s.id === 'string').map((s) => ({ ...s, owner }));
      } catch (e) {
        this.listProblems.push(`${u.user.name} (${u.store.stateDir}): ${BitsError.from(e).message}`);
        return [];
      }
    }));
    const all = [...own];
    for (const s of others.flat()) if (!seen.has(s.id)) (seen.add(s.id), all.push(s));
    return all;
  }

  /** The user session whose store holds the job, or undefined. */
  private async locate(jobId: string): Promise<UserSession | undefined> {
    const id = String(jobId).replace(/[{}]/g, '').toLowerCase();
    const cached = this.located.get(id);
    if (cached) return cached;
    for (const u of await this.users()) {
      try {
        if (await u.has(id)) {
          this.located.set(id, u);
          return u;
        }
      } catch {
        // an unreadable store cannot hold the answer; the next may
      }
    }
    return undefined;
  }

  /** Root's own job first; an id root does not have goes to the user whose store holds it. */
  private async route<T>(method: BackendMethod, jobId: string, rest: unknown[]): Promise<T> {
    const own = (this.inner[method] as (...a: unknown[]) => Promise<T>).bind(this.inner);
    try {
      return await own(jobId, ...rest);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      const u = await this.locate(jobId);
      if (!u) throw e;
      const { ownerSidOf } = await this.peers();
      const running = await u.connection(false);
      const answer = FROM_STORE[method];
      if (!running && answer) {
        const j = (await u.peek()).find((x) => x.snapshot.id === String(jobId).replace(/[{}]/g, '').toLowerCase());
        if (!j) throw e;
        return answer({ ...j, snapshot: { ...j.snapshot, owner: ownerSidOf(u.user.uid) } }) as T;
      }
      const c = running ?? (await u.connection(true))!;
      const how = running ? 'service' : 'service started as the user';
      try {
        const result = await c.call<T>(method, [jobId, ...rest]);
        if (!READ_ONLY_METHODS.has(method)) this.audit(`${method} ${jobId} of ${u.user.name} (uid ${u.user.uid}) via ${how}: done`);
        if (portOf(method)?.result === 'snapshot' && result && typeof result === 'object') return { ...result, owner: ownerSidOf(u.user.uid) } as T;
        return result;
      } catch (err) {
        if (!READ_ONLY_METHODS.has(method)) this.audit(`${method} ${jobId} of ${u.user.name} (uid ${u.user.uid}) via ${how}: failed ${BitsError.from(err).code}`);
        throw err;
      }
    }
  }

  /** TakeOwnership: another user's job becomes root's (see the top of this file). Root's own job: nothing to do. */
  async takeOwnership(jobId: string): Promise<void> {
    let ownHasIt = true;
    try {
      await this.inner.describeJob(jobId);
    } catch (e) {
      if (!isNotFound(e)) throw e;
      ownHasIt = false;
    }
    const u = await this.locate(jobId);
    if (ownHasIt) {
      // Already root's. A copy left in a user's store by an interrupted hand-over is removed now.
      if (u) await (await u.connection(true))!.call('forgetHandedOver', [jobId]).catch(() => undefined);
      return;
    }
    if (!u) throw bitsError(HR.BG_E_NOT_FOUND, `No user's store holds job ${jobId}: list them with \`bits-job2 list --all-users\`.`);
    const c = (await u.connection(true))!;
    const record = await c.call<Record<string, unknown>>('handOverJob', [jobId]);
    const from = `${u.user.name} (uid ${u.user.uid})`;
    const { accessNeeded, adoptedRecord, ownerSidOf } = await this.peers();
    try {
      const job = adoptedRecord(record, ownerSidOf(this.ownUid), Date.now());
      const refused = await u.refusedAccess(accessNeeded(job));
      if (refused.length) {
        throw bitsError(HR.E_ACCESSDENIED, `${u.user.name} could not reach the job's files (${refused.join('; ')}): taking it over would let root do for them what they may not. The job stays theirs.`);
      }
      await this.adopt(job);
    } catch (e) {
      // Give the job back as it was: the hand-over suspended it only to stop its transfer.
      if (record.state === JobState.QUEUED || record.state === JobState.TRANSIENT_ERROR) await c.call('resume', [jobId]).catch(() => undefined);
      this.audit(`takeOwnership ${jobId} of ${from}: failed ${BitsError.from(e).code}: ${BitsError.from(e).message}`);
      throw e;
    }
    try {
      await c.call('forgetHandedOver', [jobId]);
    } catch (e) {
      this.audit(`takeOwnership ${jobId} of ${from}: adopted, but not yet removed from their store`);
      throw bitsError(HR.E_FAIL ?? 0x80004005, `Job ${jobId} is now yours, but ${u.user.name}'s store still lists it (${BitsError.from(e).message}). Run take-ownership again to remove that copy; do not cancel it there (that would delete the files your job uses).`);
    }
    this.located.delete(String(jobId).toLowerCase());
    this.audit(`takeOwnership ${jobId} of ${from}: the job is now ${this.admin}'s (credentials and notify command line removed)`);
  }

  /** Into root's own store: the in-process engine directly, root's service over its socket. */
  private async adopt(job: unknown): Promise<void> {
    const inner = this.inner as Backend & { adoptJob?: (r: unknown) => Promise<void>; socketPath?: string };
    if (typeof inner.adoptJob === 'function') return inner.adoptJob(job);
    if (typeof inner.socketPath !== 'string') throw bitsError(HR.E_NOTIMPL, `The ${inner.kind} backend cannot adopt jobs.`);
    const { PeerConnection } = await this.peers();
    const c = await PeerConnection.open(inner.socketPath);
    try {
      await c.call('adminHello', [{ uid: 0, user: this.admin, pid: process.pid }]);
      await c.call('adoptJob', [job]);
    } finally {
      c.close();
    }
  }

  async close(): Promise<void> {
    await Promise.all((this.sessions ?? []).map((u) => u.close()));
    await this.inner.close();
  }
}

// The rest of the port, from its description (module/api/port.ts), none written by hand: a job
// method (its first argument a job id) is root's own or routed to the store holding the job; the
// others (createJob, getErrorDescription) are root's own. A method written above stays.
for (const port of PORT) {
  if (Object.prototype.hasOwnProperty.call(AllUsersBackend.prototype, port.method)) continue;
  const isJobMethod = port.args[0]?.[1] === 'jobId';
  Object.defineProperty(AllUsersBackend.prototype, port.method, {
    value: isJobMethod
      ? function (this: AllUsersBackend, jobId: string, ...rest: unknown[]) {
          return this['route'](port.method as BackendMethod, jobId, rest);
        }
      : function (this: AllUsersBackend, ...args: unknown[]) {
          return (this.inner[port.method as BackendMethod] as (...a: unknown[]) => Promise<unknown>)(...args);
        },
    writable: true,
    configurable: true,
  });
}

// eslint-disable-next-line @typescript-eslint/no-unsafe-declaration-merging -- the methods installed above
export interface AllUsersBackend extends Backend {}
