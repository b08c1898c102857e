// The connection to the per-user service (DESIGN §4 "Service"): one socket, calls pipelined on it
// (ids match replies to calls, so replies may come back in any order), the service started on
// demand (starter.ts). ServiceLink is the transport of ServiceClient (client.ts).
//
// The service can go away under a client (stopped, crashed, `kill -9`). Calls pending at that moment
// fail with E_FAIL "the bits-job2 service stopped; …" and the next call starts a new service. Calls that
// only read are retried once on the new service, so a poll loop (`bits-job2 transfer`) rides through
// a restart; calls that change a job are not, because the old service may or may not have applied them.
import net from 'node:net';
import { constants as bufferConstants } from 'node:buffer';
import { BitsError, bitsError } from '../api/bits-error.js';
import { ErrorContext } from '../api/enums.js';
import { logPath } from '../common/paths.js';
import { isProcessAlive, readLock } from './lock.js';
import { encodeMessage, errorFromResponse, LineReader, MAX_REQUEST_LINE_BYTES, parseResponse, SERVICE_STOPPED_MESSAGE, type RpcId } from './rpc.js';
import type { ServiceInfo } from './server.js';
import { Starter } from './starter.js';

const E_FAIL = 0x80004005;

export { SERVICE_STOPPED_MESSAGE };

/** Replies can be large (listJobs over many jobs); the only hard bound is what one JS string can hold. */
const MAX_RESPONSE_LINE_BYTES = bufferConstants.MAX_STRING_LENGTH;
/** errno codes that mean "nobody listens here (yet)". EAGAIN: a Unix socket's backlog is full. */
const NOT_LISTENING = new Set(['ENOENT', 'ECONNREFUSED', 'EAGAIN']);

// Errors that mean "the connection went away", so that call() knows what it may retry.
const lostErrors = new WeakSet<BitsError>();
function serviceStoppedError(): BitsError {
  const e = new BitsError(E_FAIL, SERVICE_STOPPED_MESSAGE, ErrorContext.GENERAL_QUEUE_MANAGER, { serviceUnavailable: true });
  lostErrors.add(e);
  return e;
}
function clientClosedError(): BitsError {
  return new BitsError(E_FAIL, 'This ServiceClient is closed; open a new one.', ErrorContext.NONE);
}

interface Pending {
  resolve(v: unknown): void;
  reject(e: unknown): void;
  timer?: NodeJS.Timeout;
}

/** One socket to the service: request/response matching, and ref only while a reply is awaited. */
class Connection {
  closed = false;
  private pending = new Map<RpcId, Pending>();
  private nextId = 1;
  private reader = new LineReader(MAX_RESPONSE_LINE_BYTES);
  private closeReason?: () => BitsError;

  constructor(
    private readonly socket: net.Socket,
    private readonly onClosed: (c: Connection) => void,
  ) {
    // Idle, the connection must not keep the process alive (a script that never calls close() still exits);
    // with a reply pending it must, or an awaited call would end the process with an unsettled promise.
    socket.unref();
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', () => {}); // ECONNRESET/EPIPE: 'close' follows and fails what is pending
    socket.on('close', () => this.fail());
  }

  request(method: string, params: unknown[], timeoutMs?: number): Promise<unknown> {
    if (this.closed) return Promise.reject((this.closeReason ?? serviceStoppedError)());
    const id = this.nextId++;
    let line: string;
    try {
      line = encodeMessage({ id, method, params });
    } catch (e) {
      return Promise.reject(bitsError(0x80070057, `The arguments of ${method} cannot be sent as JSON: ${(e as Error).message}`));
    }
    // The service closes a connection that sends a longer line; refuse it here and keep the connection.
    if (line.length > MAX_REQUEST_LINE_BYTES / 3 && Buffer.byteLength(line) > MAX_REQUEST_LINE_BYTES) {
      return Promise.reject(bitsError(0x80070057, `The arguments of ${method} are larger than the ${MAX_REQUEST_LINE_BYTES} bytes the service accepts in one request.`));
    }
    return new Promise((resolveCall, rejectCall) => {
      const p: Pending = { resolve: resolveCall, reject: rejectCall };
      if (timeoutMs !== undefined) {
        p.timer = setTimeout(() => {
          this.pending.delete(id);
          this.updateRef();
          rejectCall(bitsError(E_FAIL, `The bits-job2 service did not answer ${method} within ${timeoutMs} ms.`));
        }, timeoutMs);
      }
      this.pending.set(id, p);
      this.updateRef();
      this.socket.write(line);
    });
  }

  /** Closes the socket; pending calls fail with `reason`. */
  close(reason: () => BitsError): void {
    this.closeReason ??= reason;
    this.socket.destroy();
    this.fail();
  }

  private updateRef(): void {
    if (this.pending.size > 0) this.socket.ref();
    else this.socket.unref();
  }

  private onData(chunk: Buffer): void {
    const { lines, overflow } = this.reader.push(chunk);
    for (const line of lines) {
      if (line.trim() === '') continue;
      const resp = parseResponse(line);
      if (resp && resp.id === null && 'error' in resp) {
        // The service could not read one of our requests and closes the connection: say why.
        const error = resp.error;
        this.close(() => errorFromResponse(error));
        return;
      }
      const p = resp && resp.id !== null ? this.pending.get(resp.id) : undefined;
      if (!resp || !p) {
        // Not a reply to anything we sent: the stream cannot be trusted any more.
        this.close(serviceStoppedError);
        return;
      }
      this.pending.delete(resp.id!);
      if (p.timer) clearTimeout(p.timer);
      this.updateRef();
      if ('error' in resp) p.reject(errorFromResponse(resp.error));
      else p.resolve(resp.result);
    }
    if (overflow) this.close(serviceStoppedError);
  }

