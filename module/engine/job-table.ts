// The engine's jobs in memory and their durable record: lookup by id, save-and-announce, the state
// transitions every operation goes through (durable before reported, notify checked after), and
// the live byte positions the workers report between checkpoints.
import type { EventEmitter } from 'node:events';
import { bitsError } from '../api/bits-error.js';
import { JobState } from '../api/enums.js';
import { HR } from '../api/hresult.js';
import type { Clock } from './clock.js';
import type { FileRecord, JobRecord } from './job-record.js';
import { invalidState } from './job-outcome.js';
import type { Notifier } from './notifier.js';
import { normalizeJobId } from './validate.js';
import type { JobStore } from './store.js';

/** States a job never leaves (its row stays so handles still read them). */
export const FINAL: readonly number[] = [JobState.ACKNOWLEDGED, JobState.CANCELLED];
/** How often a report held back by a failed store write asks again. */
const RETRY_REPORT_MS = 1000;
/** States in which a worker runs (or is about to). */
export const ACTIVE: readonly number[] = [JobState.QUEUED, JobState.CONNECTING, JobState.TRANSFERRING];

export class JobTable {
  readonly jobs = new Map<string, JobRecord>();
  /** `${jobId}:${index}` (or `${jobId}:reply`) → live byte position, newer than the last checkpoint. */
  readonly live = new Map<string, number>();

  constructor(
    readonly store: JobStore,
    private readonly clock: Clock,
    private readonly notifier: Notifier,
    private readonly events: EventEmitter,
    loaded: JobRecord[],
  ) {
    for (const j of loaded) this.jobs.set(j.id, j);
  }

  find(jobId: unknown): JobRecord {
    const job = this.jobs.get(normalizeJobId(jobId));
    if (!job) throw bitsError(HR.BG_E_NOT_FOUND, `No job with id ${String(jobId)}: list your jobs with \`bits-job2 list\`.`);
    return job;
  }

  findMutable(jobId: unknown): JobRecord {
    const job = this.find(jobId);
    if (FINAL.includes(job.state)) throw invalidState(job);
    return job;
  }

  /** Jobs still in the queue (not ACKNOWLEDGED/CANCELLED). */
  queued(): JobRecord[] {
    return [...this.jobs.values()].filter((j) => !FINAL.includes(j.state));
  }

  liveBytes = (job: JobRecord, f: FileRecord): number => this.live.get(`${job.id}:${f.index}`) ?? f.bytesTransferred;

  /** Persists the job and announces a state change once it is durable (durable before reported). */
  commit(job: JobRecord, touch = true): void {
    if (touch) job.modifiedAt = this.clock.now();
    this.store.save(job);
    const { id, state } = job;
    this.whenDurable(() => this.events.emit('state', id, state));
  }

  setState(job: JobRecord, state: number): void {
    job.state = state;
    if (state === JobState.QUEUED) job.queuedAt = this.clock.now();
    if (state === JobState.TRANSFERRED) job.transferCompletedAt = this.clock.now();
    if (state !== JobState.TRANSFERRED && state !== JobState.ERROR) this.notifier.reset(job); // the next one is a new event
    this.commit(job);
    this.whenDurable(() => this.notifier.check(job)); // a notify program reports the state: durable first
  }

  /**
   * Runs `report` once every write so far is durable (the store groups writes into one synced
   * commit per turn, store-commit.ts). A failed commit is written again: the report waits for that,
   * asking again every second (a full disk must not turn this into a busy loop).
   */
  whenDurable(report: () => void): void {
    this.store.durable().then(report, () => {
      this.clock.setTimer(() => this.whenDurable(report), RETRY_REPORT_MS);
    });
  }

  /** A final job keeps its row so handles still read ACKNOWLEDGED/CANCELLED; live data goes. */
  forget(job: JobRecord): void {
    for (const f of job.files) this.live.delete(`${job.id}:${f.index}`);
    this.live.delete(`${job.id}:reply`);
  }
}
