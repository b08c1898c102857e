// Yielding for background jobs (spec §5.3: HIGH/NORMAL/LOW "use only idle bandwidth"): a delay-based
// rate controller in the spirit of LEDBAT (RFC 6817) on the receiving side (rLEDBAT): instead of a
// congestion window it sets the rate at which we read the socket (downloads) or write it (uploads);
// the kernel's receive (send) buffer fills and TCP's advertised window carries that rate to the sender.
// Measurements and limits: module/engine/rate/README.md, BENCHMARKS.md §9.
//
// Delay signal: the time a TCP connect to the server takes (SYN → SYN-ACK), every PROBE_INTERVAL_MS
// while the transfer moves. The SYN waits behind our upload's bytes in the uplink queue, the SYN-ACK
// behind the download's bytes in the downlink queue, so connect time = base RTT + the queuing delay
// at the bottleneck — no server support, no TCP_INFO (Node exposes none), nothing in an access log.
// base delay = the smallest connect time of the last BASE_HISTORY_MINUTES one-minute buckets (RFC
// 6817 §3.4.2); current delay = the smallest of the last CURRENT_FILTER probes (event-loop lag only
// ever adds); queuing delay = current − base.
//
// Constants, and why (each measured on the 40 Mbit/s HTB namespace link, test/helpers/bottleneck.ts):
// - TARGET_MS 5: the queuing delay we allow ourselves. It must sit below the standing queue of the
//   traffic we yield to: a loss-based flow (CUBIC) fills the whole buffer (100 ms there), but a BBR
//   flow keeps only ~10–20 ms, and with the earlier 25 ms target a BBR curl kept 34 % of its rate. A
//   *rate* controller (unlike a window one) keeps the queue empty whenever it runs below the link, so
//   a background job alone still fills the link with this small target.
// - GAIN_UP 0.25 + GROWTH_BYTES_PER_SECOND 64 KiB/s per probe on an empty queue (× off, the share of
//   the target still free): trickle → 40 Mbit/s in about 2–3 s (the "within seconds").
// - HEADROOM 1.5: the rate never runs ahead of 1.5× what moved over the last MOVED_WINDOW_PROBES
//   (0.5 s; one interval is too noisy: a 16 KiB piece at the trickle lands in one of several) plus
//   the additive step, so when other traffic arrives the first cut bites at once instead of first
//   eating an unused margin. 2 let a lone job overshoot the link to 2× and then cut on its own queue
//   (≈ 60 % of the link alone); 1.5 gave ≈ 75 % and still ~2.5 s from the trickle back to the link.
// - Above the target: × (1 − CUT_GAIN·excess) of what moved, excess = (delay − target)/target, at
//   most × (1 − MAX_CUT) = ×0.4 per probe: a loss-based flow's 30–100 ms queue takes us from the link
//   rate to the trickle in about a second; our own short bursts (reno's window jumps: 10–20 ms) cut
//   gently. CUT_GAIN 0.25 halved a lone job's rate on such bursts.
// - The knee (KNEE_BAND 0.85, KNEE_CREEP 0.01): what moved when the queue last built past the
//   target is, as far as we know, the link's rate. Within ×0.85…×1/0.85 of it growth is additive
//   (1 % of the knee per probe, 10 %/s) instead of ×1.25: the 4-probe filter sees a queue only
//   ~400 ms after it forms, and multiplicative growth had overshot to 1.3–1.45× the link by then
//   (a 50 ms queue, then three cuts to a fifth of the link: a job alone averaged ~60 %). Above the
//   band (the link got freer: once what moved passes it, the knee is forgotten) and below it (after
//   yielding to other traffic) growth is ×1.25 again, so recovery after curl ends stays at 2–3 s:
//   RFC 6817's linear controller, but only near the point it learned.
// - CUT_HOLD_PROBES 3: after the first cut of an episode the filter still holds pre-cut samples and
//   the queue takes a few hundred ms to drain; cutting again on it cascaded ×0.68·×0.46·×0.4. A
//   queue that rises past the one the cut answered, or outlasts the hold, cuts every probe as before
//   (other traffic: a reno curl's full queue takes us to the trickle in about a second still).
// - CURRENT_FILTER 4 and the lag correction: event-loop lag (a loaded machine: load 15 on 2 CPUs) only
//   ever adds to a connect time; the loop's worst delay while the probe was out (monitorEventLoopDelay)
//   is taken off each sample, and the minimum of 4 (400 ms) is used.
// - TRICKLE_BYTES_PER_SECOND 16 KiB/s: BITS "still trickles some data under load"; never below.
// - BUCKET_BURST_SECONDS 0.02: the controller's token bucket saves up little, so a rate cut is not
//   undone by a saved-up burst (which would also build the very queue we measure).
// - A probe lost in a full queue (no SYN-ACK within PROBE_TIMEOUT_MS) counts as PROBE_TIMEOUT_MS of
//   queuing delay — loss is congestion. Until the first probe answers the transfer is not paced; if
//   NO_SIGNAL_PROBES in a row get no answer (a proxy-only network, a firewall), the controller stays
//   out of the way and tries again every NO_SIGNAL_RETRY_MS. A server whose address is loopback is
//   never yielded to [DECISION]: there is no shared link, and event-loop lag would read as delay.
import { lookup } from 'node:dns/promises';
import { connect, isIP } from 'node:net';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { TokenBucket } from './token-bucket.js';
import type { TransferPacer } from './pacer.js';

