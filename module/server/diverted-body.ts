// The body of a BITS_POST that bits-post-shim.ts took past Node's HTTP parser (request-framer.ts
// `divert`), as a Readable the handler reads instead of the request (requestBody()). Memory stays
// bounded: above HIGH_WATER_MARK buffered the shim pauses the socket, and resumes it when the reader
// catches up. A body nobody reads (an early error Ack) is discarded once its response is sent, as
// Node dumps an unread request body, so the connection can carry the next request.
//
// Bytes that arrive in a buffer the socket reuses (the shim's read buffer, socket-read-buffer.ts) are
// copied into slabs of the process-wide pool (module/io/slab-pool.ts) and pushed as views of them;
// while a body is being received the socket reads straight into its slab (readBuffer()), so most bytes
// are not copied at all. A reader that is done with a chunk (the fragment writer, once its pwritev
// completed) hands it back with release(); a slab whose every byte came back returns to the pool.
// When the pool is at its cap, the body stops the socket (feed() returns false) until a slab comes
// back; bytes already read (a copy from the shared buffer) always get a slab, beyond the cap if need
// be. Chunks never released (a body drained or discarded) leave their slab to the garbage collector.
// Before, every socket read was a fresh 64 KiB ArrayBuffer, and the external memory they added up to
// made V8 run a mark-compact every few tens of MiB (BENCHMARKS.md, upload: the server's CPU per GiB).
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import { recycle, sharedSlabs, Slab } from '../io/slab-pool.js';

/** Bytes buffered in a body before the socket is paused (the fragment writer queues 2 MiB on top). */
export const HIGH_WATER_MARK = 1024 * 1024;
/** A body (or a rest of one) smaller than the pool's smallest slab gets a buffer of its own size. */
export const SMALL_BODY_BYTES = sharedSlabs.minSlabBytes;

const BODY = Symbol('bits-job2 diverted body');

export class DivertedBody extends Readable {
  private left: number;
  private slab: Slab | undefined;
  /** The pool had no slab for the next read: the socket waits for one (grant). */
  private starved = false;
  /** push() said the Readable is full: the socket waits for _read. */
  private full = false;
  private cancelWait: (() => void) | undefined;
  private reading: boolean;

  constructor(
    readonly length: number,
    /** The reader wants more: the shim may resume the socket. */
    private readonly onWant: () => void,
  ) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.left = length;
    // A large body reads like a connection of the pool: the slab size adapts to how many there are.
    this.reading = length >= SMALL_BODY_BYTES;
    if (this.reading) sharedSlabs.readers++;
    // A connection that closes mid-body destroys the body with an error; its reader (if any) sees it
    // through its own listener, and a body nobody reads must not crash the server with it.
    this.on('error', () => undefined);
  }

  /**
   * Hands over the next piece; false when the socket should pause until the body asks for more.
   * `reused`: the piece lives in a buffer its caller overwrites after this call (it is copied).
   */
  feed(piece: Buffer, reused = false): boolean {
    this.left -= piece.length;
    let more = true;
    if (!reused) more = this.push(piece);
    else if (this.slab && piece.buffer === this.slab.bytes.buffer && piece.byteOffset === this.slab.bytes.byteOffset + this.slab.filled) {
      // Read straight into the slab (readBuffer()): nothing to copy.
      const slab = this.slab;
      slab.filled += piece.length;
      if (slab.filled === slab.bytes.length) this.retire();
      more = this.push(piece);
    } else {
      for (let at = 0; at < piece.length; ) {
        // These bytes are read already: they get a slab even beyond the cap.
        const slab = (this.slab ??= this.newSlab(piece.length - at + this.left, true)!);
        const n = piece.copy(slab.bytes, slab.filled, at);
        const view = slab.bytes.subarray(slab.filled, slab.filled + n);
        slab.filled += n;
        at += n;
        if (slab.filled === slab.bytes.length) this.retire();
        more = this.push(view) && more;
      }
    }
    if (this.left > 0) {
      if (!more) this.full = true;
      // The next read's slab now, while the socket can still be stopped before that read.
      if (reused && !this.slab) this.slab = this.newSlab(this.left, false);
      return !this.full && !this.starved;
    }
    this.retire();
    this.push(null);
    this.stopReading();
    // Complete: no _read will come to resume the socket, and the next bytes are another request's.
    return true;
  }

  /**
   * Where the socket may read the next bytes of this body: the free rest of its slab, at most the
   * bytes the body still lacks (so a read never holds the next request's head). Valid until the next
   * feed() — the shim asks again after every read. Undefined: read into the shared buffer.
   */
  readBuffer(): Buffer | undefined {
    if (this.left <= 0 || this.destroyed || this.starved) return undefined;
    const slab = (this.slab ??= this.newSlab(this.left, false));
    if (!slab) return undefined;
    return slab.bytes.subarray(slab.filled, Math.min(slab.bytes.length, slab.filled + this.left));
  }

  /** The reader is done with `chunk` (a chunk this body pushed, or part of one): its slab may be reused. */
  release(chunk: Buffer): void {
    recycle(chunk);
  }

  get complete(): boolean {
    return this.left === 0;
  }

  /** Bytes of the body that have arrived so far (body-rate.ts judges the client's rate by it). */
  get received(): number {
    return this.length - this.left;
  }

  /**
   * A slab for the `need` bytes still to come: a buffer of its own for a small rest, else the pool's.
   * None (starved: the pool will grant one) unless `anyway` — bytes already read must land somewhere.
   */
  private newSlab(need: number, anyway: boolean): Slab | undefined {
    if (need < SMALL_BODY_BYTES) return new Slab(Buffer.allocUnsafe(need));
    const slab = anyway ? sharedSlabs.takeAnyway() : sharedSlabs.take();
    if (slab || this.starved) return slab;
    this.starved = true;
    this.cancelWait = sharedSlabs.wait((granted) => {
      this.cancelWait = undefined;
      this.starved = false;
      if (this.destroyed || this.left <= 0 || this.slab) return granted.retire();
      this.slab = granted;
      if (!this.full) this.onWant();
    });
    return undefined;
  }

  private retire(): void {
    this.slab?.retire();
    this.slab = undefined;
  }

  private stopReading(): void {
    this.cancelWait?.();
    this.cancelWait = undefined;
    this.starved = false;
    if (this.reading) sharedSlabs.readers--;
    this.reading = false;
  }

  override _read(): void {
    this.full = false;
    if (!this.starved) this.onWant();
  }

  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    this.retire();
    this.stopReading();
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
