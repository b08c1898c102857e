// A standalone BITS upload server: node:http + acceptBitsPost + the handler, nothing else.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { acceptBitsPost, connectionSocket } from './bits-post-shim.js';
import { BodyRateGuard, DEFAULT_MIN_BODY_RATE, DEFAULT_MIN_BODY_RATE_WINDOW_SECONDS } from './body-rate.js';
import { DivertedBody, requestBody } from './diverted-body.js';
import { createBitsUploadHandler, type BitsUploadHandler } from './handler.js';
import type { BitsUploadHandlerOptions } from './options.js';
import { loadTlsMaterial, reloadTls, type TlsFiles } from './tls.js';

export interface StartBitsServerOptions extends BitsUploadHandlerOptions {
  /** Interface to listen on. Default 127.0.0.1 (give 0.0.0.0 or :: to accept other machines). */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
  /** Serve HTTPS with this PEM certificate and key (reloaded by reloadTls()). Default: plain HTTP. */
  tls?: TlsFiles;
  /**
   * Seconds an idle keep-alive connection is kept open between requests. Default 65: longer than
   * the pause a client makes between packets, and longer than a load balancer's own idle timeout
   * in front of us (nginx keepalive_timeout 60 s), so that the proxy — not we — closes idle
   * upstream connections and never sends a request on a connection we are closing.
   */
  keepAliveTimeoutSeconds?: number;
  /**
   * Seconds a client has to send a request's whole head (slowloris: a client that trickles header
   * bytes is cut then, with 408). Default 60.
   */
  headersTimeoutSeconds?: number;
  /** Seconds without a byte after which a connection is cut — a stalled fragment body too. Default 300. */
  idleTimeoutSeconds?: number;
  /**
   * Slowest fragment body accepted, in bytes per second averaged over `minBodyRateWindowSeconds`:
   * a body that trickles slower has its connection cut (counted as slow_body). Default 128 (why:
   * body-rate.ts); 0 = no minimum (the idle timeout still applies).
   */
  minBodyRate?: number;
  /** Window the minimum body rate is averaged over, in seconds. Default 60. */
  minBodyRateWindowSeconds?: number;
}

export interface RunningBitsServer {
  /** Base URL of the upload directory, e.g. http://127.0.0.1:8080/ (ends with the URL prefix). */
  url: string;
  host: string;
  port: number;
  handler: BitsUploadHandler;
  server: http.Server | https.Server;
  /** Reads the TLS certificate and key again for new connections (open ones keep theirs). No-op without TLS. */
  reloadTls(): Promise<void>;
  /** Stops accepting, ends open connections, stops the handler's timers. Sessions stay on disk. */
  close(): Promise<void>;
}

const DEFAULT_IDLE_SECONDS = 300;
const DEFAULT_HEADERS_SECONDS = 60;
const DEFAULT_KEEP_ALIVE_SECONDS = 65;

function seconds(name: string, v: number): number {
  if (!Number.isFinite(v) || v <= 0) throw new RangeError(`${name} must be a positive number (got ${v})`);
  return v * 1000;
}

export async function startBitsServer(options: StartBitsServerOptions): Promise<RunningBitsServer> {
  const {
    host = '127.0.0.1', port = 0, tls, keepAliveTimeoutSeconds = DEFAULT_KEEP_ALIVE_SECONDS, headersTimeoutSeconds = DEFAULT_HEADERS_SECONDS, idleTimeoutSeconds = DEFAULT_IDLE_SECONDS,
    minBodyRate = DEFAULT_MIN_BODY_RATE, minBodyRateWindowSeconds = DEFAULT_MIN_BODY_RATE_WINDOW_SECONDS,
    ...handlerOptions
  } = options;
  const keepAliveMs = seconds('keepAliveTimeoutSeconds', keepAliveTimeoutSeconds);
  const headersMs = seconds('headersTimeoutSeconds', headersTimeoutSeconds);
  const idleMs = seconds('idleTimeoutSeconds', idleTimeoutSeconds);
  const bodyRate = new BodyRateGuard(minBodyRate, minBodyRateWindowSeconds, () => handler.connectionDropped('slow_body'));
  const material = tls ? await loadTlsMaterial(tls) : null;
  const handler = createBitsUploadHandler(handlerOptions);
  await handler.ready;
  // No overall request deadline: a 13 MB fragment on a slow link may take longer than Node's default
  // 5 minutes; the idle timeout below still ends connections that stop moving.
  // Node checks the headers deadline every connectionsCheckingInterval (30 s by default): a quarter
  // of the deadline keeps a slowloris client from holding its connection much longer than it.
  const serverOptions = { requestTimeout: 0, keepAliveTimeout: keepAliveMs, headersTimeout: headersMs, connectionsCheckingInterval: Math.max(100, Math.min(30_000, headersMs / 4)) };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const body = requestBody(req);
    if (body instanceof DivertedBody) bodyRate.watch(body, connectionSocket(req));
    handler.handle(req, res).then(
      (handled) => {
        if (handled) return;
        res.writeHead(405, { Allow: 'GET, HEAD, BITS_POST', 'Content-Length': 0 });
        res.end();
      },
      () => res.destroy(),
    );
  };
  const server = material ? https.createServer({ ...serverOptions, cert: material.cert, key: material.key }, onRequest) : http.createServer(serverOptions, onRequest);
  server.setTimeout(idleMs, (socket: Socket) => {
    handler.connectionDropped('idle');
    socket.destroy();
  });
  // Node's own answers to a bad or late request head (400, 408), counted by reason.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    if (err.code === 'ECONNRESET') return void socket.destroy(); // the client is gone: nobody to answer, nothing to count
    const late = err.code === 'ERR_HTTP_REQUEST_TIMEOUT';
    handler.connectionDropped(late ? 'headers_timeout' : 'bad_request');
    if (!socket.writable) return void socket.destroy();
    socket.end(late ? 'HTTP/1.1 408 Request Timeout\r\nConnection: close\r\nContent-Length: 0\r\n\r\n' : 'HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    setTimeout(() => socket.destroy(), 1000).unref(); // the answer gets a moment to leave, the client no more
  });
  // Every BITS_POST here goes to our handler, which reads diverted bodies (no parser copy per chunk).
  acceptBitsPost(server, { divertBodies: true });
  const sockets = new Set<Socket>();
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const addr = server.address() as AddressInfo;
  const prefix = handlerOptions.urlPrefix ? '/' + handlerOptions.urlPrefix.replace(/^\/+|\/+$/g, '') + '/' : '/';
  const hostPart = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
  let closed: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${hostPart}:${addr.port}${prefix.replace(/\/\/$/, '/')}`,
    host: addr.address,
    port: addr.port,
    handler,
    server,
    reloadTls: async () => {
      if (tls) await reloadTls(server as https.Server, tls);
    },
    close() {
      closed ??= (async () => {
        const done = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        // Requests in flight get a moment to finish, then their connections are cut.
        const cut = setTimeout(() => {
          for (const s of sockets) s.destroy();
        }, 2000);
        await done;
        clearTimeout(cut);
        bodyRate.close();
        await handler.close();
      })();
      return closed;
    },
  };
}
