// Decides when written bytes are made durable and reported to the engine as the new resume offset.
// Syncing every chunk would be slow; never syncing would make a crash lose (or, worse, trust) data
// the kernel had not yet written. So: at most every intervalMs or every `bytes` bytes.
import type { RemoteValidator } from './download-port.js';
import type { TempFile } from './temp-file.js';

export interface CheckpointPolicy {
  intervalMs: number;
  bytes: number;
}

export class Checkpointer {
  private durablePosition: number;
  private lastTime = Date.now();

  constructor(
    private readonly file: TempFile,
    private readonly policy: CheckpointPolicy,
    private readonly validator: RemoteValidator,
    private readonly onCheckpoint: ((position: number, validator: RemoteValidator) => void) | undefined,
    startPosition: number,
  ) {
    this.durablePosition = startPosition;
  }

  /** After a write: checkpoint if the policy says it is time. */
  async afterWrite(position: number): Promise<void> {
    const due = Date.now() - this.lastTime >= this.policy.intervalMs || position - this.durablePosition >= this.policy.bytes;
    if (due) await this.checkpoint(position);
  }

  async checkpoint(position: number): Promise<void> {
    await this.file.datasync();
    this.durablePosition = position;
    this.lastTime = Date.now();
    this.onCheckpoint?.(position, this.validator);
  }

  /**
   * Before reporting a failure: keep what arrived so a retry resumes from there. If even the sync
   * fails (the disk is gone), the last durable checkpoint stands, which is still correct.
   */
  async beforeFailure(position: number): Promise<void> {
    if (position <= this.durablePosition) return;
    try {
      await this.checkpoint(position);
    } catch {
      /* the earlier checkpoint remains valid */
    }
  }
}
