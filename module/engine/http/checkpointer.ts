// Decides when written bytes are made durable and reported to the engine as the new resume offset.
// Syncing every chunk would be slow; never syncing would make a crash lose (or, worse, trust) data
// the kernel had not yet written. So: at most every intervalMs or every `bytes` bytes.
//
// The fdatasync runs beside the transfer instead of in its path: it is started when a checkpoint is
// due, the body keeps streaming, and only when it completes is the position it covered (everything
// written before it started) reported — what the engine records is always durable. At most one sync
// is in flight; when the next one is due by bytes while the previous still runs, the data path waits
// for it, so the bytes not yet durable stay under two `bytes` intervals (one while nothing lags) and a
// kill -9 re-downloads no more than that. A failed sync fails the body at the next write, as an
// awaited one did.
import type { RemoteValidator } from './download-port.js';
import type { TempFile } from './temp-file.js';

export interface CheckpointPolicy {
  intervalMs: number;
  bytes: number;
}

export class Checkpointer {
  private durablePosition: number;
  /** Position of the last checkpoint started (durable or in flight): the policy counts from there. */
  private startedPosition: number;
  private lastTime = Date.now();
  private inFlight: Promise<void> | undefined;
  private failure: unknown;

  constructor(
    private readonly file: TempFile,
    private readonly policy: CheckpointPolicy,
    private readonly validator: RemoteValidator,
    private readonly onCheckpoint: ((position: number, validator: RemoteValidator) => void) | undefined,
    startPosition: number,
  ) {
    this.durablePosition = startPosition;
    this.startedPosition = startPosition;
  }

  /** How many bytes may still be written from `position` before a checkpoint is due by size (≥ 1). */
  bytesUntilDue(position: number): number {
    return Math.max(1, this.startedPosition + this.policy.bytes - position);
  }

  /**
   * After a write (everything before `position` is written): starts a checkpoint in the background
   * if the policy says it is time. Returns a promise only when the data path must wait: a checkpoint
   * is due by size while the previous one is still running. Throws the failure of an earlier one.
   */
  afterWrite(position: number): Promise<void> | undefined {
    if (this.failure !== undefined) throw this.failure;
    const dueBySize = position - this.startedPosition >= this.policy.bytes;
    if (!dueBySize && Date.now() - this.lastTime < this.policy.intervalMs) return undefined;
    if (this.inFlight) return dueBySize ? this.inFlight.then(() => this.afterWrite(position)) : undefined;
    this.startedPosition = position;
    this.inFlight = this.checkpoint(position).then(
      () => undefined,
      (e: unknown) => {
        this.failure = e;
      },
    );
    return undefined;
  }

  /** Waits for a background checkpoint (before the file is closed or the outcome reported); throws its failure. */
  async settle(): Promise<void> {
    await this.inFlight;
    if (this.failure !== undefined) throw this.failure;
  }

  private async checkpoint(position: number): Promise<void> {
    try {
      await this.file.datasync();
      if (position > this.durablePosition) {
        this.durablePosition = position;
        this.onCheckpoint?.(position, this.validator);
      }
    } finally {
      this.lastTime = Date.now();
      this.inFlight = undefined;
    }
  }

  /**
   * Before reporting a failure: keep what arrived so a retry resumes from there. If even the sync
   * fails (the disk is gone), the last durable checkpoint stands, which is still correct.
   */
  async beforeFailure(position: number): Promise<void> {
    await this.inFlight;
    if (position <= this.durablePosition) return;
    try {
      await this.checkpoint(position);
    } catch {
      /* the earlier checkpoint remains valid */
    }
  }
}
