// Test helpers for the BITS upload server: start it in-process (startBitsServer) or as the real CLI
// child (`node dist/module/cli/main.js serve`, stopped by PID), and talk to it byte for byte over a
// raw TCP connection (node:net), so that tests control every header — including leaving
// Content-Length out — and see every header of the answer.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import tls from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startBitsServer, type RunningBitsServer, type StartBitsServerOptions } from '../../module/server/serve.js';
import { CLI_JS } from './cli.js';

export const BITS_PROTOCOL = '{7df0354d-249b-430f-820d-3d2a9bef4931}';

export interface RawResponse {
  status: number;
  statusText: string;
  /** Lower-case names; repeated headers joined with ', '. */
  headers: Record<string, string>;
  /** Header lines exactly as received. */
  rawHead: string;
  body: Buffer;
}

export interface HttpHead {
  /** Request line or status line. */
  startLine: string;
  /** Header lines in order, names as sent. */
  fields: [string, string][];
  /** Offset of the body (just past CRLFCRLF). */
  bodyStart: number;
}

/** The head of an HTTP message (request or response) at the front of `buf`; null when incomplete. */
export function parseHttpHead(buf: Buffer): HttpHead | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const [startLine, ...lines] = buf.subarray(0, end).toString('latin1').split('\r\n');
  const fields = lines.map((line): [string, string] => {
    const c = line.indexOf(':');
    return [line.slice(0, c).trim(), line.slice(c + 1).trim()];
  });
  return { startLine: startLine!, fields, bodyStart: end + 4 };
}

/** Parses one response from the front of `buf`; null when incomplete. */
function parseResponse(buf: Buffer, headRequest: boolean): { res: RawResponse; used: number } | null {
  const end = buf.indexOf('\r\n\r\n');
  if (end < 0) return null;
  const rawHead = buf.subarray(0, end).toString('latin1');
  const [statusLine, ...lines] = rawHead.split('\r\n');
  const m = /^HTTP\/1\.[01] (\d{3}) ?(.*)$/.exec(statusLine!);
  if (!m) throw new Error(`bad status line: ${statusLine}`);
  const headers: Record<string, string> = {};
  for (const line of lines) {
    const c = line.indexOf(':');
    const name = line.slice(0, c).trim().toLowerCase();
    const value = line.slice(c + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const status = Number(m[1]);
  const length = headRequest || status === 204 || status === 304 ? 0 : Number(headers['content-length'] ?? 0);
  if (buf.length < end + 4 + length) return null;
  return { res: { status, statusText: m[2]!, headers, rawHead, body: Buffer.from(buf.subarray(end + 4, end + 4 + length)) }, used: end + 4 + length };
}

/** One keep-alive TCP connection; send() writes raw request bytes and resolves with the next response. */
export class RawConnection {
  private buf = Buffer.alloc(0);
  private waiting: { resolve: (r: RawResponse) => void; reject: (e: Error) => void; head: boolean } | null = null;
  private closedError: Error | null = null;
  readonly socket: net.Socket;

  private constructor(socket: net.Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.pump();
    });
    const onGone = (e?: Error) => {
      this.closedError = e ?? new Error('connection closed');
      if (this.waiting) {
        const w = this.waiting;
        this.waiting = null;
        w.reject(this.closedError);
      }
    };
    socket.on('error', onGone);
    socket.on('close', () => onGone());
  }

  static open(port: number, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = net.connect(port, host, () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  /** A keep-alive TLS connection to 127.0.0.1:port, verified against `ca` (PEM). */
  static openTls(port: number, ca: Buffer | string, host = '127.0.0.1'): Promise<RawConnection> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host, ca }, () => resolve(new RawConnection(s)));
      s.once('error', reject);
    });
  }

  private pump(): void {
    if (!this.waiting) return;
    const r = parseResponse(this.buf, this.waiting.head);
    if (!r) return;
    this.buf = this.buf.subarray(r.used);
    const w = this.waiting;
    this.waiting = null;
    w.resolve(r.res);
  }

  /** Sends `bytes` (pieces are written one after the other) and waits for one response. */
  send(bytes: Buffer | string | (Buffer | string)[], opts: { head?: boolean; timeoutMs?: number } = {}): Promise<RawResponse> {
    if (this.closedError && this.buf.length === 0) return Promise.reject(this.closedError);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no response within timeout')), opts.timeoutMs ?? 20_000);
      this.waiting = {
        resolve: (r) => {
          clearTimeout(timer);
          resolve(r);
        },
        reject: (e) => {
          clearTimeout(timer);
          reject(e);
        },
        head: opts.head === true,
      };
      for (const piece of Array.isArray(bytes) ? bytes : [bytes]) this.socket.write(piece);
      this.pump();
    });
  }

  close(): void {
    this.socket.destroy();
  }
}

