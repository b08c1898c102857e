// Transfer speed as a moving average over the last few seconds of progress samples, and the time
// left at that speed. A window (not the average since the start) follows a link that speeds up or
// slows down; a few seconds smooth the steps of the service's progress reports.
import { formatBytes } from './format.js';

interface Sample { t: number; bytes: number }

/** Speeds over spans shorter than this are noise (one progress step), so none is reported. */
const MIN_SPAN_MS = 400;

export class RateMeter {
  private samples: Sample[] = [];

  constructor(private readonly windowMs = 5000) {}

  add(bytes: number, t = Date.now()): void {
    const last = this.samples[this.samples.length - 1];
    // Fewer bytes than before: a retry from an earlier offset or a new session — start over.
    if (last && bytes < last.bytes) this.samples = [];
    this.samples.push({ t, bytes });
    // Keep one sample at or before the window's start so the span covers the whole window.
    while (this.samples.length > 2 && this.samples[1]!.t <= t - this.windowMs) this.samples.shift();
  }

  /** Bytes per second over the window, or null while too little time has passed. */
  bytesPerSecond(): number | null {
    const first = this.samples[0];
    const last = this.samples[this.samples.length - 1];
    if (!first || !last || last.t - first.t < MIN_SPAN_MS) return null;
    return ((last.bytes - first.bytes) * 1000) / (last.t - first.t);
  }

  /** Seconds left for `total` at the current speed; null when unknown (no total, no speed, stalled). */
  secondsLeft(done: number, total: number | null): number | null {
    const speed = this.bytesPerSecond();
    if (total === null || speed === null || speed <= 0) return null;
    return Math.max(0, Math.ceil((total - done) / speed));
  }
}

export function formatRate(bytesPerSecond: number | null): string {
  return bytesPerSecond === null ? '-' : `${formatBytes(Math.round(bytesPerSecond))}/s`;
}

/** 0:07, 12:34, 1:02:03 (hours), or '-' when unknown. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return '-';
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
