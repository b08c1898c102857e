// The engine's bandwidth governor: the policy in force (Group Policy's background limits: shared cap,
// block, schedule; policy-runtime.ts). The worker pool asks it to park or release jobs before each
// scheduling decision; the worker hosts ask it for a job's pacer. FOREGROUND jobs are never paced (spec §5.3).
import { JobPriority, JobState } from '../../api/enums.js';
import type { Clock } from '../clock.js';
import type { JobRecord } from '../job-record.js';
import type { JobTable } from '../job-table.js';
import type { RetryTimers } from '../retry.js';
import type { TransferPacer } from '../rate/pacer.js';
import type { PolicyPaths } from '../../common/policy/policy-file.js';
import { PolicyRuntime, type PolicyStatus } from './policy-runtime.js';
import { markBlocked, markReleased, policyAction } from './policy-parking.js';

export class BandwidthGovernor {
  private readonly policy: PolicyRuntime;

  constructor(o: { paths: PolicyPaths; clock: Clock; log: (line: string) => void; onChange: () => void }) {
    this.policy = new PolicyRuntime(o);
  }

  status(): PolicyStatus {
    return this.policy.status();
  }

  reload(): void {
    this.policy.reload();
  }

  /** Parks background jobs while the policy blocks them, releases them when it lifts (policy-parking.ts). */
  apply(table: JobTable, retry: RetryTimers): void {
    const blocked = this.policy.inForce.blocked;
    for (const job of table.jobs.values()) {
      const action = policyAction(job, blocked);
      if (action === 'park') {
        retry.clear(job.id);
        markBlocked(job, this.policy.status());
        table.setState(job, JobState.TRANSIENT_ERROR); // not ACTIVE: the scheduler stops its worker
      } else if (action === 'release') {
        markReleased(job);
        table.setState(job, JobState.QUEUED);
      }
    }
  }

  /**
   * Background jobs share the policy's token bucket; FOREGROUND jobs are never paced. The delay-based
   * yielding controller (rate/yield-controller.ts) is not wired in: on the 40 Mbit/s namespace link a
   * foreground curl kept only about a third of its throughput beside a background job (the goal is
   * well over half), so it is measured by `scripts/bench-yield.ts` but not used until it yields.
   */
  pacerFor(job: JobRecord): TransferPacer | undefined {
    if (job.priority === JobPriority.FOREGROUND) return undefined;
    return this.policy.pacer;
  }

  close(): void {
    this.policy.close();
  }
}
