// The engine's bandwidth governor: the policy in force (Group Policy's background limits: shared cap,
// block, schedule; policy-runtime.ts) and yielding to other traffic (rate/yield-controller.ts). The worker pool asks it to park or release jobs before each
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
import { allPacers, YieldControllers } from '../rate/yield-controller.js';
import { yieldPacerFor } from './yield-pacer.js';

export class BandwidthGovernor {
  private readonly policy: PolicyRuntime;
  /** One delay-based controller per server, shared by the engine's background jobs (rate/README.md). */
  private readonly yielding = new YieldControllers();

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
   * Background jobs wait for both the policy's shared token bucket and the yielding controller of
   * their server (steps aside when queuing delay shows other traffic); FOREGROUND jobs are never paced.
   */
  pacerFor(job: JobRecord): TransferPacer | undefined {
    if (job.priority === JobPriority.FOREGROUND) return undefined;
    return allPacers(this.policy.pacer, yieldPacerFor(job, this.yielding));
  }

  close(): void {
    this.policy.close();
  }
}
