// A node:http fixture server that misbehaves on request, for download fault tests.
//
// Every route serves deterministic pseudo-random content (contentOf(seed, size)) with a strong ETag
// and Last-Modified and honours Range/If-Range properly, unless its fault says otherwise:
//
//   /file/<name>                      well-behaved static file
//   /reset/<name>?after=N&times=K     first K GETs: TCP reset after N body bytes
//   /truncated/<name>?after=N&times=K first K GETs: full Content-Length announced, N bytes sent, clean close
//   /unavailable/<name>?count=K&status=S   first K GETs answer S (default 503), then the file
//   /status/<code>/<name>             always answers <code>
//   /changing/<name>?changeAfter=K    the first K GETs see version 1, later ones version 2 (new ETag,
//                                     Last-Modified and content); combine with after=N to cut version 1
//   /flapping/<name>                  a new version on every GET, and Range answered with 206 even
//                                     when If-Range does not match (a broken cache)
//   /ignores-range/<name>             always 200 with the whole (unchanged) file
//   /no-length/<name>                 chunked 200 without Content-Length
//   /slow/<name>?after=N&stallMs=M    sends N bytes, then stalls M ms (default 60 s) before the rest
//   /bad-range/<name>?wrongTotal=1    206 of the range starting one byte late (or with a wrong total)
//   /downgrade/<name>                 302 to http://…/file/<name> (meant for the HTTPS listener)
//   /redirect-to/<name>?location=L&status=S   S (default 302) to L
//   /hangup/<name>                    TCP reset before any response header
//
// Common query parameters: size (bytes, default 256 KiB), seed (default <name>). Query options can
// also be combined on any route: after/times (reset), truncateAfter/truncates, ... (see faultsOf).
// Counters are per path+query, so tests isolate themselves by using distinct names.
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';

export interface LoggedRequest {
  method: string;
  url: string;
  protocol: 'http' | 'https';
  range?: string;
  ifRange?: string;
}

export interface FaultServer {
  url: string;
  /** Present when started with `tls`: the same routes over HTTPS. */
  httpsUrl?: string;
  requests: LoggedRequest[];
  /** GET/HEAD requests whose path starts with `prefix`. */
  requestsTo(prefix: string): LoggedRequest[];
  close(): Promise<void>;
}

export interface FaultServerOptions {
  tls?: { certFile: string; keyFile: string };
}

export const DEFAULT_SIZE = 256 * 1024;
const BLOCK = 32; // one sha256 per 32 content bytes

/** `length` bytes of the content for `seed`, starting at `start`; any slice is computable on its own. */
export function contentSlice(seed: string, start: number, length: number): Buffer {
  const out = Buffer.alloc(length);
  let written = 0;
  while (written < length) {
    const pos = start + written;
    const block = Math.floor(pos / BLOCK);
    const digest = createHash('sha256').update(`${seed}:${block}`).digest();
    const from = pos - block * BLOCK;
    written += digest.copy(out, written, from, Math.min(BLOCK, from + length - written));
  }
  return out;
}

export function contentOf(seed: string, size: number): Buffer {
  return contentSlice(seed, 0, size);
}

export function contentSha256(seed: string, size: number): string {
  const hash = createHash('sha256');
  for (let pos = 0; pos < size; pos += 1 << 20) hash.update(contentSlice(seed, pos, Math.min(1 << 20, size - pos)));
  return hash.digest('hex');
}

/** The seed of version `v` of a file; version 1 is the plain seed, so contentOf(seed) is version 1. */
export function versionSeed(seed: string, version: number): string {
  return version === 1 ? seed : `${seed}#v${version}`;
}

export function etagOf(name: string, version: number): string {
  return `"${name}-v${version}"`;
}

export function lastModifiedOf(version: number): string {
  return new Date(Date.UTC(2024, 0, 1) + version * 86_400_000).toUTCString();
}

interface Faults {
  resetAfter?: number;
  resets: number;
  truncateAfter?: number;
  truncates: number;
  failures: number;
  failStatus: number;
  changeAfter?: number;
  flap: boolean;
  ignoreRange: boolean;
  noLength: boolean;
  stallAfter?: number;
  stallMs: number;
  badRangeStart: boolean;
  badRangeTotal: boolean;
}

function num(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  return v === null ? undefined : Number(v);
}

