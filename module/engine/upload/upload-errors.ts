// What an upload failure becomes for the job: HRESULT, error context, transient (TRANSIENT_ERROR,
// retried) or fatal (ERROR, needs the user), and a message that says what to do (spec §7.3 step 6,
// §7.7, §10). Errors are the download client's HttpTransferError, so the engine's retry logic
// (it reads `e.transient`) treats uploads and downloads alike.
import type { IncomingHttpHeaders } from 'node:http';
import { ErrorContext } from '../../api/enums.js';
import { hex, hresultName, httpStatusToHResult, isFailure } from '../../api/hresult.js';
import { HRESULT, HttpTransferError, redactUrl } from '../http/errors.js';
import { bitsErrorCodeOf, headerValue, parseErrorContext, type PacketType } from './packets.js';

export { HttpTransferError } from '../http/errors.js';

/**
 * Thrown when the caller's AbortSignal fires (Suspend, Cancel, shutdown). Not a BitsError on
 * purpose: an abort is the engine's own decision, never a job error to record.
 */
export class UploadAbortedError extends Error {
  constructor(reason?: unknown) {
    super('The upload was aborted.', reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortError';
  }
}

// 300–305 and 307 are fatal, every other 3xx is transient (spec §7.7).
const FATAL_3XX = new Set([300, 301, 302, 303, 304, 305, 307]);

/** The §7.7 table: is an unhandled HTTP status worth retrying? */
export function isTransientStatus(status: number): boolean {
  if (status >= 300 && status < 400) return !FATAL_3XX.has(status);
  if (status >= 400 && status < 500) return status === 408 || status === 409;
  if (status >= 500 && status < 600) return status !== 501 && status !== 505;
  return true;
}

const RETRY = 'BITS retries after the retry delay.';
const FIX = 'Fix the cause, then Resume the job.';

interface Verdict {
  transient: boolean;
  advice: string;
}

/** Spec §7.3 step 6, in its order; the caller has already handled 413 on fragments and SESSION_NOT_FOUND restarts. */
function judge(packet: PacketType, status: number, code: number | null, url: string): Verdict {
  if (code === HRESULT.BG_E_SESSION_NOT_FOUND) {
    return { transient: true, advice: `The server no longer knows the upload session; BITS starts the upload over with a new session. ${RETRY}` };
  }
  if (status === 401) return { transient: false, advice: `The server ${url} asked for credentials.` };
  if (status === 407) return { transient: false, advice: `A proxy on the way to ${url} asked for credentials.` };
  if (status === 413) {
    return { transient: false, advice: `The server refuses even the smallest fragment: raise its request size limit (or that of a proxy in between). ${FIX}` };
  }
  if (status === 403) {
    return { transient: false, advice: `The server refused the upload to ${url}: give the user write access to that virtual directory, or check whether the destination exists and may not be overwritten. ${FIX}` };
  }
  if (status === 501 && code === HRESULT.E_ACCESSDENIED) {
    return { transient: false, advice: `BITS uploads are not enabled for the virtual directory of ${url}: enable them on the server. ${FIX}` };
  }
  if (code === HRESULT.BG_E_TOO_LARGE) {
    return { transient: false, advice: `The file is larger than the server accepts at ${url}: raise the server's maximum upload size or upload a smaller file. ${FIX}` };
  }
  if (code === HRESULT.E_INVALIDARG) {
    return { transient: false, advice: `The server rejected the ${packet} packet as invalid: check that ${url} is a BITS upload directory and the server speaks the BITS Upload Protocol. ${FIX}` };
  }
  // 409 on Create-Session: the destination exists and may not be overwritten (spec §11 row 2).
  if (packet === 'Create-Session' && status === 409) {
    return { transient: false, advice: `The destination ${url} already exists on the server and may not be overwritten: remove it there, allow overwrites, or upload under another name. ${FIX}` };
  }
  if (status >= 300 && status < 400) {
    return isTransientStatus(status)
      ? { transient: true, advice: `BITS does not follow redirects of upload packets. ${RETRY}` }
      : { transient: false, advice: `BITS does not follow redirects of upload packets: use the final URL as the job's remote name.` };
  }
  return isTransientStatus(status)
    ? { transient: true, advice: RETRY }
    : { transient: false, advice: `Check the URL ${url} and the server's BITS upload configuration, then Resume the job.` };
}

/**
 * The job error for an Ack with an unusable status. HRESULT = the BITS error code when the server
 * sent a failure code, else BG_E_HTTP_ERROR_<status>; context = REMOTE_APPLICATION for 0x7 (the
 * server application failed), REMOTE_FILE otherwise (spec §7.7).
 */
export function ackError(packet: PacketType, status: number, headers: IncomingHttpHeaders, url: string, detail?: string): HttpTransferError {
  const code = bitsErrorCodeOf(headers);
  const failure = code !== null && isFailure(code) ? code : null;
  const context = parseErrorContext(headerValue(headers, 'bits-error-context')) === ErrorContext.REMOTE_APPLICATION ? ErrorContext.REMOTE_APPLICATION : ErrorContext.REMOTE_FILE;
  const u = redactUrl(url);
  const { transient, advice } = judge(packet, status, failure, u);
  const by = context === ErrorContext.REMOTE_APPLICATION ? 'the server application behind' : 'the server';
  const what = `${packet}${detail ? ` (${detail})` : ''} to ${u} failed: ${by} answered HTTP ${status}${failure !== null ? ` with BITS error ${hex(failure)} (${hresultName(failure)})` : ''}.`;
  return new HttpTransferError(failure ?? httpStatusToHResult(status), `${what} ${advice}`, context, transient, {
    url: u,
    packet,
    status,
    ...(detail ? { detail } : {}),
    ...(failure !== null ? { bitsErrorCode: hex(failure) } : {}),
  });
}

export function isSessionNotFound(e: unknown): boolean {
  return e instanceof HttpTransferError && e.hresult === HRESULT.BG_E_SESSION_NOT_FOUND;
}

/** No HTTP answer at all (refused, unresolvable, reset, timed out): what starts the host-id fallback timer (spec §7.5). */
export function isConnectionFailure(e: unknown): boolean {
  return e instanceof HttpTransferError && e.transient && e.context === ErrorContext.GENERAL_TRANSPORT;
}

/** Sending a packet made no progress for `ms` (spec §7.3 step 7): transient ERROR_INTERNET_TIMEOUT. */
export function sendTimeoutError(url: string, ms: number): HttpTransferError {
  const u = redactUrl(url);
  return new HttpTransferError(HRESULT.ERROR_INTERNET_TIMEOUT, `Sending to ${u} stalled for ${ms} ms. ${RETRY}`, ErrorContext.GENERAL_TRANSPORT, true, { url: u, timeoutMs: ms });
}

/** A protocol violation worth retrying (the next attempt may meet a healthy server or node). */
export function badAckError(packet: PacketType, url: string, what: string): HttpTransferError {
  const u = redactUrl(url);
  return new HttpTransferError(HRESULT.BG_E_INVALID_SERVER_RESPONSE, `${what} (${packet} to ${u}). ${RETRY} If it persists, the URL is probably not a BITS upload directory.`, ErrorContext.REMOTE_FILE, true, { url: u, packet });
}

/** Upload-reply without a usable reply URL: fatal by spec §7.3 step 3 [DECISION]; Resume asks again. */
export function replyUrlError(url: string, what: string): HttpTransferError {
  const u = redactUrl(url);
  return new HttpTransferError(
    HRESULT.BG_E_INVALID_SERVER_RESPONSE,
    `${what} (upload-reply to ${u}). The server or its application must produce a reply for upload-reply jobs; fix it, then Resume the job (BITS asks for the reply again without re-sending the file).`,
    ErrorContext.REMOTE_FILE,
    false,
    { url: u },
  );
}

export function protocolMismatchError(url: string, chosen: string): HttpTransferError {
  const u = redactUrl(url);
  return new HttpTransferError(HRESULT.BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH, `The server at ${u} chose upload protocol ${chosen}, which this client does not speak.`, ErrorContext.REMOTE_FILE, false, {
    url: u,
    protocol: chosen,
  });
}

/** The fragment exceeds what the server takes and cannot shrink any further (fatal BG_E_HTTP_ERROR_413). */
export function fragmentTooLargeError(headers: IncomingHttpHeaders, url: string, length: number): HttpTransferError {
  return ackError('Fragment', 413, headers, url, `a fragment of ${length} bytes`);
}

/** The local file is not the one the job started with (spec §7.3 step 9): fatal, context LOCAL_FILE. */
export function localFileChangedError(path: string, what: string): HttpTransferError {
  return new HttpTransferError(
    HRESULT.BG_E_LOCAL_FILE_CHANGED,
    `${path} ${what} after the upload started. Cancel the job and create a new one for the file as it is now.`,
    ErrorContext.LOCAL_FILE,
    false,
    { path },
  );
}

/** The local file cannot be read (permissions, I/O): fatal, context LOCAL_FILE. */
export function localReadError(e: unknown, path: string): HttpTransferError {
  const err = e as NodeJS.ErrnoException;
  const code = String(err?.code ?? '');
  const detail = err instanceof Error ? err.message : String(e);
  if (code === 'ENOENT' || code === 'ENOTDIR') return localFileChangedError(path, 'was deleted or moved');
  if (code === 'EACCES' || code === 'EPERM') {
    return new HttpTransferError(HRESULT.E_ACCESSDENIED, `Cannot read ${path} (${code}): give the job owner read access, then Resume the job.`, ErrorContext.LOCAL_FILE, false, { path, errno: code });
  }
  return new HttpTransferError(HRESULT.E_FAIL, `Reading ${path} failed: ${detail}. Fix the cause, then Resume the job.`, ErrorContext.LOCAL_FILE, false, { path, errno: code || undefined });
}
