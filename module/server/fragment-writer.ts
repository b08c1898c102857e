// Streams a Fragment body into the session's request file in constant memory. Bytes before `next`
// (an overlapping retry) are dropped, never rewritten (spec §7.4 step 4). A write failure does not
// tear the connection down: the rest of the body is read and discarded so that the client gets its
// error Ack (500 + ERROR_DISK_FULL), and the file is cut back to what it held before.
import { open, truncate } from 'node:fs/promises';
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

/** Returns the new `next`. Throws the write error (after draining the body) or the transport error. */
export async function writeFragment(body: Readable, file: string, w: FragmentWrite): Promise<number> {
  const fh = await open(file, 'r+');
  let pos = w.next;
  let seen = 0;
  let writeError: unknown = null;
  try {
    for await (const chunk of body as AsyncIterable<Buffer>) {
      const chunkStart = w.first + seen;
      seen += chunk.length;
      if (writeError) continue;
      const skip = Math.max(0, pos - chunkStart);
      if (skip >= chunk.length) continue;
      let slice = chunk.subarray(skip);
      try {
        while (slice.length) {
          const { bytesWritten } = await fh.write(slice, 0, slice.length, pos);
          pos += bytesWritten;
          slice = slice.subarray(bytesWritten);
        }
      } catch (e) {
        writeError = e;
      }
    }
    if (writeError) throw writeError;
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
