// The body of a BITS_POST that bits-post-shim.ts took past Node's HTTP parser (request-framer.ts
// `divert`), as a Readable the handler reads instead of the request (requestBody()). Memory stays
// bounded: above HIGH_WATER_MARK buffered the shim pauses the socket, and resumes it when the reader
// catches up. A body nobody reads (an early error Ack) is discarded once its response is sent, as
// Node dumps an unread request body, so the connection can carry the next request.
//
// Bytes that arrive in a buffer the socket reuses (the shim's read buffer, socket-read-buffer.ts) are
// copied into slabs — SLAB_BYTES buffers kept in a small pool — and pushed as views of them; while a
// body is being received the socket reads straight into its slab (readBuffer()), so most bytes are
// not copied at all. A
// reader that is done with a chunk (the fragment writer, once its pwritev completed) hands it back
// with release(); a slab whose every byte came back returns to the pool. Chunks never released (a
// body drained or discarded) just leave their slab to the garbage collector. Before, every socket
// read was a fresh 64 KiB ArrayBuffer, and the external memory they added up to made V8 run a
// mark-compact every few tens of MiB (BENCHMARKS.md, upload: the server's CPU per GiB).
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** Bytes buffered in a body before the socket is paused (the fragment writer queues 2 MiB on top). */
export const HIGH_WATER_MARK = 1024 * 1024;
/** Size of a pooled slab; a body (or a rest of one) smaller than this gets a buffer of its own size. */
export const SLAB_BYTES = 512 * 1024;
/** Spare slabs kept for the next bodies of any connection (4 MiB). */
const SPARE_SLABS = 8;

const BODY = Symbol('bits-job2 diverted body');

interface Slab {
  buf: Buffer;
  /** Bytes copied in so far. */
  fill: number;
  /** Bytes handed back by release(). */
  released: number;
  /** No more bytes go in (full, or its body ended): it may return to the pool. */
  retired: boolean;
}

const spare: Buffer[] = [];
/** Pooled slabs by their memory, so a released chunk (or any view of one) finds its slab. */
const slabs = new WeakMap<ArrayBufferLike, Slab>();

function newSlab(bytes: number): Slab {
  const pooled = bytes >= SLAB_BYTES;
  const buf = pooled ? (spare.pop() ?? Buffer.allocUnsafeSlow(SLAB_BYTES)) : Buffer.allocUnsafe(bytes);
  const slab: Slab = { buf, fill: 0, released: 0, retired: false };
  if (pooled) slabs.set(buf.buffer, slab);
  return slab;
}

function recycle(slab: Slab): void {
  if (!slab.retired || slab.released !== slab.fill || slabs.get(slab.buf.buffer) !== slab) return;
  slabs.delete(slab.buf.buffer);
  if (spare.length < SPARE_SLABS) spare.push(slab.buf);
}

export class DivertedBody extends Readable {
  private left: number;
  private slab: Slab | undefined;

  constructor(
    readonly length: number,
    /** The reader wants more: the shim may resume the socket. */
    private readonly onWant: () => void,
  ) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.left = length;
    // A connection that closes mid-body destroys the body with an error; its reader (if any) sees it
    // through its own listener, and a body nobody reads must not crash the server with it.
    this.on('error', () => undefined);
  }

  /**
   * Hands over the next piece; false when the socket should pause until _read asks for more.
   * `reused`: the piece lives in a buffer its caller overwrites after this call (it is copied).
   */
  feed(piece: Buffer, reused = false): boolean {
    this.left -= piece.length;
    let more = true;
    if (!reused) more = this.push(piece);
    else if (this.slab && piece.buffer === this.slab.buf.buffer && piece.byteOffset === this.slab.buf.byteOffset + this.slab.fill) {
      // Read straight into the slab (readBuffer()): nothing to copy.
      const slab = this.slab;
      slab.fill += piece.length;
      if (slab.fill === slab.buf.length) this.retire();
      more = this.push(piece);
    } else {
      for (let at = 0; at < piece.length; ) {
        const slab = (this.slab ??= newSlab(Math.min(SLAB_BYTES, piece.length - at + this.left)));
        const n = piece.copy(slab.buf, slab.fill, at);
        const view = slab.buf.subarray(slab.fill, slab.fill + n);
        slab.fill += n;
        at += n;
        if (slab.fill === slab.buf.length) this.retire();
        more = this.push(view) && more;
      }
    }
    if (this.left > 0) return more;
    this.retire();
    this.push(null);
    // Complete: no _read will come to resume the socket, and the next bytes are another request's.
    return true;
  }

  /**
   * Where the socket may read the next bytes of this body: the free rest of its slab, at most the
   * bytes the body still lacks (so a read never holds the next request's head). Valid until the next
   * feed() — the shim asks again after every read.
   */
  readBuffer(): Buffer | undefined {
    if (this.left <= 0 || this.destroyed) return undefined;
    const slab = (this.slab ??= newSlab(Math.min(SLAB_BYTES, this.left)));
    return slab.buf.subarray(slab.fill, Math.min(slab.buf.length, slab.fill + this.left));
  }

  /** The reader is done with `chunk` (a chunk this body pushed, or part of one): its slab may be reused. */
  release(chunk: Buffer): void {
    const slab = slabs.get(chunk.buffer);
    if (!slab) return;
    slab.released += chunk.length;
    recycle(slab);
  }

  get complete(): boolean {
    return this.left === 0;
  }

  /** Bytes of the body that have arrived so far (body-rate.ts judges the client's rate by it). */
  get received(): number {
    return this.length - this.left;
  }

  private retire(): void {
    if (!this.slab) return;
    this.slab.retired = true;
    recycle(this.slab);
    this.slab = undefined;
  }

  override _read(): void {
    this.onWant();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.retire();
    cb(err);
  }
}

/** Ties `body` to `req` (the shim, on 'request') and restores the Content-Length the client sent. */
export function attachBody(req: IncomingMessage, body: DivertedBody): void {
  (req as IncomingMessage & { [BODY]?: DivertedBody })[BODY] = body;
  req.headers['content-length'] = String(body.length);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'content-length') req.rawHeaders[i + 1] = String(body.length);
  }
}

/** What to read a request's body from: the diverted body when there is one, else the request itself. */
export function requestBody(req: IncomingMessage): Readable {
  return (req as IncomingMessage & { [BODY]?: DivertedBody })[BODY] ?? req;
}

/** Hands a chunk read from `body` back to it once nothing references it any more (a no-op for other streams). */
export function releaseChunk(body: Readable, chunk: Buffer): void {
  if (body instanceof DivertedBody) body.release(chunk);
}
