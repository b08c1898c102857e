// Lifecycle and scheduling of transfers: which jobs run (the scheduler of spec §5.3, round-robin
// slices among equal priorities), starting a worker per running job, stopping it (preemption,
// Suspend, Cancel, close) and keeping what it wrote. A worker's outcome goes to TRANSFERRED here;
// failures go to the retry rules (retry.ts).
import { closeSync, fdatasyncSync, fstatSync, openSync } from 'node:fs';
import { JobState, JobType } from '../api/enums.js';
import type { Clock, TimerHandle } from './clock.js';
import { runDownloadJob, type WorkerHost } from './download-worker.js';
import type { JobRecord } from './job-record.js';
import { ACTIVE, type JobTable } from './job-table.js';
import { decideSchedule } from './scheduler.js';
import type { UploadHost } from './upload-worker.js';

interface Worker {
  controller: AbortController;
  done: Promise<void>;
  sliceStartedAt: number;
}

export interface WorkerPoolOptions {
  table: JobTable;
  clock: Clock;
  timeSliceMs: number;
  downloadHost: WorkerHost;
  uploadHost: UploadHost;
  /** A worker failed (not stopped): TRANSIENT_ERROR or ERROR. */
  onFailure(job: JobRecord, error: unknown): void;
  /** Called first in every scheduling decision (the bandwidth policy parks or releases jobs). */
  beforeSchedule?(): void;
  log(line: string): void;
}

export class WorkerPool {
  private readonly workers = new Map<string, Worker>();
  /** Workers told to stop but maybe still holding their temp file; a new worker waits for them. */
  private readonly stopping = new Map<string, Promise<void>>();
  private sliceTimer: TimerHandle | null = null;
  private closed = false;

  constructor(private readonly o: WorkerPoolOptions) {}

  reschedule(): void {
    if (this.closed) return;
    this.o.beforeSchedule?.();
    const { table, clock } = this.o;
    const now = clock.now();
    const running = new Map([...this.workers].map(([id, w]) => [id, w.sliceStartedAt]));
    const { run, sliceEndsAt } = decideSchedule({ jobs: table.jobs.values(), running, now, timeSliceMs: this.o.timeSliceMs });
    for (const id of this.workers.keys()) {
      if (!run.has(id)) {
        const job = table.jobs.get(id)!;
        // Preempted or slice over: back to QUEUED, behind its peers (round-robin).
        const w = this.workers.get(id)!;
        w.controller.abort();
        this.workers.delete(id);
        const settled = w.done.catch(() => undefined).then(() => this.keepWrittenBytes(job));
        this.stopping.set(id, settled);
        void settled.finally(() => { if (this.stopping.get(id) === settled) this.stopping.delete(id); });
        if (ACTIVE.includes(job.state)) table.setState(job, JobState.QUEUED);
      }
    }
    for (const id of run) if (!this.workers.has(id)) this.startWorker(table.jobs.get(id)!);
    this.sliceTimer?.cancel();
    this.sliceTimer = sliceEndsAt === null ? null : clock.setTimer(() => this.reschedule(), Math.max(0, sliceEndsAt - now));
  }

  /** Stops the job's worker (if any) and waits until it has let go of its files. */
  async stop(job: JobRecord, reason?: string): Promise<void> {
    const w = this.workers.get(job.id);
    if (!w) return;
    w.controller.abort(reason);
    await w.done.catch(() => undefined);
    this.keepWrittenBytes(job);
  }

  /** No more scheduling: the slice timer goes; workers keep running until stopAll. */
  halt(): void {
    this.closed = true;
    this.sliceTimer?.cancel();
  }

  /** Stops every worker at its last checkpoint (after halt). */
  async stopAll(jobs: Iterable<JobRecord>): Promise<void> {
    await Promise.all([...jobs].map((j) => this.stop(j)));
    await Promise.all(this.stopping.values());
  }

  private startWorker(job: JobRecord): void {
    const controller = new AbortController();
    this.o.table.setState(job, JobState.CONNECTING);
    const worker: Worker = { controller, sliceStartedAt: this.o.clock.now(), done: Promise.resolve() };
    this.workers.set(job.id, worker);
    worker.done = this.runWorker(job, controller.signal).finally(() => {
      if (this.workers.get(job.id) === worker) this.workers.delete(job.id);
    });
  }

  private async runWorker(job: JobRecord, signal: AbortSignal): Promise<void> {
    await this.stopping.get(job.id); // never two workers on one temp file
    try {
      if (job.type === JobType.DOWNLOAD) await runDownloadJob(job, this.o.downloadHost, signal);
      // The upload stack is loaded when the first upload runs: a service that only downloads never needs it.
      else await (await import('./upload-worker.js')).runUploadJob(job, this.o.uploadHost, signal);
      if (signal.aborted) return;
      job.firstTransientAt = null;
      this.o.table.setState(job, JobState.TRANSFERRED);
      this.o.log(`job ${job.id} TRANSFERRED`);
    } catch (e) {
      if (signal.aborted || (e as Error).name === 'AbortError') return;
      this.o.onFailure(job, e);
    } finally {
      if (!signal.aborted) queueMicrotask(() => this.reschedule());
    }
  }

  /**
   * After an orderly stop (Suspend, preemption, close) the temp file may hold bytes written after
   * the last checkpoint. Make them durable and record them, so Resume continues where the transfer
   * stopped instead of at the last checkpoint. (After a crash the checkpoint is all we trust.)
   */
  private keepWrittenBytes(job: JobRecord): void {
    const { table } = this.o;
    for (const f of job.files) {
      const live = table.live.get(`${job.id}:${f.index}`);
      if (f.transferred || live === undefined || live <= f.bytesTransferred) continue;
      try {
        const fd = openSync(f.tempName, 'r+');
        try {
          const size = fstatSync(fd).size;
          fdatasyncSync(fd);
          f.bytesTransferred = Math.min(live, size);
        } finally {
          closeSync(fd);
        }
        table.store.checkpoint(job, f);
      } catch {
        // The temp file is gone or unreadable: the last checkpoint stands.
      }
    }
  }
}
