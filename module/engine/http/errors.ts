// Every way an HTTP download can fail, turned into what BITS would report: an HRESULT, the
// BG_ERROR_CONTEXT that says where it happened, whether the job goes to TRANSIENT_ERROR (retried)
// or ERROR (needs the user), and a message that says what to do about it (spec §8, §10).
import { BitsError } from '../../api/bits-error.js';
import { ErrorContext } from '../../api/enums.js';
import { HR, hresultMessage, httpStatusToHResult } from '../../api/hresult.js';
import type { TransferFailure } from './download-port.js';

/** The HRESULTs this module reports, from the one table in module/api. */
export const HRESULT = HR;

/** A failed transfer: BitsError plus the transient/fatal verdict the engine's retry logic needs. */
export class HttpTransferError extends BitsError implements TransferFailure {
  readonly transient: boolean;

  constructor(hresult: number, hint: string, context: number, transient: boolean, data?: Record<string, unknown>) {
    super(hresult, `${hresultMessage(hresult)} ${hint}`.trim(), context, data);
    this.name = 'HttpTransferError';
    this.transient = transient;
  }
}

/**
 * Thrown when the caller's AbortSignal fires. Not a BitsError on purpose: an abort is the engine's
 * own decision (Suspend, Cancel, shutdown), never a job error to record.
 */
export class DownloadAbortedError extends Error {
  constructor(reason?: unknown) {
    super('The download was aborted.', reason === undefined ? undefined : { cause: reason });
    this.name = 'AbortError';
  }
}

export function isAbortError(e: unknown): e is Error {
  return e instanceof Error && e.name === 'AbortError';
}

/** URLs go into messages and error data; user:password@ must never be among them. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.username || u.password) {
      u.username = '';
      u.password = '';
    }
    return u.toString();
  } catch {
    return url;
  }
}

// Statuses that say "try again later" rather than "this request can never work".
const TRANSIENT_HTTP_STATUSES = new Set([408, 429, 500, 502, 503, 504]);

// What to do, for the statuses users meet; the HRESULT table's message already says what happened
// (and for 401/407 already how to fix it), so these only add the rest.
const HTTP_STATUS_HINTS: Record<number, string> = {
  400: 'The server rejected the request: check the URL',
  401: 'URL',
  403: 'Check the permissions on the server for',
  404: 'Check the URL',
  407: 'URL',
  408: 'BITS retries after the retry delay. URL',
  410: 'The file was removed for good: check the URL',
  416: 'The local partial file is longer than the remote file: cancel and recreate the job. URL',
  429: 'The server is rate limiting; BITS retries after the retry delay. URL',
  500: 'BITS retries after the retry delay. URL',
  502: 'BITS retries after the retry delay. URL',
  503: 'BITS retries after the retry delay. URL',
  504: 'BITS retries after the retry delay. URL',
};

/** An HTTP status the download cannot use: 0x80190000 + status, context REMOTE_FILE. */
export function httpStatusError(status: number, url: string): HttpTransferError {
  const transient = TRANSIENT_HTTP_STATUSES.has(status);
  const hint =
    HTTP_STATUS_HINTS[status] ??
    (transient
      ? 'BITS retries after the retry delay. URL'
      : 'The server answered with a status a download cannot use: check the URL and the server for');
  return new HttpTransferError(httpStatusToHResult(status), `${hint} ${redactUrl(url)}`, ErrorContext.REMOTE_FILE, transient, {
    url: redactUrl(url),
    status,
  });
}

export function tooManyRedirectsError(status: number, url: string, max: number): HttpTransferError {
  return new HttpTransferError(
    httpStatusToHResult(status),
    `More than ${max} redirects starting at ${redactUrl(url)} (a redirect loop?): fix the server or use the final URL.`,
    ErrorContext.REMOTE_FILE,
    false,
    { url: redactUrl(url), status },
  );
}

export function downgradeRedirectError(status: number, from: string, to: string): HttpTransferError {
  return new HttpTransferError(
    httpStatusToHResult(status),
    `The server redirected the HTTPS URL ${redactUrl(from)} to the unencrypted ${redactUrl(to)}; BITS refuses HTTPS→HTTP downgrades: use an HTTPS URL that does not redirect to HTTP.`,
    ErrorContext.REMOTE_FILE,
    false,
    { url: redactUrl(from), location: redactUrl(to), status },
  );
}