export const TARGET_MS = 5;
export const PROBE_INTERVAL_MS = 100;
export const PROBE_TIMEOUT_MS = 500;
/** The event-loop delay monitor's tick while a probe is out (its worst delay is taken off the sample). */
export const LAG_RESOLUTION_MS = 1;
export const CURRENT_FILTER = 4;
export const BASE_HISTORY_MINUTES = 10;
/** BITS "still trickles some data under load" (spec §5.3). */
export const TRICKLE_BYTES_PER_SECOND = 16 * 1024;
export const GAIN_UP = 0.25;
export const GROWTH_BYTES_PER_SECOND = 64 * 1024;
export const CUT_GAIN = 0.1;
/** What moved is averaged over this many probe intervals (0.5 s). */
export const MOVED_WINDOW_PROBES = 5;
export const MAX_CUT = 0.6;
export const HEADROOM = 1.5;
/** Within this factor of the knee (the rate that last built a queue) growth is additive. */
export const KNEE_BAND = 0.85;
/** Additive growth near the knee, per probe: this share of the knee (10 % a second). */
export const KNEE_CREEP = 0.01;
/** After the first cut of an episode, the probes that may not cut again on the same (draining) queue. */
export const CUT_HOLD_PROBES = 3;
export const BUCKET_BURST_SECONDS = 0.02;
/** Probing stops when nothing moved for this long (the transfer ended), and starts again on the next bytes. */
export const IDLE_STOP_MS = 2000;
export const NO_SIGNAL_PROBES = 5;
export const NO_SIGNAL_RETRY_MS = 30_000;

/** A connect time in ms, or why there is none. */
export type ProbeResult = number | 'timeout' | 'unreachable' | 'loopback';
export type ProbeFn = () => Promise<ProbeResult>;

export function isLoopbackAddress(host: string): boolean {
  return host === 'localhost' || host === '::1' || /^127\./.test(host) || /^::ffff:127\./i.test(host);
}

/** Times TCP connects to host:port (the name is resolved once, so DNS time is not in the sample). */
export function connectProbe(host: string, port: number): ProbeFn {
  let address: string | null = isIP(host) ? host : null;
  const lag = monitorEventLoopDelay({ resolution: LAG_RESOLUTION_MS });
  return async () => {
    if (address === null) {
      try {
        address = (await lookup(host)).address;
      } catch {
        return 'unreachable';
      }
    }
    if (isLoopbackAddress(address)) return 'loopback';
    const to = address;
    return new Promise<ProbeResult>((resolve) => {
      lag.reset();
      lag.enable();
      const t0 = performance.now();
      const s = connect({ host: to, port });
      const done = (v: ProbeResult) => {
        clearTimeout(timer);
        lag.disable();
        s.destroy();
        // The callback ran late by up to the loop's worst delay meanwhile (CPU contention, a busy
        // loop): that is not queuing on the path. Taken off, the sample cannot read higher than the wire.
        if (typeof v === 'number') v = Math.max(0, v - lag.max / 1e6);
        if (v === 'unreachable' && !isIP(host)) address = null; // re-resolve next time
        resolve(v);
      };
      const timer = setTimeout(() => done('timeout'), PROBE_TIMEOUT_MS);
      s.once('connect', () => done(performance.now() - t0));
      s.once('error', () => done('unreachable'));
    });
  };
}