function faultsOf(route: string, q: URLSearchParams, size: number): Faults {
  const f: Faults = {
    resetAfter: num(q, 'resetAfter'),
    resets: num(q, 'resets') ?? 1,
    truncateAfter: num(q, 'truncateAfter'),
    truncates: num(q, 'truncates') ?? 1,
    failures: 0,
    failStatus: 503,
    changeAfter: num(q, 'changeAfter'),
    flap: false,
    ignoreRange: q.get('ignoreRange') === '1',
    noLength: q.get('noLength') === '1',
    stallAfter: num(q, 'stallAfter'),
    stallMs: num(q, 'stallMs') ?? 60_000,
    badRangeStart: false,
    badRangeTotal: false,
  };
  const half = Math.floor(size / 2);
  switch (route) {
    case 'reset':
      f.resetAfter = num(q, 'after') ?? half;
      f.resets = num(q, 'times') ?? 1;
      break;
    case 'truncated':
      f.truncateAfter = num(q, 'after') ?? half;
      f.truncates = num(q, 'times') ?? 1;
      break;
    case 'unavailable':
      f.failures = num(q, 'count') ?? 1;
      f.failStatus = num(q, 'status') ?? 503;
      break;
    case 'changing':
      f.changeAfter = num(q, 'changeAfter') ?? 1;
      if (q.has('after')) f.resetAfter = num(q, 'after');
      break;
    case 'flapping':
      f.flap = true;
      break;
    case 'ignores-range':
      f.ignoreRange = true;
      break;
    case 'no-length':
      f.noLength = true;
      break;
    case 'slow':
      f.stallAfter = num(q, 'after') ?? half;
      break;
    case 'bad-range':
      f.badRangeTotal = q.get('wrongTotal') === '1';
      f.badRangeStart = !f.badRangeTotal;
      break;
  }
  return f;
}

/** Writes `length` content bytes from `start`, respecting backpressure; stops early if the client left. */
async function streamContent(res: ServerResponse, seed: string, start: number, length: number): Promise<boolean> {
  const CHUNK = 64 * 1024;
  for (let done = 0; done < length; ) {
    if (res.destroyed) return false;
    const n = Math.min(CHUNK, length - done);
    if (!res.write(contentSlice(seed, start + done, n))) await drainedOrClosed(res);
    done += n;
  }
  return !res.destroyed;
}

function drainedOrClosed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

function flushed(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => res.write('', () => resolve()));
}

function parseRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | null {
  const m = header ? /^bytes=(\d+)-(\d*)$/.exec(header.trim()) : null;
  if (!m) return null;
  const start = Number(m[1]);
  const end = m[2] ? Math.min(Number(m[2]), size - 1) : size - 1;
  if (start >= size || end < start) return 'unsatisfiable';
  return { start, end };
}

