// One rule for everything that waits for a job to reach a state: Node's BitsJob.waitFor, the CLI's
// `wait` and `transfer`, and Wait-BitsJob2 (its PowerShell is generated from WAIT_RULE). Waiting
// ends as soon as the answer is known: the job is in a wanted state; or it is in ERROR and ERROR
// was not asked for (BITS leaves it there until someone acts: waiting on would only time out); or
// it left the queue (ACKNOWLEDGED, CANCELLED), which it never comes back from.
import type { JobStateName } from './enums.js';

export const WAIT_RULE = {
  /** Ends a wait that did not ask for it, with the job's error. */
  errorState: 'ERROR',
  /** End a wait that did not ask for them with BG_E_INVALID_STATE. */
  finalStates: ['ACKNOWLEDGED', 'CANCELLED'],
} as const satisfies { errorState: JobStateName; finalStates: readonly JobStateName[] };

export type WaitVerdict = 'reached' | 'job-error' | 'left-queue' | 'waiting';

export function waitVerdict(state: JobStateName, wanted: readonly JobStateName[]): WaitVerdict {
  if (wanted.includes(state)) return 'reached';
  if (state === WAIT_RULE.errorState) return 'job-error';
  if ((WAIT_RULE.finalStates as readonly JobStateName[]).includes(state)) return 'left-queue';
  return 'waiting';
}