  private fail(): void {
    if (this.closed) return;
    this.closed = true;
    const reason = this.closeReason ?? serviceStoppedError;
    for (const p of this.pending.values()) {
      if (p.timer) clearTimeout(p.timer);
      p.reject(reason());
    }
    this.pending.clear();
    this.onClosed(this);
  }
}

function dial(path: string): Promise<net.Socket> {
  return new Promise((resolveDial, rejectDial) => {
    const s = net.connect(path);
    s.once('connect', () => {
      s.off('error', rejectDial);
      resolveDial(s);
    });
    s.once('error', rejectDial);
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The client's side of the service: connects (starting the service if needed), reconnects, calls. */
export class ServiceLink {
  private conn?: Connection;
  private connecting?: Promise<Connection>;
  closed = false;
  /** The service this link last connected to (its ping answer). */
  info?: ServiceInfo;

  constructor(
    readonly stateDir: string,
    readonly socketPath: string,
    private readonly autoStart: boolean,
    private readonly startTimeoutMs: number,
  ) {}

  /** Asks the service to stop (it answers, then closes its engine and exits). Never starts one. */
  async shutdown(): Promise<{ stopping: boolean; pid: number }> {
    if (this.closed) throw clientClosedError();
    const conn = this.conn && !this.conn.closed ? this.conn : await this.open(false);
    return (await conn.request('shutdown', [])) as { stopping: boolean; pid: number };
  }

  /** Closes the connection; the service keeps running. */
  close(): void {
    this.closed = true;
    this.conn?.close(clientClosedError);
    this.conn = undefined;
  }

  // --- the connection -------------------------------------------------------------------------

  connection(): Promise<Connection> {
    if (this.closed) return Promise.reject(clientClosedError());
    if (this.conn && !this.conn.closed) return Promise.resolve(this.conn);
    this.connecting ??= this.open().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async open(autoStart = this.autoStart): Promise<Connection> {
    const deadline = Date.now() + this.startTimeoutMs;
    const starter = new Starter(this.stateDir);
    let lastProblem = '';
    for (let wait = 20; ; wait = Math.min(wait * 2, 200)) {
      let socket: net.Socket | undefined;
      try {
        socket = await dial(this.socketPath);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code ?? '';
        if (!NOT_LISTENING.has(code)) {
          throw bitsError(E_FAIL, `Cannot connect to the bits-job2 service at ${this.socketPath}: ${(e as Error).message}`);
        }
        if (!autoStart) {
          throw bitsError(
            E_FAIL,
            `The bits-job2 service is not running for ${this.stateDir} (nothing listens on ${this.socketPath}). Start it with 'bits-job2 service start'.`,
          );
        }
        lastProblem = `nothing listens on ${this.socketPath} (${code})`;
        starter.startIfNeeded();
      }
      if (socket) {
        const conn = new Connection(socket, (c) => {
          if (this.conn === c) this.conn = undefined;
        });
        try {
          this.info = (await conn.request('ping', [], Math.max(deadline - Date.now(), 1000))) as ServiceInfo;
        } catch (e) {
          conn.close(serviceStoppedError);
          // Lost: a service that was stopping accepted us; try again (and start a new one if needed).
          if (!(e instanceof BitsError && lostErrors.has(e))) throw this.notAnswering(e);
          lastProblem = 'a service that was stopping accepted the connection';
        }
        if (!conn.closed) {
          if (this.closed) {
            conn.close(clientClosedError);
            throw clientClosedError();
          }
          this.conn = conn;
          return conn;
        }
      }
      const left = deadline - Date.now();
      if (left <= 0) throw this.didNotStart(lastProblem, starter);
      await sleep(Math.min(wait, left));
    }
  }

  private notAnswering(e: unknown): BitsError {
    const be = BitsError.from(e);
    return bitsError(E_FAIL, `The bits-job2 service at ${this.socketPath} accepted the connection but did not answer: ${be.message} ${this.hint()}`);
  }

  private didNotStart(lastProblem: string, starter: Starter): BitsError {
    const how = starter.spawned
      ? `after starting it ${starter.spawned} time(s) (last exit: ${starter.lastExit ?? 'still running'})`
      : '';
    return bitsError(
      E_FAIL,
      `The bits-job2 service did not answer within ${this.startTimeoutMs} ms ${how}: ${lastProblem}. See ${logPath(this.stateDir)}. ${this.hint()}`.replace(/\s+/g, ' ').trim(),
    );
  }

  private hint(): string {
    try {
      const lock = readLock(this.stateDir);
      if (lock && isProcessAlive(lock.pid)) {
        return `Service pid ${lock.pid} holds ${this.stateDir}; if it is hung, run 'bits-job2 service stop'.`;
      }
    } catch {
      /* unreadable lock: no hint */
    }
    return '';
  }

  // --- calls ----------------------------------------------------------------------------------

  async call(method: string, params: unknown[], retryOnce: boolean): Promise<unknown> {
    // JSON turns a trailing `undefined` into null, which would defeat the callee's default parameter.
    while (params.length > 0 && params[params.length - 1] === undefined) params.pop();
    for (let attempt = 0; ; attempt++) {
      const conn = await this.connection();
      try {
        return await conn.request(method, params);
      } catch (e) {
        const lost = e instanceof BitsError && lostErrors.has(e);
        if (lost && retryOnce && attempt === 0 && !this.closed) continue;
        throw e;
      }
    }
  }

}
