// A BITS upload server for client tests, written on raw sockets: Node's HTTP parser rejects the
// BITS_POST method, and raw sockets also let a test cut a connection mid-body, answer garbage or
// never answer. It records every request and behaves correctly by default (spec §7.2, §7.4):
// sessions in memory, 416 on gaps, overlap written only past `next`, final Ack with BITS-Reply-URL
// in the Windows form `BITS-Sessions\Replies\{id}\responsefile.bin`, replies served by GET/HEAD
// with Range. Faults are switched on through `fixture.faults` (see FixtureFaults).
//
// Two listeners share the sessions (a web farm with shared storage): `origin` and `second`; a
// BITS-Host-Id naming `second` sends a client there. Either can be TLS.
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import { readFileSync } from 'node:fs';
import { open, stat } from 'node:fs/promises';

export const PROTOCOL_GUID = '{7df0354d-249b-430f-820d-3d2a9bef4931}';

export interface FixtureRequest {
  seq: number;
  listener: 'origin' | 'second';
  /** Connection number (per fixture), to check one connection per session. */
  socket: number;
  method: string;
  target: string;
  /** Header names as sent, values as sent (raw latin1 bytes as a string). */
  rawHeaders: Array<[string, string]>;
  /** Lower-case name → value (last one wins). */
  headers: Record<string, string>;
  packetType?: string;
  sessionId?: string;
  range?: { first: number; last: number; total: number };
  /** Body bytes that actually arrived. */
  bodyLength: number;
  /** Status answered; undefined when the request was cut, stalled or answered with garbage. */
  status?: number;
  responseHeaders?: Record<string, string>;
}

export interface CannedAnswer {
  /** Which requests it applies to (default: any BITS_POST). */
  match?: (r: FixtureRequest) => boolean;
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** How many matching requests get it (default 1). */
  times?: number;
}

export interface FixtureFaults {
  /** Session ids to hand out (default `{uuid}`). */
  sessionId?: () => string;
  /** BITS-Host-Id (and fallback timeout, seconds) sent in Create-Session Acks. */
  hostId?: string | null;
  hostIdFallbackTimeout?: number | null;
  /** Fragments with a body larger than this get 413 (after the body was read). */
  maxFragment?: number;
  /** Answers for matching BITS_POST requests, checked in order, before normal processing. */
  canned?: CannedAnswer[];
  /** The next `times` Fragments: connection reset after `afterBytes` body bytes (partial body discarded). */
  resetFragment?: { afterBytes: number; times: number; skip?: number };
  /** The next N Fragments are stored, then the connection is reset instead of the Ack. */
  dropAck?: number;
  /** The next N Fragment Acks lack BITS-Received-Content-Range. */
  omitReceivedRange?: number;
  /** The next N BITS_POST requests are answered with bytes that are not HTTP. */
  garbage?: number;
  /** The next N BITS_POST requests are never answered. */
  stall?: number;
  /**
   * Once: on the next Fragment the server pretends another connection already delivered the bytes
   * up to `to` (filled from `content`) and answers 416 with `to`.
   */
  forwardJump?: { to: number; content: (start: number, length: number) => Buffer };
  /** BITS-Reply-URL for a finished session; null = none. Default: the Windows relative form. */
  replyUrl?: ((sessionId: string) => string) | null;
  /** Reply bytes for a finished session (default: `reply:<sha256 of the upload>`). */
  reply?: (sessionId: string, upload: Buffer) => Buffer;
  /** Extra headers on every Ack. */
  ackHeaders?: Record<string, string>;
}

export interface FixtureSession {
  id: string;
  total: number | null;
  chunks: Buffer[];
  next: number;
  complete: boolean;
  closed: boolean;
  cancelled: boolean;
  reply: Buffer | null;
}

export interface BitsFixture {
  /** Base URL of each listener, e.g. http://127.0.0.1:1234 */
  originBase: string;
  secondBase: string;
  /** host:port of the second listener, for BITS-Host-Id. */
  secondHost: string;
  /** An upload URL on the origin listener. */
  url(path?: string): string;
  requests: FixtureRequest[];
  /** BITS_POST requests of one session (by BITS-Session-Id, plus the Create-Session that made it). */
  packetsOf(sessionId: string): FixtureRequest[];
  sessions: Map<string, FixtureSession>;
  faults: FixtureFaults;
  uploaded(sessionId: string): Buffer;
  /** Forget every session (a server restart without shared state). */
  forgetSessions(): void;
  /** Drop what a session holds past `offset` (a server that lost data). */
  truncateSession(sessionId: string, offset: number): void;
  /** Connections currently open. */
  openSockets(): number;
  close(): Promise<void>;
}

