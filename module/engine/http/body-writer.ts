// Streams one response body into the temp file at its offset, in constant memory: chunks are
// written as they arrive and the socket is read only as fast as the disk takes them (async
// iteration pauses the stream while a write is pending). Owns the idle timeout, abort, progress and
// checkpoints of the body phase.
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

/** Fires when no chunk arrived for `ms`; paused while we are busy writing (a slow disk is not an idle server). */
class IdleTimer {
  private timer: NodeJS.Timeout | undefined;
  constructor(
    private readonly ms: number,
    private readonly onIdle: () => void,
  ) {}
  arm(): void {
    this.disarm();
    this.timer = setTimeout(this.onIdle, this.ms);
  }
  disarm(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }
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
  try {
    if (o.signal.aborted) throw new DownloadAbortedError(o.signal.reason);
    o.signal.addEventListener('abort', onAbort, { once: true });
    idle.arm();
    for await (const chunk of response as AsyncIterable<Buffer>) {
      idle.disarm();
      if (position + chunk.length > o.total) {
        throw invalidServerResponseError(o.url, `The server sent more than the announced ${o.total} bytes`);
      }
      await o.file.write(chunk, position);
      position += chunk.length;
      o.onProgress?.(position);
      // Abort wins over a pending checkpoint: after an abort only the last durable one counts.
      if (o.signal.aborted) throw new DownloadAbortedError(o.signal.reason);
      await checkpointer.afterWrite(position);
      idle.arm();
    }
  } catch (e) {
    const failure = bodyFailure(e, o.url, position, o.total);
    if (!isAbortError(failure)) await checkpointer.beforeFailure(position);
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
