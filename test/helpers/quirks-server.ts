// A BITS upload server with the habits of the small servers written against Windows BITS (issue 13),
// each switched on by itself (Quirks) so a test can pin which one a client must survive. Raw
// sockets, like bits-fixture-server.ts: Node's HTTP parser rejects BITS_POST, and the quirks live
// below HTTP's rules (no Content-Length, resets, silence). Uploads are "published" per URL path in
// `files` (byte-exact copies the tests compare); every request is recorded with its connection.
// Why not bits-fixture-server.ts: that one is a correct server with injectable faults; this one is
// consistently quirky, the way a given real server is.
import { randomUUID } from 'node:crypto';
import net from 'node:net';

export const PROTOCOL_GUID = '{7df0354d-249b-430f-820d-3d2a9bef4931}';

export type SessionIdFormat = 'decimal' | 'negative' | 'uuid' | 'braced-upper';

export interface Quirks {
  /** The session lives in the TCP connection: unknown on any other; dropped when it closes (a complete one is kept as published, and its URL then answers 409 to Create-Session). */
  sessionPerConnection?: boolean;
  /** Serves one connection at a time; others wait, unread, until it closes (a Python HTTPServer without threads). */
  singleThreaded?: boolean;
  /** How session ids look (default `{uuid}`); the client must echo them byte for byte. */
  sessionIds?: SessionIdFormat;
  /** The received range only in the misspelled `BITS-Recieved-Content-Range`. */
  misspelledRange?: boolean;
  /** No received range in any Ack, 200 or 416. */
  noRange?: boolean;
  /** A fragment that does not start exactly at the server's next byte (a duplicate or a gap) gets 416 instead of the overlap rule. */
  strict416?: boolean;
  /** Bytes of a fragment cut off mid-body are kept (servers that stream to disk). */
  keepPartial?: boolean;
  /** Non-2xx answers carry no Content-Length and the connection stays open. */
  noContentLengthOnErrors?: boolean;
  /** Errors are HTML (or plain text) pages without any BITS header. */
  errorBodies?: 'html' | 'plain';
  /** BITS-Error-Code spelled without 0x; on 416 the code is `0`. */
  bareErrorCodes?: boolean;
  /** A packet for an unknown session is answered with this status (default 500 + BG_E_SESSION_NOT_FOUND). */
  lostSessionStatus?: 400 | 409 | 500;
  /** Every Nth Fragment is stored, then the connection is reset without an answer. */
  resetEvery?: number;
  /** Every Nth request is read and never answered. */
  silentEvery?: number;
  /** Ping is answered 200 with BITS-Error-Code: 1. */
  pingCodeOne?: boolean;
  /** BITS-Supported-Protocols must be exactly our GUID in lower case (else 400). */
  exactProtocols?: boolean;
  /** An empty Fragment (Content-Length 0) resets the connection. */
  resetEmptyFragment?: boolean;
  /** The first Fragment of every session is answered 416 naming the server's next byte (out of sync for no reason). */
  spurious416?: boolean;
  /** Fragments with these 1-based numbers (counted over the server's life) are stored, then the connection is reset. */
  resetAt?: number[];
  /** Read limit in bytes per second per connection (paces uploads for kill tests). */
  bytesPerSecond?: number;
}

export interface QuirkRequest {
  connection: number;
  packetType: string;
  /** BITS-Session-Id exactly as received (latin1 bytes as a string). */
  sessionId?: string;
  range?: { first: number; last: number; total: number };
  bodyLength: number;
  /** Answer status; undefined when reset or never answered. */
  status?: number;
  path: string;
  supportedProtocols?: string;
}

interface Session {
  id: string;
  path: string;
  connection: number;
  chunks: Buffer[];
  next: number;
  total: number | null;
  complete: boolean;
  published: boolean;
  refusedOnce?: boolean;
}

export interface QuirksServer {
  url(path: string): string;
  readonly host: string;
  readonly port: number;
  quirks: Quirks;
  requests: QuirkRequest[];
  /** Published uploads by URL path (complete sessions that were closed, or kept at connection close). */
  files: Map<string, Buffer>;
  /** How many times each path was published. */
  publications: Map<string, number>;
  /** Session ids the server gave out, in order. */
  issuedIds: string[];
  openConnections(): number;
  close(): Promise<void>;
}

let idCounter = 0;
function makeId(format: SessionIdFormat | undefined): string {
  idCounter++;
  switch (format) {
    case 'decimal': return String(1_000_000 + idCounter);
    case 'negative': return String(-(2_000_000_000 + idCounter));
    case 'uuid': return randomUUID();
    case 'braced-upper': return `{${randomUUID().toUpperCase()}}`;
    default: return `{${randomUUID()}}`;
  }
}