export function unsupportedSchemeError(url: string): HttpTransferError {
  return new HttpTransferError(
    HRESULT.ERROR_INTERNET_UNRECOGNIZED_SCHEME,
    `Only http: and https: URLs can be downloaded, not ${redactUrl(url)}.`,
    ErrorContext.REMOTE_FILE,
    false,
    { url: redactUrl(url) },
  );
}

export function invalidUrlError(url: string): HttpTransferError {
  return new HttpTransferError(HRESULT.ERROR_INTERNET_INVALID_URL, `Check the URL ${redactUrl(url)}.`, ErrorContext.REMOTE_FILE, false, {
    url: redactUrl(url),
  });
}

export function missingFileSizeError(url: string): HttpTransferError {
  return new HttpTransferError(
    HRESULT.BG_E_MISSING_FILE_SIZE,
    `The server sent no Content-Length for ${redactUrl(url)}; BITS downloads only files whose size the server reports (static files).`,
    ErrorContext.REMOTE_FILE,
    false,
    { url: redactUrl(url) },
  );
}

export function insufficientRangeSupportError(url: string): HttpTransferError {
  return new HttpTransferError(
    HRESULT.BG_E_INSUFFICIENT_RANGE_SUPPORT,
    `The server (or a proxy) ignored the Range header and resent the whole unchanged file ${redactUrl(url)}: enable range requests on the server.`,
    ErrorContext.REMOTE_FILE,
    false,
    { url: redactUrl(url) },
  );
}

export function invalidServerResponseError(url: string, what: string): HttpTransferError {
  return new HttpTransferError(
    HRESULT.BG_E_INVALID_SERVER_RESPONSE,
    `${what} (${redactUrl(url)}); BITS retries, fix the server if it persists.`,
    ErrorContext.REMOTE_FILE,
    true,
    { url: redactUrl(url) },
  );
}

export function remoteFileChangedError(url: string): HttpTransferError {
  return new HttpTransferError(
    HRESULT.BG_E_REMOTE_FILE_CHANGED,
    `${redactUrl(url)} changed again while it was being downloaded from the start; BITS retries later.`,
    ErrorContext.REMOTE_FILE,
    true,
    { url: redactUrl(url) },
  );
}

/** The body ended before the announced size: keep what arrived, a retry resumes from there. */
export function connectionResetMidBodyError(url: string, position: number, total: number | null): HttpTransferError {
  const of = total === null ? '' : ` of ${total}`;
  return new HttpTransferError(
    HRESULT.ERROR_INTERNET_CONNECTION_RESET,
    `The connection closed after ${position}${of} bytes of ${redactUrl(url)}; BITS resumes from there on retry.`,
    ErrorContext.REMOTE_FILE,
    true,
    { url: redactUrl(url), position },
  );
}

export function idleTimeoutError(url: string, ms: number): HttpTransferError {
  return new HttpTransferError(
    HRESULT.ERROR_INTERNET_TIMEOUT,
    `No data from ${redactUrl(url)} for ${ms} ms; BITS retries later.`,
    ErrorContext.GENERAL_TRANSPORT,
    true,
    { url: redactUrl(url), timeoutMs: ms },
  );
}

export function requestTimeoutError(url: string, ms: number): HttpTransferError {
  return new HttpTransferError(
    HRESULT.ERROR_INTERNET_TIMEOUT,
    `${redactUrl(url)} did not answer within ${ms} ms; BITS retries later.`,
    ErrorContext.GENERAL_TRANSPORT,
    true,
    { url: redactUrl(url), timeoutMs: ms },
  );
}

// OpenSSL / Node codes that mean "the peer's certificate or the TLS handshake is not acceptable".
const TLS_ERROR_CODE = /CERT|SSL|TLS|SELF_SIGNED|UNABLE_TO_(GET|VERIFY)|HOSTNAME|ALTNAME/;

