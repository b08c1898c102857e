// The CLI's one error conversion (DESIGN §2): anything thrown → BitsError → exit code + a message on
// stderr (human: `error: NAME (0x...): message` and `hint: ...`; --json: `{"error": {...}}`, one line;
// --clixml: the same document as CLIXML, type name BitsJob2.Error).
import { BitsError, type BitsErrorJSON } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';
import { ERROR_OUTPUT } from '../api/outputs.js';
import { HR } from '../api/hresult.js';
import { EXIT, exitCodeForError, isBackendUnavailable } from './exit-codes.js';
import { paintErr } from './format.js';
import { machineText } from './machine-output.js';

import { UsageError } from './usage-error.js';

export { UsageError };

/** A failure with what to tell the user and, when it is not derived from the HRESULT, the exit code. */
export class CliFailure extends Error {
  constructor(readonly error: BitsError, readonly hint?: string, readonly exitCode?: number) {
    super(error.message);
    this.name = 'CliFailure';
  }
}

/** Re-throws `e` with a hint attached (keeps an existing hint). */
export function withHint(e: unknown, hint: string | undefined, exitCode?: number): CliFailure {
  if (e instanceof CliFailure) return e.hint || !hint ? e : new CliFailure(e.error, hint, e.exitCode ?? exitCode);
  if (e instanceof UsageError) throw e;
  return new CliFailure(BitsError.from(e), hint, exitCode);
}

export interface CliErrorJSON extends BitsErrorJSON {
  exitCode: number;
  hint?: string;
  usage?: boolean;
  /** The job the command was working on, when it got that far. */
  jobId?: string;
}

export interface ErrorScope {
  jobId?: string;
}

/** Default hints by HRESULT name, used when a command gave none. */
function defaultHint(err: BitsError, unavailable: boolean, jobId = '<job>'): string | undefined {
  if (unavailable) {
    return 'start the service with `bits-job2 service start` (its log is service.log in the state directory), or use --backend portable';
  }
  switch (err.code) {
    case 'BG_E_NOT_FOUND':
      return 'list your jobs with `bits-job2 list`; completed and cancelled jobs have left the queue (`info` with the full GUID still shows them while remembered)';
    case 'BG_E_INVALID_STATE':
      return `check the job state with \`bits-job2 info ${jobId}\``;
    case 'BG_E_EMPTY':
      return 'add a file first: bits-job2 add-file <job> <url> <absolute local path>';
    case 'BG_E_ERROR_INFORMATION_UNAVAILABLE':
      return 'the job is not in ERROR or TRANSIENT_ERROR';
    default:
      return undefined;
  }
}

/**
 * One line on the terminal: messages echo user input (a job id, a URL, a path), and a newline or
 * carriage return in it would print a line that looks like one of ours (`error: ...`). Control
 * characters are shown escaped (\\n, \\r, \\xNN); the JSON output escapes them by itself.
 */
export function oneLine(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\x00-\x08\x0a-\x1f\x7f]/g, (c) => (c === '\n' ? '\\n' : c === '\r' ? '\\r' : `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`));
}

/** Prints the error on stderr and returns the exit code. */
export function reportError(e: unknown, json: boolean, scope: ErrorScope = {}): number {
  let payload: CliErrorJSON;
  if (e instanceof UsageError) {
    const base = new BitsError(HR.E_INVALIDARG!, e.message, ErrorContext.NONE).toJSON();
    payload = { ...base, exitCode: EXIT.USAGE, usage: true, ...(e.hint ? { hint: e.hint } : {}) };
  } else {
    const failure = e instanceof CliFailure ? e : undefined;
    const inner = failure ? failure.error : e;
    const err = BitsError.from(inner);
    const unavailable = isBackendUnavailable(inner);
    const exitCode = failure?.exitCode ?? exitCodeForError(inner);
    const hint = failure?.hint ?? defaultHint(err, unavailable, scope.jobId);
    payload = { ...err.toJSON(), exitCode, ...(hint ? { hint } : {}), ...(scope.jobId ? { jobId: scope.jobId } : {}) };
  }
  if (json) {
    process.stderr.write(machineText({ error: payload }, ERROR_OUTPUT.typeName, true) + '\n');
  } else {
    const label = payload.usage ? 'usage' : `${payload.name} (${payload.hresultHex})`;
    process.stderr.write(`${paintErr('red', 'error:')} ${label}: ${oneLine(payload.message)}\n`);
    if (payload.hint) process.stderr.write(`${paintErr('yellow', 'hint:')} ${oneLine(payload.hint)}\n`);
  }
  return payload.exitCode;
}
