// The minimum body rate of the upload server (issue 17, slow clients): a fragment body that keeps
// trickling — a byte now and then, never long enough apart for the idle timeout — holds a connection
// (and a session lease) for as long as the client likes. Each body being received must deliver at
// least `bytesPerSecond` over every window of `windowSeconds`, or its connection is cut.
//
// Time the server itself holds the body up does not count: while the socket is paused (the handler
// or the disk is behind, bits-post-shim.ts pauses the socket above the body's high-water mark) the
// window starts again. Windows are tumbling, so a burst-and-pause client (a pacer that sends 16 KiB
// pieces) is judged on its average over the window, not on its pauses.
//
// Default 128 bytes/s over 60 s: the slowest legitimate uploader we know of is a Windows BITS client
// under the lowest bandwidth group policy (2 kbit/s ≈ 250 bytes/s) — twice the floor; a 56 kbit/s
// modem (≈ 7,000 bytes/s, ≈ 5,000 of payload) is 40 times over it, and our own background client
// never goes below 16 KiB/s (engine/rate/yield-controller.ts). An attacker holding N connections has
// to send N × 128 bytes/s — a bandwidth cost, no longer a free one. 0 turns the rule off.
import type { Socket } from 'node:net';
import type { DivertedBody } from './diverted-body.js';

export const DEFAULT_MIN_BODY_RATE = 128;
export const DEFAULT_MIN_BODY_RATE_WINDOW_SECONDS = 60;

interface Watched {
  body: DivertedBody;
  socket: Socket;
  windowStart: number;
  bytesAtStart: number;
}

export class BodyRateGuard {
  private readonly watched = new Set<Watched>();
  private timer: NodeJS.Timeout | undefined;
  private readonly windowMs: number;

  constructor(
    private readonly bytesPerSecond: number,
    windowSeconds: number,
    /** Called once per cut body, after its connection is destroyed. */
    private readonly onCut: () => void,
    private readonly now: () => number = Date.now,
  ) {
    if (!Number.isFinite(bytesPerSecond) || bytesPerSecond < 0) throw new RangeError(`minBodyRate must be a non-negative number of bytes per second (got ${bytesPerSecond})`);
    if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) throw new RangeError(`minBodyRateWindowSeconds must be a positive number (got ${windowSeconds})`);
    this.windowMs = windowSeconds * 1000;
  }

  /** Watches `body` (arriving on `socket`) until it is complete or its connection goes. */
  watch(body: DivertedBody, socket: Socket): void {
    if (this.bytesPerSecond === 0 || body.complete) return;
    this.watched.add({ body, socket, windowStart: this.now(), bytesAtStart: body.received });
    // One timer for every body: a tick of a tenth of the window (at most 1 s) costs a few
    // comparisons per open body, and judges a window at most a tick late.
    this.timer ??= setInterval(() => this.tick(), Math.min(1000, this.windowMs / 10)).unref();
  }

  private tick(): void {
    const now = this.now();
    for (const w of this.watched) {
      if (w.body.complete || w.body.destroyed || w.socket.destroyed) {
        this.watched.delete(w);
        continue;
      }
      if (w.socket.isPaused()) {
        // Our side is behind: not the client's time.
        w.windowStart = now;
        w.bytesAtStart = w.body.received;
        continue;
      }
      const elapsed = now - w.windowStart;
      if (elapsed < this.windowMs) continue;
      if (w.body.received - w.bytesAtStart < (this.bytesPerSecond * elapsed) / 1000) {
        this.watched.delete(w);
        w.socket.destroy();
        this.onCut();
        continue;
      }
      w.windowStart = now;
      w.bytesAtStart = w.body.received;
    }
    if (this.watched.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
    }
  }

  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    this.watched.clear();
  }
}
