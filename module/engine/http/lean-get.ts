// A plain-http GET/HEAD on its own TCP connection, for downloads that go straight to the server (no
// proxy, no TLS). Why not node:http: its parser copies every body chunk into a new Buffer and runs
// several stream layers per socket read; measured on a 1 GiB loopback download that is about half of
// the service's CPU (BENCHMARKS.md, "CPU per GiB"), and undici's client costs more still. Here the
// body chunks are the socket's own reads (views, no copy), pushed into one Readable. The reads land in
// the process-wide slab pool (module/io/slab-pool.ts), not in a fresh Buffer each: the consumer
// recycle()s each chunk when its bytes are written, and this file gives back the bytes it does not
// pass on. When the pool has no slab for this connection, it stops reading until one comes back.
//
// It behaves like node:http for what the downloader uses: the same request head (user headers, Host,
// Connection: close), a response with `statusCode` and Node-style `headers` (lower-case names,
// duplicates joined or dropped as IncomingMessage does), a body framed by Content-Length, chunked
// transfer coding or the end of the connection, and the same error codes (ECONNRESET "socket hang
// up" before the response, "aborted" mid-body, HPE_* for a malformed response) so that
// errors.ts converts them exactly as before. Everything else (proxies, https, uploads) stays on
// node:http.
import { EventEmitter } from 'node:events';
import type { IncomingHttpHeaders } from 'node:http';
import { connect, type Socket } from 'node:net';
import { Readable } from 'node:stream';
import { ChunkedDecoder } from './chunked-decoder.js';
import { recycle, sharedSlabs, type SlabPool } from '../../io/slab-pool.js';
import { SlabReader } from '../../io/slab-reader.js';

/** node:http's default limit for the response head (--max-http-header-size). */
const MAX_HEAD_BYTES = 16 * 1024;
/** Body bytes the Readable holds before the socket is paused (the consumer's queue is bounded separately). */
const BODY_HIGH_WATER_MARK = 256 * 1024;

/** Headers IncomingMessage keeps only the first of (node:_http_incoming matchKnownFields). */
const FIRST_WINS = new Set([
  'age', 'authorization', 'content-length', 'content-type', 'etag', 'expires', 'from', 'host', 'if-modified-since',
  'if-unmodified-since', 'last-modified', 'location', 'max-forwards', 'proxy-authorization', 'referer', 'retry-after', 'server', 'user-agent',
]);

const codeError = (message: string, code: string): Error => Object.assign(new Error(message), { code });
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The response: a Readable of body bytes with node:http's statusCode and headers. */
export class LeanResponse extends Readable {
  constructor(
    readonly statusCode: number,
    readonly headers: IncomingHttpHeaders,
    private readonly wantMore: () => void,
    private readonly socket: Socket,
    highWaterMark: number,
  ) {
    super({ highWaterMark });
  }
  override _read(): void {
    this.wantMore();
  }
  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    // Chunks nobody will read any more: their slab space goes back to the pool now.
    for (const chunk of (this as unknown as { readableBuffer?: Iterable<Buffer> }).readableBuffer ?? []) recycle(chunk);
    this.socket.destroy();
    callback(error);
  }
}

export interface LeanRequestOptions {
  /** Where the socket reads go: the process-wide pool (tests give a small one). */
  slabs?: SlabPool;
  /**
   * At most this many bytes per socket read, and as the body's buffer (paced background downloads).
   * A read takes bytes out of the kernel's receive buffer and so opens TCP's window by that much: the
   * sender answers each opening with one burst into the bottleneck's queue, where the yielding
   * controller's probes would read our own burst as other traffic (module/engine/rate/README.md).
   */
  readStepBytes?: number;
}

type Framing = { kind: 'none' } | { kind: 'length'; left: number } | { kind: 'chunked'; decoder: ChunkedDecoder } | { kind: 'close' };

