// A readable stream's chunks as write batches, shared by the download's body writer
// (module/engine/http/body-writer.ts) and the upload server's fragment writer
// (module/server/fragment-writer.ts). The stream keeps flowing while the consumer's write is in
// flight: chunks queue up (at most MAX_QUEUED_BYTES, then the stream is paused until the disk catches
// up) and the next take() returns everything queued, for one pwritev. Awaiting each ~64 KiB chunk's
// thread-pool write before reading on left the socket idle for a round trip per chunk (BENCHMARKS.md).
import type { Readable } from 'node:stream';

/** Bytes queued from the stream while the disk is busy; beyond this the stream is paused (memory bound). */
export const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

export interface ChunkQueueHooks {
  /** Each chunk as it arrives: the part to queue (e.g. trimmed of bytes already held), or undefined to drop it. */
  accept?(chunk: Buffer): Buffer | undefined;
  /** The stream was paused because the queue is full. */
  onPause?(): void;
  /** The stream was resumed because the queue was taken below its bound. */
  onResume?(): void;
}

export class ChunkQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  private discarding = false;

  /** `maxQueuedBytes`: the pause threshold (default MAX_QUEUED_BYTES); the download uses less (body-writer.ts). */
  constructor(
    private readonly stream: Readable,
    private readonly hooks: ChunkQueueHooks = {},
    private readonly maxQueuedBytes = MAX_QUEUED_BYTES,
  ) {
    stream.on('data', (chunk: Buffer) => {
      if (this.discarding) return;
      const part = hooks.accept ? hooks.accept(chunk) : chunk;
      if (!part || part.length === 0) return;
      this.chunks.push(part);
      this.bytes += part.length;
      if (this.bytes >= this.maxQueuedBytes) {
        stream.pause();
        hooks.onPause?.();
      }
      this.notify();
    });
    stream.on('end', () => {
      this.ended = true;
      this.notify();
    });
    stream.on('error', (e) => this.fail(e));
    // Closed without 'end' or 'error' (e.g. destroyed, or the peer went away): the body is incomplete.
    stream.on('close', () => {
      if (!this.ended) this.fail(stream.errored ?? prematureClose());
    });
    // Destroyed before we listened (while the caller awaited something): those events are gone.
    if (stream.destroyed && !stream.readableEnded) this.fail(stream.errored ?? prematureClose());
  }

  private fail(e: unknown): void {
    this.error ??= e;
    this.notify();
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  /**
   * The next batch of at most `maxBytes` (never empty; a chunk is split at the limit), or null at the
   * clean end of the stream; throws the stream's error.
   */
  async take(maxBytes = Infinity): Promise<Buffer[] | null> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (this.bytes > 0) {
        let batch = this.chunks;
        if (this.bytes <= maxBytes) {
          this.chunks = [];
          this.bytes = 0;
        } else {
          batch = this.splitAt(maxBytes);
        }
        this.resumeBelowBound();
        return batch;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Removes and returns what is queued now (a failed consumer gives those chunks' memory back). */
  takeQueued(): Buffer[] {
    const queued = this.chunks;
    this.chunks = [];
    this.bytes = 0;
    return queued;
  }

  /** Drops what is queued and everything still to come; resolves at the end of the stream, throws its error. */
  async discard(): Promise<void> {
    this.discarding = true;
    this.chunks = [];
    this.bytes = 0;
    this.resumeBelowBound();
    while ((await this.take()) !== null);
  }

  private resumeBelowBound(): void {
    if (this.stream.isPaused() && this.bytes < this.maxQueuedBytes) {
      this.hooks.onResume?.();
      this.stream.resume();
    }
  }

  /** Removes and returns the first `n` queued bytes (views, no copies). */
  private splitAt(n: number): Buffer[] {
    const head: Buffer[] = [];
    let left = n;
    while (left > 0) {
      const c = this.chunks[0]!;
      if (c.length <= left) {
        head.push(this.chunks.shift()!);
        left -= c.length;
      } else {
        head.push(c.subarray(0, left));
        this.chunks[0] = c.subarray(left);
        left = 0;
      }
    }
    this.bytes -= n;
    return head;
  }
}

/** `chunks` without their first `n` bytes (views, no copies): where a short pwritev continues. */
export function dropBytes(chunks: Buffer[], n: number): Buffer[] {
  let i = 0;
  while (i < chunks.length && n >= chunks[i]!.length) n -= chunks[i++]!.length;
  const rest = chunks.slice(i);
  if (n > 0) rest[0] = rest[0]!.subarray(n);
  return rest;
}

function prematureClose(): Error {
  return Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}
