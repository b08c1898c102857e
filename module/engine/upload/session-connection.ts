// The HTTP side of one upload session: one keep-alive connection per host (an Agent with maxSockets 1;
// through a proxy, the connection to it or the CONNECT tunnel), owned by whoever opened it — the
// upload worker keeps it from Create-Session through Close-Session (issue 13), a bare uploadFile or
// closeSession call for the call — and closed by close() or reopened by reconnect(); one
// outstanding packet at a time (spec §7.1), 401/407 answered with the job's credentials (spec §7.3
// step 6), the two timers of spec §7.3 step 7, and Fragment bodies streamed from the local file in
// constant memory: one file handle per call, positional reads of up to 4 MiB (READ_BYTES; no larger
// than the body), the next read in flight while the socket drains the previous one (a read stream
// per fragment and 64 KiB socket writes cost a syscall pair per 64 KiB and left the socket idle
// during each read — BENCHMARKS.md, upload).
//
// Timers: the send timer ([MC-BUP] "upload request timer", 2 min) runs while the request goes out
// and restarts whenever a body chunk is handed to the socket — a stall, not a slow link, trips it,
// so a 13 MiB fragment over a slow line is not killed for being slow [DECISION]. The response
// timer (5 min) runs from the last request byte to the response headers. Both → transient
// ERROR_INTERNET_TIMEOUT.
import { open, type FileHandle } from 'node:fs/promises';
import { once } from 'node:events';
import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { DownloadTlsOptions } from '../http/download-port.js';
import { HttpTransferError, requestTimeoutError, transportError } from '../http/errors.js';
import { TransportSession, type PreparedRequest } from '../transport/connector.js';
import { proxyTransportError } from '../transport/proxy-errors.js';
import type { TransportOptions } from '../transport-port.js';
import { BITS_METHOD, type FragmentBody, type Packet } from './packets.js';
import { skipUntilEofBodies } from './bodyless-acks.js';
import { paceBytes, PACED_PIECE_BYTES, pacerIdle, type TransferPacer } from '../rate/pacer.js';
import { localFileChangedError, localReadError, sendTimeoutError, UploadAbortedError } from './upload-errors.js';

export const DEFAULT_SEND_TIMEOUT_MS = 2 * 60_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 5 * 60_000;

export interface ConnectionOptions {
  /** Default for send(): a packet may bring its own (Cancel-Session after the upload was aborted). */
  signal: AbortSignal;
  sendTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Extra request headers; never override the packet's own BITS headers. */
  headers?: Record<string, string>;
  tls?: DownloadTlsOptions;
  /** The job's proxy settings and credentials; absent = direct, none. */
  transport?: TransportOptions;
  /** Background jobs: Fragment bodies go out in paced pieces (module/engine/rate/pacer.ts). */
  pacer?: TransferPacer;
}

export interface AckResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL the packet was sent to. */
  url: string;
  /** Which connection of this SessionConnection carried it (1, 2, …): a new number = a new TCP connection. */
  connection: number;
}

export class SessionConnection {
  private readonly sendTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  // Keep-alive agents (maxSockets 1: one outstanding packet, spec §7.1), proxy route and the
  // credentials' preemptive answers, all for this call only.
  private readonly transport: TransportSession;
  private readonly files = new LocalFiles();
  private readonly sockets = new WeakSet<object>();
  private connections = 0;
  private closed = false;

  /** Throws BG_E_INVALID_PROXY_INFO when the job's proxy settings are invalid (transfer time). */
  constructor(private readonly o: ConnectionOptions) {
    this.sendTimeoutMs = o.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.responseTimeoutMs = o.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
    this.transport = new TransportSession({ transport: o.transport, tls: o.tls, keepAlive: true, connectTimeoutMs: this.sendTimeoutMs });
  }

