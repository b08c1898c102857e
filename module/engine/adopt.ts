// TakeOwnership across users, the new owner's side: a job record handed over by another user's
// service becomes a job of this engine (README of module/service, "Administrators"). The record
// comes from a process and a store the former owner controls, and this engine runs as root, so
// nothing in it is trusted: every field is type-checked and rebuilt, the paths pass the same checks
// as AddFile/SetReplyFileName, and whatever could steer root's hand elsewhere is recomputed or
// dropped — temp names are derived from the local names (never taken from the record), an upload's
// server session (its host id could point anywhere) starts afresh, redirect targets are forgotten.
// As TakeOwnership does (spec §4.2), credentials and the notify command line are removed.
import { lstatSync } from 'node:fs';
import { bitsError } from '../api/bits-error.js';
import { JobPriority, JobState, JobType, ProxyUsage } from '../api/enums.js';
import { HR } from '../api/hresult.js';
import { LIMITS } from '../api/limits.js';
import type { FileRecord, JobRecord, ReplyRecord, StoredError } from './job-record.js';
import { checkLocalPath, checkRemoteUrl, checkString, normalizeJobId } from './validate.js';

const bad = (what: string) => bitsError(HR.E_INVALIDARG, `The handed-over job record is not valid: ${what}.`);

function int(v: unknown, what: string, min = 0, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw bad(`${what} is not a whole number in ${min}..${max}`);
  return v;
}
const optInt = (v: unknown, what: string) => (v === null || v === undefined ? null : int(v, what));
const optStr = (v: unknown, what: string, max = 4096) => {
  if (v === null || v === undefined) return null;
  if (typeof v !== 'string' || v.length > max) throw bad(`${what} is not a string of at most ${max} characters`);
  return v;
};
const oneOf = (v: unknown, table: Record<string, number>, what: string) => {
  if (!Object.values(table).includes(v as number)) throw bad(`${what} ${String(v)} is not a known value`);
  return v as number;
};

/** A path root's engine will write: refused when it is there already as anything but a plain file. */
function plainOrAbsent(path: string): void {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) throw bitsError(HR.BG_E_NEW_OWNER_NO_FILE_ACCESS, `'${path}' is ${st.isSymbolicLink() ? 'a symbolic link' : 'not a regular file'}: the new owner will not write through it.`);
  } catch (e) {
    if ((e as { hresult?: number }).hresult) throw e;
  }
}

