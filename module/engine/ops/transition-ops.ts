// The job's life in the queue (spec §5.2): Resume, Suspend, Complete (downloads rename their temp
// files; uploads publish the reply) and Cancel (temp files and the server's session go).
import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { bitsError, BitsError } from '../../api/bits-error.js';
import { JobState, JobType } from '../../api/enums.js';
import { HR } from '../../api/hresult.js';
import type { HResultWire } from '../../api/types.js';
import type { JobRecord } from '../job-record.js';
import { removeQuietly, result, stateName } from '../job-outcome.js';
import { replyPath } from '../reply-naming.js';
import { CANCEL_REASON } from '../cancel-reason.js';
import type { EngineParts } from './parts.js';

export async function resume(e: EngineParts, jobId: string): Promise<void> {
  const job = e.table.findMutable(jobId);
  if (job.files.length === 0) throw bitsError(HR.BG_E_EMPTY, 'Add a file (add-file) before resuming.');
  switch (job.state) {
    case JobState.SUSPENDED:
    case JobState.ERROR:
    case JobState.TRANSIENT_ERROR:
      e.retry.clear(job.id);
      job.retryAt = null;
      if (job.state !== JobState.TRANSIENT_ERROR) job.firstTransientAt = null;
      e.table.setState(job, JobState.QUEUED);
      break;
    case JobState.TRANSFERRED:
      // New files were added after the transfer finished (spec §5.2): transfer them.
      if (!job.files.some((f) => !f.transferred)) return;
      e.table.setState(job, JobState.QUEUED);
      break;
    default:
      return; // QUEUED / CONNECTING / TRANSFERRING: unchanged, S_OK
  }
  e.pool.reschedule();
}

export async function suspend(e: EngineParts, jobId: string): Promise<void> {
  const job = e.table.findMutable(jobId);
  if (job.state === JobState.SUSPENDED) return;
  e.retry.clear(job.id);
  job.retryAt = null;
  e.table.setState(job, JobState.SUSPENDED); // durable first: the worker's abort must not race it
  await e.pool.stop(job);
  e.pool.reschedule();
}

export async function complete(e: EngineParts, jobId: string): Promise<HResultWire> {
  const job = e.table.findMutable(jobId);
  if (job.type !== JobType.DOWNLOAD) return completeUpload(e, job);
  e.retry.clear(job.id);
  await e.pool.stop(job);
  let partial = false;
  let undeleted = false;
  for (const f of job.files) {
    if (f.completed) continue;
    if (f.transferred) {
      try {
        renameSync(f.tempName, f.localName);
      } catch (err) {
        // Renamed files stay available; the job stays as it is so Complete or Cancel can be called again.
        e.table.commit(job);
        e.pool.reschedule();
        throw BitsError.from(err);
      }
      f.completed = true;
    } else {
      partial = true;
      if (!removeQuietly(f.tempName)) undeleted = true;
    }
  }
  e.table.setState(job, JobState.ACKNOWLEDGED);
  e.table.forget(job);
  e.pool.reschedule();
  return result(partial ? HR.BG_S_PARTIAL_COMPLETE : undeleted ? HR.BG_S_UNABLE_TO_DELETE_FILES : HR.S_OK);
}

/** Upload jobs: only in TRANSFERRED (the server committed the file already); publishes the reply. */
function completeUpload(e: EngineParts, job: JobRecord): HResultWire {
  if (job.state !== JobState.TRANSFERRED) {
    throw bitsError(HR.BG_E_INVALID_STATE, `Upload jobs can be completed only in TRANSFERRED; this one is ${stateName(job.state)}.`);
  }
  if (job.type === JobType.UPLOAD_REPLY) {
    const target = replyPath(job)!;
    try {
      if (job.reply?.tempName && existsSync(job.reply.tempName)) renameSync(job.reply.tempName, target);
      else writeFileSync(target, ''); // no reply from the application: the reply file is empty (spec §3.5)
    } catch (err) {
      throw BitsError.from(err); // the job stays TRANSFERRED; Complete can be called again
    }
  }
  for (const f of job.files) f.completed = true;
  e.table.setState(job, JobState.ACKNOWLEDGED);
  e.table.forget(job);
  return result(HR.S_OK);
}

export async function cancel(e: EngineParts, jobId: string): Promise<HResultWire> {
  return cancelJob(e, e.table.findMutable(jobId), true);
}

/** Cancel's work; the inactivity watch calls it with reschedule false (the engine reschedules after its check). */
export async function cancelJob(e: EngineParts, job: JobRecord, reschedule: boolean): Promise<HResultWire> {
  e.retry.clear(job.id);
  e.table.setState(job, JobState.CANCELLED);
  const cancelled = e.table.store.durable();
  await e.pool.stop(job, CANCEL_REASON);
  await cancelled; // the temp files and the server's session go only once CANCELLED is durable
  let undeleted = false;
  if (job.type === JobType.DOWNLOAD) {
    for (const f of job.files) if (!f.completed && !removeQuietly(f.tempName)) undeleted = true;
  }
  if (job.reply?.tempName && !removeQuietly(job.reply.tempName)) undeleted = true;
  e.uploads.cancelled(job);
  e.table.forget(job);
  if (reschedule) e.pool.reschedule();
  return result(undeleted ? HR.BG_S_UNABLE_TO_DELETE_FILES : HR.S_OK);
}
