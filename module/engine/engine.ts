// PortableEngine: our BITS-compatible engine (DESIGN §1), in-process, behind the Backend port.
// It owns the job store, the state machine of spec §5.2, the scheduler of §5.3 and the workers.
// Rule of thumb for every method: validate everything, then change the record, then save it,
// then act (start/stop workers) — so a failed call changes nothing and a reported state is durable.
import { randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { closeSync, existsSync, fdatasyncSync, fstatSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { bitsError, BitsError } from '../api/bits-error.js';
import { ErrorContext, JobPriority, JobState, JobType, NOTIFY_FLAGS_VALID_MASK, ProxyUsage, AuthScheme, AuthTarget } from '../api/enums.js';
import { HR, hresultMessage, hresultName } from '../api/hresult.js';
import { DEFAULTS, LIMITS } from '../api/limits.js';
import type { JobPropertyName } from '../api/operations.js';
import type {
  CredentialsInput, FileInfoWire, HResultWire, JobErrorWire, JobSnapshotWire, NewFile, NotifyCmdLineWire,
  ProxySettingsWire, ReplyProgressWire,
} from '../api/types.js';
import type { Backend } from '../core/backend.js';
import { realClock, type Clock, type TimerHandle } from './clock.js';
import { runDownloadJob, type WorkerHost } from './download-worker.js';
import { CANCEL_REASON, runUploadJob, type UploadHost } from './upload-worker.js';
import type { SessionConnection } from './upload/session-connection.js';
import { cancelSession } from './upload/upload-client.js';
import type { FileRecord, JobRecord } from './job-record.js';
import { defaultStateDir, ensurePrivateDir, storePath } from './paths.js';
import { engineTuningFromEnv } from './config-env.js';
import { decideSchedule } from './scheduler.js';
import { errorInfo, fileInfo, snapshot } from './snapshot.js';
import { JobStore } from './store.js';
import { Vault } from './vault.js';
import { validateNotifyCmdLine } from './notify/notify-cmdline.js';
import { Notifier } from './notifier.js';
import type { TransportOptions } from './transport-port.js';
import type { TransferPacer } from './rate/pacer.js';
import { allPacers, YieldControllers } from './rate/yield-controller.js';
import { checkLocalPath, checkRemoteUrl, checkSeconds, checkString, normalizeJobId } from './validate.js';
import { policyPaths, type PolicyPaths } from './policy/policy-file.js';
import { PolicyRuntime, type PolicyStatus } from './policy/policy-runtime.js';
import { isParkedByPolicy, markBlocked, markReleased, policyAction } from './policy/policy-parking.js';

const FINAL: readonly number[] = [JobState.ACKNOWLEDGED, JobState.CANCELLED];
const ACTIVE: readonly number[] = [JobState.QUEUED, JobState.CONNECTING, JobState.TRANSFERRING];
const DAY_MS = 24 * 3600 * 1000;

export interface EngineOptions {
  stateDir?: string;
  clock?: Clock;
  /** Round-robin slice among equal background priorities (default 5 min, spec §5.3 [DECISION]). */
  timeSliceMs?: number;
  /** Limits a test or an administrator may lower (defaults: spec §6). */
  limits?: Partial<{ jobsPerUser: number; jobsPerMachine: number; filesPerJob: number }>;
  /** Downloader settings (checkpoint rate, timeouts, extra CA for HTTPS). */
  download?: WorkerHost['downloadOptions'];
  log?: (line: string) => void;
  /** Bandwidth policy files (default: policyPaths(stateDir), module/engine/policy/README.md). */
  policyPaths?: PolicyPaths;
}

interface Worker {
  controller: AbortController;
  done: Promise<void>;
  sliceStartedAt: number;
}

export class PortableEngine implements Backend {
  readonly kind = 'portable';
  /** 'state' (jobId, state) after every durable state change. */
  readonly events = new EventEmitter();
  private readonly jobs = new Map<string, JobRecord>();
  private readonly workers = new Map<string, Worker>();
  /** Workers told to stop but maybe still holding their temp file; a new worker waits for them. */
  private readonly stopping = new Map<string, Promise<void>>();
  private readonly live = new Map<string, number>(); // `${jobId}:${index}` → live byte position
  private readonly timers = new Map<string, TimerHandle>();
  private sliceTimer: TimerHandle | null = null;
  private inactivityTimer: TimerHandle | null = null;
  private closed = false;
  private readonly owner: string;
  private readonly vault: Vault;
  private readonly notifier: Notifier;
  /** Bandwidth policy (Group Policy's background limits): shared cap, block, schedule. */
  private readonly policy: PolicyRuntime;
  /** Delay-based yielding of background jobs, one controller per server (rate/yield-controller.ts). */
  private readonly yields = new YieldControllers();
  private readonly limits: { jobsPerUser: number; jobsPerMachine: number; filesPerJob: number };
  /** Rows of the store that could not be read at open (reported, kept out of the queue). */
  readonly unreadable: string[];

  private constructor(
    stateDir: string,
    private readonly store: JobStore,
    private readonly clock: Clock,
    private readonly options: EngineOptions,
    loaded: JobRecord[],
    unreadable: string[],
  ) {
    this.owner = ownerSid();
    this.vault = Vault.open(stateDir);
    this.notifier = new Notifier({ clock, log: (l) => this.log(l), save: (j) => this.store.save(j), find: (id) => this.jobs.get(id) });
    this.limits = { jobsPerUser: LIMITS.jobsPerUser, jobsPerMachine: LIMITS.jobsPerMachine, filesPerJob: LIMITS.filesPerJob, ...options.limits };
    this.unreadable = unreadable;
    for (const j of loaded) this.jobs.set(j.id, j);
    this.policy = new PolicyRuntime({ paths: options.policyPaths ?? policyPaths(stateDir), clock, log: (l) => this.log(l), onChange: () => this.reschedule() });
    this.workerHost = this.makeWorkerHost();
    this.uploadHost = this.makeUploadHost();
  }

  static async open(options: EngineOptions = {}): Promise<PortableEngine> {
    const tuning = engineTuningFromEnv(); // refuse bad settings before touching the store
    const dir = ensurePrivateDir(options.stateDir ?? defaultStateDir());
    const store = new JobStore(storePath(dir));
    const { jobs, unreadable } = store.loadAll();
    const merged: EngineOptions = { ...options, timeSliceMs: options.timeSliceMs ?? tuning.timeSliceMs, download: { ...tuning.download, ...options.download } };
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
    const now = this.clock.now();
    for (const job of this.jobs.values()) {
      if (job.state === JobState.CONNECTING || job.state === JobState.TRANSFERRING) {
        job.state = JobState.QUEUED;
        this.store.save(job);
      } else if (job.state === JobState.TRANSIENT_ERROR && !isParkedByPolicy(job)) {
        this.armRetry(job, now);
      }
    }
    this.checkInactivity();
    this.reschedule();
    for (const job of this.jobs.values()) this.notifier.check(job); // events notified before a crash but not yet answered with 0
  }

  // ── helpers ──────────────────────────────────────────────────────────────────────────────────

  private find(jobId: unknown): JobRecord {
    const job = this.jobs.get(normalizeJobId(jobId));
    if (!job) throw bitsError(HR.BG_E_NOT_FOUND, `No job with id ${String(jobId)}: list your jobs with \`bits-job2 list\`.`);
    return job;
  }

  private findMutable(jobId: unknown): JobRecord {
    const job = this.find(jobId);
    if (FINAL.includes(job.state)) throw invalidState(job);
    return job;
  }

  private liveBytes = (job: JobRecord, f: FileRecord): number => this.live.get(`${job.id}:${f.index}`) ?? f.bytesTransferred;

  /** Persists the job and announces a state change (durable before reported). */
  private commit(job: JobRecord, touch = true): void {
    if (touch) job.modifiedAt = this.clock.now();
    this.store.save(job);
    this.events.emit('state', job.id, job.state);
  }

  private setState(job: JobRecord, state: number): void {
    job.state = state;
    if (state === JobState.QUEUED) job.queuedAt = this.clock.now();
    if (state === JobState.TRANSFERRED) job.transferCompletedAt = this.clock.now();
    if (state !== JobState.TRANSFERRED && state !== JobState.ERROR) this.notifier.reset(job); // the next one is a new event
    this.commit(job);
    this.notifier.check(job);
  }

  private clearTimer(jobId: string): void {
    this.timers.get(jobId)?.cancel();
    this.timers.delete(jobId);
  }

  /** Stops the job's worker (if any) and waits until it has let go of its files. */
  private async stopWorker(job: JobRecord, reason?: string): Promise<void> {
    const w = this.workers.get(job.id);
    if (!w) return;
    w.controller.abort(reason);
    await w.done.catch(() => undefined);
    this.keepWrittenBytes(job);
  }

  /**
   * After an orderly stop (Suspend, preemption, close) the temp file may hold bytes written after
   * the last checkpoint. Make them durable and record them, so Resume continues where the transfer
   * stopped instead of at the last checkpoint. (After a crash the checkpoint is all we trust.)
   */
  private keepWrittenBytes(job: JobRecord): void {
    for (const f of job.files) {
      const live = this.live.get(`${job.id}:${f.index}`);
      if (f.transferred || live === undefined || live <= f.bytesTransferred) continue;
      try {
        const fd = openSync(f.tempName, 'r+');
        try {
          const size = fstatSync(fd).size;
          fdatasyncSync(fd);
          f.bytesTransferred = Math.min(live, size);
        } finally {
          closeSync(fd);
        }
        this.store.checkpoint(job, f);
      } catch {
        // The temp file is gone or unreadable: the last checkpoint stands.
      }
    }
  }

  // ── scheduler ────────────────────────────────────────────────────────────────────────────────

  /** The bandwidth policy in force (doctor, info, tests). */
  policyStatus(): PolicyStatus {
    return this.policy.status();
  }

  /** Re-reads the policy files now instead of at the next poll (tests). */
  reloadPolicy(): void {
    this.policy.reload();
  }

  /** Parks background jobs while the policy blocks them, releases them when it lifts (policy-parking.ts). */
  private applyPolicy(): void {
    const blocked = this.policy.inForce.blocked;
    for (const job of this.jobs.values()) {
      const action = policyAction(job, blocked);
      if (action === 'park') {
        this.clearTimer(job.id);
        markBlocked(job, this.policy.status());
        this.setState(job, JobState.TRANSIENT_ERROR); // not ACTIVE: reschedule() stops its worker
      } else if (action === 'release') {
        markReleased(job);
        this.setState(job, JobState.QUEUED);
      }
    }
  }

  private reschedule(): void {
    if (this.closed) return;
    this.applyPolicy();
    const now = this.clock.now();
    const running = new Map([...this.workers].map(([id, w]) => [id, w.sliceStartedAt]));
    const { run, sliceEndsAt } = decideSchedule({ jobs: this.jobs.values(), running, now, timeSliceMs: this.options.timeSliceMs ?? DEFAULTS.timeSliceSeconds * 1000 });
    for (const id of this.workers.keys()) {
      if (!run.has(id)) {
        const job = this.jobs.get(id)!;
        // Preempted or slice over: back to QUEUED, behind its peers (round-robin).
        const w = this.workers.get(id)!;
        w.controller.abort();
        this.workers.delete(id);
        const settled = w.done.catch(() => undefined).then(() => this.keepWrittenBytes(job));
        this.stopping.set(id, settled);
        void settled.finally(() => { if (this.stopping.get(id) === settled) this.stopping.delete(id); });
        if (ACTIVE.includes(job.state)) this.setState(job, JobState.QUEUED);
      }
    }
    for (const id of run) if (!this.workers.has(id)) this.startWorker(this.jobs.get(id)!);
    this.sliceTimer?.cancel();
    this.sliceTimer = sliceEndsAt === null ? null : this.clock.setTimer(() => this.reschedule(), Math.max(0, sliceEndsAt - now));
  }

  private startWorker(job: JobRecord): void {
    const controller = new AbortController();
    this.setState(job, JobState.CONNECTING);
    const worker: Worker = { controller, sliceStartedAt: this.clock.now(), done: Promise.resolve() };
    this.workers.set(job.id, worker);
    worker.done = this.runWorker(job, controller.signal).finally(() => {
      if (this.workers.get(job.id) === worker) this.workers.delete(job.id);
    });
  }

  private async runWorker(job: JobRecord, signal: AbortSignal): Promise<void> {
    await this.stopping.get(job.id); // never two workers on one temp file
    try {
      if (job.type === JobType.DOWNLOAD) await runDownloadJob(job, this.workerHost, signal);
      else await runUploadJob(job, this.uploadHost, signal);
      if (signal.aborted) return;
      job.firstTransientAt = null;
      this.setState(job, JobState.TRANSFERRED);
      this.log(`job ${job.id} TRANSFERRED`);
    } catch (e) {
      if (signal.aborted || (e as Error).name === 'AbortError') return;
      this.onFailure(job, e);
    } finally {
      if (!signal.aborted) queueMicrotask(() => this.reschedule());
    }
  }

  private readonly workerHost: WorkerHost;
  private readonly uploadHost: UploadHost;
  /** Connections of cancelled uploads, between the worker's stop and the Cancel-Session (never longer). */
  private readonly handedOver = new Map<string, SessionConnection>();

  private makeWorkerHost(): WorkerHost {
    return {
      transport: (job) => this.transportFor(job),
      pacer: (job) => this.pacerFor(job),
      downloadOptions: { ...(this.options.download ?? {}) },
      connected: (job) => {
        if (job.state === JobState.CONNECTING) this.setState(job, JobState.TRANSFERRING);
      },
      progress: (job, file, position) => {
        this.live.set(`${job.id}:${file.index}`, position);
        if (position > file.bytesTransferred) job.firstTransientAt = null; // progress resets the no-progress clock
      },
      checkpoint: (job, file) => {
        job.modifiedAt = this.clock.now();
        this.store.checkpoint(job, file);
      },
      restarted: (job, file) => {
        this.live.set(`${job.id}:${file.index}`, 0);
        this.commit(job);
      },
      fileDone: (job, file) => {
        // The downloader already stamped the temp file with the server's Last-Modified.
        this.live.delete(`${job.id}:${file.index}`);
        this.commit(job);
      },
    };
  }

  private makeUploadHost(): UploadHost {
    return {
      options: { ...(this.options.download ?? {}) },
      now: () => this.clock.now(),
      connected: (job) => {
        if (job.state === JobState.CONNECTING) this.setState(job, JobState.TRANSFERRING);
      },
      persist: (job) => {
        const f = job.files[0];
        if (f) {
          this.live.set(`${job.id}:${f.index}`, f.bytesTransferred);
          if (f.bytesTransferred > 0) job.firstTransientAt = null;
        }
        job.modifiedAt = this.clock.now();
        this.store.save(job);
      },
      replyProgress: (job, position) => {
        this.live.set(`${job.id}:reply`, position);
        job.firstTransientAt = null;
      },
      replyPath: (job) => this.replyPath(job)!,
      handOver: (job, connection) => {
        this.handedOver.get(job.id)?.close();
        this.handedOver.set(job.id, connection);
      },
      log: (line) => this.log(line),
      transport: (job) => this.transportFor(job),
      pacer: (job) => this.pacerFor(job),
    };
  }

  /** Background jobs share the policy's token bucket; FOREGROUND jobs are never paced (spec §5.3). */
  private pacerFor(job: JobRecord): TransferPacer | undefined {
    if (job.priority === JobPriority.FOREGROUND) return undefined;
    const url = (job.files.find((f) => !f.transferred) ?? job.files[0])?.remoteName;
    return allPacers(this.policy.pacer, url ? this.yields.for(url) : undefined);
  }

  /** The reply file name: explicit, else `<local upload file>.<job id>.reply` (spec §3.5 [DECISION]); null before both. */
  private replyPath(job: JobRecord): string | null {
    if (job.replyFileName) return job.replyFileName;
    const f = job.files[0];
    return f ? `${f.localName}.${job.id}.reply` : null;
  }

  private replyProgressOf(job: JobRecord): ReplyProgressWire {
    const r = job.reply;
    if (!r || r.bytesTotal === null) return { bytesTotal: null, bytesTransferred: 0 };
    return { bytesTotal: r.bytesTotal, bytesTransferred: r.done ? r.bytesTotal : this.live.get(`${job.id}:reply`) ?? r.bytesTransferred };
  }

  private snap(job: JobRecord): JobSnapshotWire {
    const reply = job.type === JobType.UPLOAD_REPLY ? { fileName: this.replyPath(job), progress: this.replyProgressOf(job) } : null;
    return snapshot(job, this.liveBytes, reply);
  }

  /** TRANSFERRING/CONNECTING → TRANSIENT_ERROR or ERROR (spec §5.2), with the retry rules of §4.1. */
  private onFailure(job: JobRecord, e: unknown): void {
    const err = BitsError.from(e);
    const transient = (e as { transient?: boolean }).transient === true;
    const fileIndex = job.files.findIndex((f) => !f.transferred);
    job.error = {
      hresult: err.hresult,
      context: err.context,
      message: err.message,
      fileIndex: fileIndex >= 0 && err.context !== ErrorContext.GENERAL_QUEUE_MANAGER ? fileIndex : null,
      protocol: err.context === ErrorContext.REMOTE_FILE || err.context === ErrorContext.GENERAL_TRANSPORT ? 'http' : null,
    };
    job.errorCount++;
    const now = this.clock.now();
    if (!transient) {
      this.log(`job ${job.id} ERROR ${hresultName(err.hresult)}: ${err.message}`);
      this.setState(job, JobState.ERROR);
      return;
    }
    job.firstTransientAt ??= now;
    this.log(`job ${job.id} TRANSIENT_ERROR ${hresultName(err.hresult)}: ${err.message}`);
    if (job.noProgressTimeout === 0 || job.minimumRetryDelay > job.noProgressTimeout) {
      this.setState(job, JobState.ERROR);
      return;
    }
    job.retryAt = now + job.minimumRetryDelay * 1000;
    this.setState(job, JobState.TRANSIENT_ERROR);
    this.armRetry(job, now);
  }

  /** TRANSIENT_ERROR → QUEUED after MinimumRetryDelay, or → ERROR when NoProgressTimeout runs out first. */
  private armRetry(job: JobRecord, now: number): void {
    this.clearTimer(job.id);
    const deadline = (job.firstTransientAt ?? now) + job.noProgressTimeout * 1000;
    const retryAt = job.retryAt ?? now;
    const giveUp = retryAt >= deadline;
    const at = giveUp ? deadline : retryAt;
    this.timers.set(job.id, this.clock.setTimer(() => {
      this.timers.delete(job.id);
      if (job.state !== JobState.TRANSIENT_ERROR) return;
      job.retryAt = null;
      if (giveUp) {
        this.log(`job ${job.id} ERROR: no progress for ${job.noProgressTimeout} s`);
        this.setState(job, JobState.ERROR);
      } else {
        this.setState(job, JobState.QUEUED);
        this.reschedule();
      }
    }, Math.max(0, at - now)));
  }

  /** Auto-cancel after JobInactivityTimeout (90 days without activity), checked daily. */
  private checkInactivity(): void {
    const now = this.clock.now();
    for (const job of this.jobs.values()) {
      if (!FINAL.includes(job.state) && now - job.modifiedAt >= LIMITS.jobInactivityTimeoutSeconds * 1000) {
        this.log(`job ${job.id} cancelled after ${LIMITS.jobInactivityTimeoutSeconds / 86400} days without activity`);
        void this.cancelJob(job, false);
      }
    }
    this.inactivityTimer?.cancel();
    if (!this.closed) this.inactivityTimer = this.clock.setTimer(() => this.checkInactivity(), DAY_MS);
  }

  // ── IBackgroundCopyManager ───────────────────────────────────────────────────────────────────

  async createJob(displayName: string, type: number): Promise<string> {
    if (typeof displayName !== 'string') throw bitsError(HR.E_INVALIDARG, 'The display name is required.');
    if (displayName.length > LIMITS.displayNameMax) throw bitsError(HR.E_INVALIDARG, `The display name has ${displayName.length} characters; the limit is ${LIMITS.displayNameMax}.`);
    if (!Object.values(JobType).includes(type as 0)) throw bitsError(HR.E_INVALIDARG, `Job type ${type} is not DOWNLOAD (0), UPLOAD (1) or UPLOAD_REPLY (2).`);
    const queued = [...this.jobs.values()].filter((j) => !FINAL.includes(j.state));
    if (queued.filter((j) => j.owner === this.owner).length >= this.limits.jobsPerUser) {
      throw bitsError(HR.BG_E_TOO_MANY_JOBS_PER_USER, `You have ${this.limits.jobsPerUser} jobs: complete or cancel some first.`);
    }
    if (queued.length >= this.limits.jobsPerMachine) throw bitsError(HR.BG_E_TOO_MANY_JOBS_PER_MACHINE, `The machine has ${this.limits.jobsPerMachine} jobs.`);
    const now = this.clock.now();
    const job: JobRecord = {
      id: randomUUID(), owner: this.owner, type, state: JobState.SUSPENDED, displayName, description: DEFAULTS.description,
      priority: DEFAULTS.priority, minimumRetryDelay: DEFAULTS.minimumRetryDelay, noProgressTimeout: DEFAULTS.noProgressTimeout,
      notifyFlags: DEFAULTS.notifyFlags, proxyUsage: DEFAULTS.proxyUsage, proxyList: null, bypassList: null,
      notifyProgram: null, notifyParameters: null, createdAt: now, modifiedAt: now, transferCompletedAt: null,
      errorCount: 0, error: null, firstTransientAt: null, retryAt: null, queuedAt: now, replyFileName: null,
      upload: null, reply: null, credentials: [], notify: null, files: [],
    };
    this.jobs.set(job.id, job);
    this.commit(job, false);
    return job.id;
  }

  async getJob(jobId: string): Promise<JobSnapshotWire> {
    const job = this.find(jobId);
    if (FINAL.includes(job.state)) throw bitsError(HR.BG_E_NOT_FOUND, `Job ${job.id} is ${stateName(job.state)} and has left the queue.`);
    return this.snap(job);
  }

  async listJobs(options: { allUsers?: boolean } = {}): Promise<JobSnapshotWire[]> {
    // `?.`: a raw RPC client may send null for the options (found by the reliability fuzzer).
    if (options?.allUsers && !isAdmin()) throw bitsError(HR.E_ACCESSDENIED, 'Listing every user\'s jobs needs administrator rights; each user\'s portable service only holds that user\'s jobs.');
    return [...this.jobs.values()].filter((j) => !FINAL.includes(j.state)).map((j) => this.snap(j));
  }

  async getErrorDescription(hresult: number): Promise<string> {
    return hresultMessage(hresult);
  }

  // ── IBackgroundCopyJob ───────────────────────────────────────────────────────────────────────

  async describeJob(jobId: string): Promise<JobSnapshotWire> {
    return this.snap(this.find(jobId));
  }

  async addFiles(jobId: string, files: NewFile[]): Promise<void> {
    const job = this.findMutable(jobId);
    if (!Array.isArray(files) || files.length === 0) throw bitsError(HR.E_INVALIDARG, 'No files given.');
    const upload = job.type !== JobType.DOWNLOAD;
    if (upload && job.files.length + files.length > LIMITS.uploadFilesPerJob) {
      throw bitsError(HR.BG_E_TOO_MANY_FILES, 'Upload jobs hold exactly one file: create another job for the next one.');
    }
    if (job.files.length + files.length > this.limits.filesPerJob) {
      throw bitsError(HR.BG_E_TOO_MANY_FILES_IN_JOB, `A job holds at most ${this.limits.filesPerJob} files; it has ${job.files.length}.`);
    }
    // All or nothing (AddFileSet): validate every file before adding any.
    const checked = files.map((f) => {
      checkRemoteUrl(f?.remoteName);
      return { remote: f.remoteName, local: checkLocalPath(f?.localName, { mustExist: upload }) };
    });
    for (const { remote, local } of checked) {
      const index = job.files.length;
      job.files.push({
        index, remoteName: remote, localName: local, tempName: upload ? local : `${local}.bits-${job.id}.tmp`,
        bytesTotal: upload ? statSync(local).size : null,
        bytesTransferred: 0, transferred: false, completed: false, etag: null, lastModified: null, finalUrl: null,
      });
    }
    this.commit(job);
  }

  async listFiles(jobId: string): Promise<FileInfoWire[]> {
    const job = this.find(jobId);
    return job.files.map((f) => fileInfo(job, f, this.liveBytes));
  }

  async resume(jobId: string): Promise<void> {
    const job = this.findMutable(jobId);
    if (job.files.length === 0) throw bitsError(HR.BG_E_EMPTY, 'Add a file (add-file) before resuming.');
    switch (job.state) {
      case JobState.SUSPENDED:
      case JobState.ERROR:
      case JobState.TRANSIENT_ERROR:
        this.clearTimer(job.id);
        job.retryAt = null;
        if (job.state !== JobState.TRANSIENT_ERROR) job.firstTransientAt = null;
        this.setState(job, JobState.QUEUED);
        break;
      case JobState.TRANSFERRED:
        // New files were added after the transfer finished (spec §5.2): transfer them.
        if (!job.files.some((f) => !f.transferred)) return;
        this.setState(job, JobState.QUEUED);
        break;
      default:
        return; // QUEUED / CONNECTING / TRANSFERRING: unchanged, S_OK
    }
    this.reschedule();
  }

  async suspend(jobId: string): Promise<void> {
    const job = this.findMutable(jobId);
    if (job.state === JobState.SUSPENDED) return;
    this.clearTimer(job.id);
    job.retryAt = null;
    this.setState(job, JobState.SUSPENDED); // durable first: the worker's abort must not race it
    await this.stopWorker(job);
    this.reschedule();
  }

  async complete(jobId: string): Promise<HResultWire> {
    const job = this.findMutable(jobId);
    if (job.type !== JobType.DOWNLOAD) return this.completeUpload(job);
    this.clearTimer(job.id);
    await this.stopWorker(job);
    let partial = false;
    let undeleted = false;
    for (const f of job.files) {
      if (f.completed) continue;
      if (f.transferred) {
        try {
          renameSync(f.tempName, f.localName);
        } catch (e) {
          // Renamed files stay available; the job stays as it is so Complete or Cancel can be called again.
          this.commit(job);
          this.reschedule();
          throw BitsError.from(e);
        }
        f.completed = true;
      } else {
        partial = true;
        if (!removeQuietly(f.tempName)) undeleted = true;
      }
    }
    this.setState(job, JobState.ACKNOWLEDGED);
    this.forget(job);
    this.reschedule();
    return result(partial ? HR.BG_S_PARTIAL_COMPLETE : undeleted ? HR.BG_S_UNABLE_TO_DELETE_FILES : HR.S_OK);
  }

  /** Upload jobs: only in TRANSFERRED (the server committed the file already); publishes the reply. */
  private completeUpload(job: JobRecord): HResultWire {
    if (job.state !== JobState.TRANSFERRED) {
      throw bitsError(HR.BG_E_INVALID_STATE, `Upload jobs can be completed only in TRANSFERRED; this one is ${stateName(job.state)}.`);
    }
    if (job.type === JobType.UPLOAD_REPLY) {
      const target = this.replyPath(job)!;
      try {
        if (job.reply?.tempName && existsSync(job.reply.tempName)) renameSync(job.reply.tempName, target);
        else writeFileSync(target, ''); // no reply from the application: the reply file is empty (spec §3.5)
      } catch (e) {
        throw BitsError.from(e); // the job stays TRANSFERRED; Complete can be called again
      }
    }
    for (const f of job.files) f.completed = true;
    this.setState(job, JobState.ACKNOWLEDGED);
    this.forget(job);
    return result(HR.S_OK);
  }

  async cancel(jobId: string): Promise<HResultWire> {
    return this.cancelJob(this.findMutable(jobId), true);
  }

  private async cancelJob(job: JobRecord, reschedule: boolean): Promise<HResultWire> {
    this.clearTimer(job.id);
    this.setState(job, JobState.CANCELLED);
    await this.stopWorker(job, CANCEL_REASON);
    let undeleted = false;
    if (job.type === JobType.DOWNLOAD) {
      for (const f of job.files) if (!f.completed && !removeQuietly(f.tempName)) undeleted = true;
    }
    if (job.reply?.tempName && !removeQuietly(job.reply.tempName)) undeleted = true;
    if (job.upload?.session.sessionId && !job.upload.closed) this.cancelRemoteSession(job);
    this.handedOver.get(job.id)?.close(); // no session to cancel: the connection just goes
    this.handedOver.delete(job.id);
    this.forget(job);
    if (reschedule) this.reschedule();
    return result(undeleted ? HR.BG_S_UNABLE_TO_DELETE_FILES : HR.S_OK);
  }

  /**
   * Cancel-Session for an upload the server still holds (spec §4.1 Cancel). Sent in the background so
   * Cancel returns at once; failures are logged (BITS would retry for up to 24 h — see the issue note).
   */
  private cancelRemoteSession(job: JobRecord): void {
    const session = job.upload!.session;
    const url = job.files[0]!.remoteName;
    // The upload's own connection when it was idle at the cancel (servers that keep the session in it).
    const connection = this.handedOver.get(job.id);
    this.handedOver.delete(job.id);
    void cancelSession({ url, session, signal: AbortSignal.timeout(60_000), tls: this.options.download?.tls, transport: this.transportFor(job), connection })
      .then(() => this.log(`job ${job.id}: upload session cancelled on the server`))
      .catch((e: Error) => this.log(`job ${job.id}: Cancel-Session failed: ${e.message}`));
  }

  /** A final job keeps its row so handles still read ACKNOWLEDGED/CANCELLED; live data goes. */
  private forget(job: JobRecord): void {
    for (const f of job.files) this.live.delete(`${job.id}:${f.index}`);
    this.live.delete(`${job.id}:reply`);
  }

  async getError(jobId: string): Promise<JobErrorWire> {
    const info = errorInfo(this.find(jobId));
    if (!info) throw bitsError(HR.BG_E_ERROR_INFORMATION_UNAVAILABLE, 'The job is not in ERROR or TRANSIENT_ERROR.');
    return info;
  }

  async setProperty(jobId: string, name: JobPropertyName, value: string | number): Promise<void> {
    const job = this.findMutable(jobId);
    switch (name) {
      case 'displayName':
        job.displayName = checkString(value, 'The display name', LIMITS.displayNameMax, HR.BG_E_STRING_TOO_LONG);
        break;
      case 'description':
        job.description = checkString(value, 'The description', LIMITS.descriptionMax, HR.BG_E_STRING_TOO_LONG);
        break;
      case 'priority':
        if (!Object.values(JobPriority).includes(value as 0)) throw bitsError(HR.E_NOTIMPL, `Priority ${String(value)} is not FOREGROUND (0), HIGH (1), NORMAL (2) or LOW (3).`);
        job.priority = value as number;
        break;
      case 'minimumRetryDelay':
        job.minimumRetryDelay = Math.max(LIMITS.minimumRetryDelayFloor, checkSeconds(value, 'The retry delay'));
        break;
      case 'noProgressTimeout':
        job.noProgressTimeout = checkSeconds(value, 'The no-progress timeout');
        break;
      case 'notifyFlags':
        if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || (value & ~NOTIFY_FLAGS_VALID_MASK) !== 0) {
          throw bitsError(HR.E_NOTIMPL, `Notify flags 0x${Number(value).toString(16)} have bits outside 0x3F.`);
        }
        job.notifyFlags = value;
        break;
      default:
        throw bitsError(HR.E_INVALIDARG, `'${String(name)}' is not a settable job property.`);
    }
    this.commit(job);
    if (name === 'priority') this.reschedule();
    if (name === 'notifyFlags') this.notifier.check(job);
  }

  async setProxySettings(jobId: string, usage: number, proxyList: string | null, bypassList: string | null): Promise<void> {
    const job = this.findMutable(jobId);
    if (!Object.values(ProxyUsage).includes(usage as 0)) throw bitsError(HR.E_NOTIMPL, `Proxy usage ${usage} is not PRECONFIG, NO_PROXY, OVERRIDE or AUTODETECT.`);
    if (usage === ProxyUsage.OVERRIDE) {
      if (proxyList === null || proxyList === undefined) throw bitsError(HR.E_INVALIDARG, 'OVERRIDE needs a proxy list.');
    } else if (proxyList || bypassList) {
      throw bitsError(HR.E_INVALIDARG, 'Proxy and bypass lists are only allowed with OVERRIDE.');
    }
    if (proxyList && proxyList.length > LIMITS.proxyListMax) throw bitsError(HR.BG_E_PROXY_LIST_TOO_LARGE, `The proxy list is over ${LIMITS.proxyListMax} characters.`);
    if (bypassList && bypassList.length > LIMITS.proxyListMax) throw bitsError(HR.BG_E_PROXY_BYPASS_LIST_TOO_LARGE, `The bypass list is over ${LIMITS.proxyListMax} characters.`);
    job.proxyUsage = usage;
    job.proxyList = usage === ProxyUsage.OVERRIDE ? proxyList : null;
    job.bypassList = usage === ProxyUsage.OVERRIDE ? bypassList ?? null : null;
    this.commit(job);
  }

  async getProxySettings(jobId: string): Promise<ProxySettingsWire> {
    const job = this.find(jobId);
    return { usage: job.proxyUsage, proxyList: job.proxyList, bypassList: job.bypassList };
  }

  async takeOwnership(jobId: string): Promise<void> {
    this.findMutable(jobId);
    throw bitsError(HR.E_ACCESSDENIED, 'The portable engine runs one service per user and has no administrator role: TakeOwnership is available with the native backend only.');
  }

  // ── IBackgroundCopyJob2 (issues 3 and 4 complete these) ─────────────────────────────────────

  /** SetNotifyCmdLine (spec §3.1): validated, then run at once if the event already happened. */
  async setNotifyCmdLine(jobId: string, program: string | null, parameters: string | null): Promise<void> {
    const job = this.findMutable(jobId);
    const v = validateNotifyCmdLine(program ?? null, parameters ?? null);
    job.notifyProgram = v.program;
    job.notifyParameters = v.parameters;
    this.notifier.reset(job); // a new command line is notified afresh of the current event
    this.commit(job);
    this.notifier.check(job);
  }

  async getNotifyCmdLine(jobId: string): Promise<NotifyCmdLineWire> {
    const job = this.find(jobId);
    return { program: job.notifyProgram ?? '', parameters: job.notifyParameters ?? '' };
  }
  async getReplyProgress(jobId: string): Promise<ReplyProgressWire> {
    const job = this.find(jobId);
    if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'Reply progress exists only for UPLOAD_REPLY jobs.');
    return this.replyProgressOf(job);
  }

  /** GetReplyData (spec §3.4): TRANSFERRED or ACKNOWLEDGED; ≤ 1 MiB; no reply → empty. Base64 on the wire. */
  async getReplyData(jobId: string): Promise<string> {
    const job = this.find(jobId);
    if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'Reply data exists only for UPLOAD_REPLY jobs.');
    if (job.state !== JobState.TRANSFERRED && job.state !== JobState.ACKNOWLEDGED) {
      throw bitsError(HR.BG_E_INVALID_STATE, `The reply can be read once the job is TRANSFERRED; it is ${stateName(job.state)}.`);
    }
    const path = job.state === JobState.ACKNOWLEDGED ? this.replyPath(job)! : job.reply?.tempName;
    if (!path || !existsSync(path)) return '';
    const size = statSync(path).size;
    if (size > LIMITS.replyDataMax) {
      throw bitsError(HR.BG_E_TOO_LARGE, `The reply has ${size} bytes, over the ${LIMITS.replyDataMax}-byte limit of GetReplyData: Complete the job and read the reply file (get-reply-file).`, ErrorContext.NONE, { size });
    }
    return readFileSync(path).toString('base64');
  }

  /** SetReplyFileName (spec §3.5): null or "" → generated name; refused once the reply download began. */
  async setReplyFileName(jobId: string, name: string | null): Promise<void> {
    const job = this.findMutable(jobId);
    if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'A reply file name exists only for UPLOAD_REPLY jobs.');
    if (job.state === JobState.TRANSFERRED || (job.reply && job.reply.bytesTotal !== null)) {
      throw bitsError(HR.BG_E_INVALID_STATE, 'The reply download has begun: the reply file name can no longer change.');
    }
    job.replyFileName = name === null || name === undefined || name === '' ? null : checkLocalPath(name);
    if (job.reply) job.reply.tempName = null; // follows the new name when the download begins
    this.commit(job);
  }

  async getReplyFileName(jobId: string): Promise<string | null> {
    const job = this.find(jobId);
    if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'A reply file name exists only for UPLOAD_REPLY jobs.');
    return this.replyPath(job);
  }

  /** SetCredentials (spec §3.7): validation order 1–5, one credential per (target, scheme), sealed at rest. */
  async setCredentials(jobId: string, c: CredentialsInput): Promise<void> {
    const job = this.findMutable(jobId);
    checkAuthTarget(c?.target);
    checkAuthScheme(c?.scheme);
    const { userName = null, password = null } = c;
    if (userName !== null && (typeof userName !== 'string' || userName.length > LIMITS.userNameMax)) {
      throw bitsError(HR.BG_E_USERNAME_TOO_LARGE, `The user name is over ${LIMITS.userNameMax} characters.`);
    }
    if (password !== null && (typeof password !== 'string' || password.length > LIMITS.passwordMax)) {
      throw bitsError(HR.BG_E_PASSWORD_TOO_LARGE, `The password is over ${LIMITS.passwordMax} characters.`);
    }
    if ((c.scheme === AuthScheme.BASIC || c.scheme === AuthScheme.DIGEST) && (userName === null || password === null)) {
      throw bitsError(HR.E_INVALIDARG, 'BASIC and DIGEST need both a user name and a password.');
    }
    if (userName === null && password !== null) throw bitsError(HR.E_INVALIDARG, 'A password needs a user name (NULL/NULL means the logged-on user\'s credentials).');
    const sealed = this.vault.seal({ userName, password });
    job.credentials = [...job.credentials.filter((x) => x.target !== c.target || x.scheme !== c.scheme), { target: c.target, scheme: c.scheme, sealed }];
    this.commit(job);
  }

  /** RemoveCredentials (spec §3.8): S_OK when removed, S_FALSE when none was set. */
  async removeCredentials(jobId: string, target: number, scheme: number): Promise<HResultWire> {
    const job = this.findMutable(jobId);
    checkAuthTarget(target);
    checkAuthScheme(scheme);
    const kept = job.credentials.filter((x) => x.target !== target || x.scheme !== scheme);
    if (kept.length === job.credentials.length) return result(HR.S_FALSE);
    job.credentials = kept;
    this.commit(job);
    return result(HR.S_OK);
  }

  /** The job's proxy settings and decrypted credentials for one transfer (memory only). */
  private transportFor(job: JobRecord): TransportOptions {
    return {
      proxy: { usage: job.proxyUsage, proxyList: job.proxyList, bypassList: job.bypassList },
      credentials: job.credentials.map((c) => ({ target: c.target, scheme: c.scheme, ...this.vault.unseal<{ userName: string | null; password: string | null }>(c.sealed) })),
    };
  }

  /** Stops every worker at its last checkpoint and closes the store. Jobs resume at the next open. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.sliceTimer?.cancel();
    this.inactivityTimer?.cancel();
    for (const t of this.timers.values()) t.cancel();
    this.notifier.close();
    this.policy.close();
    await Promise.all([...this.jobs.values()].map((j) => this.stopWorker(j)));
    await Promise.all(this.stopping.values());
    this.store.close();
  }
}

function checkAuthTarget(target: unknown): void {
  if (!Object.values(AuthTarget).includes(target as 1)) throw bitsError(HR.BG_E_INVALID_AUTH_TARGET, `Target ${String(target)} is not SERVER (1) or PROXY (2).`);
}

function checkAuthScheme(scheme: unknown): void {
  if (!Object.values(AuthScheme).includes(scheme as 1)) throw bitsError(HR.BG_E_INVALID_AUTH_SCHEME, `Scheme ${String(scheme)} is not BASIC (1), DIGEST (2), NTLM (3), NEGOTIATE (4) or PASSPORT (5).`);
}

function result(hr: number): HResultWire {
  return { hresult: hr, name: hresultName(hr) };
}

function stateName(state: number): string {
  return Object.keys(JobState).find((k) => JobState[k as keyof typeof JobState] === state) ?? String(state);
}

function invalidState(job: JobRecord): BitsError {
  return bitsError(HR.BG_E_INVALID_STATE, `Job ${job.id} is ${stateName(job.state)}: nothing can change it any more.`);
}

function notYet(method: string, issue: number): BitsError {
  return bitsError(HR.E_NOTIMPL, `${method} is not implemented by this version of the portable engine (planned: issue ${issue}).`);
}

function removeQuietly(path: string): boolean {
  try {
    rmSync(path, { force: true });
    return !existsSync(path);
  } catch {
    return false;
  }
}

/** POSIX users map to the SID form Samba uses for Unix uids (S-1-22-1-uid). */
function ownerSid(): string {
  if (process.platform === 'win32') return `${process.env.USERDOMAIN ?? '.'}\\${userInfo().username}`;
  return `S-1-22-1-${process.getuid?.() ?? 0}`;
}

function isAdmin(): boolean {
  return process.platform !== 'win32' && process.getuid?.() === 0;
}
