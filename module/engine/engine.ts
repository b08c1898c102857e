// PortableEngine: our BITS-compatible engine (DESIGN §1), in-process, behind the Backend port.
// This file assembles its parts and answers the port: the job table (job-table.ts), the
// scheduler and workers (worker-pool.ts), the retry rules (retry.ts), the inactivity watch, the
// notifier, the vault; the operations themselves live in ops/ (queue, transitions, properties,
// reply, credentials). Rule of thumb for every operation: validate everything, then change the
// record, then save it, then act (start/stop workers) — so a failed call changes nothing and a
// reported state is durable.
import { EventEmitter } from 'node:events';
import { JobState } from '../api/enums.js';
import { DEFAULTS, LIMITS } from '../api/limits.js';
import type { JobPropertyName } from '../api/operations.js';
import type {
  CredentialsInput, FileInfoWire, HResultWire, JobErrorWire, JobSnapshotWire, NewFile, NotifyCmdLineWire,
  ProxySettingsWire, ReplyProgressWire,
} from '../api/types.js';
import type { Backend } from '../api/port.js';
import { realClock, type Clock } from './clock.js';
import { engineTuningFromEnv } from './config-env.js';
import { InactivityWatch } from './inactivity.js';
import type { JobRecord } from './job-record.js';
import { JobTable } from './job-table.js';
import { Notifier } from './notifier.js';
import * as credentialOps from './ops/credential-ops.js';
import * as ownershipOps from './ops/ownership-ops.js';
import type { EngineLimits, EngineParts } from './ops/parts.js';
import * as propertyOps from './ops/property-ops.js';
import * as queueOps from './ops/queue-ops.js';
import * as replyOps from './ops/reply-ops.js';
import * as transitionOps from './ops/transition-ops.js';
import { ownerSid } from './owner.js';
import { defaultStateDir, ensurePrivateDir, storePath } from '../common/paths.js';
import { RetryTimers } from './retry.js';
import { JobStore } from './store.js';
import { UploadHandover } from './upload-handover.js';
import { Vault } from './vault.js';
import { makeDownloadHost, makeUploadHost, transportFor } from './worker-hosts.js';
import { WorkerPool } from './worker-pool.js';
import { BandwidthGovernor } from './policy/governor.js';
import { policyPaths, type PolicyPaths } from '../common/policy/policy-file.js';
import { isParkedByPolicy } from './policy/policy-parking.js';
import type { PolicyStatus } from '../common/policy/policy-eval.js';

/** The engine's transfer settings (defaults: the workers' own; BITS_JOB2_* variables: config-env.ts). */
export interface EngineTransferOptions {
  checkpointIntervalMs?: number;
  checkpointBytes?: number;
  /** Uploads: every Fragment this many bytes (default: 1 MiB doubling to 13 MiB, fragment-size.ts). */
  fragmentBytes?: number;
  requestTimeoutMs?: number;
  idleTimeoutMs?: number;
  /** Extra CA certificates trusted for HTTPS servers. */
  tls?: { ca?: string | Buffer | Array<string | Buffer> };
}

export interface EngineOptions {
  stateDir?: string;
  clock?: Clock;
  /** Round-robin slice among equal background priorities (default 5 min, spec §5.3 [DECISION]). */
  timeSliceMs?: number;
  /** Limits a test or an administrator may lower (defaults: spec §6). */
  limits?: Partial<{ jobsPerUser: number; jobsPerMachine: number; filesPerJob: number }>;
  /** Downloader settings (checkpoint rate, timeouts, extra CA for HTTPS). */
  download?: EngineTransferOptions;
  log?: (line: string) => void;
  /** Bandwidth policy files (default: policyPaths(stateDir), module/engine/policy/README.md). */
  policyPaths?: PolicyPaths;
}

export class PortableEngine implements Backend {
  readonly kind = 'portable';
  /** 'state' (jobId, state) after every durable state change. */
  readonly events = new EventEmitter();
  /** Rows of the store that could not be read at open (reported, kept out of the queue). */
  readonly unreadable: string[];
  private readonly parts: EngineParts;
  private readonly inactivity: InactivityWatch;
  /** Bandwidth policy and yielding of background jobs (policy/governor.ts). */
  private readonly governor: BandwidthGovernor;
  private closed = false;

