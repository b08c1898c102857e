// Retry rules of spec §4.1 and the transitions of §5.2 after a failed transfer: a transient
// failure waits MinimumRetryDelay in TRANSIENT_ERROR and goes back to QUEUED, unless
// NoProgressTimeout runs out first (→ ERROR); a fatal one goes to ERROR at once. One timer per job.
import { BitsError } from '../api/bits-error.js';
import { ErrorContext, JobState } from '../api/enums.js';
import { hresultName } from '../api/hresult.js';
import type { Clock, TimerHandle } from './clock.js';
import type { JobRecord } from './job-record.js';
import type { JobTable } from './job-table.js';

/**
 * When the job's next attempt is due (ms since the epoch): its retryAt while it waits in
 * TRANSIENT_ERROR, unless NoProgressTimeout runs out first (then it goes to ERROR instead and no
 * retry is due). null in every other state, and while a bandwidth policy holds it (no retryAt: it goes
 * on when the policy changes). The snapshot's nextRetryTime; arm() decides with the same giveUpAt.
 */
export function nextRetryAt(job: JobRecord): number | null {
  if (job.state !== JobState.TRANSIENT_ERROR || job.retryAt === null) return null;
  return job.retryAt < giveUpAt(job, job.retryAt) ? job.retryAt : null;
}

/** NoProgressTimeout counted from the first transient error of this run of them. */
function giveUpAt(job: JobRecord, now: number): number {
  return (job.firstTransientAt ?? now) + job.noProgressTimeout * 1000;
}

export class RetryTimers {
  private readonly timers = new Map<string, TimerHandle>();

  constructor(
    private readonly table: JobTable,
    private readonly clock: Clock,
    /** The retry delay is over: the job is QUEUED again, schedule it. */
    private readonly requeued: () => void,
    private readonly log: (line: string) => void,
  ) {}

  /** TRANSFERRING/CONNECTING → TRANSIENT_ERROR or ERROR (spec §5.2), with the retry rules of §4.1. */
  onFailure(job: JobRecord, e: unknown): void {
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
      this.table.setState(job, JobState.ERROR);
      return;
    }
    job.firstTransientAt ??= now;
    this.log(`job ${job.id} TRANSIENT_ERROR ${hresultName(err.hresult)}: ${err.message}`);
    if (job.noProgressTimeout === 0 || job.minimumRetryDelay > job.noProgressTimeout) {
      this.table.setState(job, JobState.ERROR);
      return;
    }
    job.retryAt = now + job.minimumRetryDelay * 1000;
    this.table.setState(job, JobState.TRANSIENT_ERROR);
    this.arm(job, now);
  }

  /** TRANSIENT_ERROR → QUEUED after MinimumRetryDelay, or → ERROR when NoProgressTimeout runs out first. */
  arm(job: JobRecord, now: number): void {
    this.clear(job.id);
    const deadline = giveUpAt(job, now);
    const retryAt = job.retryAt ?? now;
    const giveUp = retryAt >= deadline;
    const at = giveUp ? deadline : retryAt;
    this.timers.set(job.id, this.clock.setTimer(() => {
      this.timers.delete(job.id);
      if (job.state !== JobState.TRANSIENT_ERROR) return;
      job.retryAt = null;
      if (giveUp) {
        this.log(`job ${job.id} ERROR: no progress for ${job.noProgressTimeout} s`);
        this.table.setState(job, JobState.ERROR);
      } else {
        this.table.setState(job, JobState.QUEUED);
        this.requeued();
      }
    }, Math.max(0, at - now)));
  }

  /** The job was resumed, suspended, completed or cancelled: its pending retry goes. */
  clear(jobId: string): void {
    this.timers.get(jobId)?.cancel();
    this.timers.delete(jobId);
  }

  close(): void {
    for (const t of this.timers.values()) t.cancel();
  }
}
