// `listJobsText`: the document `bits-job2 list --json` prints, made here in the service, so that the
// CLI copies bytes from the socket to stdout instead of parsing ~2 MB of rows and formatting ~9 MB of
// JSON itself (BENCHMARKS.md "list of 10000": parse, build and stringify were most of the CLI's time
// after Node's start-up). The text is what the CLI's own path prints for the same snapshots,
// prettyArrayChunks(snapshots.map(jobDocument), '\n'), byte for byte (test/service-list-text-cache).
//
// On the wire the reply breaks the one-line rule of rpc.ts once, and only for this method:
//   {"id":n,"result":{"text":"follows"}}\n <the UTF-8 text> \0
// JSON text never holds a NUL byte (JSON.stringify writes U+0000 as \u0000), so the NUL marks the
// end and a reader tells a complete document from one cut off by a service that went away. An error
// is an ordinary error line. ServiceClient never asks for it; module/cli/list-from-service.ts does,
// on a connection of its own.
import type { Socket } from 'node:net';
import type { ListTextCache } from './list-text-cache.js';
import { TEXT_END, TEXT_FOLLOWS } from './list-text-wire.js';
import { encodeMessage, type RpcId } from './rpc.js';

export { LIST_TEXT_METHOD, TEXT_END, TEXT_FOLLOWS } from './list-text-wire.js';

/** A reply whose body is raw bytes after its result line (server.ts sends it with writeTo). */
export class TextReply {
  constructor(private readonly pieces: Iterable<Uint8Array>) {}

  /**
   * Writes the result line, the text and TEXT_END. A piece is formatted while the one before it
   * drains, so the client reads while the service formats; the caller holds back the connection's
   * other replies until this settles (they must not land inside the text). A failure cuts the
   * connection: the client sees no TEXT_END and reports the stopped service.
   */
  async writeTo(socket: Socket, id: RpcId): Promise<void> {
    const drained = () => new Promise<void>((resolve) => {
      const done = (): void => {
        socket.off('drain', done);
        socket.off('close', done);
        resolve();
      };
      socket.on('drain', done);
      socket.on('close', done);
    });
    try {
      let flowing = socket.write(encodeMessage({ id, result: TEXT_FOLLOWS }));
      for (const piece of this.pieces) {
        if (!flowing) await drained();
        if (socket.destroyed) return;
        flowing = socket.write(piece);
      }
      socket.write(Uint8Array.of(TEXT_END));
    } catch {
      socket.destroy();
    }
  }
}

/**
 * The `list --json` document of listJobs' result, through the service's cache (list-text-cache.ts:
 * the text of jobs that did not change since its last listing is copied, not formatted again). The
 * text is made first: a result that is not snapshots fails here, as an error reply.
 */
export function listTextReply(snapshots: unknown, cache: ListTextCache): TextReply {
  return new TextReply(cache.pieces(snapshots, '\n'));
}
