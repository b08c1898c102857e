// IBackgroundCopyJob2's notify command line (spec §3.1) and the reply of UPLOAD_REPLY jobs
// (progress, data, file name: spec §3.3–§3.5).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { bitsError } from '../../api/bits-error.js';
import { ErrorContext, JobState, JobType } from '../../api/enums.js';
import { HR } from '../../api/hresult.js';
import { LIMITS } from '../../api/limits.js';
import type { NotifyCmdLineWire, ReplyProgressWire } from '../../api/types.js';
import { stateName } from '../job-outcome.js';
import { validateNotifyCmdLine } from '../../common/notify/notify-cmdline.js';
import { replyPath, replyProgressOf } from '../reply-naming.js';
import { checkLocalPath } from '../validate.js';
import type { EngineParts } from './parts.js';

/** SetNotifyCmdLine (spec §3.1): validated, then run at once if the event already happened. */
export async function setNotifyCmdLine(e: EngineParts, jobId: string, program: string | null, parameters: string | null): Promise<void> {
  const job = e.table.findMutable(jobId);
  const v = validateNotifyCmdLine(program ?? null, parameters ?? null);
  job.notifyProgram = v.program;
  job.notifyParameters = v.parameters;
  e.notifier.reset(job); // a new command line is notified afresh of the current event
  e.table.commit(job);
  e.notifier.check(job);
}

export async function getNotifyCmdLine(e: EngineParts, jobId: string): Promise<NotifyCmdLineWire> {
  const job = e.table.find(jobId);
  return { program: job.notifyProgram ?? '', parameters: job.notifyParameters ?? '' };
}

export async function getReplyProgress(e: EngineParts, jobId: string): Promise<ReplyProgressWire> {
  const job = e.table.find(jobId);
  if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'Reply progress exists only for UPLOAD_REPLY jobs.');
  return replyProgressOf(job, e.table.live);
}

/** GetReplyData (spec §3.4): TRANSFERRED or ACKNOWLEDGED; ≤ 1 MiB; no reply → empty. Base64 on the wire. */
export async function getReplyData(e: EngineParts, jobId: string): Promise<string> {
  const job = e.table.find(jobId);
  if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'Reply data exists only for UPLOAD_REPLY jobs.');
  if (job.state !== JobState.TRANSFERRED && job.state !== JobState.ACKNOWLEDGED) {
    throw bitsError(HR.BG_E_INVALID_STATE, `The reply can be read once the job is TRANSFERRED; it is ${stateName(job.state)}.`);
  }
  const path = job.state === JobState.ACKNOWLEDGED ? replyPath(job)! : job.reply?.tempName;
  if (!path || !existsSync(path)) return '';
  const size = statSync(path).size;
  if (size > LIMITS.replyDataMax) {
    throw bitsError(HR.BG_E_TOO_LARGE, `The reply has ${size} bytes, over the ${LIMITS.replyDataMax}-byte limit of GetReplyData: Complete the job and read the reply file (get-reply-file).`, ErrorContext.NONE, { size });
  }
  return readFileSync(path).toString('base64');
}

/** SetReplyFileName (spec §3.5): null or "" → generated name; refused once the reply download began. */
export async function setReplyFileName(e: EngineParts, jobId: string, name: string | null): Promise<void> {
  const job = e.table.findMutable(jobId);
  if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'A reply file name exists only for UPLOAD_REPLY jobs.');
  if (job.state === JobState.TRANSFERRED || (job.reply && job.reply.bytesTotal !== null)) {
    throw bitsError(HR.BG_E_INVALID_STATE, 'The reply download has begun: the reply file name can no longer change.');
  }
  job.replyFileName = name === null || name === undefined || name === '' ? null : checkLocalPath(name);
  if (job.reply) job.reply.tempName = null; // follows the new name when the download begins
  e.table.commit(job);
}

export async function getReplyFileName(e: EngineParts, jobId: string): Promise<string | null> {
  const job = e.table.find(jobId);
  if (job.type !== JobType.UPLOAD_REPLY) throw bitsError(HR.E_NOTIMPL, 'A reply file name exists only for UPLOAD_REPLY jobs.');
  return replyPath(job);
}