/** One exchange; emits 'response' (LeanResponse) or 'error', like a ClientRequest. Start it with end(). */
export class LeanRequest extends EventEmitter {
  private socket: Socket | undefined;
  private response: LeanResponse | undefined;
  private head: Buffer = Buffer.alloc(0);
  private framing: Framing = { kind: 'none' };
  private done = false;
  private reader: SlabReader | undefined;
  /** The Readable is full (push returned false): read on when it asks (_read), not before. */
  private bodyFull = false;

  constructor(
    private readonly url: URL,
    private readonly method: 'GET' | 'HEAD',
    private readonly headers: Record<string, string>,
    private readonly options: LeanRequestOptions = {},
  ) {
    super();
  }

  end(): void {
    let head: string;
    try {
      head = requestHead(this.url, this.method, this.headers);
    } catch (e) {
      process.nextTick(() => this.emit('error', e));
      return;
    }
    const host = this.url.hostname.replace(/^\[(.*)\]$/, '$1');
    const reader = new SlabReader(this.options.slabs ?? sharedSlabs, () => this.readOn());
    this.reader = reader;
    const step = this.options.readStepBytes;
    const socket = connect({
      host,
      port: Number(this.url.port) || 80,
      onread: {
        buffer: () => (step ? reader.readBuffer().subarray(0, step) : reader.readBuffer()),
        callback: (n: number, into: Uint8Array) => {
          const chunk = reader.took(n, into);
          if (this.response) this.onBody(chunk);
          else this.onHead(chunk);
          // No slab for the next read: stop until the pool grants one (readOn). A full body pauses in onBody.
          return !reader.starved;
        },
      },
    });
    this.socket = socket;
    if (reader.starved) socket.pause();
    socket.setNoDelay(true);
    socket.write(head);
    socket.on('end', () => this.onEnd());
    socket.on('error', (e) => this.fail(e));
    socket.on('close', () => this.onEnd());
  }

  /** Reads on when neither the body (full) nor the slab pool (starved) holds the socket back. */
  private readOn(): void {
    if (!this.bodyFull && !this.reader!.starved && !this.done) this.socket?.resume();
  }

  destroy(error?: Error): void {
    this.done = true;
    this.reader?.close();
    this.socket?.destroy();
    if (this.response && !this.response.destroyed) this.response.destroy(error);
  }

  private fail(e: Error): void {
    if (this.done) return;
    this.done = true;
    this.reader?.close();
    this.socket?.destroy();
    if (this.response) this.response.destroy(e);
    else this.emit('error', e);
  }

  private onHead(chunk: Buffer): void {
    // A copy (the head is small and read once), so the read's slab space is given back at once.
    this.head = Buffer.concat([this.head, chunk]);
    recycle(chunk);
    for (;;) {
      const end = this.head.indexOf('\r\n\r\n');
      if (end < 0) {
        if (this.head.length > MAX_HEAD_BYTES) this.fail(codeError('Header overflow', 'HPE_HEADER_OVERFLOW'));
        return;
      }
      let parsed: { status: number; headers: IncomingHttpHeaders };
      let framing: Framing;
      try {
        parsed = parseHead(this.head.subarray(0, end).toString('latin1'));
        framing = framingOf(this.method, parsed.status, parsed.headers);
      } catch (e) {
        this.fail(e as Error);
        return;
      }
      const rest = this.head.subarray(end + 4);
      // 1xx (100 Continue, 103 Early Hints): node:http skips them and waits for the real response.
      if (parsed.status >= 100 && parsed.status < 200 && parsed.status !== 101) {
        this.head = rest;
        continue;
      }
      this.framing = framing;
      const response = new LeanResponse(parsed.status, parsed.headers, () => {
        this.bodyFull = false;
        this.readOn();
      }, this.socket!, this.options.readStepBytes ?? BODY_HIGH_WATER_MARK);
      this.response = response;
      this.head = Buffer.alloc(0);
      this.emit('response', response);
      if (this.framing.kind === 'none') this.finish();
      else if (rest.length > 0) this.onBody(rest);
      return;
    }
  }