type Phase = 'unknown' | 'paced' | 'no-signal' | 'loopback';

export class YieldController implements TransferPacer {
  private readonly bucket = new TokenBucket(undefined, BUCKET_BURST_SECONDS);
  private rate = Infinity;
  private phase: Phase = 'unknown';
  private failures = 0;
  private lastProbeAt = -Infinity;
  /** One minimum per minute, the last BASE_HISTORY_MINUTES of them (RFC 6817 §3.4.2's base-delay history). */
  private baseHistory: { minute: number; min: number }[] = [];
  private recent: number[] = [];
  private moved = 0;
  private movedSince = performance.now();
  private lastUse = 0;
  private timer: NodeJS.Timeout | null = null;
  private probing = false;
  /** What moved in each of the last MOVED_WINDOW_PROBES probe intervals. */
  private recentMoved: number[] = [];
  /** What moved when the queue last built past the target (0 = never yet): the link's rate, as far as we know. */
  private kneeBytesPerSecond = 0;
  private probesSinceCut = Infinity;
  /** The queuing delay the last cut answered. */
  private delayAtCutMs = 0;
  /** Cuts since the queue was last under the target. */
  private episodeCuts = 0;
  /** The last estimate, for the bench and tests. */
  queuingDelayMs: number | null = null;

  constructor(private readonly probe: ProbeFn) {}

  /** The rate in force (Infinity = not pacing: no signal yet, none to be had, or a loopback server). */
  get bytesPerSecond(): number {
    return this.phase === 'paced' ? this.rate : Infinity;
  }

  /** Nothing to hold back and no bytes to watch: only for a loopback server (pacer.ts's port). */
  unlimited(): boolean {
    return this.phase === 'loopback';
  }

  get state(): Phase {
    return this.phase;
  }

  delayFor(bytes: number): number {
    this.lastUse = performance.now();
    this.moved += bytes;
    this.arm();
    return this.phase === 'paced' ? this.bucket.take(bytes) : 0;
  }

  /**
   * A transfer is about to start: probe now, before its bytes queue, so the first sample is the base
   * delay of the path and not of a queue our own unpaced start filled (LEDBAT's base-delay error).
   */
  prime(): void {
    if (this.phase !== 'unknown' || this.baseHistory.length > 0) return;
    this.lastUse = performance.now();
    this.arm();
    void this.tick();
  }

  private arm(): void {
    if (!this.timer && this.phase !== 'loopback') this.timer = setInterval(() => void this.tick(), PROBE_INTERVAL_MS).unref();
  }

  private async tick(): Promise<void> {
    const now = performance.now();
    if (now - this.lastUse > IDLE_STOP_MS || this.phase === 'loopback') {
      clearInterval(this.timer!);
      this.timer = null;
      return;
    }
    if (this.probing || (this.phase === 'no-signal' && now - this.lastProbeAt < NO_SIGNAL_RETRY_MS)) return;
    this.probing = true;
    this.lastProbeAt = now;
    const result = await this.probe().finally(() => (this.probing = false));
    const actual = (this.moved * 1000) / Math.max(1, performance.now() - this.movedSince);
    this.moved = 0;
    this.movedSince = performance.now();
    this.sample(result, actual);
  }

  /** One probe's result and the rate actually moved since the last one (bytes/s). Public for unit tests. */
  sample(result: ProbeResult, actualBytesPerSecond: number): void {
    if (result === 'loopback') {
      this.phase = 'loopback';
      return;
    }
    if (result === 'unreachable' || (result === 'timeout' && this.phase !== 'paced')) {
      if (this.phase !== 'paced' && ++this.failures >= NO_SIGNAL_PROBES) this.phase = 'no-signal';
      return; // no signal: keep the rate as it is (the next probe may answer)
    }
    this.failures = 0;
    const base = this.baseDelay(result === 'timeout' ? Infinity : result);
    if (this.phase !== 'paced') {
      // The priming probe (nothing moved yet) only gives the base delay, on a queue we have not filled.
      if (actualBytesPerSecond === 0) return;
      // Then start from what the unpaced transfer moved (no slow start of our own).
      this.phase = 'paced';
      this.rate = Math.max(TRICKLE_BYTES_PER_SECOND, actualBytesPerSecond);
    }
    const current = result === 'timeout' ? base + PROBE_TIMEOUT_MS : result;
    this.recent = [...this.recent, current].slice(-CURRENT_FILTER);
    this.update(Math.max(0, Math.min(...this.recent) - base), actualBytesPerSecond);
  }

