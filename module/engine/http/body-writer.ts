// Streams one response body into the temp file at its offset, in constant memory. The socket keeps
// flowing while a write is in flight: its chunks queue up (at most MAX_QUEUED_BYTES, then the socket
// is paused until the disk catches up) and the next write takes the whole queue as one pwritev.
// Awaiting each ~64 KiB chunk's write before reading on left the socket idle for a thread-pool round
// trip per chunk (BENCHMARKS.md). Owns the idle timeout, abort, progress and checkpoints of the body.
import type { IncomingMessage } from 'node:http';
import { ErrorContext } from '../../api/enums.js';
import { Checkpointer, type CheckpointPolicy } from './checkpointer.js';
import type { RemoteValidator } from './download-port.js';
import {
  connectionResetMidBodyError,
  DownloadAbortedError,
  HttpTransferError,
  idleTimeoutError,
  invalidServerResponseError,
  isAbortError,
  transportError,
} from './errors.js';
import type { TempFile } from './temp-file.js';

export interface BodyWriteOptions {
  url: string;
  file: TempFile;
  /** Position of the body's first byte in the file. */
  start: number;
  /** Size of the whole remote file: the body must end exactly there. */
  total: number;
  validator: RemoteValidator;
  idleTimeoutMs: number;
  signal: AbortSignal;
  checkpoints: CheckpointPolicy;
  onProgress?(position: number): void;
  onCheckpoint?(position: number, validator: RemoteValidator): void;
}

/** Bytes queued from the socket while the disk is busy; beyond this the socket is paused (memory bound). */
export const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

/** Fires when no chunk arrived for `ms` while the socket was read; paused while the queue is full (a slow disk is not an idle server). */
class IdleTimer {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}
  /** (Re)starts the countdown; refresh() reuses the one timer instead of creating one per chunk. */
  arm(): void {
    if (this.timer) this.timer.refresh();
    else this.timer = setTimeout(this.onIdle, this.ms);
  }
  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * The response's chunks as batches: everything that arrived since the last take(). Reading stops
 * (socket paused) while MAX_QUEUED_BYTES wait and resumes when they are taken.
 */
class ChunkQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;

  constructor(
    private readonly response: IncomingMessage,
    private readonly idle: IdleTimer,
    private readonly onChunk: (chunk: Buffer) => void,
  ) {
    response.on('data', (chunk: Buffer) => {
      this.idle.arm();
      this.onChunk(chunk);
      this.chunks.push(chunk);
      this.bytes += chunk.length;
      if (this.bytes >= MAX_QUEUED_BYTES) {
        response.pause();
        this.idle.disarm();
      }
      this.notify();
    });
    response.on('end', () => {
      this.ended = true;
      this.notify();
    });
    response.on('error', (e) => this.fail(e));
    // Closed without 'end' or 'error' (e.g. destroyed): the body is incomplete.
    response.on('close', () => {
      if (!this.ended) this.fail(response.errored ?? prematureClose());
    });
    // Destroyed before we listened (while the caller awaited something): those events are gone.
    if (response.destroyed && !response.readableEnded) this.fail(response.errored ?? prematureClose());
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
   * clean end of the body; throws the stream's error.
   */
  async take(maxBytes: number): Promise<Buffer[] | null> {
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
        if (this.response.isPaused() && this.bytes < MAX_QUEUED_BYTES) {
          this.idle.arm();
          this.response.resume();
        }
        return batch;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
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

function prematureClose(): Error {
  return Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** A stream error during the body → what BITS reports; a short body is a reset (context REMOTE_FILE). */
function bodyFailure(e: unknown, url: string, position: number, total: number): Error {
  if (e instanceof HttpTransferError || isAbortError(e)) return e as Error;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (RESET_CODES.has(code) || (e as Error)?.message === 'aborted') return connectionResetMidBodyError(url, position, total);
  return transportError(e, url, ErrorContext.REMOTE_FILE);
}

/** Returns the final position (== total). On failure the bytes so far are checkpointed first, except on abort. */
export async function writeBody(response: IncomingMessage, o: BodyWriteOptions): Promise<number> {
  const checkpointer = new Checkpointer(o.file, o.checkpoints, o.validator, o.onCheckpoint, o.start);
  const idle = new IdleTimer(o.idleTimeoutMs, () => response.destroy(idleTimeoutError(o.url, o.idleTimeoutMs)));
  const onAbort = () => response.destroy(new DownloadAbortedError(o.signal.reason));
  let position = o.start;
  /** Bytes received so far (written or queued): a body longer than announced is refused on arrival. */
  let received = o.start;
  try {
    if (o.signal.aborted) throw new DownloadAbortedError(o.signal.reason);
    o.signal.addEventListener('abort', onAbort, { once: true });
    idle.arm();
    const queue = new ChunkQueue(response, idle, (chunk) => {
      received += chunk.length;
      if (received > o.total) response.destroy(invalidServerResponseError(o.url, `The server sent more than the announced ${o.total} bytes`));
    });
    // A batch never crosses the next size checkpoint, so checkpoints land where the policy puts them.
    for (let batch = await queue.take(checkpointer.bytesUntilDue(position)); batch; batch = await queue.take(checkpointer.bytesUntilDue(position))) {
      const length = batch.length === 1 ? batch[0]!.length : batch.reduce((n, c) => n + c.length, 0);
      if (batch.length === 1) await o.file.write(batch[0]!, position);
      else await o.file.writev(batch, position);
      position += length;
      o.onProgress?.(position);
      // Abort wins over a pending checkpoint: after an abort only the last durable one counts.
      if (o.signal.aborted) throw new DownloadAbortedError(o.signal.reason);
      const lagging = checkpointer.afterWrite(position);
      if (lagging) await lagging;
    }
    idle.disarm();
    await checkpointer.settle();
  } catch (e) {
    const failure = bodyFailure(e, o.url, position, o.total);
    if (!isAbortError(failure)) await checkpointer.beforeFailure(position);
    else await checkpointer.settle().catch(() => undefined);
    throw failure;
  } finally {
    idle.disarm();
    o.signal.removeEventListener('abort', onAbort);
    response.destroy();
  }
  // The connection ended cleanly but early (e.g. a close-delimited body cut short).
  if (position < o.total) {
    await checkpointer.beforeFailure(position);
    throw connectionResetMidBodyError(o.url, position, o.total);
  }
  return position;
}