  /** Ends the call's connections (the server sees the socket close). Idempotent. */
  close(): void {
    this.closed = true;
    this.transport.close();
    this.files.close();
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Number of the connection the last packet went over (0 before the first). */
  get current(): number {
    return this.connections;
  }

  /**
   * Drops the connection (a reset, a timeout, an answer that left it unusable): the next packet
   * opens a new one. Local files stay open.
   */
  reconnect(): void {
    this.transport.closeConnections(); // the session goes on: its Kerberos tickets stay
  }

  /**
   * Sends one packet; a 401/407 the job's credentials can answer is answered by sending the packet
   * again — a Fragment with its body — and the next packets carry the answer preemptively.
   * Resolves with the final response status and headers (the body is discarded).
   */
  async send(url: string, packet: Packet, signal: AbortSignal = this.o.signal): Promise<AckResponse> {
    if (signal.aborted) throw new UploadAbortedError(signal.reason);
    if (this.closed) throw new Error('SessionConnection used after close()');
    const target = new URL(url);
    // Packets only go to the job's URL or its BITS-Host-Id host: both get the SERVER credentials.
    this.transport.trust(target);
    const round = this.transport.round(target, BITS_METHOD, { packet: packet.type });
    for (;;) {
      const ack = await this.sendOnce(target, url, packet, round.headers(), signal);
      if (!(await round.retryAfter(ack.status, ack.headers))) return ack;
    }
  }

  private sendOnce(target: URL, url: string, packet: Packet, authHeaders: Record<string, string>, signal: AbortSignal): Promise<AckResponse> {
    return new Promise<AckResponse>((resolve, reject) => {
      if (signal.aborted) return reject(new UploadAbortedError(signal.reason));
      let prepared: PreparedRequest;
      try {
        prepared = this.transport.prepare(target, BITS_METHOD, { ...this.o.headers, ...authHeaders, ...packet.headers });
      } catch (e) {
        return reject(e);
      }
      const { lib, options, proxy } = prepared;
      const req: http.ClientRequest = prepared.url ? lib.request(prepared.url, options) : lib.request(options);
      skipUntilEofBodies(req);
      let connection = this.connections;
      req.once('socket', (socket) => {
        if (!this.sockets.has(socket)) {
          this.sockets.add(socket);
          this.connections++;
        }
        connection = this.connections;
      });
      const stopBody = new AbortController();
      let settled = false;
      let timer: NodeJS.Timeout | undefined;
      const arm = (ms: number, error: () => Error) => {
        clearTimeout(timer);
        timer = setTimeout(() => fail(error()), ms);
      };
      const settle = () => {
        settled = true;
        clearTimeout(timer);
        stopBody.abort();
        signal.removeEventListener('abort', onAbort);
      };
      const fail = (e: Error) => {
        if (settled) return;
        settle();
        req.destroy();
        reject(e);
      };
      const onAbort = () => fail(new UploadAbortedError(signal.reason));
      signal.addEventListener('abort', onAbort, { once: true });
      const sendStalled = () => sendTimeoutError(url, this.sendTimeoutMs);
      arm(this.sendTimeoutMs, sendStalled);
      // Stays attached after the response: late socket errors must not become unhandled 'error's.
      req.on('error', (e) => {
        if (e instanceof HttpTransferError) fail(e); // already judged (e.g. a proxy tunnel's 407)
        else fail(proxy ? proxyTransportError(e, proxy.href, url) : transportError(e, url));
      });
      req.on('finish', () => {
        if (!settled) arm(this.responseTimeoutMs, () => requestTimeoutError(url, this.responseTimeoutMs));
      });
      req.on('response', (res) => {
        // Ack bodies are empty; anything else (an HTML error page) is read and dropped so the
        // keep-alive socket can carry the next packet.
        res.resume();
        res.on('error', () => undefined);
        if (settled) return;
        // writableEnded, not writableFinished: a fast server can answer before this side has seen
        // its last write flushed, and Node still reuses that socket once the write completes.
        const bodyUnsent = !req.writableEnded;
        settle();
        // The server answered before we handed over the whole body (e.g. an early 413): the
        // connection is mid-request and cannot be reused.
        if (bodyUnsent) req.destroy();
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url, connection });
      });
      if (!packet.body) {
        req.end();
        return;
      }
      writeBody(req, packet.body, this.files, stopBody.signal, () => arm(this.sendTimeoutMs, sendStalled), this.o.pacer).then(
        () => {
          if (!stopBody.signal.aborted) req.end();
        },
        (e) => {
          if (!stopBody.signal.aborted) fail(e);
        },
      );
    });
  }
}

