// The per-user background service (DESIGN §4 "Service"): one engine, served to every client process
// over a Unix domain socket (Windows: named pipe) with newline-delimited JSON-RPC (./rpc.ts).
//
// Start order matters: private dir → single-instance lock → listen → open the engine. The lock comes
// before the engine so that a second instance that loses the race never opens the store (it would
// resume jobs); listening comes before the engine so that clients connect at once, their requests
// waiting for the engine instead of a retry loop.
import net from 'node:net';
import { chmodSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { BitsError, bitsError } from '../api/bits-error.js';
import { BACKEND_METHODS, type Backend } from '../api/port.js';
import { ensurePrivateDir } from '../common/paths.js';
import { toJobRows } from './job-rows.js';
import { LIST_TEXT_METHOD, listTextReply, TextReply } from './list-text.js';
import { ListTextCache } from './list-text-cache.js';
import { acquireLock, lockOwnerGone, type HeldLock } from './lock.js';
import { fileLogger, type LogFn } from './log.js';
import { clip, encodeMessage, errorResponse, LineReader, MAX_REQUEST_LINE_BYTES, parseRequest, type RpcResponse } from './rpc.js';
import { setUmask, unlinkQuiet, within } from './server-helpers.js';
import { socketPath as socketPathFor } from './socket-path.js';
import { adminHello, auditLine, OWNERSHIP_METHODS, ownershipCallAllowed, type AdminPeer } from './admin-peer.js';

const E_FAIL = 0x80004005;
const E_NOTIMPL = 0x80004001;

export interface ServiceOptions {
  stateDir: string;
  /**
   * The engine to serve, or a factory called once the lock is held. Default: PortableEngine.open
   * on the state dir. The service closes it when it stops.
   */
  engine?: Backend | (() => Promise<Backend>);
  /** Log sink; default appends to logPath(stateDir). */
  log?: LogFn;
  /** Shut down cleanly on SIGTERM/SIGINT (the executable sets this; in-process embedders usually not). */
  handleSignals?: boolean;
}

/** What `ping` answers. */
export interface ServiceInfo {
  pid: number;
  version: string;
  stateDir: string;
  startedAt: string;
}

export interface ServiceHandle {
  readonly socketPath: string;
  readonly info: ServiceInfo;
  /** Settles when the service has stopped, whatever stopped it (close(), a `shutdown` request, a signal). */
  readonly closed: Promise<void>;
  /** Stops accepting, lets requests in flight finish (bounded), closes the engine, removes socket and lock. */
  close(): Promise<void>;
}

/** RPC methods of the service itself, next to the Backend methods (listJobsRows: listJobs in rows, job-rows.ts; listJobsText: list-text.ts). */
export const SERVICE_METHODS = ['ping', 'shutdown', 'listJobsRows', LIST_TEXT_METHOD, 'adminHello', ...OWNERSHIP_METHODS] as const;

/** Requests still running after this long are abandoned at shutdown. */
const DRAIN_TIMEOUT_MS = 10_000;
/** Per connection: stop reading past this many requests in flight, resume below the low mark. */
const INFLIGHT_HIGH = 256;
const INFLIGHT_LOW = 64;
/** Invalid requests logged per connection (a fuzzing or broken client must not flood the log). */
const INVALID_LOG_LIMIT = 5;

const backendMethods: ReadonlySet<string> = new Set(BACKEND_METHODS);

export function serviceVersion(): string {
  try {
    // dist/module/service/server.js → package.json at the package root.
    const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown';
  }
}

export async function runService(opts: ServiceOptions): Promise<ServiceHandle> {
  const stateDir = resolve(opts.stateDir);
  ensurePrivateDir(stateDir);
  const log = opts.log ?? fileLogger(stateDir);
  const sock = socketPathFor(stateDir);
  const lock = await acquireLock(stateDir, {
    // A lock whose owner still answers on the socket is never stale, whatever the pid checks say.
    isStale: async (info) => !(await probeSocket(sock)) && lockOwnerGone(info),
  });
  const service = new Service(stateDir, sock, lock, log);
  try {
    await service.listen();
  } catch (e) {
    lock.release();
    throw e;
  }
  if (opts.handleSignals) service.handleSignals();
  try {
    await service.useEngine(opts.engine ?? (() => openPortableEngine(stateDir, log)));
  } catch (e) {
    log(`engine failed to open: ${describe(e)}`);
    await service.close('the engine failed to open');
    throw BitsError.from(e);
  }
  return { socketPath: sock, info: service.info, closed: service.closed, close: () => service.close('close() called') };
}

async function openPortableEngine(stateDir: string, log: LogFn): Promise<Backend> {
  const { PortableEngine } = await import('../engine/engine.js');
  return PortableEngine.open({ stateDir, log });
}

interface Conn {
  n: number;
  socket: net.Socket;
  reader: LineReader;
  inflight: number;
  invalid: number;
  /** Reading stopped (line too long, or service stopping): further input is dropped. */
  discard: boolean;
  /** Set by `adminHello`: an administrator's connection, whose calls are written to the log (admin-peer.ts). */
  admin?: AdminPeer;
  /** Until a text reply is written: what later replies wait for. */
  queue?: Promise<unknown>;
}

class Service {
  readonly info: ServiceInfo;
  readonly closed: Promise<void>;
  private resolveClosed!: () => void;
  private server?: net.Server;
  private engine?: Promise<Backend>;
  private conns = new Set<Conn>();
  private connCount = 0;
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  private stopping?: Promise<void>;
  private signalHandler?: (sig: NodeJS.Signals) => void;
  /** The `list --json` text of each job, kept between listings (list-text-cache.ts). */
  private readonly listText = new ListTextCache();

  constructor(
    readonly stateDir: string,
    readonly socketPath: string,
    private readonly lock: HeldLock,
    private readonly log: LogFn,
  ) {
    this.info = { pid: process.pid, version: serviceVersion(), stateDir, startedAt: new Date().toISOString() };
    this.closed = new Promise((r) => (this.resolveClosed = r));
  }

  async listen(): Promise<void> {
    if (await probeSocket(this.socketPath)) {
      // We hold the lock, yet someone serves: a service whose lock file was deleted by hand.
      throw bitsError(E_FAIL, `Another bits-job2 service answers on ${this.socketPath} although it holds no lock; stop it first.`);
    }
    if (process.platform !== 'win32') unlinkQuiet(this.socketPath); // left by a service that was killed
    const server = net.createServer((socket) => this.onConnection(socket));
    this.server = server;
    await new Promise<void>((resolveListen, reject) => {
      server.once('error', reject);
      // The socket is created with the umask's mode; a restrictive umask around bind leaves no
      // window in which it is group/world accessible (the 0700 dir already protects it; this is belt and braces).
      const oldMask = setUmask(0o177);
      try {
        server.listen(this.socketPath, () => {
          server.off('error', reject);
          resolveListen();
        });
      } finally {
        if (oldMask !== undefined) process.umask(oldMask);
      }
    });
    if (process.platform !== 'win32') chmodSync(this.socketPath, 0o600);
    server.on('error', (e) => this.log(`server error: ${describe(e)}`));
    this.log(`started: pid ${process.pid}, version ${this.info.version}, state dir ${this.stateDir}, socket ${this.socketPath}`);
  }

  async useEngine(engine: Backend | (() => Promise<Backend>)): Promise<void> {
    this.engine = typeof engine === 'function' ? engine() : Promise.resolve(engine);
    const e = await this.engine;
    this.log(`engine ready (${e.kind})`);
  }

  handleSignals(): void {
    this.signalHandler = (sig) => void this.close(sig);
    process.on('SIGTERM', this.signalHandler);
    process.on('SIGINT', this.signalHandler);
  }

  private onConnection(socket: net.Socket): void {
    const conn: Conn = { n: ++this.connCount, socket, reader: new LineReader(MAX_REQUEST_LINE_BYTES), inflight: 0, invalid: 0, discard: false };
    if (this.stopping) {
      socket.destroy();
      return;
    }
    this.conns.add(conn);
    this.log(`client #${conn.n} connected`);
    socket.on('data', (chunk: Buffer) => this.onData(conn, chunk));
    // EPIPE/ECONNRESET when a client goes away mid-reply: nothing to do, 'close' cleans up.
    socket.on('error', () => {});
    socket.on('close', () => {
      this.conns.delete(conn);
    });
  }

  private onData(conn: Conn, chunk: Buffer): void {
    if (conn.discard) return;
    const { lines, overflow } = conn.reader.push(chunk);
    for (const line of lines) {
      if (conn.discard) return;
      this.onLine(conn, line);
    }
    if (overflow) {
      conn.discard = true;
      this.log(`client #${conn.n} sent a request longer than ${MAX_REQUEST_LINE_BYTES} bytes; connection closed`);
      this.send(conn, errorResponse(null, bitsError(0x80070057, `The request is longer than ${MAX_REQUEST_LINE_BYTES} bytes; the connection is closed.`)));
      // end() flushes the error first; keep draining what the client still sends so it can read it.
      conn.socket.end();
      setTimeout(() => conn.socket.destroy(), 2000).unref();
    }
  }

  private onLine(conn: Conn, line: string): void {
    if (this.stopping) return; // the connection is closed after the drain; the client reconnects
    if (line.trim() === '') return;
    const parsed = parseRequest(line);
    if ('invalid' in parsed) {
      if (++conn.invalid <= INVALID_LOG_LIMIT) this.log(`client #${conn.n} sent an invalid request: ${parsed.invalid.error.message}`);
      this.send(conn, parsed.invalid);
      return;
    }
    const { id, method, params } = parsed.request;
    if (method === 'shutdown') {
      this.send(conn, { id, result: { stopping: true, pid: process.pid } });
      void this.close(`shutdown requested by client #${conn.n}`);
      return;
    }
    if (method === 'adminHello') {
      const answer = adminHello(params);
      if ('peer' in answer) {
        conn.admin = answer.peer;
        this.log(`client #${conn.n} ${auditLine(answer.peer, 'connected', [])}`);
        this.send(conn, { id, result: { pid: process.pid, uid: process.getuid?.() ?? null } });
      } else this.send(conn, errorResponse(id, answer.error));
      return;
    }
    conn.inflight++;
    this.inflight++;
    if (conn.inflight >= INFLIGHT_HIGH) conn.socket.pause();
    const allowed = ownershipCallAllowed(method, conn.admin);
    (allowed === true ? this.dispatch(method, params) : Promise.reject(allowed))
      .then(
        (result): RpcResponse => {
          if (conn.admin) this.log(`client #${conn.n} ${auditLine(conn.admin, method, params)}: done`);
          return { id, result };
        },
        (err: unknown): RpcResponse => {
          const be = BitsError.from(err);
          if (conn.admin) this.log(`client #${conn.n} ${auditLine(conn.admin, method, params)}: failed`);
          this.logFailure(conn, method, be, err);
          return { id, error: be.toJSON() };
        },
      )
      .then((resp) => {
        this.send(conn, resp);
        conn.inflight--;
        this.inflight--;
        if (conn.inflight < INFLIGHT_LOW && !conn.discard) conn.socket.resume();
        if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
      });
  }

  private async dispatch(method: string, params: unknown[]): Promise<unknown> {
    if (method === 'ping') return this.info;
    if (method === 'listJobsRows') return toJobRows(await this.dispatch('listJobs', params));
    if (method === LIST_TEXT_METHOD) return listTextReply(await this.dispatch('listJobs', params), this.listText);
    if (!backendMethods.has(method) && !(OWNERSHIP_METHODS as readonly string[]).includes(method)) {
      throw bitsError(E_NOTIMPL, `The bits-job2 service has no method '${clip(method, 64)}'.`);
    }
    if (!this.engine) throw bitsError(E_FAIL, 'The bits-job2 service has no engine yet.');
    const engine = await this.engine;
    const fn = (engine as unknown as Record<string, unknown>)[method];
    if (typeof fn !== 'function') throw bitsError(E_NOTIMPL, `The ${engine.kind} engine does not implement '${method}'.`);
    return await (fn as (...a: unknown[]) => unknown).apply(engine, params);
  }

  private send(conn: Conn, resp: RpcResponse): void {
    // A text reply (list-text.ts) takes several turns to write; the replies after it wait for its end.
    const queued = conn.queue ? conn.queue.then(() => this.write(conn, resp)) : this.write(conn, resp);
    if (!queued) return;
    conn.queue = queued;
    void queued.then(() => conn.queue === queued && (conn.queue = undefined));
  }

  private write(conn: Conn, resp: RpcResponse): Promise<void> | undefined {
    if (conn.socket.destroyed || !conn.socket.writable) return;
    if ('result' in resp && resp.result instanceof TextReply) return resp.result.writeTo(conn.socket, resp.id);
    let line: string;
    try {
      line = encodeMessage(resp);
    } catch (e) {
      // A result JSON cannot express (BigInt, cycle) is an engine bug; the client gets it as an error.
      this.log(`cannot encode the reply to request ${String(resp.id)}: ${describe(e)}`);
      line = encodeMessage(errorResponse(resp.id, bitsError(E_FAIL, `The service could not encode its reply: ${describe(e)}`)));
    }
    conn.socket.write(line);
    return undefined;
  }

  private logFailure(conn: Conn, method: string, be: BitsError, original: unknown): void {
    // Parameters are never logged (setCredentials carries passwords), and for setCredentials not even
    // the message, in case an engine echoes a value it rejected.
    const what = method === 'setCredentials' ? '' : `: ${be.message}`;
    const stack = original instanceof BitsError || !(original instanceof Error) ? '' : `\n${original.stack ?? ''}`;
    this.log(`client #${conn.n} ${method} failed with ${be.hresultHex} ${be.code}${what}${method === 'setCredentials' ? '' : stack}`);
  }

  private waitIdle(timeoutMs: number): Promise<void> {
    if (this.inflight === 0) return Promise.resolve();
    return new Promise<void>((r) => {
      const t = setTimeout(r, timeoutMs);
      this.idleWaiters.push(() => {
        clearTimeout(t);
        r();
      });
    });
  }

  close(reason: string): Promise<void> {
    this.stopping ??= this.shutdown(reason);
    return this.stopping;
  }

  private async shutdown(reason: string): Promise<void> {
    this.log(`stopping: ${reason}`);
    this.listText.clear();
    const server = this.server;
    const serverClosed = server ? new Promise<void>((r) => server.close(() => r())) : Promise.resolve();
    await this.waitIdle(DRAIN_TIMEOUT_MS);
    if (this.inflight > 0) this.log(`${this.inflight} request(s) still running after ${DRAIN_TIMEOUT_MS} ms; closing anyway`);
    // end() sends what is queued (the last replies, the answer to `shutdown`) before closing.
    for (const c of this.conns) {
      c.discard = true;
      c.socket.end();
    }
    await within(serverClosed, 2000);
    for (const c of this.conns) c.socket.destroy();
    if (this.engine) {
      try {
        const engine = await this.engine;
        await engine.close();
      } catch (e) {
        this.log(`engine close failed: ${describe(e)}`);
      }
    }
    if (process.platform !== 'win32') unlinkQuiet(this.socketPath);
    this.lock.release();
    if (this.signalHandler) {
      process.off('SIGTERM', this.signalHandler);
      process.off('SIGINT', this.signalHandler);
    }
    this.log('stopped');
    this.resolveClosed();
  }
}

/** True when something accepts connections at `path` (a live service). */
export function probeSocket(path: string, timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolveProbe) => {
    const s = net.connect(path);
    let done = false;
    const finish = (alive: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      s.destroy();
      resolveProbe(alive);
    };
    // No answer to connect at all: something holds the address, so do not treat it as free.
    const timer = setTimeout(() => finish(true), timeoutMs);
    s.once('connect', () => finish(true));
    s.once('error', () => finish(false));
  });
}

function describe(e: unknown): string {
  if (e instanceof BitsError) return `${e.hresultHex} ${e.code}: ${e.message}`;
  if (e instanceof Error) return e.stack ?? e.message;
  return String(e);
}
