// Makes a node:http (or node:https) server accept the BITS_POST extension method (spec §7.1).
//
// Node's parser rejects unknown methods before any JavaScript runs (HPE_INVALID_METHOD → 400 and a
// closed connection), so acceptBitsPost() puts a thin Duplex between each accepted socket and the
// server's own connection listener. The Duplex runs RequestFramer over the incoming bytes, which
// rewrites `BITS_POST` request lines to `POST` plus a marker header carrying a per-server random
// token; a 'request' listener placed first then restores `req.method = 'BITS_POST'` and removes the
// marker, so every handler after it (ours, or an application's) sees the real method. A client
// cannot forge the marker: it does not know the token, and forging it would only get it what
// sending BITS_POST gets it anyway.
//
// With `divertBodies` (the standalone server) the body of a BITS_POST with a Content-Length skips
// Node's parser: the framer hands it to a DivertedBody (diverted-body.ts) that the handler reads via
// requestBody(req). Off by default: an application that reads a BITS_POST request itself would see an
// empty body.
import { randomBytes } from 'node:crypto';
import type { IncomingMessage, Server as HttpServer, ServerResponse } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { Duplex } from 'node:stream';
import { Server as TlsServer, type TLSSocket } from 'node:tls';
import { attachBody, DivertedBody } from './diverted-body.js';
import { RequestFramer } from './request-framer.js';
import { readIntoSharedBuffer } from './socket-read-buffer.js';

export const BITS_POST = 'BITS_POST';
const MARKER = 'x-bits-job2-original-method';

/** The Duplex Node's HTTP server sees instead of the socket: rewritten bytes in, response bytes out. */
class BitsPostSocket extends Duplex {
  private readonly framer: RequestFramer;
  /** Diverted bodies whose request Node has not emitted yet (in order), and the one being received. */
  private readonly unclaimed: DivertedBody[] = [];
  private receiving: DivertedBody | undefined;
  /** Who wants the socket paused: Node's side (this Duplex is full) and/or a diverted body. */
  private parserFull = false;
  private bodyFull = false;
  /** The bytes being framed live in the shared read buffer: whatever is kept must be copied. */
  private reusedInput = false;

  constructor(readonly socket: Socket, token: string, divertBodies: boolean) {
    // allowHalfOpen like the sockets of http.Server: a client that ends its side still gets the answer.
    super({ allowHalfOpen: true });
    const divert = divertBodies
      ? {
          start: (length: number) => {
            this.receiving = new DivertedBody(length, () => this.want('body'));
            this.unclaimed.push(this.receiving);
          },
          body: (piece: Buffer) => {
            if (!this.receiving!.feed(piece, this.reusedInput)) this.bodyFull = true;
          },
        }
      : undefined;
    this.framer = new RequestFramer(MARKER, token, divert);
    // Plain TCP with diverted bodies: reads go to one reused buffer (no ArrayBuffer per read), and
    // whatever is kept of them is copied — the body into its slabs, heads for Node's parser here.
    const reused = divertBodies && readIntoSharedBuffer(socket, (view) => this.onBytes(view, true), () => this.receiving?.readBuffer());
    if (!reused) {
      socket.on('data', (chunk: Buffer) => {
        if (!this.onBytes(chunk, false)) socket.pause();
      });
    }
    socket.on('end', () => this.push(null));
    socket.on('error', (e) => this.destroy(e));
    socket.on('close', () => {
      if (!this.destroyed) this.destroy();
    });
    socket.on('timeout', () => this.emit('timeout'));
  }

  /** Bytes from the client; false when the socket should stop reading until want() resumes it. */
  private onBytes(chunk: Buffer, reused: boolean): boolean {
    this.reusedInput = reused;
    try {
      for (const piece of this.framer.push(chunk)) if (piece.length && !this.push(reused ? Buffer.from(piece) : piece)) this.parserFull = true;
    } finally {
      this.reusedInput = false;
    }
    return !(this.parserFull || this.bodyFull);
  }

  /** The diverted body of the next request Node emits (requests come out in the order they came in). */
  claimBody(): DivertedBody | undefined {
    return this.unclaimed.shift();
  }

  private want(side: 'parser' | 'body'): void {
    if (side === 'parser') this.parserFull = false;
    else this.bodyFull = false;
    if (!this.parserFull && !this.bodyFull) this.socket.resume();
  }