  private onBody(chunk: Buffer): void {
    if (this.done) return recycle(chunk);
    const f = this.framing;
    let body: Buffer[];
    if (f.kind === 'length') {
      const part = chunk.length > f.left ? chunk.subarray(0, f.left) : chunk;
      f.left -= part.length;
      body = [part];
    } else if (f.kind === 'chunked') {
      try {
        body = f.decoder.feed(chunk);
      } catch (e) {
        recycle(chunk);
        this.fail(e as Error);
        return;
      }
    } else {
      body = [chunk];
    }
    // Bytes not passed on (chunked framing, anything past the announced length) are given back here.
    let passed = 0;
    for (const b of body) passed += b.length;
    if (passed < chunk.length) recycle(chunk, chunk.length - passed);
    let more = true;
    for (const b of body) if (b.length) more = this.response!.push(b) && more;
    if ((f.kind === 'length' && f.left === 0) || (f.kind === 'chunked' && f.decoder.finished)) this.finish();
    else if (!more) {
      this.bodyFull = true;
      this.socket!.pause();
    }
  }

  /** The whole body arrived: end the Readable; the connection (Connection: close) is not needed any more. */
  private finish(): void {
    this.done = true;
    this.reader!.close();
    this.response!.push(null);
    this.socket!.destroy();
  }

  private onEnd(): void {
    if (this.done) return;
    if (!this.response) return this.fail(codeError('socket hang up', 'ECONNRESET'));
    if (this.framing.kind === 'close') {
      this.done = true;
      this.reader!.close();
      this.response.push(null);
      return;
    }
    this.fail(codeError('aborted', 'ECONNRESET'));
  }
}

function requestHead(url: URL, method: string, headers: Record<string, string>): string {
  const lines = [`${method} ${url.pathname || '/'}${url.search} HTTP/1.1`];
  const names = new Set<string>();
  for (const [name, value] of Object.entries(headers)) {
    if (!TOKEN.test(name)) throw codeError(`Header name must be a valid HTTP token ["${name}"]`, 'ERR_INVALID_HTTP_TOKEN');
    if (/[\r\n\0]/.test(String(value))) throw codeError(`Invalid character in header content ["${name}"]`, 'ERR_INVALID_CHAR');
    names.add(name.toLowerCase());
    lines.push(`${name}: ${value}`);
  }
  if (!names.has('host')) lines.push(`Host: ${url.host}`);
  if (!names.has('connection')) lines.push('Connection: close');
  return `${lines.join('\r\n')}\r\n\r\n`;
}

function parseHead(text: string): { status: number; headers: IncomingHttpHeaders } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3})(?: .*)?$/.exec(lines[0]!);
  if (!m) throw codeError('Expected HTTP/', 'HPE_INVALID_CONSTANT');
  const headers: IncomingHttpHeaders = {};
  for (let i = 1; i < lines.length; i++) {
    const line = lines[i]!;
    const colon = line.indexOf(':');
    const name = colon > 0 ? line.slice(0, colon) : '';
    if (!TOKEN.test(name)) throw codeError('Invalid header token', 'HPE_INVALID_HEADER_TOKEN');
    addHeader(headers, name.toLowerCase(), line.slice(colon + 1).trim());
  }
  return { status: Number(m[1]), headers };
}

function addHeader(headers: IncomingHttpHeaders, name: string, value: string): void {
  const had = headers[name];
  if (name === 'set-cookie') headers[name] = [...((had as string[] | undefined) ?? []), value];
  else if (had === undefined) headers[name] = value;
  else if (!FIRST_WINS.has(name)) headers[name] = `${had as string}${name === 'cookie' ? '; ' : ', '}${value}`;
}

function framingOf(method: string, status: number, headers: IncomingHttpHeaders): Framing {
  if (method === 'HEAD' || status === 204 || status === 304 || status === 101) return { kind: 'none' };
  const te = headers['transfer-encoding'];
  if (te !== undefined && /(?:^|,)\s*chunked\s*$/i.test(te)) return { kind: 'chunked', decoder: new ChunkedDecoder() };
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw codeError('Invalid character in Content-Length', 'HPE_INVALID_CONTENT_LENGTH');
    const left = Number(cl);
    return left === 0 ? { kind: 'none' } : { kind: 'length', left };
  }
  return { kind: 'close' };
}
