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
  const interrupt = new AbortController();
  const onSigint = () => interrupt.abort();
  process.once('SIGINT', onSigint);
  if (options.announce && !ctx.json) process.stderr.write(`${options.announce}\n`);
  const signal = options.timeoutSeconds > 0 ? AbortSignal.any([interrupt.signal, AbortSignal.timeout(options.timeoutSeconds * 1000)]) : interrupt.signal;
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
    progress.clear();
  }
  return interrupt.signal.aborted ? { kind: 'interrupted', last } : { kind: 'timeout', last };
}