/**
 * Bytes per read of the local file (and per socket write): few syscalls, constant memory. 4 MiB,
 * not 1: a quarter of the thread-pool reads and socket writes took the service's CPU per GiB
 * uploaded from 0.90–1.08 to 0.73–0.81 s in paired runs (BENCHMARKS.md, upload); 256 KiB cost more.
 */
export const READ_BYTES = 4 * 1024 * 1024;

/** Bytes handed to the socket at a time (the send timer restarts with each). */
const SEND_SLICE_BYTES = 1024 * 1024;

/** Read buffers kept for reuse: one being read, one (rarely two) the socket still sends from. */
const SPARE_BUFFERS = 3;

/**
 * The local files a call reads, each opened once (every fragment of the job reads the same file), and
 * the call's read buffers. Exported for test/upload-read-buffers.test.ts.
 */
export class LocalFiles {
  private readonly open = new Map<string, Promise<FileHandle>>();
  private closed = false;
  /**
   * Read buffers the socket has finished with (its write callback ran without error): a new
   * 1 MiB allocation per read was garbage V8 collected late, raising the service's peak RSS.
   */
  private readonly spare: Buffer[] = [];

  /**
   * A buffer for a read of `want` bytes (at most READ_BYTES): a spare one that is large enough, else
   * one of that size. Not READ_BYTES whatever the body: a 16 KiB upload got a 4 MiB buffer, and with
   * a session per upload that was an allocation and a young-generation collection per small file
   * (the farm-load bench's generator: createUnsafeBuffer and the collector ~10 % of its CPU).
   */
  buffer(want: number): Buffer {
    // The smallest spare that fits, so that the large ones stay for large reads.
    let best = -1;
    for (let i = 0; i < this.spare.length; i++) {
      const len = this.spare[i]!.length;
      if (len >= want && (best < 0 || len < this.spare[best]!.length)) best = i;
    }
    return best >= 0 ? this.spare.splice(best, 1)[0]! : Buffer.allocUnsafe(want);
  }

  /**
   * `buf` (from buffer()) is no longer referenced by any pending write. With the spares full, it
   * replaces a smaller one: fragments grow (1, 2, 4 MiB …), and spares kept from the first small
   * ones would fit no later read, so every READ_BYTES read allocated anew (the service's VmHWM
   * during a 1 GiB upload went from 71 to 87 MiB until this rule).
   */
  release(buf: Buffer): void {
    if (this.closed) return;
    if (this.spare.length < SPARE_BUFFERS) return void this.spare.push(buf);
    let smallest = 0;
    for (let i = 1; i < this.spare.length; i++) if (this.spare[i]!.length < this.spare[smallest]!.length) smallest = i;
    if (this.spare[smallest]!.length < buf.length) this.spare[smallest] = buf;
  }

  get(path: string): Promise<FileHandle> {
    if (this.closed) return Promise.reject(new Error('connection closed'));
    let fh = this.open.get(path);
    if (!fh) {
      fh = open(path, 'r');
      this.open.set(path, fh);
      // A failed open is not cached: the next fragment tries again.
      fh.catch(() => this.open.delete(path));
    }
    return fh;
  }

  close(): void {
    this.closed = true;
    for (const fh of this.open.values()) fh.then((h) => h.close()).catch(() => undefined);
    this.open.clear();
  }
}

/**
 * Streams `body` into `req`, honouring backpressure; the next block is read while the socket drains
 * the previous one. `progress` runs for every block handed over.
 */