/** Sends one request on a fresh connection. */
export async function rawRequest(port: number, bytes: Buffer | string | (Buffer | string)[], opts: { head?: boolean } = {}): Promise<RawResponse> {
  const c = await RawConnection.open(port);
  try {
    return await c.send(bytes, opts);
  } finally {
    c.close();
  }
}

export interface PacketOptions {
  sessionId?: string;
  /** Extra or replacing headers; a value of null leaves that header out (e.g. Content-Length). */
  headers?: Record<string, string | number | null>;
  body?: Buffer;
}

/** Request bytes of one BITS_POST packet the way a Windows client spells it. */
export function packet(path: string, type: string, opts: PacketOptions = {}): Buffer {
  const h: Record<string, string | number | null> = {
    Host: 'bits.test',
    Accept: '*/*',
    'BITS-Packet-Type': type,
    ...(opts.sessionId ? { 'BITS-Session-Id': opts.sessionId } : {}),
    ...(type.toLowerCase() === 'create-session' ? { 'BITS-Supported-Protocols': BITS_PROTOCOL } : {}),
    'User-Agent': 'Microsoft BITS/7.8',
    'Content-Length': opts.body?.length ?? 0,
    ...opts.headers,
  };
  const lines = Object.entries(h).filter(([, v]) => v !== null).map(([k, v]) => `${k}: ${v}`);
  return Buffer.concat([Buffer.from(`BITS_POST ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`, 'latin1'), opts.body ?? Buffer.alloc(0)]);
}

/** A Fragment packet carrying `data` as bytes first..first+len-1 of `total`. */
export function fragment(path: string, sessionId: string, first: number, data: Buffer, total: number, headers: Record<string, string | number | null> = {}): Buffer {
  return packet(path, 'Fragment', {
    sessionId,
    body: data,
    headers: { 'Content-Range': `bytes ${first}-${first + data.length - 1}/${total}`, 'Content-Name': 'file.bin', ...headers },
  });
}

export function getRequest(path: string, headers: Record<string, string> = {}, method = 'GET'): string {
  const lines = Object.entries({ Host: 'bits.test', ...headers }).map(([k, v]) => `${k}: ${v}`);
  return `${method} ${path} HTTP/1.1\r\n${lines.join('\r\n')}\r\n\r\n`;
}

// ── servers ────────────────────────────────────────────────────────────────────────────────────

export interface TestServer extends RunningBitsServer {
  root: string;
  /** Removes the temporary root (after close). */
  cleanup(): Promise<void>;
}

/** A server on 127.0.0.1:0 in this process, with a fresh temporary root unless one is given. */
export async function startTestServer(opts: Partial<StartBitsServerOptions> = {}): Promise<TestServer> {
  const root = opts.root ?? (await mkdtemp(join(tmpdir(), 'bits-server-')));
  const ownRoot = opts.root === undefined;
  const s = await startBitsServer({ host: '127.0.0.1', port: 0, ...opts, root });
  return {
    ...s,
    root,
    async cleanup() {
      await s.close();
      if (ownRoot) await rm(root, { recursive: true, force: true });
    },
  };
}

export interface ChildServer {
  url: string;
  port: number;
  pid: number;
  child: ChildProcess;
  /** Everything the child wrote on stderr so far. */
  stderr(): string;
  /** SIGTERM to the PID, SIGKILL after 10 s; resolves with the exit code. */
  stop(): Promise<number | null>;
}

/** `bits-job2 serve <args> --port 0 --json` as a child process; resolves once it printed its URL. */
export function startChildServer(args: string[], env: NodeJS.ProcessEnv = process.env, nodeArgs: string[] = []): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, CLI_JS, 'serve', '--host', '127.0.0.1', '--port', '0', '--json', ...args], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let out = '';
    let err = '';
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`serve did not start: ${err}`));
    }, 15_000);
    child.stderr!.on('data', (d) => (err += d));
    child.stdout!.on('data', (d) => {
      out += d;
      let info: { url: string; port: number; pid: number } | undefined;
      try {
        info = JSON.parse(out);
      } catch {
        return; // not complete yet
      }
      clearTimeout(timer);
      resolve({
        url: info!.url,
        port: info!.port,
        pid: child.pid!,
        child,
        stderr: () => err,
        async stop() {
          if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
          process.kill(child.pid!, 'SIGTERM');
          const kill = setTimeout(() => {
            try {
              process.kill(child.pid!, 'SIGKILL');
            } catch {
              /* gone */
            }
          }, 10_000);
          const code = await exited;
          clearTimeout(kill);
          return code;
        },
      });
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited with ${code} before printing its URL: ${err}`));
    });
  });
}
