// The loop `transfer` and `wait` share: watch a job with progress on stderr until the wait rule
// (module/api/wait-rule.ts) says it is over, Ctrl-C interrupts, or the timeout runs out. It only
// reports how it ended; each command says what that means for it.
import type { JobStateName } from '../api/enums.js';
import { waitVerdict, type WaitVerdict } from '../api/wait-rule.js';
import type { BitsJob } from '../core/bits-job.js';
import type { JobInfo } from '../core/job-info.js';
import type { CliContext } from './context.js';
import { makeProgress } from './progress.js';

export type WaitEnd =
  | { kind: 'verdict'; verdict: Exclude<WaitVerdict, 'waiting'>; info: JobInfo }
  | { kind: 'interrupted'; last: JobInfo | undefined }
  | { kind: 'timeout'; last: JobInfo | undefined };

/** `announce`: a line for stderr once Ctrl-C is handled (so whoever reads it may already interrupt). */
export async function waitWithProgress(ctx: CliContext, job: BitsJob, wanted: readonly JobStateName[], options: { intervalMs: number; timeoutSeconds: number; announce?: string }): Promise<WaitEnd> {
  const progress = makeProgress(ctx);
  // One controller for Ctrl-C and the timeout, with a plain timer: Node 20's AbortSignal.any()
  // holds an AbortSignal.timeout() weakly, so after a garbage collection the timeout never fired and
  // `transfer --timeout 20` on a retrying job waited forever (nodejs/node#57736).
  const stop = new AbortController();
  let interrupted = false;
  const onSigint = () => { interrupted = true; stop.abort(); };
  process.once('SIGINT', onSigint);
  if (options.announce && !ctx.json) process.stderr.write(`${options.announce}\n`);
  const timer = options.timeoutSeconds > 0 ? setTimeout(() => stop.abort(), options.timeoutSeconds * 1000) : undefined;
  const signal = stop.signal;
  let last: JobInfo | undefined;
  try {
    for await (const info of job.watch({ signal, intervalMs: options.intervalMs })) {
      last = info;
      const verdict = waitVerdict(info.state, wanted);
      if (verdict !== 'waiting') return { kind: 'verdict', verdict, info };
      progress.update(info);
    }
  } catch (e) {
    if (!signal.aborted) throw e;
  } finally {
    process.off('SIGINT', onSigint);
    clearTimeout(timer);
    progress.clear();
  }
  return interrupted ? { kind: 'interrupted', last } : { kind: 'timeout', last };
}
