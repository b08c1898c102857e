// Spec §5.2 retry exceptions: while the bandwidth policy blocks background transfers (a cap of 0,
// Group Policy's MaxInternetBandwidth 0), background jobs wait in TRANSIENT_ERROR with
// BG_E_BLOCKED_BY_POLICY. Not an error of the job: ErrorCount does not move, no retry timer runs, the
// no-progress timeout does not count the wait; the jobs go back to QUEUED when the policy lifts.
// FOREGROUND jobs are never blocked: the Group Policy governs "background transfers" [DECISION].
import { ErrorContext, JobPriority, JobState } from '../../api/enums.js';
import { HR, hresultMessage } from '../../api/hresult.js';
import type { JobRecord } from '../job-record.js';
import type { PolicyStatus } from './policy-runtime.js';

const ACTIVE: readonly number[] = [JobState.QUEUED, JobState.CONNECTING, JobState.TRANSFERRING];

export function isParkedByPolicy(job: JobRecord): boolean {
  return job.state === JobState.TRANSIENT_ERROR && job.error?.hresult === HR.BG_E_BLOCKED_BY_POLICY;
}

/** What to do with `job` under the policy now: 'park', 'release' or nothing. */
export function policyAction(job: JobRecord, blocked: boolean): 'park' | 'release' | null {
  const background = job.priority !== JobPriority.FOREGROUND;
  if (blocked && background && ACTIVE.includes(job.state)) return 'park';
  if ((!blocked || !background) && isParkedByPolicy(job)) return 'release';
  return null;
}

/** Marks the job as waiting for the policy (the caller saves it and sets TRANSIENT_ERROR). */
export function markBlocked(job: JobRecord, status: PolicyStatus): void {
  job.error = {
    hresult: HR.BG_E_BLOCKED_BY_POLICY,
    context: ErrorContext.GENERAL_QUEUE_MANAGER,
    message: `${hresultMessage(HR.BG_E_BLOCKED_BY_POLICY)} The bandwidth policy in force says: ${status.summary}. The job waits and goes on by itself when the policy changes (edit ${status.source ?? 'the policy file'}) — or make it FOREGROUND.`,
    fileIndex: null,
    protocol: null,
  };
  job.retryAt = null;
}

/** Released: the time parked does not count against the no-progress timeout. */
export function markReleased(job: JobRecord): void {
  job.firstTransientAt = null;
  job.retryAt = null;
}
