// Errors of proxy settings and proxy connections. A proxy list is validated only when a transfer
// starts (spec §4.1), so a bad list surfaces as the job's error: fatal BG_E_INVALID_PROXY_INFO
// naming the entry, because retrying can never fix a typo.
import { ErrorContext } from '../../api/enums.js';
import { hresultMessage, httpStatusToHResult } from '../../api/hresult.js';
import { HRESULT, HttpTransferError, redactUrl, transportError } from '../http/errors.js';

const FIX_OVERRIDE = 'Fix the job\'s proxy settings (bits-job2 set-proxy <job> --usage OVERRIDE --list "..." --bypass "..." / SetProxySettings), then resume the job.';
const FIX_ENV = 'Fix or unset that environment variable of the transferring process (or give the job its own proxy settings with set-proxy), then resume the job.';

/** user:password@ inside an entry is not valid syntax, but whoever typed it must not see it echoed. */
export function redactEntry(entry: string): string {
  return entry.replace(/^([^@/]*\/\/)?[^@/]*@/, (_m, scheme: string | undefined) => `${scheme ?? ''}***@`);
}

/** Where a bad setting came from, for the message: a list of the job, or an environment variable. */
export type ProxySettingSource = 'proxy list' | 'bypass list' | 'proxy usage' | `environment variable ${string}`;

export function invalidProxyInfoError(source: ProxySettingSource, entry: string, why: string): HttpTransferError {
  const shown = redactEntry(entry);
  const fromEnv = source.startsWith('environment');
  return new HttpTransferError(
    HRESULT.BG_E_INVALID_PROXY_INFO,
    `The ${source} entry "${shown}" is invalid: ${why}. ${fromEnv ? FIX_ENV : FIX_OVERRIDE}`,
    ErrorContext.GENERAL_TRANSPORT,
    false,
    { source, entry: shown },
  );
}

/** The proxy answered a CONNECT with something other than 2xx or an answerable 407. */
export function tunnelRefusedError(status: number, proxy: string, url: string): HttpTransferError {
  // Same transient/fatal split as any HTTP status: 502/503/504 from a proxy are "try later".
  const transient = [408, 429, 500, 502, 503, 504].includes(status);
  const u = redactUrl(url);
  const advice = transient
    ? 'BITS retries after the retry delay.'
    : 'Check that the proxy allows CONNECT to that host and port (or bypass the proxy for it), then resume the job.';
  return new HttpTransferError(
    httpStatusToHResult(status),
    `The proxy ${proxy} refused to open a tunnel to ${u} (HTTP ${status} to CONNECT). ${advice}`,
    ErrorContext.REMOTE_FILE,
    transient,
    { url: u, proxy, status },
  );
}

/**
 * A socket-level failure on a proxied request: the same HRESULT and transient verdict as for a
 * server, but the message names the proxy — and says it was the proxy that could not be reached
 * when the failure happened while connecting (refused, unresolvable, unreachable).
 */
export function proxyTransportError(e: unknown, proxy: string, url: string): HttpTransferError {
  if (e instanceof HttpTransferError) return e;
  const syscall = (e as NodeJS.ErrnoException)?.syscall;
  const atProxy = syscall === 'connect' || syscall === 'getaddrinfo';
  const base = transportError(e, atProxy ? proxy : url);
  const prefix = `${hresultMessage(base.hresult)} `;
  const hint = base.message.startsWith(prefix) ? base.message.slice(prefix.length) : base.message;
  const where = atProxy ? `(the proxy for ${redactUrl(url)})` : `(through the proxy ${proxy})`;
  return new HttpTransferError(base.hresult, `${hint} ${where}`, base.context, base.transient, { ...base.data, url: redactUrl(url), proxy });
}
