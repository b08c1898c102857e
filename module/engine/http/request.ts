// One logical request: send it, wait (bounded) for the response headers, answer 401/407 challenges
// with the job's credentials (once), follow redirects the way BITS does by default (silently, no
// HTTPS→HTTP downgrade), and hand back the final response with its body still unread so the caller
// can stream it.
import type { Agent, IncomingHttpHeaders } from 'node:http';
import type { Readable } from 'node:stream';
import type { PreparedRequest, TransportSession } from '../transport/connector.js';
import { proxyTransportError } from '../transport/proxy-errors.js';
import { LeanRequest } from './lean-get.js';
import {
  DownloadAbortedError,
  HttpTransferError,
  downgradeRedirectError,
  invalidServerResponseError,
  invalidUrlError,
  requestTimeoutError,
  tooManyRedirectsError,
  transportError,
  unsupportedSchemeError,
} from './errors.js';

export interface OpenOptions {
  method: 'GET' | 'HEAD';
  headers: Record<string, string>;
  signal: AbortSignal;
  /** Connect + response headers, per hop. */
  requestTimeoutMs: number;
  maxRedirects: number;
  /** Route (direct / proxy / tunnel), TLS trust and credentials of the transfer (transport/connector.ts). */
  session: TransportSession;
  /** Plain http straight to the server reads the socket in steps this small (lean-get.ts; paced downloads). */
  readStepBytes?: number;
}

/** What the downloader reads of a response: node:http's IncomingMessage or lean-get.ts's LeanResponse. */
export type HttpResponse = Readable & { statusCode?: number; headers: IncomingHttpHeaders };

export interface OpenedResponse {
  response: HttpResponse;
  finalUrl: string;
}

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

// Identity encoding keeps Content-Length/Content-Range counting the bytes we store.
const BASE_HEADERS = { 'User-Agent': 'bits-job2 (BITS-compatible)', 'Accept-Encoding': 'identity' };

// Headers that carry credentials for one origin; like fetch, never forward them to another origin.
const ORIGIN_BOUND_HEADERS = new Set(['authorization', 'cookie', 'proxy-authorization']);

export function parseHttpUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw invalidUrlError(url);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw unsupportedSchemeError(url);
  return u;
}

function withoutOriginBoundHeaders(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(headers).filter(([k]) => !ORIGIN_BOUND_HEADERS.has(k.toLowerCase())));
}

export async function openResponse(url: string, opts: OpenOptions): Promise<OpenedResponse> {
  let current = parseHttpUrl(url);
  // The job's own URL gets its SERVER credentials; redirect targets only if they share its origin.
  opts.session.trust(current);
  let headers: Record<string, string> = { ...BASE_HEADERS, ...opts.headers };
  for (let redirects = 0; ; redirects++) {
    const response = await sendAuthenticated(current, headers, opts);
    const status = response.statusCode ?? 0;
    const location = response.headers.location;
    if (!REDIRECT_STATUSES.has(status) || !location) return { response, finalUrl: current.href };
    response.destroy(); // redirect bodies are never needed
    if (redirects >= opts.maxRedirects) throw tooManyRedirectsError(status, url, opts.maxRedirects);
    let next: URL;
    try {
      next = new URL(location, current);
    } catch {
      throw invalidServerResponseError(current.href, `The redirect Location "${location}" is not a valid URL`);
    }
    if (next.protocol !== 'http:' && next.protocol !== 'https:') throw unsupportedSchemeError(next.href);
    if (current.protocol === 'https:' && next.protocol === 'http:') throw downgradeRedirectError(status, current.href, next.href);
    if (next.origin !== current.origin) headers = withoutOriginBoundHeaders(headers);
    current = next;
  }
}

/**
 * One request with its 401/407 answers: a challenge we can answer is answered by sending again.
 * A connection-bound handshake (NTLM) gets a connection of its own (pinnedAgent) for its legs and
 * the final response, released when that response is done.
 */
async function sendAuthenticated(url: URL, headers: Record<string, string>, opts: OpenOptions): Promise<HttpResponse> {
  const round = opts.session.round(url, opts.method);
  let pinned: Agent | null = null;
  try {
    for (;;) {
      const response = await sendOnce(url, { ...headers, ...round.headers() }, opts, pinned ?? undefined);
      let again: boolean;
      try {
        again = await round.retryAfter(response.statusCode ?? 0, response.headers);
      } catch (e) {
        response.destroy();
        throw e;
      }
      if (!again) {
        const agent = pinned;
        if (agent) response.once('close', () => agent.destroy());
        pinned = null;
        return response;
      }
      if (round.connectionBound) {
        response.resume(); // read the challenge's body so its connection carries the next leg
        pinned ??= opts.session.pinnedAgent(url);
      } else {
        response.destroy(); // a challenge's body is never needed
      }
    }
  } finally {
    pinned?.destroy();
  }
}

/**
 * One HTTP exchange up to the response headers; the timeout and the abort signal cover exactly that.
 * Plain http straight to the server goes through lean-get.ts (no body copies); the rest, and every leg
 * of a connection-bound handshake (`agent`: NTLM's pinned connection), through node:http(s).
 */
function sendOnce(url: URL, headers: Record<string, string>, opts: OpenOptions, agent?: Agent): Promise<HttpResponse> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new DownloadAbortedError(opts.signal.reason));
    let prepared: PreparedRequest;
    try {
      prepared = opts.session.prepare(url, opts.method, headers, agent);
    } catch (e) {
      return reject(e);
    }
    const { lib, options, proxy } = prepared;
    const lean = agent === undefined && proxy === null && prepared.url !== null && prepared.url.protocol === 'http:';
    const req = lean ? new LeanRequest(prepared.url!, opts.method, headers, { readStepBytes: opts.readStepBytes }) : prepared.url ? lib.request(prepared.url, options) : lib.request(options);
    let settled = false;
    const settle = () => {
      settled = true;
      clearTimeout(timer);
      opts.signal.removeEventListener('abort', onAbort);
    };
    const fail = (e: Error) => {
      if (settled) return;
      settle();
      req.destroy();
      reject(e);
    };
    const onAbort = () => fail(new DownloadAbortedError(opts.signal.reason));
    const timer = setTimeout(() => fail(requestTimeoutError(url.href, opts.requestTimeoutMs)), opts.requestTimeoutMs);
    opts.signal.addEventListener('abort', onAbort, { once: true });
    // Stays attached after the response: late socket errors must not become unhandled 'error's.
    req.on('error', (e) => {
      if (e instanceof HttpTransferError) fail(e); // already judged (e.g. a proxy tunnel's 407)
      else fail(proxy ? proxyTransportError(e, proxy.href, url.href) : transportError(e, url.href));
    });
    req.on('response', (res: HttpResponse) => {
      if (settled) {
        res.destroy();
        return;
      }
      settle();
      resolve(res);
    });
    req.end();
  });
}
