// Auto-cancel after JobInactivityTimeout (spec §6: 90 days without activity), checked daily.
import { LIMITS } from '../api/limits.js';
import type { Clock, TimerHandle } from './clock.js';
import type { JobRecord } from './job-record.js';
import type { JobTable } from './job-table.js';

const DAY_MS = 24 * 3600 * 1000;

export class InactivityWatch {
  private timer: TimerHandle | null = null;
  private closed = false;

  constructor(
    private readonly table: JobTable,
    private readonly clock: Clock,
    private readonly cancel: (job: JobRecord) => void,
    private readonly log: (line: string) => void,
  ) {}

  /** Cancels the jobs idle for too long, then checks again in a day. */
  check(): void {
    const now = this.clock.now();
    for (const job of this.table.queued()) {
      if (now - job.modifiedAt >= LIMITS.jobInactivityTimeoutSeconds * 1000) {
        this.log(`job ${job.id} cancelled after ${LIMITS.jobInactivityTimeoutSeconds / 86400} days without activity`);
        this.cancel(job);
      }
    }
    this.timer?.cancel();
    if (!this.closed) this.timer = this.clock.setTimer(() => this.check(), DAY_MS);
  }

  close(): void {
    this.closed = true;
    this.timer?.cancel();
  }
}