export async function startFaultServer(options: FaultServerOptions = {}): Promise<FaultServer> {
  const requests: LoggedRequest[] = [];
  const getCounts = new Map<string, number>();
  let httpUrl = '';

  const handle = async (req: IncomingMessage, res: ServerResponse, protocol: 'http' | 'https') => {
    const method = req.method ?? 'GET';
    requests.push({
      method,
      url: req.url ?? '/',
      protocol,
      ...(req.headers.range ? { range: String(req.headers.range) } : {}),
      ...(req.headers['if-range'] ? { ifRange: String(req.headers['if-range']) } : {}),
    });
    const u = new URL(req.url ?? '/', 'http://fixture');
    const parts = u.pathname.split('/').filter(Boolean);
    const route = parts[0] ?? '';
    const q = u.searchParams;
    const key = u.pathname + u.search;
    // HEAD does not count as a request "seen" by the faults; it observes the state the next GET will.
    const n = (getCounts.get(key) ?? 0) + 1;
    if (method === 'GET') getCounts.set(key, n);

    if (route === 'status') {
      res.writeHead(Number(parts[1]), { 'Content-Type': 'text/plain' }).end(`status ${parts[1]}\n`);
      return;
    }
    const name = parts[1] ?? 'file';
    if (route === 'downgrade') {
      res.writeHead(302, { Location: `${httpUrl}/file/${name}${u.search}` }).end();
      return;
    }
    if (route === 'hangup') {
      req.socket.resetAndDestroy();
      return;
    }
    if (route === 'redirect-to') {
      res.writeHead(num(q, 'status') ?? 302, { Location: q.get('location') ?? '/' }).end();
      return;
    }
    const known = ['file', 'reset', 'truncated', 'unavailable', 'changing', 'flapping', 'ignores-range', 'no-length', 'slow', 'bad-range'];
    if (!known.includes(route)) {
      res.writeHead(404).end('no such route\n');
      return;
    }
    const size = num(q, 'size') ?? DEFAULT_SIZE;
    const seed = q.get('seed') ?? name;
    const f = faultsOf(route, q, size);

    if (n <= f.failures) {
      res.writeHead(f.failStatus, { 'Content-Type': 'text/plain', 'Retry-After': '1' }).end('try later\n');
      return;
    }
    const version = f.flap ? n : f.changeAfter !== undefined && n > f.changeAfter ? 2 : 1;
    const vSeed = versionSeed(seed, version);
    const etag = etagOf(name, version);
    const lastModified = lastModifiedOf(version);
    const common: Record<string, string> = { ETag: etag, 'Last-Modified': lastModified, 'Accept-Ranges': 'bytes', 'Content-Type': 'application/octet-stream' };

    // Which part of the file to send.
    // bad-range&wrongTotal=1: ranged answers describe a file one byte longer than the recorded one.
    const servedSize = f.badRangeTotal && req.headers.range ? size + 1 : size;
    const ifRange = req.headers['if-range'];
    const validatorMatches = !ifRange || ifRange === etag || ifRange === lastModified;
    let range = f.ignoreRange ? null : parseRange(req.headers.range, servedSize);
    if (range && !validatorMatches && !f.flap) range = null; // If-Range failed → whole file
    if (range === 'unsatisfiable') {
      res.writeHead(416, { ...common, 'Content-Range': `bytes */${size}` }).end();
      return;
    }
    // bad-range: a self-consistent 206 for the wrong range (one byte late), so only the start is wrong.
    const start = range ? range.start + (f.badRangeStart ? 1 : 0) : 0;
    const length = range ? range.end - start + 1 : size;
    const headers: Record<string, string> = { ...common };
    if (!f.noLength) headers['Content-Length'] = String(length);
    if (range) headers['Content-Range'] = `bytes ${start}-${range.end}/${servedSize}`;
    res.writeHead(range ? 206 : 200, headers);
    if (method === 'HEAD') {
      res.end();
      return;
    }

    const cutAfter =
      f.resetAfter !== undefined && n <= f.resets ? { at: f.resetAfter, how: 'reset' as const }
      : f.truncateAfter !== undefined && n <= f.truncates ? { at: f.truncateAfter, how: 'close' as const }
      : f.stallAfter !== undefined ? { at: f.stallAfter, how: 'stall' as const }
      : null;
    if (cutAfter && cutAfter.at < length) {
      if (!(await streamContent(res, vSeed, start, cutAfter.at))) return;
      await flushed(res);
      // Give the client a moment to read what was sent: an RST can discard unread received data.
      if (cutAfter.how === 'reset') return void setTimeout(() => res.socket?.resetAndDestroy(), 50);
      if (cutAfter.how === 'close') return void res.socket?.end();
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, f.stallMs);
        res.once('close', () => {
          clearTimeout(t);
          resolve();
        });
      });
      if (await streamContent(res, vSeed, start + cutAfter.at, length - cutAfter.at)) res.end();
      return;
    }
    if (await streamContent(res, vSeed, start, length)) res.end();
  };

  const listener = (protocol: 'http' | 'https') => (req: IncomingMessage, res: ServerResponse) => {
    handle(req, res, protocol).catch(() => res.destroy());
  };
  const plain = http.createServer(listener('http'));
  const secure = options.tls
    ? https.createServer({ cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }, listener('https'))
    : null;

  const listen = async (server: http.Server) => {
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    return (server.address() as AddressInfo).port;
  };
  httpUrl = `http://127.0.0.1:${await listen(plain)}`;
  const httpsUrl = secure ? `https://127.0.0.1:${await listen(secure)}` : undefined;

  return {
    url: httpUrl,
    ...(httpsUrl ? { httpsUrl } : {}),
    requests,
    requestsTo: (prefix) => requests.filter((r) => r.url.startsWith(prefix)),
    close: async () => {
      for (const server of [plain, secure]) {
        if (!server) continue;
        server.closeAllConnections();
        await new Promise<void>((resolve) => server.close(() => resolve()));
      }
    },
  };
}
