// The body of a BITS_POST that bits-post-shim.ts took past Node's HTTP parser (request-framer.ts
// `divert`): the socket's own chunks, in order, as a Readable the handler reads instead of the
// request (requestBody()). Memory stays bounded: above HIGH_WATER_MARK buffered the shim pauses the
// socket, and resumes it when the reader catches up. A body nobody reads (an early error Ack) is
// discarded once its response is sent, as Node dumps an unread request body, so the connection can
// carry the next request.
import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';

/** Bytes buffered in a body before the socket is paused (the fragment writer queues 2 MiB on top). */
export const HIGH_WATER_MARK = 1024 * 1024;

const BODY = Symbol('bits-job2 diverted body');

export class DivertedBody extends Readable {
  private left: number;

  constructor(
    readonly length: number,
    /** The reader wants more: the shim may resume the socket. */
    private readonly onWant: () => void,
  ) {
    super({ highWaterMark: HIGH_WATER_MARK });
    this.left = length;
    // A connection that closes mid-body destroys the body with an error; its reader (if any) sees it
    // through its own listener, and a body nobody reads must not crash the server with it.
    this.on('error', () => undefined);
  }

  /** Hands over the next piece; false when the socket should pause until _read asks for more. */
  feed(piece: Buffer): boolean {
    this.left -= piece.length;
    const more = this.push(piece);
    if (this.left > 0) return more;
    this.push(null);
    // Complete: no _read will come to resume the socket, and the next bytes are another request's.
    return true;
  }

  get complete(): boolean {
    return this.left === 0;
  }

  /** Bytes of the body that have arrived so far (body-rate.ts judges the client's rate by it). */
  get received(): number {
    return this.length - this.left;
  }

  override _read(): void {
    this.onWant();
  }
}

/** Ties `body` to `req` (the shim, on 'request') and restores the Content-Length the client sent. */
export function attachBody(req: IncomingMessage, body: DivertedBody): void {
  (req as IncomingMessage & { [BODY]?: DivertedBody })[BODY] = body;
  req.headers['content-length'] = String(body.length);
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    if (req.rawHeaders[i]!.toLowerCase() === 'content-length') req.rawHeaders[i + 1] = String(body.length);
  }
}

/** What to read a request's body from: the diverted body when there is one, else the request itself. */
export function requestBody(req: IncomingMessage): Readable {
  return (req as IncomingMessage & { [BODY]?: DivertedBody })[BODY] ?? req;
}
