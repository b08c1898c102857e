// A token bucket shared by every background transfer of one engine: the policy cap (module/engine/
// policy) holds for their sum, not per job. Works in real elapsed time (performance.now), not the
// engine's injectable Clock: a rate is a physical thing, the Clock only decides *which* cap is in force.
// Consumers take tokens before they read (download) or write (upload) bytes; taking more than there
// is leaves a debt, and the caller waits the time the debt takes to refill — so waiting callers line
// up in order without a queue of their own.

/** At most this much time's worth of tokens is saved up (a short burst after an idle spell). */
export const BURST_SECONDS = 0.2;
/** Never less than this many bytes of burst, so one socket chunk never waits at high rates. */
export const MIN_BURST_BYTES = 16 * 1024;

export class TokenBucket {
  private rate: number | null = null;
  private tokens = 0;
  private last = performance.now();

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** Seconds of tokens saved up at most (the yielding controller saves less: a cut must bite at once). */
    private readonly burstSeconds = BURST_SECONDS,
  ) {
    this.last = now();
  }

  /** Bytes per second, or null = unlimited. A new cap applies to the next take. */
  setRate(bytesPerSecond: number | null): void {
    this.refill();
    this.rate = bytesPerSecond !== null && bytesPerSecond > 0 ? bytesPerSecond : null;
    if (this.rate !== null) this.tokens = Math.min(this.tokens, this.burst());
    else this.tokens = 0;
  }

  get bytesPerSecond(): number | null {
    return this.rate;
  }

  /** Takes `bytes`; returns the milliseconds to wait before using them (0 = now). */
  take(bytes: number): number {
    if (this.rate === null) return 0;
    this.refill();
    this.tokens -= bytes;
    return this.tokens >= 0 ? 0 : (-this.tokens / this.rate) * 1000;
  }

  private burst(): number {
    return Math.max(MIN_BURST_BYTES, (this.rate ?? 0) * this.burstSeconds);
  }

  private refill(): void {
    const t = this.now();
    if (this.rate !== null) this.tokens = Math.min(this.burst(), this.tokens + ((t - this.last) / 1000) * this.rate);
    this.last = t;
  }
}
