// Streams a Fragment body into the session's request file in constant memory. Bytes before `next`
// (an overlapping retry) are dropped, never rewritten (spec §7.4 step 4). A write failure does not
// tear the connection down: the rest of the body is read and discarded so that the client gets its
// error Ack (500 + ERROR_DISK_FULL), and the file is cut back to what it held before.
//
// The socket keeps flowing while a write is in flight: chunks queue up (at most MAX_QUEUED_BYTES,
// then the body is paused until the disk catches up) and the next write takes the whole queue as one
// pwritev. Awaiting each ~64 KiB chunk's thread-pool write before reading on left the socket idle for
// a round trip per chunk (BENCHMARKS.md, upload). The caller acknowledges only after this resolves,
// i.e. after the fragment's last write completed.
import { open, truncate, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

export interface FragmentWrite {
  /** Offset of the first body byte in the upload. */
  first: number;
  /** Body length announced by Content-Length. */
  length: number;
  /** Bytes the file already holds (the next byte wanted). */
  next: number;
}

export class BodyIncompleteError extends Error {
  constructor(readonly got: number, readonly expected: number) {
    super(`fragment body ended after ${got} of ${expected} bytes`);
    this.name = 'BodyIncompleteError';
  }
}

/** Bytes queued from the socket while the disk is busy; beyond this the body is paused (memory bound). */
export const MAX_QUEUED_BYTES = 2 * 1024 * 1024;

/**
 * The body's chunks, already trimmed of bytes the file holds, as batches: everything that arrived
 * since the last take(). The body is paused while MAX_QUEUED_BYTES wait and resumed when taken.
 * After discard() chunks are counted and dropped (a failed write still reads the body to its end).
 */
class BodyQueue {
  private chunks: Buffer[] = [];
  private bytes = 0;
  private ended = false;
  private error: unknown;
  private wake: (() => void) | undefined;
  private discarding = false;
  /** Body bytes seen so far, trimmed or not. */
  seen = 0;

  constructor(
    private readonly body: Readable,
    first: number,
    private wanted: number,
  ) {
    body.on('data', (chunk: Buffer) => {
      const chunkStart = first + this.seen;
      this.seen += chunk.length;
      if (this.discarding) return;
      const skip = Math.max(0, this.wanted - chunkStart);
      if (skip >= chunk.length) return;
      const slice = skip ? chunk.subarray(skip) : chunk;
      this.wanted += slice.length;
      this.chunks.push(slice);
      this.bytes += slice.length;
      if (this.bytes >= MAX_QUEUED_BYTES) body.pause();
      this.notify();
    });
    body.on('end', () => {
      this.ended = true;
      this.notify();
    });
    body.on('error', (e) => this.fail(e));
    // Closed without 'end' or 'error' (the client went away mid-body).
    body.on('close', () => {
      if (!this.ended) this.fail(body.errored ?? prematureClose());
    });
    if (body.destroyed && !body.readableEnded) this.fail(body.errored ?? prematureClose());
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

  /** Everything queued (never empty), or null at the clean end of the body; throws the body's error. */
  async take(): Promise<Buffer[] | null> {
    for (;;) {
      if (this.error !== undefined) throw this.error;
      if (this.bytes > 0) {
        const batch = this.chunks;
        this.chunks = [];
        this.bytes = 0;
        if (this.body.isPaused()) this.body.resume();
        return batch;
      }
      if (this.ended) return null;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** Drops what is queued and everything still to come; resolves at the end of the body. */
  async discard(): Promise<void> {
    this.discarding = true;
    this.chunks = [];
    this.bytes = 0;
    if (this.body.isPaused()) this.body.resume();
    while ((await this.take()) !== null);
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** Writes the whole batch at `pos` (one pwritev; short writes continue where they stopped). */
async function writeBatch(fh: FileHandle, batch: Buffer[], pos: number): Promise<number> {
  let total = 0;
  for (const c of batch) total += c.length;
  let done = 0;
  while (done < total) {
    const { bytesWritten } = batch.length === 1 ? await fh.write(batch[0]!, 0, batch[0]!.length, pos + done) : await fh.writev(batch, pos + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
    if (done < total) batch = dropFront(batch, bytesWritten);
  }
  return total;
}

function dropFront(batch: Buffer[], n: number): Buffer[] {
  const rest: Buffer[] = [];
  for (const c of batch) {
    if (n >= c.length) n -= c.length;
    else {
      rest.push(n ? c.subarray(n) : c);
      n = 0;
    }
  }
  return rest;
}

/** Returns the new `next`. Throws the write error (after draining the body) or the transport error. */
export async function writeFragment(body: Readable, file: string, w: FragmentWrite): Promise<number> {
  const queue = new BodyQueue(body, w.first, w.next);
  let fh: FileHandle;
  try {
    fh = await open(file, 'r+');
  } catch (e) {
    await queue.discard().catch(() => undefined);
    throw e;
  }
  let pos = w.next;
  try {
    for (let batch = await queue.take(); batch; batch = await queue.take()) {
      try {
        pos += await writeBatch(fh, batch, pos);
      } catch (e) {
        await queue.discard();
        throw e;
      }
    }
    if (queue.seen !== w.length) throw new BodyIncompleteError(queue.seen, w.length);
    return pos;
  } catch (e) {
    await fh.truncate(w.next).catch(() => truncate(file, w.next).catch(() => undefined));
    throw e;
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/** Reads and discards a body (a request answered without using its bytes), returning its length. */
export async function drainBody(body: Readable): Promise<number> {
  let n = 0;
  for await (const chunk of body as AsyncIterable<Buffer>) n += chunk.length;
  return n;
}