  private baseDelay(rttMs: number): number {
    const minute = Math.floor(performance.now() / 60_000);
    if (Number.isFinite(rttMs)) {
      const last = this.baseHistory[this.baseHistory.length - 1];
      if (last && last.minute === minute) last.min = Math.min(last.min, rttMs);
      else this.baseHistory = [...this.baseHistory, { minute, min: rttMs }].slice(-BASE_HISTORY_MINUTES);
    }
    return Math.min(...this.baseHistory.map((b) => b.min));
  }

  private update(queuingMs: number, actual: number): void {
    this.queuingDelayMs = queuingMs;
    // Over half a second, not one probe interval: a 16 KiB piece at the trickle lands in one interval
    // of several, and after a stall of the loop the receive buffer's backlog is read at once.
    this.recentMoved = [...this.recentMoved, actual].slice(-MOVED_WINDOW_PROBES);
    const moved = this.recentMoved.reduce((a, b) => a + b, 0) / this.recentMoved.length;
    let next: number;
    if (queuingMs <= TARGET_MS) {
      this.probesSinceCut++;
      this.episodeCuts = 0;
      const off = (TARGET_MS - queuingMs) / TARGET_MS; // 1 = empty queue, 0 = at the target
      if (this.nearKnee()) next = this.rate + Math.max(GROWTH_BYTES_PER_SECOND, KNEE_CREEP * this.kneeBytesPerSecond) * off;
      else next = this.rate * (1 + GAIN_UP * off) + GROWTH_BYTES_PER_SECOND * off;
      next = Math.min(next, HEADROOM * moved + GROWTH_BYTES_PER_SECOND);
      // Clearly past where the queue last built (the other traffic left, the path changed): that knee is
      // stale, and growth is ×1.25 until the next queue teaches a new one. (Raising the knee with
      // `moved` instead can hold a rate that keeps pace with what moves inside the band, creeping.)
      if (moved > this.kneeBytesPerSecond / KNEE_BAND) this.kneeBytesPerSecond = 0;
    } else if (this.episodeCuts === 1 && this.probesSinceCut < CUT_HOLD_PROBES && queuingMs <= this.delayAtCutMs) {
      // The queue the first cut answered is still draining (the filter still holds samples from
      // before the cut): no new information, so no second cut on the same queue.
      this.probesSinceCut++;
      next = this.rate;
    } else {
      const excess = (queuingMs - TARGET_MS) / TARGET_MS;
      this.kneeBytesPerSecond = moved;
      this.probesSinceCut = 0;
      this.delayAtCutMs = queuingMs;
      this.episodeCuts++;
      next = Math.min(this.rate, moved) * Math.max(1 - MAX_CUT, 1 - CUT_GAIN * excess);
    }
    this.rate = Math.max(TRICKLE_BYTES_PER_SECOND, next);
    this.bucket.setRate(this.rate);
  }

  /** The rate is within KNEE_BAND of where a queue last built: creep, do not jump. */
  private nearKnee(): boolean {
    const knee = this.kneeBytesPerSecond;
    return knee > 0 && this.rate >= KNEE_BAND * knee && this.rate <= knee / KNEE_BAND;
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
    if (isLoopbackAddress(host)) return undefined;
    const key = `${host}:${port}`;
    let c = this.byServer.get(key);
    if (!c) this.byServer.set(key, (c = new YieldController(this.makeProbe(host, port))));
    c.prime();
    return c;
  }
}

/** A pacer that waits for every pacer in `all` (the policy cap and the yielding controller). */
export function allPacers(...all: (TransferPacer | undefined)[]): TransferPacer | undefined {
  const list = all.filter((p): p is TransferPacer => p !== undefined);
  if (list.length <= 1) return list[0];
  return { delayFor: (bytes) => Math.max(...list.map((p) => p.delayFor(bytes))), unlimited: () => list.every((p) => p.unlimited?.() === true) };
}
