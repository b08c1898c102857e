// A standalone BITS upload server: node:http + acceptBitsPost + the handler, nothing else.
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { acceptBitsPost } from './bits-post-shim.js';
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

/** An idle connection is dropped after this long (a stalled fragment body counts as idle). */
const SOCKET_IDLE_MS = 5 * 60_000;
const DEFAULT_KEEP_ALIVE_SECONDS = 65;

export async function startBitsServer(options: StartBitsServerOptions): Promise<RunningBitsServer> {
  const { host = '127.0.0.1', port = 0, tls, keepAliveTimeoutSeconds = DEFAULT_KEEP_ALIVE_SECONDS, ...handlerOptions } = options;
  if (!Number.isFinite(keepAliveTimeoutSeconds) || keepAliveTimeoutSeconds <= 0) throw new RangeError(`keepAliveTimeoutSeconds must be a positive number (got ${keepAliveTimeoutSeconds})`);
  const material = tls ? await loadTlsMaterial(tls) : null;
  const handler = createBitsUploadHandler(handlerOptions);
  await handler.ready;
  // No overall request deadline: a 13 MB fragment on a slow link may take longer than Node's default
  // 5 minutes; the idle timeout below still ends connections that stop moving.
  const serverOptions = { requestTimeout: 0, keepAliveTimeout: keepAliveTimeoutSeconds * 1000, headersTimeout: 60_000 };
  const onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
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
  server.setTimeout(SOCKET_IDLE_MS);
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
        await handler.close();
      })();
      return closed;
    },
  };
}
