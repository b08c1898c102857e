// How many bytes the next Fragment carries (spec §7.3 step 3; [MC-BUP] leaves the method to the
// implementation). Big fragments cost fewer round trips; small ones lose less when a connection
// drops and get through servers/proxies with a request size limit. So: start at 1 MiB, double
// while acks come back quickly, halve when they are slow, and after a 413 halve and never grow back
// above that size for the rest of the call. A server that names its limit (our own does:
// packets.ts MAX_FRAGMENT_HEADER) raises the ceiling up to EXTENDED_MAX_FRAGMENT, or lowers it: on
// a fast link every Fragment costs a stop-and-wait gap (the tail's disk write, the Ack's round trip),
// so 1 GiB in 13 MiB pieces paid ~80 of them (BENCHMARKS.md, upload). A 413 still wins over the
// advertised figure (a proxy in between may allow less than the server behind it).

/** Windows limits on BITS 2.5+ (spec §7.3): 5 KB minimum, 13 MB maximum. */
export const MIN_FRAGMENT = 5 * 1024;
export const MAX_FRAGMENT = 13 * 1024 * 1024;
export const INITIAL_FRAGMENT = 1024 * 1024;
/** The ceiling a server's advertised limit may raise the fragments to (a drop re-sends at most this). */
export const EXTENDED_MAX_FRAGMENT = 256 * 1024 * 1024;

/** An ack faster than this for a full-size fragment lets the next one double. */
export const GROW_BELOW_MS = 2_000;
/** An ack slower than this halves the next fragment (keeps a fragment well inside the 5 min response timer). */
export const SHRINK_ABOVE_MS = 60_000;

export interface FragmentSizeOptions {
  minFragment?: number;
  maxFragment?: number;
  initialFragment?: number;
}

export class FragmentSizer {
  readonly min: number;
  private ceiling: number;
  private current: number;
  /** The caller chose the maximum (e.g. BITS_JOB2_FRAGMENT_BYTES): a server's figure never raises it. */
  private readonly pinned: boolean;
  /** The ceiling after the last 413, or null: an advertised limit never raises it past that. */
  private refused: number | null = null;

  constructor(o: FragmentSizeOptions = {}) {
    this.pinned = o.maxFragment !== undefined;
    // Never above the Windows maximum, whatever the caller asks: servers are sized for it.
    const max = Math.max(1, Math.min(MAX_FRAGMENT, Math.floor(o.maxFragment ?? MAX_FRAGMENT)));
    this.min = Math.max(1, Math.min(max, Math.floor(o.minFragment ?? MIN_FRAGMENT)));
    this.ceiling = max;
    this.current = clamp(Math.floor(o.initialFragment ?? INITIAL_FRAGMENT), this.min, max);
  }

  /** Bytes for the next fragment (the caller also caps it at what is left of the file). */
  get size(): number {
    return this.current;
  }

  /** A fragment of `length` bytes was acknowledged `elapsedMs` after it started. */
  onAck(length: number, elapsedMs: number): void {
    if (elapsedMs > SHRINK_ABOVE_MS) this.current = Math.max(this.min, Math.floor(this.current / 2));
    else if (elapsedMs < GROW_BELOW_MS && length >= this.current) this.current = Math.min(this.ceiling, this.current * 2);
  }

  /**
   * The server answered 413 to a fragment of `length` bytes. Returns false when it cannot get any
   * smaller (the fragment was already at the minimum): the upload cannot go through this server.
   */
  on413(length: number): boolean {
    if (length <= this.min) return false;
    this.ceiling = Math.max(this.min, Math.floor(length / 2));
    this.refused = this.ceiling;
    this.current = Math.min(this.current, this.ceiling);
    return true;
  }

  /**
   * The server named the largest fragment it accepts (its Create-Session or Ping Ack): the ceiling
   * becomes that, at most EXTENDED_MAX_FRAGMENT and never above a size that got a 413. The next
   * fragment still grows to it by doubling.
   */
  serverLimit(bytes: number): void {
    if (this.pinned) return;
    const limit = clamp(Math.floor(bytes), this.min, EXTENDED_MAX_FRAGMENT);
    this.ceiling = this.refused === null ? limit : Math.min(limit, this.refused);
    this.current = Math.min(this.current, this.ceiling);
  }
}

function clamp(n: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, n));
}
