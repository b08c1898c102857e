// A standalone BITS upload server: node:http + acceptBitsPost + the handler, nothing else.
import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { acceptBitsPost } from './bits-post-shim.js';
import { createBitsUploadHandler, type BitsUploadHandler } from './handler.js';
import type { BitsUploadHandlerOptions } from './options.js';

export interface StartBitsServerOptions extends BitsUploadHandlerOptions {
  /** Interface to listen on. Default 127.0.0.1 (give 0.0.0.0 or :: to accept other machines). */
  host?: string;
  /** Port; 0 (default) picks a free one. */
  port?: number;
}

export interface RunningBitsServer {
  /** Base URL of the upload directory, e.g. http://127.0.0.1:8080/ (ends with the URL prefix). */
  url: string;
  host: string;
  port: number;
  handler: BitsUploadHandler;
  server: http.Server;
  /** Stops accepting, ends open connections, stops the handler's timers. Sessions stay on disk. */
  close(): Promise<void>;
}

/** An idle connection is dropped after this long (a stalled fragment body counts as idle). */
const SOCKET_IDLE_MS = 5 * 60_000;

export async function startBitsServer(options: StartBitsServerOptions): Promise<RunningBitsServer> {
  const { host = '127.0.0.1', port = 0, ...handlerOptions } = options;
  const handler = createBitsUploadHandler(handlerOptions);
  await handler.ready;
  // No overall request deadline: a 13 MB fragment on a slow link may take longer than Node's default
  // 5 minutes; the idle timeout below still ends connections that stop moving.
  const server = http.createServer({ requestTimeout: 0 }, (req, res) => {
    handler.handle(req, res).then(
      (handled) => {
        if (handled) return;
        res.writeHead(405, { Allow: 'GET, HEAD, BITS_POST', 'Content-Length': 0 });
        res.end();
      },
      () => res.destroy(),
    );
  });
  server.setTimeout(SOCKET_IDLE_MS);
  acceptBitsPost(server);
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
    url: `http://${hostPart}:${addr.port}${prefix.replace(/\/\/$/, '/')}`,
    host: addr.address,
    port: addr.port,
    handler,
    server,
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