export async function startQuirksServer(quirks: Quirks = {}): Promise<QuirksServer> {
  const requests: QuirkRequest[] = [];
  const sessions = new Map<string, Session>();
  const files = new Map<string, Buffer>();
  const publications = new Map<string, number>();
  const refusedPaths = new Set<string>();
  const issuedIds: string[] = [];
  const sockets = new Set<net.Socket>();
  const waiting: Array<() => void> = [];
  let busy = false;
  let connections = 0;
  let fragments = 0;
  let packets = 0;

  const publish = (s: Session) => {
    if (s.published) return;
    s.published = true;
    files.set(s.path, Buffer.concat(s.chunks));
    publications.set(s.path, (publications.get(s.path) ?? 0) + 1);
  };

  const server = net.createServer((sock) => {
    sockets.add(sock);
    sock.on('error', () => undefined);
    let started = false;
    const start = () => {
      started = true;
      serve(sock, ++connections);
    };
    if (!quirks.singleThreaded || !busy) {
      busy = quirks.singleThreaded === true;
      start();
    } else {
      sock.pause(); // accepted, never read: what a threadless server does to the next client
      waiting.push(start);
    }
    sock.on('close', () => {
      sockets.delete(sock);
      if (!quirks.singleThreaded) return;
      if (!started) {
        waiting.splice(waiting.indexOf(start), 1);
        return;
      }
      const next = waiting.shift();
      if (next) next();
      else busy = false;
    });
  });

  function serve(sock: net.Socket, connection: number): void {
    sock.resume();
    let buf: Buffer = Buffer.alloc(0);
    let cur: { rec: QuirkRequest; remaining: number; body: Buffer[]; session?: Session } | null = null;
    let dead = false;

    sock.on('close', () => {
      // A cut fragment: what arrived stays with a server that streams to disk.
      if (cur?.session && quirks.keepPartial && cur.body.length > 0) take(cur.session, cur.rec, Buffer.concat(cur.body));
      if (!quirks.sessionPerConnection) return;
      for (const s of [...sessions.values()]) {
        if (s.connection !== connection) continue;
        sessions.delete(s.id);
        if (s.complete) refusedPaths.add(s.path); // the destination now exists: 409 for a new upload
      }
    });

    const answer = (rec: QuirkRequest, status: number, headers: Record<string, string> = {}) => {
      rec.status = status;
      const error = status < 200 || status > 299;
      let body = '';
      let all = { 'BITS-Packet-Type': 'Ack', ...headers };
      if (error && quirks.errorBodies) {
        all = {} as typeof all; // no BITS header at all
        body = quirks.errorBodies === 'html' ? `<html><body><h1>${status}</h1>Error</body></html>` : `Error ${status}\n`;
      }
      const lengthHeader = error && quirks.noContentLengthOnErrors && body === '' ? [] : [`Content-Length: ${Buffer.byteLength(body)}`];
      const head = [`HTTP/1.1 ${status} X`, ...Object.entries(all).map(([k, v]) => `${k}: ${v}`), ...lengthHeader].join('\r\n');
      sock.write(`${head}\r\n\r\n${body}`);
    };
    const code = (hex: string) => (quirks.bareErrorCodes ? hex.replace(/^0x/, '') : hex);
    const range = (n: number): Record<string, string> =>
      quirks.noRange ? {} : { [quirks.misspelledRange ? 'BITS-Recieved-Content-Range' : 'BITS-Received-Content-Range']: String(n) };

    const pump = () => {
      while (!dead) {
        if (!cur) {
          const end = buf.indexOf('\r\n\r\n');
          if (end < 0) return;
          const lines = buf.subarray(0, end).toString('latin1').split('\r\n');
          buf = buf.subarray(end + 4);
          const [, target = '/'] = lines[0]!.split(' ');
          const h: Record<string, string> = {};
          for (const l of lines.slice(1)) {
            const i = l.indexOf(':');
            h[l.slice(0, i).toLowerCase()] = l.slice(i + 1).trim();
          }
          const path = new URL(target, 'http://x').pathname;
          const rec: QuirkRequest = { connection, packetType: (h['bits-packet-type'] ?? '').toLowerCase(), sessionId: h['bits-session-id'], bodyLength: 0, path, supportedProtocols: h['bits-supported-protocols'] };
          const m = /^bytes (\d+)-(\d+)\/(\d+)$/i.exec(h['content-range'] ?? '');
          if (m) rec.range = { first: Number(m[1]), last: Number(m[2]), total: Number(m[3]) };
          requests.push(rec);
          const s = rec.sessionId !== undefined ? sessions.get(rec.sessionId) : undefined;
          const known = s && (!quirks.sessionPerConnection || s.connection === connection) ? s : undefined;
          cur = { rec, remaining: Number(h['content-length'] ?? 0) || 0, body: [], ...(rec.packetType === 'fragment' && known ? { session: known } : {}) };
          if (rec.packetType === 'fragment' && cur.remaining === 0 && quirks.resetEmptyFragment) {
            dead = true;
            sock.resetAndDestroy();
            return;
          }
        }
        const n = Math.min(cur.remaining, buf.length);
        if (n > 0) {
          cur.body.push(buf.subarray(0, n));
          buf = buf.subarray(n);
          cur.remaining -= n;
          cur.rec.bodyLength += n;
        }
        if (cur.remaining > 0) return;
        const done = cur;
        cur = null;
        handle(done.rec, Buffer.concat(done.body));
      }
    };

    /** Writes the part of `body` past the session's next byte (overlap rule, spec §7.4). */
    function take(s: Session, rec: QuirkRequest, body: Buffer): void {
      const r = rec.range;
      if (!r || r.first > s.next) return;
      const end = r.first + body.length;
      if (end > s.next) {
        s.chunks.push(body.subarray(s.next - r.first));
        s.next = end;
      }
    }

    function handle(rec: QuirkRequest, body: Buffer): void {
      packets++;
      if (quirks.silentEvery && packets % quirks.silentEvery === 0) return; // read, never answered
      const type = rec.packetType;
      if (type === 'ping') return answer(rec, 200, quirks.pingCodeOne ? { 'BITS-Error-Code': '1' } : {});
      if (type === 'create-session') {
        const offered = rec.supportedProtocols ?? '';
        const fine = quirks.exactProtocols ? offered === PROTOCOL_GUID : offered.toLowerCase().includes(PROTOCOL_GUID);
        if (!fine) return answer(rec, 400, { 'BITS-Error-Code': code('0x80070057'), 'BITS-Error-Context': '0x5' });
        if (refusedPaths.has(rec.path)) return answer(rec, 409, { 'BITS-Error-Code': code('0x80070050'), 'BITS-Error-Context': '0x5' });
        const id = makeId(quirks.sessionIds);
        issuedIds.push(id);
        sessions.set(id, { id, path: rec.path, connection, chunks: [], next: 0, total: null, complete: false, published: false });
        return answer(rec, 200, { 'BITS-Protocol': PROTOCOL_GUID, 'BITS-Session-Id': id, 'Accept-Encoding': 'identity' });
      }
      const found = rec.sessionId !== undefined ? sessions.get(rec.sessionId) : undefined;
      const s = found && (!quirks.sessionPerConnection || found.connection === connection) ? found : undefined;
      if (!s) {
        const status = quirks.lostSessionStatus ?? 500;
        return answer(rec, status, status === 500 ? { 'BITS-Error-Code': code('0x8020001F'), 'BITS-Error-Context': '0x5' } : {});
      }
      if (type === 'close-session') {
        sessions.delete(s.id);
        // No Fragment at all: a 0-byte upload (the only way to send one — empty fragments are refused).
        if (s.complete || s.total === null) publish(s);
        return answer(rec, 200, { 'BITS-Session-Id': s.id });
      }
      if (type === 'cancel-session') {
        sessions.delete(s.id);
        return answer(rec, 200, { 'BITS-Session-Id': s.id });
      }
      if (type !== 'fragment') return answer(rec, 400, { 'BITS-Error-Code': code('0x80070057'), 'BITS-Error-Context': '0x5' });
      const r = rec.range;
      if (!r || body.length !== r.last - r.first + 1 || (s.total !== null && s.total !== r.total)) {
        return answer(rec, 400, { 'BITS-Error-Code': code('0x80070057'), 'BITS-Error-Context': '0x5' });
      }
      s.total = r.total;
      if (quirks.spurious416 && !s.refusedOnce) {
        s.refusedOnce = true;
        return answer(rec, 416, { ...range(s.next), 'BITS-Session-Id': s.id });
      }
      if (r.first > s.next || (quirks.strict416 && r.first !== s.next)) {
        return answer(rec, 416, { ...range(s.next), 'BITS-Session-Id': s.id, ...(quirks.bareErrorCodes ? { 'BITS-Error-Code': '0' } : {}) });
      }
      take(s, rec, body);
      if (s.next === s.total && !s.complete) {
        s.complete = true;
        // A server that keeps the session in the connection publishes at the final fragment.
        if (quirks.sessionPerConnection) publish(s);
      }
      fragments++;
      if ((quirks.resetEvery && fragments % quirks.resetEvery === 0) || quirks.resetAt?.includes(fragments)) {
        dead = true;
        sock.resetAndDestroy();
        return;
      }
      answer(rec, 200, { ...range(s.next), 'BITS-Session-Id': s.id });
    }

    let paused = false;
    sock.on('data', (chunk: Buffer) => {
      if (dead) return;
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      pump();
      if (quirks.bytesPerSecond && !paused) {
        paused = true;
        sock.pause();
        setTimeout(() => {
          paused = false;
          if (!sock.destroyed) sock.resume();
        }, (chunk.length / quirks.bytesPerSecond) * 1000);
      }
    });
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  return {
    url: (path) => `http://127.0.0.1:${port}${path}`,
    host: '127.0.0.1',
    port,
    quirks,
    requests,
    files,
    publications,
    issuedIds,
    openConnections: () => sockets.size,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
