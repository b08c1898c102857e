// One process-wide pool of read slabs for every socket that reads bodies: the downloads' connections
// (engine/http/lean-get.ts) and the upload server's diverted bodies (server/diverted-body.ts).
//
// Why: a socket read into a fresh Buffer is garbage as soon as its bytes are on disk, but V8 frees it
// only when it collects the small JS wrapper, tens of MiB later. Reads land in reused slabs instead:
// each read is handed on as a view (no copy), and a slab is reused once every byte read into it was
// given back (recycle()). Before this pool each connection had slabs of its own, so 100 concurrent
// downloads held ~49 MiB of them (BENCHMARKS.md, issue 16). Here all connections share one bounded
// set: the pool never holds more than `capBytes` (in use and free together), slabs get smaller as more
// connections read at once (a lone download still reads 256 KiB at a time), and a connection that
// cannot get a slab stops reading (its TCP window closes) until one comes back — backpressure, not
// allocation.
//
// No deadlock: a connection waits only when it has no room left to read into; the slabs it holds then
// are full and come back as its own consumer writes them, which needs no further reads. Waiters are
// served first come, first served, so under the cap every connection gets its turn.
//
// Lost slabs: a chunk that is never given back (an aborted body nobody recycled) keeps its slab out of
// reuse. Its share of the cap comes back when V8 collects the memory (a FinalizationRegistry), and a
// connection that has waited STARVED_MS for a slab gets one beyond the cap: a missed recycle costs
// memory and time, never data or liveness. A slab is handed out again only after all of its bytes
// came back, and giving bytes back twice throws (a double recycle would free bytes still in use).

export interface SlabPoolOptions {
  /** Slab size while few connections read (a lone download: few, large reads). */
  maxSlabBytes?: number;
  /** Smallest slab, when many connections share the cap. */
  minSlabBytes?: number;
  /** All slabs together, in use and free, outside the rare overdraft (see above). */
  capBytes?: number;
  /** A waiting connection gets a slab beyond the cap after this long (liveness if slabs were lost). */
  starvedMs?: number;
}

export const MAX_SLAB_BYTES = 256 * 1024;
export const MIN_SLAB_BYTES = 64 * 1024;
/** 16 MiB: a lone 1 GiB download uses ~12 slabs of 256 KiB; 100 downloads share 256 of 64 KiB. */
export const CAP_BYTES = 16 * 1024 * 1024;
const STARVED_MS = 1000;
/**
 * A waiting connection's own small buffer for the one read that follows its pause (Node asks for the
 * next read's place right after each read, before the connection knows when it gets a slab).
 */
export const RESERVE_BYTES = 4096;
/** Slab shares per reading connection when the size is chosen: room for the read, the queue and a write. */
const SHARES_PER_READER = 8;
/** Free slabs kept; beyond that (or above the cap) a returned slab is dropped. */
const MAX_FREE_SLABS = 256;

export class Slab {
  /** Bytes read into the slab so far (its filled prefix). */
  filled = 0;
  /** Bytes of the filled prefix given back. */
  returned = 0;
  /** No more reads go into it; it is reused once `returned` reaches `filled`. */
  retired = false;

  constructor(
    readonly bytes: Buffer,
    /** None: a buffer of its own (a small body's), never pooled; its chunks' recycle() is a no-op. */
    readonly pool?: SlabPool,
  ) {}

  /** No more bytes go in: back to the pool once every byte is given back (maybe at once). */
  retire(): void {
    this.retired = true;
    if (this.pool && this.returned === this.filled) this.pool.reuse(this);
  }
}

/** Which slab a chunk's memory belongs to; weak, so that slabs nobody gives back are still collected. */
const slabOfMemory = new WeakMap<ArrayBufferLike, Slab>();

type Waiter = { grant: ((slab: Slab) => void) | undefined };

export class SlabPool {
  readonly maxSlabBytes: number;
  readonly minSlabBytes: number;
  readonly capBytes: number;
  readonly starvedMs: number;
  /** Bytes of every slab that exists (in use or free) and is counted against the cap. */
  heldBytes = 0;
  /** Slabs allocated (not taken from the free list), for tests and diagnostics. */
  allocated = 0;
  /** Slabs given beyond the cap (a copy that must land somewhere, or a connection starved STARVED_MS). */
  overdrafts = 0;
  /** Times a connection had to wait for a slab. */
  waits = 0;
  /** Connections reading (or bodies receiving) now: the slab size adapts to them. */
  readers = 0;
  private readonly free: Slab[] = [];
  private readonly waiters: Waiter[] = [];
  private readonly lost = new FinalizationRegistry<number>((bytes) => {
    this.heldBytes -= bytes;
    this.serveWaiters();
  });

