// Progress of one job on stderr while a command waits for it (`transfer`, `wait`): a bar redrawn in
// place on a terminal, else a line on every state change and at most every few seconds; both with
// the speed (moving average) and the ETA. Piped with --json: no lines (stderr is for the error document).
import type { JobInfo } from '../core/job-info.js';
import type { CliContext } from './context.js';
import { progressBar, progressText } from './format.js';
import { formatEta, formatRate, RateMeter } from './rate.js';

/** Plain progress lines when stderr is not a terminal: on every state change and at most this often otherwise. */
const PLAIN_INTERVAL_MS = 5000;

export interface Progress {
  update(info: JobInfo): void;
  /** Clears the bar before other output. */
  clear(): void;
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
    return {
      update(info) {
        meter.add(info.progress.bytesTransferred);
        const width = (err.columns || 80) - 1;
        let line = progressBar(info, width, rateText(meter, info));
        if (info.state === 'TRANSIENT_ERROR' && info.error) line = `${info.state}: ${info.error.name}, retrying (Ctrl-C detaches)`.slice(0, width);
        err.write(`\r\x1b[2K${line}`);
        drawn = true;
      },
      clear() {
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
      if (info.state === 'TRANSIENT_ERROR' && info.error) line += ` — ${info.error.name}: ${info.error.message} (retried after the retry delay)`;
      err.write(line + '\n');
    },
    clear() {},
  };
}