/** A socket-level failure (before or during the response) → WinINet-style HRESULT. */
export function transportError(e: unknown, url: string, context: number = ErrorContext.GENERAL_TRANSPORT): HttpTransferError {
  const err = e as NodeJS.ErrnoException;
  const code = String(err?.code ?? '');
  const detail = err instanceof Error ? err.message : String(e);
  const data = { url: redactUrl(url), errno: code || undefined };
  const u = redactUrl(url);
  switch (code) {
    case 'ECONNREFUSED':
      return new HttpTransferError(HRESULT.ERROR_INTERNET_CANNOT_CONNECT, `Nothing accepts connections at ${u} (${detail}); BITS retries later.`, context, true, data);
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new HttpTransferError(HRESULT.ERROR_INTERNET_NAME_NOT_RESOLVED, `The host of ${u} could not be resolved (${detail}): check the name and DNS; BITS retries later.`, context, true, data);
    case 'ETIMEDOUT':
      return new HttpTransferError(HRESULT.ERROR_INTERNET_TIMEOUT, `${u} timed out (${detail}); BITS retries later.`, context, true, data);
    case 'ENETUNREACH':
    case 'ENETDOWN':
      // No route at all: the spec's "network lost" row (§5.2). We retry on the job's timer, since
      // the portable engine does not watch network interfaces for the moment it comes back.
      return new HttpTransferError(HRESULT.BG_E_NETWORK_DISCONNECTED, `No network reaches ${u} (${detail}); BITS retries later.`, context, true, data);
    case 'EHOSTUNREACH':
      return new HttpTransferError(HRESULT.ERROR_INTERNET_CANNOT_CONNECT, `The network cannot reach ${u} (${detail}); BITS retries later.`, context, true, data);
    case 'ECONNRESET':
    case 'EPIPE':
    case 'ECONNABORTED':
    case 'ERR_STREAM_PREMATURE_CLOSE':
    case 'HPE_INVALID_EOF_STATE':
      return new HttpTransferError(HRESULT.ERROR_INTERNET_CONNECTION_RESET, `The connection to ${u} was reset (${detail}); BITS retries later.`, context, true, data);
  }
  if (TLS_ERROR_CODE.test(code)) {
    return new HttpTransferError(
      HRESULT.ERROR_INTERNET_SECURE_FAILURE,
      `TLS with ${u} failed (${code}: ${detail}): install the server's CA certificate (NODE_EXTRA_CA_CERTS or BITS_JOB2_CA_FILE) or fix the server certificate.`,
      context,
      false,
      data,
    );
  }
  if (code.startsWith('HPE_')) {
    return invalidServerResponseError(url, `The server sent malformed HTTP (${code})`);
  }
  // Unknown socket trouble: treat as a reset, which BITS retries, rather than failing the job for good.
  return new HttpTransferError(HRESULT.ERROR_INTERNET_CONNECTION_RESET, `Transfer from ${u} failed (${code || detail}); BITS retries later.`, context, true, data);
}

/** A failure on the local temp file (open, truncate, write, sync) → fatal, context LOCAL_FILE. */
export function localFileError(e: unknown, path: string): HttpTransferError {
  const err = e as NodeJS.ErrnoException;
  const code = String(err?.code ?? '');
  const detail = err instanceof Error ? err.message : String(e);
  const data = { path, errno: code || undefined };
  switch (code) {
    case 'ENOSPC':
    case 'EFBIG':
    case 'EDQUOT':
      return new HttpTransferError(HRESULT.ERROR_DISK_FULL, `Writing ${path} failed (${code}): free disk space (or raise the quota), then Resume.`, ErrorContext.LOCAL_FILE, false, data);
    case 'EACCES':
    case 'EPERM':
    case 'EROFS':
    case 'EISDIR':
      return new HttpTransferError(HRESULT.E_ACCESSDENIED, `Cannot write ${path} (${code}): give the job owner write access to the folder, then Resume.`, ErrorContext.LOCAL_FILE, false, data);
    case 'ENOENT':
    case 'ENOTDIR':
      return new HttpTransferError(HRESULT.ERROR_PATH_NOT_FOUND, `The folder of ${path} does not exist (${code}): create it or choose another destination.`, ErrorContext.LOCAL_FILE, false, data);
  }
  return new HttpTransferError(HRESULT.E_FAIL, `Local file ${path} failed: ${detail}`, ErrorContext.LOCAL_FILE, false, data);
}