async function writeBody(req: http.ClientRequest, body: FragmentBody, files: LocalFiles, stop: AbortSignal, progress: () => void, pacer?: TransferPacer): Promise<void> {
  let fh: FileHandle;
  try {
    fh = await files.get(body.path);
  } catch (e) {
    if (stop.aborted) return;
    throw localReadError(e, body.path);
  }
  // Unpaced bodies read into reused buffers, each handed back once its socket write has completed;
  // paced pieces are written in slices whose completion is not tracked, so they get fresh buffers.
  const reuse = pacerIdle(pacer);
  const owners = new WeakMap<Buffer, Buffer>();
  const read = (offset: number): Promise<Buffer> => {
    const want = Math.min(READ_BYTES, body.length - offset);
    const whole = reuse ? files.buffer(want) : Buffer.allocUnsafe(want);
    const buf = whole.subarray(0, want);
    const p = fh.read(buf, 0, buf.length, body.start + offset).then(({ bytesRead }) => {
      const chunk = buf.subarray(0, bytesRead);
      if (reuse) owners.set(chunk, whole);
      return chunk;
    });
    p.catch(() => undefined); // awaited below unless the body was stopped first
    return p;
  };
  let sent = 0;
  try {
    let next: Promise<Buffer> | null = read(0);
    while (next) {
      const chunk: Buffer = await next;
      if (stop.aborted) return;
      // The file got shorter between the size check and this read.
      if (chunk.length === 0) break;
      sent += chunk.length;
      next = sent < body.length ? read(sent) : null;
      progress();
      // Asked per chunk: a cap that comes into force mid-fragment applies from the next chunk on.
      const owner = owners.get(chunk);
      const flowing = !pacerIdle(pacer)
        ? await writePaced(req, chunk, pacer!, stop, progress)
        : await writeSlices(req, chunk, stop, progress, owner ? () => files.release(owner) : undefined);
      if (stop.aborted) return;
      // The last byte is out: end the request now (the caller does), so a server's prompt Ack never
      // finds the request unfinished — which would cost the keep-alive connection.
      if (!next) break;
      if (!flowing) await once(req, 'drain', { signal: stop });
    }
  } catch (e) {
    if (stop.aborted) return;
    throw (e as NodeJS.ErrnoException).code ? localReadError(e, body.path) : e;
  }
  if (sent !== body.length) throw localFileChangedError(body.path, `was truncated (read ${sent} of ${body.length} bytes at offset ${body.start})`);
}

/**
 * An unpaced chunk in SEND_SLICE_BYTES slices, the next handed over once the socket drained the
 * previous ones, so the send timer restarts as the bytes move (a whole 4 MiB read handed over at
 * once could outlast the 2 min timer on a slow link without any stall). `done` runs once the
 * socket has finished with every slice. False when the socket wants a drain after the last one.
 */
async function writeSlices(req: http.ClientRequest, chunk: Buffer, stop: AbortSignal, progress: () => void, done?: () => void): Promise<boolean> {
  let flowing = true;
  for (let at = 0; at < chunk.length && !stop.aborted; at += SEND_SLICE_BYTES) {
    const slice = chunk.subarray(at, at + SEND_SLICE_BYTES);
    const last = at + SEND_SLICE_BYTES >= chunk.length;
    if (at > 0) progress();
    // Writes on one socket complete in order: the last slice's callback means all of them did.
    flowing = last && done ? req.write(slice, (e) => void (e || done())) : req.write(slice);
    if (!flowing && !last) {
      await once(req, 'drain', { signal: stop }).catch(() => undefined);
      flowing = true;
    }
  }
  return flowing;
}

/** A chunk in paced pieces (each waited for, each restarting the send timer); false when the socket wants a drain. */
async function writePaced(req: http.ClientRequest, chunk: Buffer, pacer: TransferPacer, stop: AbortSignal, progress: () => void): Promise<boolean> {
  let flowing = true;
  for (let at = 0; at < chunk.length && !stop.aborted; at += PACED_PIECE_BYTES) {
    const piece = chunk.subarray(at, at + PACED_PIECE_BYTES);
    try {
      await paceBytes(pacer, piece.length, stop);
    } catch {
      return flowing; // stopped while waiting
    }
    progress();
    flowing = req.write(piece);
    if (!flowing && at + PACED_PIECE_BYTES < chunk.length) {
      await once(req, 'drain', { signal: stop }).catch(() => undefined);
      flowing = true;
    }
  }
  return flowing;
}