export interface FixtureOptions {
  tls?: { certFile: string; keyFile: string };
}

const MAX_HEAD = 64 * 1024;

export async function startBitsFixture(options: FixtureOptions = {}): Promise<BitsFixture> {
  const requests: FixtureRequest[] = [];
  const sessions = new Map<string, FixtureSession>();
  const createdBy = new Map<string, number>(); // session id → seq of its Create-Session
  const faults: FixtureFaults = {};
  const sockets = new Set<net.Socket>();
  let socketSeq = 0;
  let seq = 0;

  const tlsOptions = options.tls ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) } : null;
  const makeServer = (listener: 'origin' | 'second') => {
    const onSocket = (sock: net.Socket) => serveSocket(sock, listener);
    return tlsOptions ? tls.createServer(tlsOptions, onSocket) : net.createServer(onSocket);
  };

  function upload(s: FixtureSession): Buffer {
    if (s.chunks.length > 1) s.chunks = [Buffer.concat(s.chunks)];
    return s.chunks[0] ?? Buffer.alloc(0);
  }

  function serveSocket(sock: net.Socket, listener: 'origin' | 'second'): void {
    const socketNo = ++socketSeq;
    sockets.add(sock);
    sock.on('close', () => sockets.delete(sock));
    sock.on('error', () => undefined);
    let buf: Buffer = Buffer.alloc(0);
    let current: { rec: FixtureRequest; remaining: number; body: Buffer[]; resetAfter: number | null } | null = null;
    let dead = false;

    const write = (status: number, headers: Record<string, string>, body: Buffer = Buffer.alloc(0), rec?: FixtureRequest, headOnly = false) => {
      const all: Record<string, string> = { ...headers, 'Content-Length': String(body.length) };
      if (rec) {
        rec.status = status;
        rec.responseHeaders = all;
      }
      const head = [`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Whatever'}`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`)].join('\r\n') + '\r\n\r\n';
      sock.write(Buffer.concat([Buffer.from(head, 'latin1'), headOnly ? Buffer.alloc(0) : body]));
    };

    const pump = () => {
      while (!dead) {
        if (!current) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) {
            if (buf.length > MAX_HEAD) sock.destroy();
            return;
          }
          const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
          buf = buf.subarray(end + 4);
          const [method = '', target = ''] = lines[0]!.split(' ');
          const rawHeaders: Array<[string, string]> = lines.slice(1).map((l) => {
            const i = l.indexOf(':');
            return [l.slice(0, i), l.slice(i + 1).trim()];
          });
          const headers = Object.fromEntries(rawHeaders.map(([k, v]) => [k.toLowerCase(), v]));
          const rec: FixtureRequest = { seq: ++seq, listener, socket: socketNo, method, target, rawHeaders, headers, bodyLength: 0 };
          rec.packetType = headers['bits-packet-type'];
          rec.sessionId = headers['bits-session-id'];
          const m = /^bytes (\d+)-(\d+)\/(\d+)$/i.exec(headers['content-range'] ?? '');
          if (m) rec.range = { first: Number(m[1]), last: Number(m[2]), total: Number(m[3]) };
          requests.push(rec);
          let resetAfter: number | null = null;
          const reset = faults.resetFragment;
          if (reset && reset.times > 0 && rec.packetType?.toLowerCase() === 'fragment') {
            if (reset.skip && reset.skip > 0) reset.skip--;
            else {
              reset.times--;
              resetAfter = reset.afterBytes;
            }
          }
          current = { rec, remaining: Number(headers['content-length'] ?? 0) || 0, body: [], resetAfter };
        }
        const take = Math.min(current.remaining, buf.length);
        if (take > 0) {
          current.body.push(buf.subarray(0, take));
          buf = buf.subarray(take);
          current.remaining -= take;
          current.rec.bodyLength += take;
        }
        if (current.resetAfter !== null && current.rec.bodyLength >= Math.min(current.resetAfter, current.rec.bodyLength + current.remaining)) {
          dead = true;
          sock.resetAndDestroy();
          return;
        }
        if (current.remaining > 0) return;
        const done = current;
        current = null;
        handle(done.rec, Buffer.concat(done.body));
      }
    };

    const ack = (rec: FixtureRequest, status: number, headers: Record<string, string> = {}) =>
      write(status, { 'BITS-Packet-Type': 'Ack', ...faults.ackHeaders, ...headers }, undefined, rec);
    const bitsError = (rec: FixtureRequest, status: number, code: string, context = '0x5') =>
      ack(rec, status, { 'BITS-Error-Code': code, 'BITS-Error-Context': context });

    function handle(rec: FixtureRequest, body: Buffer): void {
      if (rec.method === 'GET' || rec.method === 'HEAD') return serveReply(rec);
      if (rec.method !== 'BITS_POST') return write(405, { Allow: 'BITS_POST, GET, HEAD' }, undefined, rec);
      if (faults.garbage && faults.garbage > 0) {
        faults.garbage--;
        dead = true;
        sock.end('this is not HTTP at all\r\n\r\n');
        return;
      }
      if (faults.stall && faults.stall > 0) {
        faults.stall--;
        dead = true; // never answer; the client has to give up
        return;
      }
      for (const c of faults.canned ?? []) {
        if ((c.times ?? 1) <= 0 || (c.match && !c.match(rec))) continue;
        c.times = (c.times ?? 1) - 1;
        return write(c.status, { ...c.headers }, Buffer.from(c.body ?? ''), rec);
      }
      const type = rec.packetType?.toLowerCase();
      if (type === 'ping') return ack(rec, 200);
      if (type === 'create-session') {
        const offered = (rec.headers['bits-supported-protocols'] ?? '').toLowerCase().split(/[\s,]+/);
        if (!offered.includes(PROTOCOL_GUID)) return bitsError(rec, 400, '0x80070057');
        const id = faults.sessionId?.() ?? `{${randomUUID()}}`;
        sessions.set(id, { id, total: null, chunks: [], next: 0, complete: false, closed: false, cancelled: false, reply: null });
        createdBy.set(id, rec.seq);
        const extra: Record<string, string> = {};
        if (faults.hostId) extra['BITS-Host-Id'] = faults.hostId;
        if (faults.hostId && faults.hostIdFallbackTimeout != null) extra['BITS-Host-Id-Fallback-Timeout'] = String(faults.hostIdFallbackTimeout);
        return ack(rec, 200, { 'BITS-Protocol': PROTOCOL_GUID, 'BITS-Session-Id': id, 'Accept-Encoding': 'identity', ...extra });
      }
      // Closed and cancelled sessions stay in the map for inspection but are unknown to clients.
      const found = rec.sessionId !== undefined ? sessions.get(rec.sessionId) : undefined;
      const session = found && !found.closed && !found.cancelled ? found : undefined;
      if (type === 'fragment' || type === 'close-session' || type === 'cancel-session') {
        if (!session) return bitsError(rec, 500, '0x8020001F');
      }
      if (type === 'close-session' || type === 'cancel-session') {
        if (type === 'close-session') session!.closed = true;
        else session!.cancelled = true;
        return ack(rec, 200, { 'BITS-Session-Id': session!.id });
      }
      if (type !== 'fragment') return bitsError(rec, 400, '0x80070057');
      const s = session!;
      const r = rec.range;
      if (!r || r.last < r.first || body.length !== r.last - r.first + 1 || r.last >= r.total) return bitsError(rec, 400, '0x80070057');
      if (s.total !== null && s.total !== r.total) return bitsError(rec, 400, '0x80070057');
      s.total = r.total;
      if (faults.maxFragment !== undefined && body.length > faults.maxFragment) return ack(rec, 413, { 'BITS-Session-Id': s.id });
      const jump = faults.forwardJump;
      if (jump && jump.to > s.next) {
        faults.forwardJump = undefined;
        s.chunks.push(jump.content(s.next, jump.to - s.next));
        s.next = jump.to;
        return ack(rec, 416, { 'BITS-Received-Content-Range': String(s.next), 'BITS-Session-Id': s.id });
      }
      if (r.first > s.next) return ack(rec, 416, { 'BITS-Received-Content-Range': String(s.next), 'BITS-Session-Id': s.id });
      if (r.last + 1 > s.next) {
        s.chunks.push(body.subarray(s.next - r.first));
        s.next = r.last + 1;
      }
      const headers: Record<string, string> = { 'BITS-Received-Content-Range': String(s.next), 'BITS-Session-Id': s.id };
      if (s.next === s.total) {
        if (!s.complete) {
          s.complete = true;
          s.reply = (faults.reply ?? defaultReply)(s.id, upload(s));
        }
        const replyUrl = faults.replyUrl === undefined ? windowsReplyUrl(s.id) : faults.replyUrl?.(s.id);
        if (replyUrl) headers['BITS-Reply-URL'] = replyUrl;
      }
      if (faults.dropAck && faults.dropAck > 0) {
        faults.dropAck--;
        dead = true;
        sock.resetAndDestroy();
        return;
      }
      if (faults.omitReceivedRange && faults.omitReceivedRange > 0) {
        faults.omitReceivedRange--;
        delete headers['BITS-Received-Content-Range'];
      }
      ack(rec, 200, headers);
    }

    function serveReply(rec: FixtureRequest): void {
      let path: string;
      try {
        path = decodeURIComponent(new URL(rec.target, 'http://x').pathname);
      } catch {
        return write(400, {}, undefined, rec);
      }
      const m = /\/BITS-Sessions\/Replies\/([^/]+)\/responsefile\.bin$/.exec(path);
      const s = m ? sessions.get(m[1]!) : undefined;
      if (!s?.reply || s.closed || s.cancelled) return write(404, {}, undefined, rec);
      const body = s.reply;
      const validators = { ETag: `"${createHash('sha256').update(body).digest('hex').slice(0, 16)}"`, 'Last-Modified': new Date(0).toUTCString(), 'Accept-Ranges': 'bytes' };
      const range = /^bytes=(\d+)-(\d*)$/.exec(rec.headers['range'] ?? '');
      const headOnly = rec.method === 'HEAD';
      if (!range) return write(200, validators, body, rec, headOnly);
      const first = Number(range[1]);
      const last = Math.min(body.length - 1, range[2] ? Number(range[2]) : body.length - 1);
      if (first >= body.length) return write(416, { 'Content-Range': `bytes */${body.length}` }, undefined, rec);
      write(206, { ...validators, 'Content-Range': `bytes ${first}-${last}/${body.length}` }, body.subarray(first, last + 1), rec, headOnly);
    }

    sock.on('data', (chunk: Buffer) => {
      if (dead) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      pump();
    });
  }

  const origin = makeServer('origin');
  const second = makeServer('second');
  const listen = (srv: net.Server) =>
    new Promise<number>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(0, '127.0.0.1', () => resolve((srv.address() as net.AddressInfo).port));
    });
  const originPort = await listen(origin);
  const secondPort = await listen(second);
  const scheme = tlsOptions ? 'https' : 'http';
  const originBase = `${scheme}://127.0.0.1:${originPort}`;

  return {
    originBase,
    secondBase: `${scheme}://127.0.0.1:${secondPort}`,
    secondHost: `127.0.0.1:${secondPort}`,
    url: (path = '/uploads/file.bin') => originBase + path,
    requests,
    packetsOf: (id) => requests.filter((r) => r.method === 'BITS_POST' && (r.sessionId === id || r.seq === createdBy.get(id))),
    sessions,
    faults,
    uploaded: (id) => {
      const s = sessions.get(id);
      if (!s) throw new Error(`fixture: no session ${id}`);
      return upload(s);
    },
    forgetSessions: () => sessions.clear(),
    truncateSession: (id, offset) => {
      const s = sessions.get(id)!;
      s.chunks = [upload(s).subarray(0, offset)];
      s.next = offset;
    },
    openSockets: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await Promise.all([origin, second].map((srv) => new Promise<void>((r) => srv.close(() => r()))));
    },
  };
}

export function windowsReplyUrl(sessionId: string): string {
  return `BITS-Sessions\\Replies\\${sessionId}\\responsefile.bin`;
}

function defaultReply(_id: string, upload: Buffer): Buffer {
  return Buffer.from(`reply:${createHash('sha256').update(upload).digest('hex')}`);
}

// ---- Client-side helpers shared by the upload client tests ----

export interface UploadFileFixture {
  path: string;
  size: number;
  sha256: string;
  /** What the engine records at job start (size and whole-millisecond mtime). */
  expectedFile: { size: number; mtimeMs: number };
}

/** Writes `size` random bytes to `path` in 1 MiB pieces (constant memory) and returns its identity. */
export async function makeUploadFile(path: string, size: number): Promise<UploadFileFixture> {
  const hash = createHash('sha256');
  const fh = await open(path, 'w');
  try {
    for (let done = 0; done < size; ) {
      const piece = randomBytes(Math.min(1 << 20, size - done));
      hash.update(piece);
      await fh.write(piece);
      done += piece.length;
    }
  } finally {
    await fh.close();
  }
  const st = await stat(path);
  return { path, size, sha256: hash.digest('hex'), expectedFile: { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) } };
}

export function sha256Of(data: Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