  override _read(): void {
    this.want('parser');
  }
  override _write(chunk: Buffer, encoding: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.socket.write(chunk, encoding)) cb();
    else this.socket.once('drain', () => cb());
  }
  override _final(cb: (e?: Error | null) => void): void {
    this.socket.end(() => cb());
  }
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    // A body cut short by the connection ends in an error for its reader (the fragment is incomplete).
    for (const body of [...this.unclaimed, this.receiving]) if (body && !body.complete) body.destroy(prematureClose());
    this.socket.destroy(err ?? undefined);
    cb(err);
  }

  // What node:http and handlers use of a net.Socket, delegated.
  get remoteAddress(): string | undefined { return this.socket.remoteAddress; }
  get remotePort(): number | undefined { return this.socket.remotePort; }
  get remoteFamily(): string | undefined { return this.socket.remoteFamily; }
  get localAddress(): string | undefined { return this.socket.localAddress; }
  get localPort(): number | undefined { return this.socket.localPort; }
  get encrypted(): boolean | undefined { return (this.socket as TLSSocket).encrypted; }
  get bytesRead(): number { return this.socket.bytesRead; }
  get bytesWritten(): number { return this.socket.bytesWritten; }
  address(): AddressInfo | object { return this.socket.address(); }
  setTimeout(ms: number, cb?: () => void): this {
    this.socket.setTimeout(ms);
    if (cb) this.once('timeout', cb);
    return this;
  }
  setNoDelay(noDelay?: boolean): this {
    this.socket.setNoDelay(noDelay);
    return this;
  }
  setKeepAlive(enable?: boolean, delay?: number): this {
    this.socket.setKeepAlive(enable, delay);
    return this;
  }
  ref(): this {
    this.socket.ref();
    return this;
  }
  unref(): this {
    this.socket.unref();
    return this;
  }
  /** node:http ends a connection with destroySoon(): finish writing, then close. */
  destroySoon(): void {
    if (this.writable) this.end();
    if (this.writableFinished) this.destroy();
    else this.once('finish', () => this.destroy());
  }
}

function prematureClose(): Error {
  return Object.assign(new Error('the connection closed in the middle of the request body'), { code: 'ERR_STREAM_PREMATURE_CLOSE' });
}

/** Restores the method (and a diverted body) of a request the shim rewrote; a no-op for every other request. */
function restoreMethod(token: string, req: IncomingMessage, res: ServerResponse): void {
  const mark = req.headers[MARKER];
  if (typeof mark !== 'string' || (mark !== token && !mark.startsWith(token + ';body='))) return;
  if (mark !== token) {
    const body = (req.socket as unknown as BitsPostSocket).claimBody();
    if (body) {
      attachBody(req, body);
      // Unread by the handler (an early error Ack): dropped, so the next request's head is reached.
      const discard = () => {
        if (!body.readableEnded && body.listenerCount('data') === 0) body.resume();
      };
      res.once('finish', discard);
      res.once('close', discard);
    }
  }
  req.method = BITS_POST;
  delete req.headers[MARKER];
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === MARKER) {
      req.rawHeaders.splice(i, 2);
      break;
    }
  }
}

/** The TCP (or TLS) socket under a request of a server acceptBitsPost() was called on. */
export function connectionSocket(req: IncomingMessage): Socket {
  const s = req.socket as unknown;
  return s instanceof BitsPostSocket ? s.socket : (s as Socket);
}

const installed = new WeakSet<object>();

/**
 * Lets `server` receive BITS_POST requests (as `req.method === 'BITS_POST'`). Call it once, before
 * `listen()` or at least before clients connect; connections accepted earlier are not affected.
 * Returns a function that undoes it for later connections. `divertBodies`: BITS_POST bodies bypass
 * Node's parser and are read with requestBody(req) (diverted-body.ts); only for servers whose
 * BITS_POST requests all go to createBitsUploadHandler.
 */
export function acceptBitsPost(server: HttpServer | HttpsServer, opts: { divertBodies?: boolean } = {}): () => void {
  if (installed.has(server)) return () => undefined;
  installed.add(server);
  const token = randomBytes(18).toString('base64url');
  // https.Server hands decrypted TLSSockets to node:http through 'secureConnection'.
  const event = server instanceof TlsServer ? 'secureConnection' : 'connection';
  const originals = server.listeners(event) as ((socket: unknown) => void)[];
  server.removeAllListeners(event);
  const onConnection = (socket: Socket): void => {
    const shim = new BitsPostSocket(socket, token, opts.divertBodies === true);
    for (const listener of originals) listener.call(server, shim);
  };
  const onRequest = (req: IncomingMessage, res: ServerResponse): void => restoreMethod(token, req, res);
  server.on(event, onConnection);
  server.prependListener('request', onRequest);
  return () => {
    server.off(event, onConnection);
    for (const listener of originals) server.on(event, listener);
    // onRequest stays: connections accepted before the undo still carry rewritten requests.
    installed.delete(server);
  };
}
