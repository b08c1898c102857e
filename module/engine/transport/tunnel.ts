// HTTPS through a proxy: `CONNECT host:port` to the proxy, then TLS to the origin inside the tunnel
// (SNI = origin host, the origin's certificate checked against the same CAs as a direct
// connection). A 407 to the CONNECT is answered with the job's PROXY credentials (auth-round.ts);
// the answer is remembered, so later tunnels of the same transfer send it at once.
//
// TunnelAgent plugs this into node:https: its createConnection builds the tunnel asynchronously,
// so keep-alive (one tunnel per upload session) and pooling work as for direct connections.
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { requestTimeoutError } from '../http/errors.js';
import { AuthRound } from './auth/auth-round.js';
import { challengesOf } from './auth/challenge.js';
import type { AuthContext, Authenticator } from './auth/authenticator.js';
import { proxyTransportError, tunnelRefusedError } from './proxy-errors.js';
import type { ProxyServer } from './proxy-syntax.js';

export interface TunnelOptions {
  proxy: ProxyServer;
  auth: Authenticator;
  /** Trust for TLS to an https:// proxy (agents.ts trustedSecureContext); default Node's store. */
  secureContext?: tls.SecureContext;
  /** Limit for each CONNECT exchange (connect + response head). */
  timeoutMs: number;
  /** Message context of a 407 (URL, proxy, data). */
  context(host: string, port: number): AuthContext;
}

function authority(host: string, port: number): string {
  return `${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

interface ConnectAnswer {
  status: number;
  headers: http.IncomingHttpHeaders;
  socket: Duplex;
}

/** One CONNECT exchange on a fresh connection to the proxy. */
function connectOnce(o: TunnelOptions, target: string, authHeaders: Record<string, string>, url: string): Promise<ConnectAnswer> {
  return new Promise((resolve, reject) => {
    const { proxy } = o;
    const common = { host: proxy.host, port: proxy.port, method: 'CONNECT', path: target, headers: { Host: target, ...authHeaders }, agent: false as const };
    const req =
      proxy.protocol === 'https:'
        ? https.request({ ...common, ...(o.secureContext ? { secureContext: o.secureContext } : {}), ...(net.isIP(proxy.host) ? {} : { servername: proxy.host }) })
        : http.request(common);
    let done = false;
    const timer = setTimeout(() => {
      if (done) return;
      done = true;
      req.destroy();
      reject(requestTimeoutError(proxy.href, o.timeoutMs));
    }, o.timeoutMs);
    req.once('connect', (res: http.IncomingMessage, socket: Duplex, head: Buffer) => {
      clearTimeout(timer);
      if (done) return socket.destroy();
      done = true;
      if (head.length) socket.unshift(head);
      resolve({ status: res.statusCode ?? 0, headers: res.headers, socket });
    });
    req.on('error', (e) => {
      clearTimeout(timer);
      if (done) return;
      done = true;
      reject(proxyTransportError(e, proxy.href, url));
    });
    req.end();
  });
}

function connectionBoundTunnelError(o: TunnelOptions, ctx: AuthContext, headers: http.IncomingHttpHeaders): Error {
  const why =
    'NTLM and Negotiate on a CONNECT tunnel (an https: URL through the proxy) are not supported by the portable engine yet; they work for http: URLs through the same proxy. Set BASIC or DIGEST PROXY credentials if the proxy offers them, or run the job with Windows BITS';
  return o.auth.error({ target: 'PROXY', key: o.proxy.href }, challengesOf(headers, 'proxy-authenticate'), ctx, { kind: 'unusable', why });
}

/** A raw tunnel to host:port (plain bytes; TLS is the caller's). */
export async function openTunnel(o: TunnelOptions, host: string, port: number): Promise<Duplex> {
  const target = authority(host, port);
  const ctx = o.context(host, port);
  const round = new AuthRound(o.auth, 'CONNECT', { server: null, proxy: { space: { target: 'PROXY', key: o.proxy.href }, uri: target }, trustedOrigins: [] }, ctx);
  for (;;) {
    const answer = await connectOnce(o, target, round.headers(), ctx.url);
    if (answer.status >= 200 && answer.status < 300) return answer.socket;
    answer.socket.destroy();
    if (answer.status === 407 && (await round.retryAfter(407, answer.headers))) {
      // NTLM/Negotiate authenticate one connection, but each CONNECT here is a fresh one: refuse
      // clearly instead of sending the next leg where the proxy cannot match it (issue 18).
      if (round.connectionBound) throw connectionBoundTunnelError(o, ctx, answer.headers);
      continue;
    }
    throw tunnelRefusedError(answer.status, o.proxy.href, ctx.url);
  }
}

/** An https.Agent whose connections are TLS inside a CONNECT tunnel. */
export class TunnelAgent extends https.Agent {
  constructor(
    private readonly tunnel: TunnelOptions,
    options: https.AgentOptions,
  ) {
    super(options);
  }

  override createConnection(options: https.RequestOptions, callback?: (err: Error | null, stream: Duplex) => void): Duplex | null | undefined {
    const host = String(options.host ?? options.hostname ?? 'localhost').replace(/^\[(.*)\]$/, '$1');
    const port = Number(options.port ?? 443);
    openTunnel(this.tunnel, host, port).then(
      (raw) => {
        // Same TLS options Node's own https.Agent would use (CA list, servername from the Host
        // header, rejectUnauthorized), over the tunnel instead of a new TCP connection.
        const { servername } = options as tls.ConnectionOptions;
        const secure = tls.connect({ ...(options as tls.ConnectionOptions), socket: raw as net.Socket, ...(servername ? { servername } : {}) });
        callback?.(null, secure);
      },
      (e: Error) => callback?.(e, undefined as unknown as Duplex),
    );
    return undefined;
  }
}