/** The record as this engine will keep it, owned by `owner`. */
export function adoptedRecord(raw: unknown, owner: string, now: number): JobRecord {
  if (!raw || typeof raw !== 'object') throw bad('it is not an object');
  const r = raw as Record<string, unknown>;
  const id = normalizeJobId(r.id);
  const type = oneOf(r.type, JobType, 'type');
  const state = oneOf(r.state, JobState, 'state');
  if (state === JobState.ACKNOWLEDGED || state === JobState.CANCELLED) {
    throw bitsError(HR.BG_E_INVALID_STATE, `Job ${id} has left the queue: its ownership can no longer change.`);
  }
  if (!Array.isArray(r.files) || r.files.length > LIMITS.filesPerJob) throw bad('files is not a list of at most the per-job limit');
  const upload = type !== JobType.DOWNLOAD;
  const files: FileRecord[] = r.files.map((raw, index): FileRecord => {
    const f = (raw ?? {}) as Record<string, unknown>;
    checkRemoteUrl(f.remoteName);
    const remoteName = f.remoteName as string;
    const localName = checkLocalPath(f.localName, { mustExist: upload });
    const tempName = upload ? localName : `${localName}.bits-${id}.tmp`;
    if (!upload) plainOrAbsent(tempName);
    plainOrAbsent(localName);
    const bytesTotal = optInt(f.bytesTotal, 'bytesTotal');
    const transferred = f.transferred === true;
    return {
      index,
      remoteName,
      localName,
      tempName,
      bytesTotal,
      // An upload's progress lives in its server session, which starts again (see the top).
      bytesTransferred: upload ? 0 : int(f.bytesTransferred, 'bytesTransferred'),
      transferred: upload ? false : transferred,
      completed: f.completed === true,
      etag: optStr(f.etag, 'etag'),
      lastModified: optStr(f.lastModified, 'lastModified'),
      finalUrl: null,
    };
  });
  if (upload && files.length > LIMITS.uploadFilesPerJob) throw bad('an upload job holds one file');
  const replyFileName = r.replyFileName === null || r.replyFileName === undefined ? null : checkLocalPath(r.replyFileName);
  if (replyFileName) plainOrAbsent(replyFileName);
  const uploadDone = upload && state === JobState.TRANSFERRED;
  let reply: ReplyRecord | null = null;
  if (type === JobType.UPLOAD_REPLY && uploadDone && r.reply && typeof r.reply === 'object') {
    // A finished reply stays (Complete publishes it); its temp name is derived as the upload worker derives it.
    const x = r.reply as Record<string, unknown>;
    const replyPath = replyFileName ?? `${files[0]!.localName}.${id}.reply`;
    const tempName = `${replyPath}.bits-${id}.tmp`;
    plainOrAbsent(tempName);
    plainOrAbsent(replyPath);
    reply = { bytesTotal: optInt(x.bytesTotal, 'reply.bytesTotal'), bytesTransferred: int(x.bytesTransferred, 'reply.bytesTransferred'), tempName, etag: optStr(x.etag, 'reply.etag'), lastModified: optStr(x.lastModified, 'reply.lastModified'), done: x.done === true };
  }
  const e = r.error as Record<string, unknown> | null | undefined;
  const error: StoredError | null = e && typeof e === 'object'
    ? { hresult: int(e.hresult, 'error.hresult', 0, 0xffffffff), context: int(e.context, 'error.context'), message: optStr(e.message, 'error.message') ?? '', fileIndex: optInt(e.fileIndex, 'error.fileIndex'), protocol: optStr(e.protocol, 'error.protocol', 16) }
    : null;
  // An upload that had not finished starts over with a new session: back in the queue as it was, but not mid-transfer.
  const adoptedState = state === JobState.CONNECTING || state === JobState.TRANSFERRING ? JobState.QUEUED : state;
  const proxyUsage = oneOf(r.proxyUsage, ProxyUsage, 'proxyUsage');
  return {
    id,
    owner,
    type,
    state: adoptedState,
    displayName: checkString(r.displayName, 'The display name', LIMITS.displayNameMax, HR.BG_E_STRING_TOO_LONG),
    description: checkString(r.description, 'The description', LIMITS.descriptionMax, HR.BG_E_STRING_TOO_LONG),
    priority: oneOf(r.priority, JobPriority, 'priority'),
    minimumRetryDelay: int(r.minimumRetryDelay, 'minimumRetryDelay', 0, 0xffffffff),
    noProgressTimeout: int(r.noProgressTimeout, 'noProgressTimeout', 0, 0xffffffff),
    notifyFlags: int(r.notifyFlags, 'notifyFlags', 0, 0x3f),
    proxyUsage,
    proxyList: proxyUsage === ProxyUsage.OVERRIDE ? optStr(r.proxyList, 'proxyList', LIMITS.proxyListMax) : null,
    bypassList: proxyUsage === ProxyUsage.OVERRIDE ? optStr(r.bypassList, 'bypassList', LIMITS.proxyListMax) : null,
    notifyProgram: null,
    notifyParameters: null,
    createdAt: int(r.createdAt, 'createdAt'),
    modifiedAt: now,
    transferCompletedAt: optInt(r.transferCompletedAt, 'transferCompletedAt'),
    errorCount: int(r.errorCount, 'errorCount'),
    error,
    firstTransientAt: null,
    retryAt: adoptedState === JobState.TRANSIENT_ERROR ? now : null,
    queuedAt: now,
    replyFileName,
    upload: null,
    reply,
    credentials: [],
    notify: null,
    files,
  };
}

/** What the former owner must have been able to do with the job's files (checked as that user, all-users.ts). */
export function accessNeeded(job: JobRecord): { path: string; need: 'read' | 'write-dir' }[] {
  const out: { path: string; need: 'read' | 'write-dir' }[] = [];
  for (const f of job.files) out.push({ path: f.localName, need: job.type === JobType.DOWNLOAD ? 'write-dir' : 'read' });
  if (job.type === JobType.UPLOAD_REPLY) out.push({ path: job.replyFileName ?? `${job.files[0]?.localName}.${job.id}.reply`, need: 'write-dir' });
  return out;
}
