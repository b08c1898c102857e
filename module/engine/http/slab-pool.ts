// Socket reads of one lean-get.ts connection land in a few reused slabs instead of a fresh Buffer per
// read. Node's default read path mallocs a 64 KiB Buffer for every read; the bytes are garbage as
// soon as they are on disk, but V8 frees them only when it collects their small JS wrappers, which on
// a fast download was tens of MiB later (the service's peak RSS, BENCHMARKS.md). Here the kernel
// reads into the free tail of the current slab (net.connect's `onread`), each read is handed on as a
// view of it (no copy), and a full slab is reused once every byte read into it was given back.
//
// Giving back: whoever consumes the body calls recycle(chunk) when it no longer needs the bytes (the
// body writer, after their write completed), and the connection itself gives back the bytes it never
// hands on (the response head, chunked framing). A chunk that is never given back (an aborted body, a
// discarded queue) only keeps its slab out of reuse; the pool then takes a new slab and the old one is
// collected like any Buffer. So a missed recycle costs memory, never data: a slab is handed out again
// only after all of its bytes came back.

/** Size of one slab: a few reads each, and small enough that many concurrent connections stay cheap. */
export const SLAB_BYTES = 256 * 1024;
/** A slab with less free space than this is retired: reads into tiny tails would cost a callback each. */
export const MIN_READ_BYTES = 32 * 1024;
/**
 * Free slabs a pool keeps for reuse. The slabs in use are bounded (the body writer's queue, the write in
 * flight, the Readable's buffer: ~12 on a 1 GiB download), so a pool keeps all it ever needed; a smaller
 * cap dropped slabs after each burst and allocated new ones, and the dropped ones (old generation by
 * then) waited for a full collection: 26 slabs for 1 GiB instead of 12. This only bounds a pathology.
 */
const MAX_FREE_SLABS = 64;

class Slab {
  /** Bytes read into the slab so far (its filled prefix). */
  filled = 0;
  /** Bytes of the filled prefix given back. */
  returned = 0;
  /** No more reads go into it; it is reused once `returned` reaches `filled`. */
  retired = false;

  constructor(
    readonly bytes: Buffer,
    readonly pool: SlabPool,
  ) {}
}

/** Which slab a chunk's memory belongs to; weak, so that slabs nobody gives back are still collected. */
const slabOfMemory = new WeakMap<ArrayBufferLike, Slab>();

export class SlabPool {
  private current: Slab | undefined;
  private readonly free: Slab[] = [];
  /** Slabs allocated (not taken from the free list), for tests and diagnostics. */
  allocated = 0;

  /** Where the next socket read goes: the free tail of the current slab (a new slab when it is too small). */
  readBuffer(): Buffer {
    let slab = this.current;
    if (!slab || slab.bytes.length - slab.filled < MIN_READ_BYTES) {
      this.current = undefined;
      if (slab) this.retire(slab);
      slab = this.free.pop() ?? this.newSlab();
      this.current = slab;
    }
    return slab.bytes.subarray(slab.filled);
  }

  /** The socket read `n` bytes into `into`, the buffer readBuffer() returned last: those bytes, as a view. */
  took(n: number, into: Uint8Array): Buffer {
    const slab = this.current;
    // Node calls readBuffer() once before every read; anything else would be a change in net.Socket.
    if (!slab || into.buffer !== slab.bytes.buffer || into.byteOffset !== slab.bytes.byteOffset + slab.filled) {
      throw new Error('a socket read landed outside the current slab');
    }
    const chunk = slab.bytes.subarray(slab.filled, slab.filled + n);
    slab.filled += n;
    return chunk;
  }

  /** The connection is done: the current slab takes no more reads (it is reused once given back). */
  close(): void {
    if (this.current) this.retire(this.current);
    this.current = undefined;
  }

  private newSlab(): Slab {
    this.allocated++;
    // allocUnsafeSlow: a slab of its own, never a view of Node's shared small-Buffer pool.
    const slab = new Slab(Buffer.allocUnsafeSlow(SLAB_BYTES), this);
    slabOfMemory.set(slab.bytes.buffer, slab);
    return slab;
  }

  private retire(slab: Slab): void {
    slab.retired = true;
    if (slab.returned === slab.filled) this.reuse(slab);
  }

  /** Called with a slab whose every byte came back. */
  reuse(slab: Slab): void {
    if (slab === this.current) return;
    slab.filled = 0;
    slab.returned = 0;
    slab.retired = false;
    if (this.free.length < MAX_FREE_SLABS) this.free.push(slab);
    else slabOfMemory.delete(slab.bytes.buffer);
  }
}

/**
 * The bytes of `chunk` are no longer needed (written, or dropped by the connection): its slab may be
 * reused once all of its bytes are back. A no-op for any Buffer that is not a slab's (e.g. a chunk of
 * node:http's responses), so consumers call it for whatever they were given. `bytes` (default: all of
 * the chunk) is for the connection's own bytes it does not pass on, such as chunked framing.
 */
export function recycle(chunk: Uint8Array, bytes = chunk.length): void {
  const slab = slabOfMemory.get(chunk.buffer);
  if (!slab || bytes === 0) return;
  slab.returned += bytes;
  if (slab.returned > slab.filled) throw new Error(`slab given back ${slab.returned} bytes of ${slab.filled}: a chunk was recycled twice`);
  if (slab.retired && slab.returned === slab.filled) slab.pool.reuse(slab);
}
