// Exit codes of the CLI, as data: the mapping is a table (used by the CLI, its --help epilogue,
// the README generator and the PowerShell module, which turns codes back into error categories).
import { HR, isFailure } from '../api/hresult.js';
import { BitsError } from '../api/bits-error.js';

export interface ExitCodeSpec {
  code: number;
  name: string;
  /** HRESULT names mapped to this code (when the code comes from an HRESULT). */
  hresults: readonly string[];
  meaning: string;
}

export const EXIT = {
  OK: 0,
  BITS_ERROR: 1,
  USAGE: 2,
  NOT_FOUND: 3,
  INVALID_STATE: 4,
  JOB_ERROR: 5,
  SERVICE_UNAVAILABLE: 6,
  INTERRUPTED: 130,
} as const;

/** HRESULTs that mean "the backend itself is not reachable" (service down, BITS missing, RPC failure). */
export const BACKEND_UNAVAILABLE_HRESULTS = [
  'REGDB_E_CLASSNOTREG', // 0x80040154: BITS / native bridge not available
  'RPC_S_SERVER_UNAVAILABLE', // 0x800706BA
  'ERROR_SERVICE_NOT_ACTIVE', // 0x80070426
  'ERROR_SERVICE_DISABLED', // 0x80070422
  'ERROR_SERVICE_REQUEST_TIMEOUT', // 0x8007041D
  'CO_E_SERVER_EXEC_FAILURE', // 0x80080005
] as const;

export const EXIT_CODES: readonly ExitCodeSpec[] = [
  { code: EXIT.OK, name: 'OK', hresults: ['S_OK', 'S_FALSE', 'BG_S_*'], meaning: 'Success, including S_FALSE and BG_S_* success codes (printed when not S_OK).' },
  { code: EXIT.BITS_ERROR, name: 'BITS_ERROR', hresults: ['*'], meaning: 'The operation failed with a BITS or Windows HRESULT not listed below (printed on stderr).' },
  { code: EXIT.USAGE, name: 'USAGE', hresults: [], meaning: 'Usage error: unknown command or flag, missing or malformed argument.' },
  { code: EXIT.NOT_FOUND, name: 'NOT_FOUND', hresults: ['BG_E_NOT_FOUND'], meaning: 'No such job (unknown id, or the job left the queue).' },
  { code: EXIT.INVALID_STATE, name: 'INVALID_STATE', hresults: ['BG_E_INVALID_STATE'], meaning: "Operation not allowed in the job's current state (e.g. a second complete)." },
  { code: EXIT.JOB_ERROR, name: 'JOB_ERROR', hresults: [], meaning: 'transfer, wait: the job ended in ERROR; it is left in the queue for inspection.' },
  { code: EXIT.SERVICE_UNAVAILABLE, name: 'SERVICE_UNAVAILABLE', hresults: [...BACKEND_UNAVAILABLE_HRESULTS], meaning: 'The backend is unavailable: the service cannot be reached or started, or BITS is missing.' },
  { code: EXIT.INTERRUPTED, name: 'INTERRUPTED', hresults: [], meaning: 'Interrupted (Ctrl-C). A transfer keeps running in the service.' },
];

const unavailable = new Set<number>(BACKEND_UNAVAILABLE_HRESULTS.map((n) => HR[n]! >>> 0));

/** Node errors of a socket/pipe that is not there or not answering. */
const UNAVAILABLE_ERRNO = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE']);

export function isBackendUnavailable(e: unknown): boolean {
  if (e instanceof BitsError) {
    if (unavailable.has(e.hresult)) return true;
    return Boolean(e.data && (e.data.serviceUnavailable === true || e.data.backendUnavailable === true));
  }
  const err = e as NodeJS.ErrnoException | null;
  return typeof err?.code === 'string' && (UNAVAILABLE_ERRNO.has(err.code) || err.syscall === 'connect');
}

/** The exit code for an HRESULT returned by an operation. */
export function exitCodeForHResult(hr: number): number {
  const u = hr >>> 0;
  if (!isFailure(u)) return EXIT.OK;
  if (u === HR.BG_E_NOT_FOUND) return EXIT.NOT_FOUND;
  if (u === HR.BG_E_INVALID_STATE) return EXIT.INVALID_STATE;
  if (unavailable.has(u)) return EXIT.SERVICE_UNAVAILABLE;
  return EXIT.BITS_ERROR;
}

export function exitCodeForError(e: unknown): number {
  if (isBackendUnavailable(e)) return EXIT.SERVICE_UNAVAILABLE;
  if (e instanceof BitsError) return exitCodeForHResult(e.hresult);
  return EXIT.BITS_ERROR;
}

/** The table as text for `--help`. */
export function exitCodesHelp(): string {
  return ['Exit codes:', ...EXIT_CODES.map((c) => `  ${String(c.code).padStart(3)}  ${c.meaning}`)].join('\n');
}
