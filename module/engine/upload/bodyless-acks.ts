// Answers without Content-Length on a keep-alive connection (issue 13). Small BITS servers written
// against Windows BITS send e.g. `HTTP/1.1 416` with no Content-Length and no body and keep the
// connection open. HTTP/1.1 says such a body runs to EOF, so Node would wait for a close that never
// comes and the connection — which on some servers *is* the upload session — could never carry the
// next packet. A BITS Ack has no body (spec §7.1), so for exactly these answers the body is
// skipped and the connection stays usable, the way Windows BITS treats them.
//
// How: Node's HTTP client asks `parser.onIncoming` whether a response has a body (return 1 = skip
// it, as for HEAD) and whether the connection stays alive; we wrap that callback for the request's
// parser. This touches Node internals (stable from Node 12 to 22); the quirks matrix
// (test/upload-quirks-matrix.test.ts) fails if a Node release changes them, and without the hook
// the client still works, only with one more connection (it drops a socket that waits for EOF).
import type http from 'node:http';
import type { IncomingMessage } from 'node:http';

type OnIncoming = (res: IncomingMessage, shouldKeepAlive: boolean) => number | undefined;
const wrapped = new WeakSet<OnIncoming>();

/** True for a response whose body HTTP/1.1 would read until the connection closes. */
export function readsUntilEof(res: IncomingMessage): boolean {
  const status = res.statusCode ?? 0;
  if (status < 200 || status === 204 || status === 304) return false;
  if (res.headers['content-length'] !== undefined || res.headers['transfer-encoding'] !== undefined) return false;
  // A server that says it closes (or speaks HTTP/1.0 without keep-alive) will close: read to EOF as HTTP says.
  const connection = String(res.headers.connection ?? '');
  if (res.httpVersionMinor === 0 && res.httpVersionMajor === 1) return /\bkeep-alive\b/i.test(connection);
  return !/\bclose\b/i.test(connection);
}

/** Makes `req` treat an until-EOF answer as bodyless and keep its connection. */
export function skipUntilEofBodies(req: http.ClientRequest): void {
  req.once('socket', (socket) => {
    const parser = (socket as unknown as { parser?: { onIncoming?: OnIncoming } }).parser;
    const original = parser?.onIncoming;
    if (!parser || typeof original !== 'function' || wrapped.has(original)) return;
    const hook: OnIncoming = function (this: unknown, res, shouldKeepAlive) {
      if (!readsUntilEof(res)) return original.call(this, res, shouldKeepAlive);
      original.call(this, res, true);
      return 1; // skip the body: the response ends at its headers
    };
    wrapped.add(hook);
    parser.onIncoming = hook;
  });
}
