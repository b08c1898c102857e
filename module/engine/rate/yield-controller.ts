// Yielding for background jobs (spec §5.3: HIGH/NORMAL/LOW "use only idle bandwidth"): a delay-based
// rate controller in the spirit of LEDBAT (RFC 6817) on the receiving side (rLEDBAT): instead of a
// congestion window it sets the rate at which we read the socket (downloads) or write it (uploads),
// and TCP's windows carry that to the sender. Constants and the reasoning: module/engine/rate/README.md.
//
// Delay signal: the time a TCP connect to the server takes (SYN → SYN-ACK), probed every
// PROBE_INTERVAL_MS while the transfer is paced. Both directions' bottleneck queues are on that
// path (the SYN waits behind our upload's bytes, the SYN-ACK behind the download's), it needs no
// server support, no timestamps and no TCP_INFO. base delay = the smallest connect time seen in the
// last BASE_HISTORY_MINUTES minutes; queuing delay = the smallest of the last CURRENT_FILTER probes
// minus base. Above TARGET_MS the rate falls multiplicatively, below it grows (faster the further
// below), never under TRICKLE_BYTES_PER_SECOND and never far over what actually moved.
import { connect } from 'node:net';
import { TokenBucket } from './token-bucket.js';
import type { TransferPacer } from './pacer.js';

export const TARGET_MS = 25;
export const PROBE_INTERVAL_MS = 100;
export const PROBE_TIMEOUT_MS = 1000;
export const CURRENT_FILTER = 2;
export const BASE_HISTORY_MINUTES = 10;
/** BITS "still trickles some data under load" (spec §5.3). */
export const TRICKLE_BYTES_PER_SECOND = 16 * 1024;
/** Growth per probe when the queue is empty: ×(1 + GROWTH) plus GROWTH_BYTES_PER_SECOND. */
export const GROWTH = 0.25;
export const GROWTH_BYTES_PER_SECOND = 64 * 1024;
/** Cut per probe at twice the target delay and beyond: ×0.3 (faster than TCP's ×0.5 on loss: a background job must step aside within a few probes). */
export const MAX_CUT = 0.7;
/** The rate is never set above this multiple of what the transfer actually moved (no growth while something else limits it). */
export const HEADROOM = 2;
/** Probing stops when nothing was paced for this long (the transfer ended), and starts again on the next bytes. */
export const IDLE_STOP_MS = 2000;
const START_BYTES_PER_SECOND = 256 * 1024;

export type ProbeFn = () => Promise<number | null>;

/** Milliseconds a TCP connect to host:port takes, or null (refused, unreachable, timed out). */
export function connectProbe(host: string, port: number): ProbeFn {
  return () =>
    new Promise((resolve) => {
      const t0 = performance.now();
      const s = connect({ host, port });
      const done = (v: number | null) => {
        clearTimeout(timer);
        s.destroy();
        resolve(v);
      };
      const timer = setTimeout(() => done(null), PROBE_TIMEOUT_MS);
      s.once('connect', () => done(performance.now() - t0));
      s.once('error', () => done(null));
    });
}

export class YieldController implements TransferPacer {
  private readonly bucket = new TokenBucket();
  private rate = START_BYTES_PER_SECOND;
  /** One minimum per minute, the last BASE_HISTORY_MINUTES of them (RFC 6817 §3.4.2's base-delay history). */
  private baseHistory: { minute: number; min: number }[] = [];
  private recent: number[] = [];
  private moved = 0;
  private movedSince = performance.now();
  private lastUse = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  /** The last estimate, for the log and the bench. */
  queuingDelayMs: number | null = null;

  constructor(private readonly probe: ProbeFn) {
    this.bucket.setRate(this.rate);
  }

  get bytesPerSecond(): number {
    return this.rate;
  }

  delayFor(bytes: number): number {
    this.lastUse = performance.now();
    this.moved += bytes;
    if (!this.timer) this.timer = setInterval(() => void this.tick(), PROBE_INTERVAL_MS).unref();
    return this.bucket.take(bytes);
  }

  private async tick(): Promise<void> {
    const now = performance.now();
    if (now - this.lastUse > IDLE_STOP_MS) {
      clearInterval(this.timer!);
      this.timer = null;
      return;
    }
    if (this.probing) return;
    this.probing = true;
    const rtt = await this.probe().finally(() => (this.probing = false));
    const actual = (this.moved * 1000) / Math.max(1, performance.now() - this.movedSince);
    this.moved = 0;
    this.movedSince = performance.now();
    if (rtt === null) return; // no signal: keep the rate (the next probe may answer)
    this.update(rtt, actual);
  }

  /** One delay sample (ms) and the rate actually moved since the last one (bytes/s). Public for unit tests. */
  update(rttMs: number, actualBytesPerSecond: number): void {
    const minute = Math.floor(performance.now() / 60_000);
    const last = this.baseHistory[this.baseHistory.length - 1];
    if (last && last.minute === minute) last.min = Math.min(last.min, rttMs);
    else this.baseHistory = [...this.baseHistory, { minute, min: rttMs }].slice(-BASE_HISTORY_MINUTES);
    this.recent = [...this.recent, rttMs].slice(-CURRENT_FILTER);
    const base = Math.min(...this.baseHistory.map((b) => b.min));
    const queuing = Math.max(0, Math.min(...this.recent) - base);
    this.queuingDelayMs = queuing;
    const offTarget = (TARGET_MS - queuing) / TARGET_MS; // 1 = empty queue, < 0 = over target
    let next: number;
    if (offTarget >= 0) {
      next = this.rate * (1 + GROWTH * offTarget) + GROWTH_BYTES_PER_SECOND * offTarget;
      next = Math.min(next, Math.max(this.rate, HEADROOM * actualBytesPerSecond, START_BYTES_PER_SECOND));
    } else {
      next = this.rate * Math.max(1 - MAX_CUT, 1 + offTarget * MAX_CUT);
    }
    this.rate = Math.max(TRICKLE_BYTES_PER_SECOND, next);
    this.bucket.setRate(this.rate);
  }
}

/** One controller per server (host:port): background jobs to the same server share its delay signal. */
export class YieldControllers {
  private readonly byServer = new Map<string, YieldController>();

  constructor(private readonly makeProbe: (host: string, port: number) => ProbeFn = connectProbe) {}

  /** The controller for the server of `url`; undefined for loopback servers (no shared link to yield on [DECISION]). */
  for(url: string): YieldController | undefined {
    let u: URL;
    try {
      u = new URL(url);
    } catch {
      return undefined;
    }
    const port = Number(u.port) || (u.protocol === 'https:' ? 443 : 80);
    const host = u.hostname.replace(/^\[|\]$/g, '');
    if (isLoopback(host)) return undefined;
    const key = `${host}:${port}`;
    let c = this.byServer.get(key);
    if (!c) this.byServer.set(key, (c = new YieldController(this.makeProbe(host, port))));
    return c;
  }
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

/** A pacer that waits for every pacer in `all` (the policy cap and the yielding controller). */
export function allPacers(...all: (TransferPacer | undefined)[]): TransferPacer | undefined {
  const list = all.filter((p): p is TransferPacer => p !== undefined);
  if (list.length <= 1) return list[0];
  return { delayFor: (bytes) => Math.max(...list.map((p) => p.delayFor(bytes))), unlimited: () => list.every((p) => p.unlimited?.() === true) };
}
