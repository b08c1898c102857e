// Progress of one job on stderr while a command waits for it (`transfer`, `wait`): a bar redrawn in
// place on a terminal, else a line on every state change and at most every few seconds; both with
// the speed (moving average) and the ETA. Piped with --json: no lines (stderr is for the error document).
import type { JobInfo } from '../core/job-info.js';
import type { CliContext } from './context.js';
import { formatRetryDue, progressBar, progressText } from './format.js';
import { formatEta, formatRate, RateMeter } from './rate.js';

/** Plain progress lines when stderr is not a terminal: on every state change and at most this often otherwise. */
const PLAIN_INTERVAL_MS = 5000;

const DETACH_NOTE = ' (Ctrl-C detaches)';
/** How often the bar's "next retry … (in N s)" is redrawn while the job waits to retry. */
const COUNTDOWN_MS = 1000;

export interface Progress {
  update(info: JobInfo): void;
  /** Clears the bar before other output. */
  clear(): void;
}

/** `next retry 2026-12-03 12:05:40 +01:00 (in 42 s)` when the backend says when; else what BITS does. */
function retryText(info: JobInfo, timeOnly = false): string {
  return info.nextRetryTime ? `next retry ${formatRetryDue(info.nextRetryTime, Date.now(), timeOnly)}` : 'retried after the retry delay';
}

function rateText(meter: RateMeter, info: JobInfo): string {
  const p = info.progress;
  return `${formatRate(meter.bytesPerSecond())}  ETA ${formatEta(meter.secondsLeft(p.bytesTransferred, p.bytesTotal))}`;
}

export function makeProgress(ctx: CliContext): Progress {
  const err = process.stderr;
  const meter = new RateMeter();
  if (err.isTTY) {
    let drawn = false;
    // The job only reports changes; while it waits to retry, the countdown is redrawn every second.
    let ticker: NodeJS.Timeout | undefined;
    const stopTicker = () => { clearInterval(ticker); ticker = undefined; };
    const draw = (info: JobInfo) => {
      const width = (err.columns || 80) - 1;
      let line = progressBar(info, width, rateText(meter, info));
      if (info.state === 'TRANSIENT_ERROR' && info.error) {
        // The retry time first: the Ctrl-C reminder only where the terminal has room for it.
        line = `${info.state}: ${info.error.name}, ${retryText(info, true)}`;
        line = (line.length + DETACH_NOTE.length <= width ? line + DETACH_NOTE : line).slice(0, width);
      }
      err.write(`\r\x1b[2K${line}`);
      drawn = true;
    };
    return {
      update(info) {
        meter.add(info.progress.bytesTransferred);
        draw(info);
        stopTicker();
        if (info.state === 'TRANSIENT_ERROR' && info.nextRetryTime) {
          ticker = setInterval(() => draw(info), COUNTDOWN_MS);
          ticker.unref();
        }
      },
      clear() {
        stopTicker();
        if (drawn) err.write('\r\x1b[2K');
        drawn = false;
      },
    };
  }
  if (ctx.json) return { update() {}, clear() {} };
  let lastState = '';
  let lastAt = 0;
  return {
    update(info) {
      meter.add(info.progress.bytesTransferred);
      const now = Date.now();
      if (info.state === lastState && now - lastAt < PLAIN_INTERVAL_MS) return;
      lastState = info.state;
      lastAt = now;
      let line = `${info.state} ${progressText(info.progress)}, ${rateText(meter, info).replace('  ', ', ')}`;
      if (info.state === 'TRANSIENT_ERROR' && info.error) line += ` — ${info.error.name}: ${info.error.message} (${retryText(info)})`;
      err.write(line + '\n');
    },
    clear() {},
  };
}