  private constructor(
    stateDir: string,
    private readonly store: JobStore,
    clock: Clock,
    private readonly options: EngineOptions,
    loaded: JobRecord[],
    unreadable: string[],
  ) {
    const log = (line: string): void => this.log(line);
    const vault = Vault.open(stateDir);
    const notifier: Notifier = new Notifier({ clock, log, save: (j) => store.save(j), find: (id): JobRecord | undefined => table.jobs.get(id) });
    const limits: EngineLimits = { jobsPerUser: LIMITS.jobsPerUser, jobsPerMachine: LIMITS.jobsPerMachine, filesPerJob: LIMITS.filesPerJob, ...options.limits };
    const table: JobTable = new JobTable(store, clock, notifier, this.events, loaded);
    const transport = (job: JobRecord) => transportFor(job, vault);
    const uploads = new UploadHandover(options.download?.tls, transport, log);
    const retry = new RetryTimers(table, clock, () => pool.reschedule(), log);
    const governor = new BandwidthGovernor({ paths: options.policyPaths ?? policyPaths(stateDir), clock, log, onChange: () => pool.reschedule() });
    const pacer = (job: JobRecord) => governor.pacerFor(job);
    const pool: WorkerPool = new WorkerPool({
      table,
      clock,
      timeSliceMs: options.timeSliceMs ?? DEFAULTS.timeSliceSeconds * 1000,
      downloadHost: { ...makeDownloadHost(table, clock, options.download, transport), pacer },
      uploadHost: { ...makeUploadHost(table, clock, options.download, transport, uploads, log), pacer },
      beforeSchedule: () => governor.apply(table, retry),
      onFailure: (job, e) => retry.onFailure(job, e),
      log,
    });
    this.governor = governor;
    this.parts = { table, pool, retry, notifier, uploads, vault, clock, owner: ownerSid(), limits };
    this.inactivity = new InactivityWatch(table, clock, (job) => void transitionOps.cancelJob(this.parts, job, false), log);
    this.unreadable = unreadable;
  }

  static async open(options: EngineOptions = {}): Promise<PortableEngine> {
    const tuning = engineTuningFromEnv(); // refuse bad settings before touching the store
    const dir = ensurePrivateDir(options.stateDir ?? defaultStateDir());
    const store = new JobStore(storePath(dir), (line) => options.log?.(line));
    const { jobs, unreadable } = store.loadAll();
    const merged: EngineOptions = { ...options, timeSliceMs: options.timeSliceMs ?? tuning.timeSliceMs, download: { ...tuning.download, ...options.download }, limits: { ...tuning.limits, ...options.limits } };
    const engine = new PortableEngine(dir, store, options.clock ?? realClock, merged, jobs, unreadable);
    for (const u of unreadable) engine.log(`store: ${u}`);
    engine.recover();
    return engine;
  }

  private log(line: string): void {
    this.options.log?.(line);
  }

  /** After a crash or a restart: interrupted transfers go back to QUEUED, retry timers are re-armed. */
  private recover(): void {
    const { table, retry, pool, notifier, clock } = this.parts;
    const now = clock.now();
    for (const job of table.jobs.values()) {
      if (job.state === JobState.CONNECTING || job.state === JobState.TRANSFERRING) {
        job.state = JobState.QUEUED;
        this.store.save(job);
      } else if (job.state === JobState.TRANSIENT_ERROR && !isParkedByPolicy(job)) {
        retry.arm(job, now);
      }
    }
    this.inactivity.check();
    pool.reschedule();
    for (const job of table.jobs.values()) notifier.check(job); // events notified before a crash but not yet answered with 0
  }

  /** The bandwidth policy in force (doctor, info, tests). */
  policyStatus(): PolicyStatus {
    return this.governor.status();
  }

  /** Re-reads the policy files now instead of at the next poll (tests). */
  reloadPolicy(): void {
    this.governor.reload();
  }

  /**
   * Every answer of the engine — a value or an error — waits until the changes made so far are
   * durable: the store commits in groups (store-commit.ts), and a state is never reported before
   * it would survive a crash. A failed commit turns a success into the store's error.
   */
  private reported<T>(answer: Promise<T>): Promise<T> {
    return answer.then(
      async (value) => {
        await this.store.durable();
        return value;
      },
      async (error: unknown) => {
        await this.store.durable().catch(() => {});
        throw error;
      },
    );
  }

  // ── IBackgroundCopyManager ───────────────────────────────────────────────────────────────────
  createJob(displayName: string, type: number): Promise<string> { return this.reported(queueOps.createJob(this.parts, displayName, type)); }
  getJob(jobId: string): Promise<JobSnapshotWire> { return this.reported(queueOps.getJob(this.parts, jobId)); }
  listJobs(options?: { allUsers?: boolean }): Promise<JobSnapshotWire[]> { return this.reported(queueOps.listJobs(this.parts, options)); }
  getErrorDescription(hresult: number): Promise<string> { return this.reported(queueOps.getErrorDescription(hresult)); }

