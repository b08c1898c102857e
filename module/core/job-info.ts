// Node-facing shapes: wire snapshots with names instead of numbers and Date instead of ISO strings.
import { ErrorContext, JobPriority, JobState, JobType, ProxyUsage, nameOf } from '../api/enums.js';
import type { JobPriorityName, JobStateName, JobTypeName, ProxyUsageName, ErrorContextName } from '../api/enums.js';
import { errorDocument } from '../api/job-document.js';
import type { FileInfoWire, JobErrorWire, JobSnapshotWire, JobProgressWire, ReplyProgressWire, SnapshotField, UnavailableWire } from '../api/types.js';

export interface JobTimes {
  creationTime: Date;
  modificationTime: Date;
  /** null before the job first reached TRANSFERRED (FILETIME 0 in BITS). */
  transferCompletionTime: Date | null;
}

export interface JobErrorInfo {
  hresult: number;
  hresultHex: string;
  name: string;
  context: ErrorContextName;
  message: string;
  contextDescription: string;
  protocol: string | null;
  file: { remoteName: string; localName: string } | null;
}

export interface JobInfo {
  id: string;
  displayName: string;
  description: string;
  type: JobTypeName;
  state: JobStateName;
  priority: JobPriorityName;
  owner: string;
  progress: JobProgressWire;
  times: JobTimes;
  errorCount: number;
  minimumRetryDelay: number;
  noProgressTimeout: number;
  notifyFlags: number;
  proxy: { usage: ProxyUsageName; proxyList: string | null; bypassList: string | null };
  notifyCmdLine: { program: string; parameters: string };
  error: JobErrorInfo | null;
  replyProgress: ReplyProgressWire | null;
  replyFileName: string | null;
  /** When the next attempt is due while the job is in TRANSIENT_ERROR, else null (JobSnapshotWire.nextRetryTime). */
  nextRetryTime: Date | null;
  /**
   * Properties the backend could not read (native backend on a partial BITS, e.g. Wine's E_NOTIMPL
   * from GetTimes): each named field is null, whatever its type says. Absent when all were read.
   */
  unavailable?: Partial<Record<SnapshotField, UnavailableWire>>;
}

/** Why a field is missing, e.g. `unavailable: E_NOTIMPL (0x80004001) from IBackgroundCopyJob.GetTimes`; null when it is not. */
export function unavailableText(info: { unavailable?: Partial<Record<SnapshotField, UnavailableWire>> }, field: SnapshotField): string | null {
  const u = info.unavailable?.[field];
  return u ? `unavailable: ${u.name ?? u.hresultHex} (${u.hresultHex}) from ${u.method}` : null;
}

export type FileInfo = FileInfoWire;

export function toDate(iso: string): Date;
export function toDate(iso: string | null): Date | null;
export function toDate(iso: string | null): Date | null {
  return iso === null ? null : new Date(iso);
}

/** The wire error with its context named (the same conversion as the documents `list` prints). */
export function toErrorInfo(e: JobErrorWire): JobErrorInfo {
  return errorDocument(e);
}

export function toJobInfo(w: JobSnapshotWire): JobInfo {
  const info: JobInfo = {
    id: w.id,
    displayName: w.displayName,
    description: w.description,
    type: nameOf(JobType, w.type) as JobTypeName,
    state: nameOf(JobState, w.state) as JobStateName,
    priority: (w.priority === null ? null : nameOf(JobPriority, w.priority)) as JobPriorityName,
    owner: w.owner,
    progress: w.progress,
    times: (w.times === null ? null : {
      creationTime: toDate(w.times.creationTime),
      modificationTime: toDate(w.times.modificationTime),
      transferCompletionTime: toDate(w.times.transferCompletionTime),
    }) as JobTimes,
    errorCount: w.errorCount,
    minimumRetryDelay: w.minimumRetryDelay,
    noProgressTimeout: w.noProgressTimeout,
    notifyFlags: w.notifyFlags,
    proxy: (w.proxy === null ? null : { usage: nameOf(ProxyUsage, w.proxy.usage) as ProxyUsageName, proxyList: w.proxy.proxyList, bypassList: w.proxy.bypassList }) as JobInfo['proxy'],
    notifyCmdLine: w.notifyCmdLine,
    error: w.error ? toErrorInfo(w.error) : null,
    replyProgress: w.replyProgress,
    replyFileName: w.replyFileName,
    nextRetryTime: toDate(w.nextRetryTime ?? null),
  };
  if (w.unavailable) info.unavailable = w.unavailable;
  return info;
}
