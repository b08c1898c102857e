// IBackgroundCopyManager (create, get, list, error text) and a job's file set (add, list, describe).
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { bitsError } from '../../api/bits-error.js';
import { JobState, JobType } from '../../api/enums.js';
import { HR, hresultMessage } from '../../api/hresult.js';
import { DEFAULTS, LIMITS } from '../../api/limits.js';
import type { FileInfoWire, JobSnapshotWire, NewFile } from '../../api/types.js';
import type { JobRecord } from '../job-record.js';
import { shown, stateName } from '../job-outcome.js';
import { FINAL } from '../job-table.js';
import { isAdmin } from '../owner.js';
import { replyPath, replyProgressOf } from '../reply-naming.js';
import { fileInfo, snapshot } from '../snapshot.js';
import { checkLocalPath, checkRemoteUrl } from '../validate.js';
import type { EngineParts } from './parts.js';

export function snap(e: EngineParts, job: JobRecord): JobSnapshotWire {
  const reply = job.type === JobType.UPLOAD_REPLY ? { fileName: replyPath(job), progress: replyProgressOf(job, e.table.live) } : null;
  return snapshot(job, e.table.liveBytes, reply);
}

export async function createJob(e: EngineParts, displayName: string, type: number): Promise<string> {
  if (typeof displayName !== 'string') throw bitsError(HR.E_INVALIDARG, 'The display name is required.');
  if (displayName.length > LIMITS.displayNameMax) throw bitsError(HR.E_INVALIDARG, `The display name has ${displayName.length} characters; the limit is ${LIMITS.displayNameMax}.`);
  if (!Object.values(JobType).includes(type as 0)) throw bitsError(HR.E_INVALIDARG, `Job type ${shown(type)} is not DOWNLOAD (0), UPLOAD (1) or UPLOAD_REPLY (2).`);
  const queued = e.table.queued();
  if (queued.filter((j) => j.owner === e.owner).length >= e.limits.jobsPerUser) {
    throw bitsError(HR.BG_E_TOO_MANY_JOBS_PER_USER, `You have ${e.limits.jobsPerUser} jobs: complete or cancel some first.`);
  }
  if (queued.length >= e.limits.jobsPerMachine) throw bitsError(HR.BG_E_TOO_MANY_JOBS_PER_MACHINE, `The machine has ${e.limits.jobsPerMachine} jobs (every user's together): complete or cancel some first, or raise BITS_JOB2_JOBS_PER_MACHINE for the service.`);
  const now = e.clock.now();
  const job: JobRecord = {
    id: randomUUID(), owner: e.owner, type, state: JobState.SUSPENDED, displayName, description: DEFAULTS.description,
    priority: DEFAULTS.priority, minimumRetryDelay: DEFAULTS.minimumRetryDelay, noProgressTimeout: DEFAULTS.noProgressTimeout,
    notifyFlags: DEFAULTS.notifyFlags, proxyUsage: DEFAULTS.proxyUsage, proxyList: null, bypassList: null,
    notifyProgram: null, notifyParameters: null, createdAt: now, modifiedAt: now, transferCompletedAt: null,
    errorCount: 0, error: null, firstTransientAt: null, retryAt: null, queuedAt: now, replyFileName: null,
    upload: null, reply: null, credentials: [], notify: null, files: [],
  };
  e.table.jobs.set(job.id, job);
  e.table.commit(job, false);
  return job.id;
}

export async function getJob(e: EngineParts, jobId: string): Promise<JobSnapshotWire> {
  const job = e.table.find(jobId);
  if (FINAL.includes(job.state)) throw bitsError(HR.BG_E_NOT_FOUND, `Job ${job.id} is ${stateName(job.state)} and has left the queue.`);
  return snap(e, job);
}

export async function listJobs(e: EngineParts, options: { allUsers?: boolean } = {}): Promise<JobSnapshotWire[]> {
  // `?.`: a raw RPC client may send null for the options (found by the reliability fuzzer).
  if (options?.allUsers && !isAdmin()) throw bitsError(HR.E_ACCESSDENIED, 'Listing every user\'s jobs needs administrator rights: run it as root (your own service holds only your jobs).');
  return e.table.queued().map((j) => snap(e, j));
}

export async function getErrorDescription(hresult: number): Promise<string> {
  return hresultMessage(hresult);
}

export async function describeJob(e: EngineParts, jobId: string): Promise<JobSnapshotWire> {
  return snap(e, e.table.find(jobId));
}

export async function addFiles(e: EngineParts, jobId: string, files: NewFile[]): Promise<void> {
  const job = e.table.findMutable(jobId);
  if (!Array.isArray(files) || files.length === 0) throw bitsError(HR.E_INVALIDARG, 'No files given.');
  const upload = job.type !== JobType.DOWNLOAD;
  if (upload && job.files.length + files.length > LIMITS.uploadFilesPerJob) {
    throw bitsError(HR.BG_E_TOO_MANY_FILES, 'Upload jobs hold exactly one file: create another job for the next one.');
  }
  if (job.files.length + files.length > e.limits.filesPerJob) {
    throw bitsError(HR.BG_E_TOO_MANY_FILES_IN_JOB, `A job holds at most ${e.limits.filesPerJob} files; it has ${job.files.length}.`);
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
  e.table.commit(job);
}

export async function listFiles(e: EngineParts, jobId: string): Promise<FileInfoWire[]> {
  const job = e.table.find(jobId);
  return job.files.map((f) => fileInfo(job, f, e.table.liveBytes));
}