  // ── IBackgroundCopyJob ───────────────────────────────────────────────────────────────────────
  describeJob(jobId: string): Promise<JobSnapshotWire> { return this.reported(queueOps.describeJob(this.parts, jobId)); }
  addFiles(jobId: string, files: NewFile[]): Promise<void> { return this.reported(queueOps.addFiles(this.parts, jobId, files)); }
  listFiles(jobId: string): Promise<FileInfoWire[]> { return this.reported(queueOps.listFiles(this.parts, jobId)); }
  resume(jobId: string): Promise<void> { return this.reported(transitionOps.resume(this.parts, jobId)); }
  suspend(jobId: string): Promise<void> { return this.reported(transitionOps.suspend(this.parts, jobId)); }
  complete(jobId: string): Promise<HResultWire> { return this.reported(transitionOps.complete(this.parts, jobId)); }
  cancel(jobId: string): Promise<HResultWire> { return this.reported(transitionOps.cancel(this.parts, jobId)); }
  getError(jobId: string): Promise<JobErrorWire> { return this.reported(propertyOps.getError(this.parts, jobId)); }
  setProperty(jobId: string, name: JobPropertyName, value: string | number): Promise<void> { return this.reported(propertyOps.setProperty(this.parts, jobId, name, value)); }
  setProxySettings(jobId: string, usage: number, proxyList: string | null, bypassList: string | null): Promise<void> {
    return this.reported(propertyOps.setProxySettings(this.parts, jobId, usage, proxyList, bypassList));
  }
  getProxySettings(jobId: string): Promise<ProxySettingsWire> { return this.reported(propertyOps.getProxySettings(this.parts, jobId)); }
  takeOwnership(jobId: string): Promise<void> { return this.reported(ownershipOps.takeOwnership(this.parts, jobId)); }
  /** TakeOwnership across users, the former owner's step 1 (ops/ownership-ops.ts). */
  handOverJob(jobId: string): Promise<object> { return this.reported(ownershipOps.handOverJob(this.parts, jobId, (l) => this.log(l))); }
  /** The former owner's step 2, once the new owner stored the job. */
  forgetHandedOver(jobId: string): Promise<void> { return this.reported(ownershipOps.forgetHandedOver(this.parts, jobId, (l) => this.log(l))); }
  /** The new owner's side: the handed-over record becomes this user's job. */
  adoptJob(raw: unknown): Promise<void> { return this.reported(ownershipOps.adoptJob(this.parts, raw, (l) => this.log(l))); }

  // ── IBackgroundCopyJob2 ──────────────────────────────────────────────────────────────────────
  setNotifyCmdLine(jobId: string, program: string | null, parameters: string | null): Promise<void> {
    return this.reported(replyOps.setNotifyCmdLine(this.parts, jobId, program, parameters));
  }
  getNotifyCmdLine(jobId: string): Promise<NotifyCmdLineWire> { return this.reported(replyOps.getNotifyCmdLine(this.parts, jobId)); }
  getReplyProgress(jobId: string): Promise<ReplyProgressWire> { return this.reported(replyOps.getReplyProgress(this.parts, jobId)); }
  getReplyData(jobId: string): Promise<string> { return this.reported(replyOps.getReplyData(this.parts, jobId)); }
  setReplyFileName(jobId: string, name: string | null): Promise<void> { return this.reported(replyOps.setReplyFileName(this.parts, jobId, name)); }
  getReplyFileName(jobId: string): Promise<string | null> { return this.reported(replyOps.getReplyFileName(this.parts, jobId)); }
  setCredentials(jobId: string, c: CredentialsInput): Promise<void> { return this.reported(credentialOps.setCredentials(this.parts, jobId, c)); }
  removeCredentials(jobId: string, target: number, scheme: number): Promise<HResultWire> {
    return this.reported(credentialOps.removeCredentials(this.parts, jobId, target, scheme));
  }

  /** Stops every worker at its last checkpoint and closes the store. Jobs resume at the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const { pool, retry, notifier, table } = this.parts;
    pool.halt();
    this.inactivity.close();
    retry.close();
    notifier.close();
    this.governor.close();
    await pool.stopAll(table.jobs.values());
    this.store.close();
  }
}
