// TakeOwnership across users (module/service/all-users.ts; module/service/README.md "Administrators"):
// the former owner's service hands a job over and later forgets it; root's engine adopts the record.
import { JobState } from '../../api/enums.js';
import { stateName } from '../job-outcome.js';
import { bitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import { adoptedRecord } from '../adopt.js';
import type { JobRecord } from '../job-record.js';
import type { EngineParts } from './parts.js';
import * as transitionOps from './transition-ops.js';

const ACTIVE: readonly number[] = [JobState.QUEUED, JobState.CONNECTING, JobState.TRANSFERRING];

type Log = (line: string) => void;

/** A job of one's own is one's own already; another user's job is reached through root's AllUsersBackend. */
export async function takeOwnership(e: EngineParts, jobId: string): Promise<void> {
  e.table.findMutable(jobId);
  throw bitsError(HR.E_ACCESSDENIED, 'TakeOwnership needs an administrator: run it as root, whose bits-job2 reaches every user\'s jobs (a job of your own is yours already).');
}

/**
 * The former owner's side, step 1: the job stops transferring (an active job is suspended, a retry
 * timer is cleared) and its record is handed out with the state it had. It stays in this store
 * until forgetHandedOver, so a crash in between loses nothing.
 */
export async function handOverJob(e: EngineParts, jobId: string, log: Log): Promise<JobRecord> {
  const job = e.table.findMutable(jobId);
  const state = ACTIVE.includes(job.state) ? JobState.QUEUED : job.state;
  e.retry.clear(job.id);
  if (ACTIVE.includes(job.state)) await transitionOps.suspend(e, job.id);
  log(`job ${job.id} handed over for TakeOwnership (state ${stateName(state)})`);
  return { ...structuredClone(job), state, credentials: [] };
}

/** Step 2, once the new owner has stored the job: the row leaves this store; the files stay (they are the new owner's now). */
export async function forgetHandedOver(e: EngineParts, jobId: string, log: Log): Promise<void> {
  const job = e.table.find(jobId);
  e.retry.clear(job.id);
  await e.pool.stop(job);
  e.table.forget(job);
  e.table.jobs.delete(job.id);
  e.table.store.delete(job.id);
  log(`job ${job.id} now belongs to its new owner; removed from this store`);
  e.pool.reschedule();
}

/** The new owner's side: the handed-over record (validated and rebuilt by adopt.ts) becomes this user's job. */
export async function adoptJob(e: EngineParts, raw: unknown, log: Log): Promise<void> {
  const job = adoptedRecord(raw, e.owner, e.clock.now());
  if (e.table.jobs.has(job.id)) throw bitsError(HR.E_INVALIDARG, `Job ${job.id} is already in this store.`);
  e.table.jobs.set(job.id, job);
  e.table.commit(job, false);
  if (job.state === JobState.TRANSIENT_ERROR) e.retry.arm(job, e.clock.now());
  log(`job ${job.id} adopted (TakeOwnership), state ${stateName(job.state)}`);
  e.pool.reschedule();
}
