// Streams a Fragment body into the session's request file in constant memory. Bytes before `next`
// (an overlapping retry) are dropped, never rewritten (spec §7.4 step 4). A write failure does not
// tear the connection down: the rest of the body is read and discarded so that the client gets its
// error Ack (500 + ERROR_DISK_FULL), and the file is cut back to what it held before.
//
// The socket keeps flowing while a write is in flight: chunks queue up (module/io/chunk-queue.ts, at
// most MAX_QUEUED_BYTES, then the body is paused) and the next write takes the whole queue as one
// pwritev. Awaiting each ~64 KiB chunk's thread-pool write before reading on left the socket idle for
// a round trip per chunk (BENCHMARKS.md, upload). The caller acknowledges only after this resolves,
// i.e. after the fragment's last write completed.
import { open, truncate, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { ChunkQueue, dropBytes } from '../io/chunk-queue.js';
import { releaseChunk } from './diverted-body.js';

export { MAX_QUEUED_BYTES } from '../io/chunk-queue.js';

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

/** Writes the whole batch at `pos` (one pwritev; short writes continue where they stopped). */
async function writeBatch(fh: FileHandle, batch: Buffer[], pos: number): Promise<number> {
  let total = 0;
  for (const c of batch) total += c.length;
  let done = 0;
  while (done < total) {
    const { bytesWritten } = batch.length === 1 ? await fh.write(batch[0]!, 0, batch[0]!.length, pos + done) : await fh.writev(batch, pos + done);
    if (bytesWritten <= 0) throw Object.assign(new Error('write made no progress'), { code: 'EIO' });
    done += bytesWritten;
    if (done < total) batch = dropBytes(batch, bytesWritten);
  }
  return total;
}

/** Returns the new `next`. Throws the write error (after draining the body) or the transport error. */
export async function writeFragment(body: Readable, file: string, w: FragmentWrite): Promise<number> {
  // Bytes before `wanted` (an overlapping retry) are dropped as they arrive; `seen` counts them all.
  let seen = 0;
  let wanted = w.next;
  const queue = new ChunkQueue(body, {
    accept: (chunk) => {
      const chunkStart = w.first + seen;
      seen += chunk.length;
      const skip = Math.max(0, wanted - chunkStart);
      if (skip >= chunk.length) return undefined;
      const slice = skip ? chunk.subarray(skip) : chunk;
      wanted += slice.length;
      return slice;
    },
  });
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
      // Written: the body may reuse the memory (diverted-body.ts slabs). Never before, never twice.
      for (const chunk of batch) releaseChunk(body, chunk);
    }
    if (seen !== w.length) throw new BodyIncompleteError(seen, w.length);
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
