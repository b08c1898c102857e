// One logical request: send it, wait (bounded) for the response headers, follow redirects the way
// BITS does by default (silently, no HTTPS→HTTP downgrade), and hand back the final response with
// its body still unread so the caller can stream it.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import { agentFor, type TlsOptions } from './agents.js';
import {
  DownloadAbortedError,
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
  tls?: TlsOptions;
}

export interface OpenedResponse {
  response: IncomingMessage;
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
  let headers: Record<string, string> = { ...BASE_HEADERS, ...opts.headers };
  for (let redirects = 0; ; redirects++) {
    const response = await sendOnce(current, headers, opts);
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

/** One HTTP exchange up to the response headers; the timeout and the abort signal cover exactly that. */
function sendOnce(url: URL, headers: Record<string, string>, opts: OpenOptions): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new DownloadAbortedError(opts.signal.reason));
    let agent: http.Agent;
    try {
      agent = agentFor(url.protocol as 'http:' | 'https:', opts.tls);
    } catch (e) {
      return reject(e);
    }
    const lib = url.protocol === 'https:' ? https : http;
    const req = lib.request(url, { method: opts.method, headers, agent });
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
    req.on('error', (e) => fail(transportError(e, url.href)));
    req.on('response', (res) => {
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
