// The parts of the portable engine its operations work with (engine.ts assembles them). Each
// operation file takes them as its first argument: validate everything, then change the record,
// then save it, then act (start/stop workers) — so a failed call changes nothing and a reported
// state is durable.
import type { Clock } from '../clock.js';
import type { JobTable } from '../job-table.js';
import type { Notifier } from '../notifier.js';
import type { RetryTimers } from '../retry.js';
import type { UploadHandover } from '../upload-handover.js';
import type { Vault } from '../vault.js';
import type { WorkerPool } from '../worker-pool.js';

export interface EngineLimits {
  jobsPerUser: number;
  jobsPerMachine: number;
  filesPerJob: number;
}

export interface EngineParts {
  readonly table: JobTable;
  readonly pool: WorkerPool;
  readonly retry: RetryTimers;
  readonly notifier: Notifier;
  readonly uploads: UploadHandover;
  readonly vault: Vault;
  readonly clock: Clock;
  readonly owner: string;
  readonly limits: EngineLimits;
}