  constructor(o: SlabPoolOptions = {}) {
    this.maxSlabBytes = o.maxSlabBytes ?? MAX_SLAB_BYTES;
    this.minSlabBytes = Math.min(o.minSlabBytes ?? MIN_SLAB_BYTES, this.maxSlabBytes);
    this.capBytes = o.capBytes ?? CAP_BYTES;
    this.starvedMs = o.starvedMs ?? STARVED_MS;
    if (this.minSlabBytes < RESERVE_BYTES) throw new Error(`slabs of ${this.minSlabBytes} bytes are too small (at least ${RESERVE_BYTES})`);
  }

  /** The slab size for the next allocation: the cap shared by the readers, a power of two within the bounds. */
  slabBytes(): number {
    let size = this.maxSlabBytes;
    const share = this.capBytes / (Math.max(1, this.readers) * SHARES_PER_READER);
    while (size > this.minSlabBytes && size > share) size /= 2;
    return Math.max(size, this.minSlabBytes);
  }

  /** A slab within the cap, or undefined when the cap is reached (then wait()). */
  take(): Slab | undefined {
    const reused = this.free.pop();
    if (reused) return reused;
    const size = this.slabBytes();
    if (this.heldBytes + size > this.capBytes) return undefined;
    return this.newSlab(size);
  }

  /** A slab even above the cap, for bytes that must land somewhere now (counted, and dropped on return). */
  takeAnyway(): Slab {
    const slab = this.take();
    if (slab) return slab;
    this.overdrafts++;
    return this.newSlab(this.minSlabBytes);
  }

  /** Calls `grant` with the next slab that comes back (first come, first served); returns a cancel function. */
  wait(grant: (slab: Slab) => void): () => void {
    this.waits++;
    const w: Waiter = { grant };
    this.waiters.push(w);
    return () => {
      w.grant = undefined;
    };
  }

  /** Called with a retired slab whose every byte came back. */
  reuse(slab: Slab): void {
    slab.filled = 0;
    slab.returned = 0;
    slab.retired = false;
    const wanted = this.slabBytes();
    if (slab.bytes.length > wanted) {
      // Larger than the readers' share now (allocated when fewer read): it would give whoever gets
      // it more bytes per turn than the others get. Replaced by one of the share's size.
      this.drop(slab);
      if (this.waiters.some((w) => w.grant)) this.nextWaiter()!(this.newSlab(wanted));
      return;
    }
    const waiter = this.nextWaiter();
    if (waiter) return waiter(slab);
    if (this.heldBytes > this.capBytes || slab.bytes.length > wanted || this.free.length >= MAX_FREE_SLABS) this.drop(slab);
    else this.free.push(slab);
  }

  private nextWaiter(): ((slab: Slab) => void) | undefined {
    while (this.waiters.length) {
      const grant = this.waiters.shift()!.grant;
      if (grant) return grant;
    }
    return undefined;
  }

  /** After lost memory was collected: slabs within the cap for whoever waits. */
  private serveWaiters(): void {
    while (this.waiters.some((w) => w.grant) && this.heldBytes + this.slabBytes() <= this.capBytes) {
      this.nextWaiter()!(this.newSlab(this.slabBytes()));
    }
  }

  private newSlab(size: number): Slab {
    this.allocated++;
    this.heldBytes += size;
    // allocUnsafeSlow: a slab of its own, never a view of Node's shared small-Buffer pool.
    const slab = new Slab(Buffer.allocUnsafeSlow(size), this);
    slabOfMemory.set(slab.bytes.buffer, slab);
    this.lost.register(slab.bytes.buffer, size, slab);
    return slab;
  }

  private drop(slab: Slab): void {
    this.heldBytes -= slab.bytes.length;
    this.lost.unregister(slab);
    slabOfMemory.delete(slab.bytes.buffer);
  }
}

/** BITS_JOB2_SLAB_CAP_MB: the shared pool's cap in MiB (default 16), for tuning and the bench. */
function capFromEnv(env: NodeJS.ProcessEnv): number | undefined {
  const raw = env.BITS_JOB2_SLAB_CAP_MB;
  if (raw === undefined || raw === '') return undefined;
  const mib = Number(raw);
  if (!Number.isInteger(mib) || mib < 1) throw new Error(`BITS_JOB2_SLAB_CAP_MB=${raw} is not a whole number of MiB (1 or more): fix or unset it.`);
  return mib * 1024 * 1024;
}

/** The pool every connection of this process reads into. */
export const sharedSlabs = new SlabPool({ capBytes: capFromEnv(process.env) });

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
  if (slab.retired && slab.returned === slab.filled) slab.pool?.reuse(slab);
}
