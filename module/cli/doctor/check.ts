// What one `doctor` check reports. Every check only looks: it starts no service, creates no
// directory and opens the store read-only, so running `doctor` never changes what it diagnoses.
export type CheckStatus = 'ok' | 'warn' | 'fail';

export interface CheckResult {
  /** Short id, e.g. `state-dir`. */
  check: string;
  status: CheckStatus;
  /** What was found. */
  detail: string;
  /** What to do, when status is not ok. */
  fix?: string;
}

export const ok = (check: string, detail: string): CheckResult => ({ check, status: 'ok', detail });
export const warn = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'warn', detail, fix });
export const fail = (check: string, detail: string, fix: string): CheckResult => ({ check, status: 'fail', detail, fix });
