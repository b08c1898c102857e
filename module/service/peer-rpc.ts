// One short-lived JSON-RPC connection to a service socket that is not the caller's own: an
// administrator's calls to another user's service, and to the administrator's own service for the
// methods that are not on the Backend port (adoptJob). Deliberately smaller than ServiceClient: no
// auto-start (starting another user's service is all-users.ts's explicit decision), no reconnect, no
// retry — an administrator's action either reaches the service once or fails with what happened.
import net from 'node:net';
import { bitsError, type BitsError } from '../api/bits-error.js';
import { encodeMessage, errorFromResponse, LineReader, parseResponse } from './rpc.js';

const E_FAIL = 0x80004005;
/** A peer answers within this or the call fails (a hung user service must not hang the administrator). */
const CALL_TIMEOUT_MS = 30_000;
/** Replies from a peer are bounded: another user's service is not trusted to be well-behaved. */
const MAX_REPLY_BYTES = 256 * 1024 * 1024;

export class PeerConnection {
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(v: unknown): void; reject(e: unknown): void }>();
  private readonly reader = new LineReader(MAX_REPLY_BYTES);
  private failure?: BitsError;

  private constructor(private readonly socket: net.Socket, readonly socketPath: string) {
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {});
    socket.on('close', () => this.fail(bitsError(E_FAIL, `The bits-job2 service at ${socketPath} closed the connection.`)));
  }

  /** Connects, or rejects with the errno (ENOENT/ECONNREFUSED: nobody listens). */
  static open(socketPath: string): Promise<PeerConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(socketPath);
      s.once('connect', () => {
        s.off('error', reject);
        resolve(new PeerConnection(s, socketPath));
      });
      s.once('error', reject);
    });
  }

  call<T = unknown>(method: string, params: unknown[] = []): Promise<T> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    while (params.length > 0 && params[params.length - 1] === undefined) params.pop();
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(bitsError(E_FAIL, `The bits-job2 service at ${this.socketPath} did not answer ${method} within ${CALL_TIMEOUT_MS / 1000} s.`));
      }, CALL_TIMEOUT_MS);
      this.pending.set(id, {
        resolve: (v) => (clearTimeout(timer), resolve(v as T)),
        reject: (e) => (clearTimeout(timer), reject(e)),
      });
      this.socket.write(encodeMessage({ id, method, params }));
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    const { lines, overflow } = this.reader.push(chunk);
    for (const line of lines) {
      if (line.trim() === '') continue;
      const resp = parseResponse(line);
      const p = resp && typeof resp.id === 'number' ? this.pending.get(resp.id) : undefined;
      if (!resp || !p) {
        this.fail(bitsError(E_FAIL, `The bits-job2 service at ${this.socketPath} sent a line that answers nothing it was asked.`));
        this.socket.destroy();
        return;
      }
      this.pending.delete(resp.id as number);
      if ('error' in resp) p.reject(errorFromResponse(resp.error));
      else p.resolve(resp.result);
    }
    if (overflow) {
      this.fail(bitsError(E_FAIL, `The bits-job2 service at ${this.socketPath} sent a reply over ${MAX_REPLY_BYTES} bytes.`));
      this.socket.destroy();
    }
  }

  private fail(e: BitsError): void {
    this.failure ??= e;
    for (const p of this.pending.values()) p.reject(this.failure);
    this.pending.clear();
  }
}
