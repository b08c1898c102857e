// Injectable time: the engine's retry delays, no-progress timeouts, time slices and the 90-day
// inactivity cancel all go through a Clock so tests advance time instead of sleeping for minutes.

export interface TimerHandle {
  cancel(): void;
}

export interface Clock {
  /** Milliseconds since the Unix epoch (persisted timestamps use this). */
  now(): number;
  /** Runs `fn` after `ms` of clock time. */
  setTimer(fn: () => void, ms: number): TimerHandle;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(fn, ms) {
    // Node timers overflow above 2^31-1 ms (~24.8 days): chain shorter waits for long delays.
    const MAX = 2 ** 31 - 1;
    let t: NodeJS.Timeout;
    const due = Date.now() + ms;
    const arm = () => {
      const left = due - Date.now();
      t = setTimeout(left > MAX ? arm : fn, Math.min(Math.max(left, 0), MAX));
      t.unref?.();
    };
    arm();
    return { cancel: () => clearTimeout(t) };
  },
};

/** A clock that only moves when told to. `advance` fires due timers in time order. */
export class ManualClock implements Clock {
  private t: number;
  private timers: { due: number; fn: () => void; seq: number }[] = [];
  private seq = 0;

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.t = start;
  }
  now(): number {
    return this.t;
  }
  setTimer(fn: () => void, ms: number): TimerHandle {
    const entry = { due: this.t + Math.max(0, ms), fn, seq: this.seq++ };
    this.timers.push(entry);
    return { cancel: () => { this.timers = this.timers.filter((x) => x !== entry); } };
  }
  /** Moves time forward by `ms`, running every timer that falls due on the way. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const next = this.timers.filter((x) => x.due <= end).sort((a, b) => a.due - b.due || a.seq - b.seq)[0];
      if (!next) break;
      this.timers = this.timers.filter((x) => x !== next);
      this.t = Math.max(this.t, next.due);
      next.fn();
    }
    this.t = end;
  }
  pendingTimers(): number {
    return this.timers.length;
  }
}
