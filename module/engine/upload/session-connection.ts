// The HTTP side of one upload call: one keep-alive connection per host (an Agent with maxSockets 1,
// destroyed when the call ends), one outstanding packet at a time (spec §7.1), the two timers of
// spec §7.3 step 7, and Fragment bodies streamed from the local file in constant memory.
//
// Timers: the send timer ([MC-BUP] "upload request timer", 2 min) runs while the request goes out
// and restarts whenever a body chunk is handed to the socket — a stall, not a slow link, trips it,
// so a 13 MiB fragment over a slow line is not killed for being slow [DECISION]. The response
// timer (5 min) runs from the last request byte to the response headers. Both → transient
// ERROR_INTERNET_TIMEOUT.
import { createReadStream, type ReadStream } from 'node:fs';
import { once } from 'node:events';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { agentFor } from '../http/agents.js';
import type { DownloadTlsOptions } from '../http/download-port.js';
import { requestTimeoutError, transportError } from '../http/errors.js';
import { BITS_METHOD, type FragmentBody, type Packet } from './packets.js';
import { localFileChangedError, localReadError, sendTimeoutError, UploadAbortedError } from './upload-errors.js';

export const DEFAULT_SEND_TIMEOUT_MS = 2 * 60_000;
export const DEFAULT_RESPONSE_TIMEOUT_MS = 5 * 60_000;

export interface ConnectionOptions {
  signal: AbortSignal;
  sendTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Extra request headers (auth, proxy); never override the packet's own BITS headers. */
  headers?: Record<string, string>;
  tls?: DownloadTlsOptions;
}

export interface AckResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The URL the packet was sent to. */
  url: string;
}

export class SessionConnection {
  private readonly sendTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  private httpAgent: http.Agent | null = null;
  private httpsAgent: https.Agent | null = null;

  constructor(private readonly o: ConnectionOptions) {
    this.sendTimeoutMs = o.sendTimeoutMs ?? DEFAULT_SEND_TIMEOUT_MS;
    this.responseTimeoutMs = o.responseTimeoutMs ?? DEFAULT_RESPONSE_TIMEOUT_MS;
  }

  /** Ends the call's connections (the server sees the socket close). */
  close(): void {
    this.httpAgent?.destroy();
    this.httpsAgent?.destroy();
    this.httpAgent = this.httpsAgent = null;
  }

  private agent(protocol: string): http.Agent {
    if (protocol === 'http:') return (this.httpAgent ??= new http.Agent({ keepAlive: true, maxSockets: 1 }));
    if (!this.httpsAgent) {
      // Trust exactly what downloads trust (Node's store + BITS_JOB2_CA_FILE + tls.ca): take the CA
      // list from the download client's agent rather than rebuilding it here.
      const { ca } = (agentFor('https:', this.o.tls) as https.Agent).options;
      this.httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 1, ...(ca ? { ca } : {}) });
    }
    return this.httpsAgent;
  }

  /** Sends one packet and resolves with the response status and headers (the body is discarded). */
  send(url: string, packet: Packet): Promise<AckResponse> {
    const { signal } = this.o;
    return new Promise<AckResponse>((resolve, reject) => {
      if (signal.aborted) return reject(new UploadAbortedError(signal.reason));
      let target: URL;
      let agent: http.Agent;
      try {
        target = new URL(url);
        agent = this.agent(target.protocol);
      } catch (e) {
        return reject(e);
      }
      const lib = target.protocol === 'https:' ? https : http;
      const req = lib.request(target, { method: BITS_METHOD, headers: { ...this.o.headers, ...packet.headers }, agent });
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
      req.on('error', (e) => fail(transportError(e, url)));
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
        resolve({ status: res.statusCode ?? 0, headers: res.headers, url });
      });
      if (!packet.body) {
        req.end();
        return;
      }
      writeBody(req, packet.body, stopBody.signal, () => arm(this.sendTimeoutMs, sendStalled)).then(
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

/** Streams `body` into `req`, honouring backpressure; `progress` runs for every chunk handed over. */
async function writeBody(req: http.ClientRequest, body: FragmentBody, stop: AbortSignal, progress: () => void): Promise<void> {
  let stream: ReadStream;
  try {
    stream = createReadStream(body.path, { start: body.start, end: body.start + body.length - 1, highWaterMark: 64 * 1024 });
  } catch (e) {
    throw localReadError(e, body.path);
  }
  let sent = 0;
  try {
    for await (const chunk of stream) {
      if (stop.aborted) return;
      sent += (chunk as Buffer).length;
      progress();
      if (!req.write(chunk)) await once(req, 'drain', { signal: stop });
    }
  } catch (e) {
    if (stop.aborted) return;
    throw (e as NodeJS.ErrnoException).code ? localReadError(e, body.path) : e;
  } finally {
    stream.destroy();
  }
  // The file got shorter between the size check and this read.
  if (sent !== body.length) throw localFileChangedError(body.path, `was truncated (read ${sent} of ${body.length} bytes at offset ${body.start})`);
}
