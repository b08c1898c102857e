// JobRecord → wire snapshot (module/api/types.ts). Live byte counts come from the engine's
// in-memory progress; everything else from the record.
import { ErrorContext, JobState, nameOf } from '../api/enums.js';
import { hex, hresultName } from '../api/hresult.js';
import type { FileInfoWire, JobErrorWire, JobSnapshotWire, ReplyProgressWire } from '../api/types.js';
import type { FileRecord, JobRecord } from './job-record.js';
import { nextRetryAt } from './retry.js';

const CONTEXT_DESCRIPTIONS: Record<number, string> = {
  [ErrorContext.NONE]: 'No error occurred.',
  [ErrorContext.UNKNOWN]: 'The error location is unknown.',
  [ErrorContext.GENERAL_QUEUE_MANAGER]: 'The error occurred in the transfer queue manager.',
  [ErrorContext.QUEUE_MANAGER_NOTIFICATION]: 'The error occurred while notifying the application.',
  [ErrorContext.LOCAL_FILE]: 'The error occurred while processing the local file.',
  [ErrorContext.REMOTE_FILE]: 'The error occurred while processing the remote file.',
  [ErrorContext.GENERAL_TRANSPORT]: 'The error occurred in the transport layer: the server could not be reached.',
  [ErrorContext.REMOTE_APPLICATION]: 'The server application that received the upload reported the error.',
  [ErrorContext.SERVER_CERTIFICATE_CALLBACK]: 'The error occurred in the server certificate validation callback.',
};

export function contextDescription(context: number): string {
  return CONTEXT_DESCRIPTIONS[context] ?? `Error context ${context}.`;
}

export type LiveBytes = (job: JobRecord, file: FileRecord) => number;

export function fileInfo(job: JobRecord, f: FileRecord, live: LiveBytes): FileInfoWire {
  return {
    remoteName: f.finalUrl ?? f.remoteName,
    localName: f.localName,
    progress: { bytesTotal: f.bytesTotal, bytesTransferred: live(job, f), completed: f.completed },
  };
}

export function errorInfo(job: JobRecord): JobErrorWire | null {
  const e = job.error;
  if (!e || (job.state !== JobState.ERROR && job.state !== JobState.TRANSIENT_ERROR)) return null;
  const file = e.fileIndex === null ? null : job.files[e.fileIndex];
  return {
    hresult: e.hresult,
    hresultHex: hex(e.hresult),
    name: hresultName(e.hresult),
    context: e.context,
    contextName: String(nameOf(ErrorContext, e.context) ?? e.context),
    message: e.message,
    contextDescription: contextDescription(e.context),
    protocol: e.protocol,
    file: file ? { remoteName: file.finalUrl ?? file.remoteName, localName: file.localName } : null,
  };
}

/**
 * A record's creation and modification times as ISO strings, formatted again only when they change:
 * two Dates per job were a third of listJobs of 10,000 jobs (`list`, BENCHMARKS.md). Weak, so a job
 * that leaves the table takes its entry with it.
 */
const isoTimes = new WeakMap<JobRecord, { createdAt: number; createdIso: string; modifiedAt: number; modifiedIso: string }>();
function timesOf(job: JobRecord): { createdIso: string; modifiedIso: string } {
  let t = isoTimes.get(job);
  if (!t) isoTimes.set(job, (t = { createdAt: job.createdAt, createdIso: new Date(job.createdAt).toISOString(), modifiedAt: job.modifiedAt, modifiedIso: new Date(job.modifiedAt).toISOString() }));
  if (t.createdAt !== job.createdAt) t.createdIso = new Date((t.createdAt = job.createdAt)).toISOString();
  if (t.modifiedAt !== job.modifiedAt) t.modifiedIso = new Date((t.modifiedAt = job.modifiedAt)).toISOString();
  return t;
}

/** `reply` is given for upload-reply jobs only (the engine knows the generated name and live bytes). */
export function snapshot(job: JobRecord, live: LiveBytes, reply: { fileName: string | null; progress: ReplyProgressWire } | null): JobSnapshotWire {
  let bytesTotal: number | null = 0;
  let bytesTransferred = 0;
  let filesTransferred = 0;
  for (const f of job.files) {
    bytesTotal = bytesTotal === null || f.bytesTotal === null ? null : bytesTotal + f.bytesTotal;
    bytesTransferred += live(job, f);
    if (f.transferred) filesTransferred++;
  }
  const iso = (ms: number) => new Date(ms).toISOString();
  const retryAt = nextRetryAt(job);
  const times = timesOf(job);
  return {
    id: job.id,
    displayName: job.displayName,
    description: job.description,
    type: job.type,
    state: job.state,
    priority: job.priority,
    owner: job.owner,
    progress: { bytesTotal, bytesTransferred, filesTotal: job.files.length, filesTransferred },
    times: {
      creationTime: times.createdIso,
      modificationTime: times.modifiedIso,
      transferCompletionTime: job.transferCompletedAt === null ? null : iso(job.transferCompletedAt),
    },
    errorCount: job.errorCount,
    minimumRetryDelay: job.minimumRetryDelay,
    noProgressTimeout: job.noProgressTimeout,
    notifyFlags: job.notifyFlags,
    proxy: { usage: job.proxyUsage, proxyList: job.proxyList, bypassList: job.bypassList },
    notifyCmdLine: { program: job.notifyProgram ?? '', parameters: job.notifyParameters ?? '' },
    error: errorInfo(job),
    replyProgress: reply?.progress ?? null,
    replyFileName: reply?.fileName ?? null,
    nextRetryTime: retryAt === null ? null : iso(retryAt),
  };
}
