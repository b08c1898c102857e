// One connection's cursor into the process-wide slab pool (slab-pool.ts), shaped for net.connect's
// `onread`: Node asks readBuffer() where the next read goes (once at connect, then right after every
// read), and the read callback hands the bytes to took(), which returns them as a view.
//
// The next read's place is decided in took(), inside the read callback, because only the callback can
// stop the socket (by returning false) and the next buffer is asked for right after it. When the
// current slab is full and the pool has none to give, took() retires the slab (it comes back as the
// consumer writes it: a waiting reader pins no slab, so waiting never deadlocks), names the reader's
// own small reserve buffer as the next place, sets `starved`, and the connection stops reading. When a
// slab comes back the pool grants it and `onSlab` lets the connection resume; the first read after
// the pause lands in the reserve and is copied to the start of the granted slab (a few KiB at most),
// so the reserve is free again for the next pause.
import { RESERVE_BYTES, type Slab, type SlabPool } from './slab-pool.js';

export class SlabReader {
  /** The slab reads go into (none while starved). */
  private current: Slab | undefined;
  /** A slab the pool granted while this reader waited; the read after the pause goes there. */
  private granted: Slab | undefined;
  /** Where the socket reads next: the current slab's free tail, or the reserve. */
  private next: Buffer;
  /** Where the read after a pause lands (made on the first pause: most connections never wait). */
  private reserve: Buffer | undefined;
  private cancelWait: (() => void) | undefined;
  private starvedTimer: NodeJS.Timeout | undefined;
  private closed = false;
  /** No slab to read into until the pool grants one: the connection must not read. */
  starved = false;

  constructor(
    private readonly pool: SlabPool,
    /** Called when a slab was granted to a starved reader: the connection may read again. */
    private readonly onSlab: () => void,
  ) {
    pool.readers++;
    const slab = pool.take();
    if (slab) {
      this.current = slab;
      this.next = slab.bytes;
    } else {
      this.next = this.starve();
    }
  }

  /** Where the next socket read goes (onread's `buffer`). */
  readBuffer(): Buffer {
    return this.next;
  }

  /** The socket read `n` bytes into `into` (the last readBuffer()): those bytes, as a view. */
  took(n: number, into: Uint8Array): Buffer {
    if (into.buffer !== this.next.buffer || into.byteOffset !== this.next.byteOffset || n > this.next.length) {
      // Node reads into the buffer it asked for last; anything else would be a change in net.Socket.
      throw new Error('a socket read landed outside the place the slab reader gave');
    }
    let chunk: Buffer;
    if (this.current) {
      chunk = this.next.subarray(0, n);
      this.current.filled += n;
    } else {
      // The read after a pause, in the reserve: to the start of the granted slab (granted before
      // the socket was resumed; beyond the cap only if something resumed it early).
      const slab = this.granted ?? this.pool.takeAnyway();
      this.granted = undefined;
      this.stopWaiting();
      this.starved = false;
      this.next.copy(slab.bytes, 0, 0, n);
      slab.filled = n;
      this.current = slab;
      chunk = slab.bytes.subarray(0, n);
    }
    if (!this.closed) this.placeNextRead();
    return chunk;
  }

  /** The connection is done: the current slab takes no more reads; a granted one goes back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.readers--;
    this.stopWaiting();
    this.current?.retire();
    this.current = undefined;
    this.granted?.retire();
    this.granted = undefined;
    this.starved = false;
  }

  private placeNextRead(): void {
    const slab = this.current!;
    if (slab.bytes.length - slab.filled >= this.minRead(slab)) {
      this.next = slab.bytes.subarray(slab.filled);
      return;
    }
    slab.retire();
    const fresh = this.granted ?? this.pool.take();
    this.granted = undefined;
    this.current = fresh;
    this.next = fresh ? fresh.bytes : this.starve();
  }

  /** No slab: wait for one; the read after the pause goes to the reserve. */
  private starve(): Buffer {
    this.current = undefined;
    this.starved = true;
    if (!this.cancelWait) {
      this.cancelWait = this.pool.wait((granted) => this.grant(granted));
      // Liveness if slabs were lost (slab-pool.ts): after starvedMs, a slab beyond the cap.
      this.starvedTimer = setTimeout(() => this.grant(this.pool.takeAnyway()), this.pool.starvedMs);
      this.starvedTimer.unref();
    }
    return (this.reserve ??= Buffer.allocUnsafeSlow(RESERVE_BYTES));
  }

  private grant(slab: Slab): void {
    this.stopWaiting();
    if (this.closed || this.granted) return slab.retire();
    this.granted = slab;
    this.starved = false;
    this.onSlab();
  }

  private stopWaiting(): void {
    this.cancelWait?.();
    this.cancelWait = undefined;
    if (this.starvedTimer) clearTimeout(this.starvedTimer);
    this.starvedTimer = undefined;
  }

  /** A tail below this is not worth a read: a slab's eighth (32 KiB of 256 KiB). */
  private minRead(slab: Slab): number {
    return slab.bytes.length / 8;
  }
}
