// Reads an accepted plain-TCP socket into one reused buffer instead of a fresh ArrayBuffer per read.
//
// net.Socket has this mode — the `onread` option: libuv reads into the given buffer and a callback
// gets the bytes, and returning false stops reading until socket.resume() — but only sockets Node
// creates for connect() take the option; a server's accepted sockets cannot be given it. This sets
// the same three fields net.Socket reads for `onread` (found by their symbols' descriptions) and
// tells the handle to use the buffer, which is all the option does. Where that is not possible
// (another Node's internals, a TLS socket) it returns false and the caller reads 'data' events.
// Covered by test/server-diverted-body.test.ts (byte-exact bodies, pauses, pipelined requests).
//
// One buffer serves every connection: libuv reads one socket at a time into it and the callback
// runs before the next read, so the callback must have copied (or consumed) the bytes it keeps.
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** Bytes per socket read: fewer, larger reads than libuv's 64 KiB suggestion. */
export const READ_BUFFER_BYTES = 256 * 1024;
let shared: Buffer | undefined;

interface UserBufferHandle {
  useUserBuffer?(buf: Uint8Array): void;
  reading?: boolean;
}

function symbolNamed(socket: Socket, name: string): symbol | undefined {
  return Object.getOwnPropertySymbols(socket).find((s) => s.description === name);
}

/**
 * From now on `socket`'s bytes go to `onBytes(view)` — a view of the shared buffer, valid during the
 * call only, or of the buffer `nextBuffer()` returned after the previous read — instead of 'data'
 * events; onBytes returns false to stop reading (resume with socket.resume()). False, and nothing
 * changed, when this socket cannot read that way.
 */
export function readIntoSharedBuffer(socket: Socket, onBytes: (view: Buffer) => boolean, nextBuffer?: () => Buffer | undefined): boolean {
  if (socket instanceof TLSSocket) return false;
  const handle = (socket as unknown as { _handle?: UserBufferHandle })._handle;
  const kBuffer = symbolNamed(socket, 'kBuffer');
  const kBufferCb = symbolNamed(socket, 'kBufferCb');
  const kBufferGen = symbolNamed(socket, 'kBufferGen');
  const fields = socket as unknown as Record<symbol, unknown>;
  if (!handle || typeof handle.useUserBuffer !== 'function' || !kBuffer || !kBufferCb || !kBufferGen) return false;
  // Unused fields are null on every socket; anything else means someone else uses them.
  if (fields[kBuffer] !== null || fields[kBufferCb] !== null || fields[kBufferGen] !== null) return false;
  const buf = (shared ??= Buffer.allocUnsafeSlow(READ_BUFFER_BYTES));
  handle.useUserBuffer(buf);
  fields[kBuffer] = buf;
  fields[kBufferCb] = (nread: number, b: Buffer) => onBytes(b.subarray(0, nread));
  // Asked after every read: the next read goes there (e.g. straight into a body's slab), else the shared buffer.
  if (nextBuffer) fields[kBufferGen] = () => nextBuffer() ?? buf;
  return true;
}
