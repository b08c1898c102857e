// Streams one response body into the temp file at its offset, in constant memory. The socket keeps
// flowing while a write is in flight: its chunks queue up (module/io/chunk-queue.ts, at most
// QUEUED_BODY_BYTES, then the socket is paused) and the next write takes the whole queue as one pwritev.
// Awaiting each ~64 KiB chunk's write before reading on left the socket idle for a thread-pool round
// trip per chunk (BENCHMARKS.md). Owns the idle timeout, abort, progress and checkpoints of the body.
import type { Readable } from 'node:stream';
import { ErrorContext } from '../../api/enums.js';
import { ChunkQueue } from '../../io/chunk-queue.js';
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
import { recycle } from '../../io/slab-pool.js';
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
 * Body bytes queued while a write is in flight (then the socket pauses). Every queued byte holds
 * slab memory (module/io/slab-pool.ts) and a write takes the whole queue, so the service's peak RSS grows with
 * twice this; 1 MiB per write is still few system calls (a thousand per GiB).
 */
export const QUEUED_BODY_BYTES = 1024 * 1024;

const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ERR_STREAM_PREMATURE_CLOSE']);

/** A stream error during the body → what BITS reports; a short body is a reset (context REMOTE_FILE). */
function bodyFailure(e: unknown, url: string, position: number, total: number): Error {
  if (e instanceof HttpTransferError || isAbortError(e)) return e as Error;
  const code = (e as NodeJS.ErrnoException)?.code ?? '';
  if (RESET_CODES.has(code) || (e as Error)?.message === 'aborted') return connectionResetMidBodyError(url, position, total);
  return transportError(e, url, ErrorContext.REMOTE_FILE);
}

/** Returns the final position (== total). On failure the bytes so far are checkpointed first, except on abort. */
export async function writeBody(response: Readable, o: BodyWriteOptions): Promise<number> {
  const checkpointer = new Checkpointer(o.file, o.checkpoints, o.validator, o.onCheckpoint, o.start);
  const idle = new IdleTimer(o.idleTimeoutMs, () => response.destroy(idleTimeoutError(o.url, o.idleTimeoutMs)));
  const onAbort = () => response.destroy(new DownloadAbortedError(o.signal.reason));
  let position = o.start;
  /** Bytes received so far (written or queued): a body longer than announced is refused on arrival. */
  let received = o.start;
  let queue: ChunkQueue | undefined;
  try {
    if (o.signal.aborted) throw new DownloadAbortedError(o.signal.reason);
    o.signal.addEventListener('abort', onAbort, { once: true });
    idle.arm();
    // The idle timer runs while the socket is read; a full queue (a slow disk) is not an idle server.
    queue = new ChunkQueue(response, {
      accept: (chunk) => {
        idle.arm();
        received += chunk.length;
        if (received > o.total) response.destroy(invalidServerResponseError(o.url, `The server sent more than the announced ${o.total} bytes`));
        return chunk;
      },
      onPause: () => idle.disarm(),
      onResume: () => idle.arm(),
    }, QUEUED_BODY_BYTES);
    // A batch never crosses the next size checkpoint, so checkpoints land where the policy puts them.
    for (let batch = await queue.take(checkpointer.bytesUntilDue(position)); batch; batch = await queue!.take(checkpointer.bytesUntilDue(position))) {
      const length = batch.length === 1 ? batch[0]!.length : batch.reduce((n, c) => n + c.length, 0);
      if (batch.length === 1) await o.file.write(batch[0]!, position);
      else await o.file.writev(batch, position);
      // Written: the socket may read into these bytes' memory again (lean-get.ts's slabs).
      for (const chunk of batch) recycle(chunk);
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
    // Chunks never written (a failure or abort): their slab space goes back to the shared pool.
    if (queue) for (const chunk of queue.takeQueued()) recycle(chunk);
  }
  // The connection ended cleanly but early (e.g. a close-delimited body cut short).
  if (position < o.total) {
    await checkpointer.beforeFailure(position);
    throw connectionResetMidBodyError(o.url, position, o.total);
  }
  return position;
}
