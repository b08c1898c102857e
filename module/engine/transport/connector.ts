// How one transfer's requests reach their server: directly, through an HTTP proxy (absolute-form
// request line `GET http://host/path HTTP/1.1`, also for BITS_POST), or through a CONNECT tunnel
// for https: URLs — and with which credentials (auth/). One TransportSession per transfer: a
// download call, an upload session call, a Close/Cancel-Session call. Absent TransportOptions =
// direct, no credentials: exactly the behaviour before proxies and credentials existed.
import http from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { agentFor, trustedSecureContext, type TlsOptions } from '../http/agents.js';
import type { TransportOptions } from '../transport-port.js';
import { AuthRound } from './auth/auth-round.js';
import { Authenticator, type AuthContext } from './auth/authenticator.js';
import { proxyPlanFor, type ProxyPlan } from './proxy.js';
import type { ProxyServer } from './proxy-syntax.js';
import { TunnelAgent } from './tunnel.js';

export interface TransportSessionOptions {
  transport?: TransportOptions;
  tls?: TlsOptions;
  /**
   * Upload sessions: keep one connection per host (maxSockets 1) for the session's packets, and a
   * tunnel stays open with it. Downloads: a connection per request, as before.
   */
  keepAlive: boolean;
  /** Limit for opening a proxy tunnel (CONNECT and its answer). */
  connectTimeoutMs: number;
}

/** Everything node:http(s).request needs for one send. */
export interface PreparedRequest {
  lib: typeof http | typeof https;
  /** Pass to lib.request(url, options) (direct / tunnel) or lib.request(options) (absolute-form). */
  url: URL | null;
  options: https.RequestOptions;
  proxy: ProxyServer | null;
}

/** Origin-form request-target: what the origin server sees (and Digest signs for SERVER). */
export function originForm(url: URL): string {
  return `${url.pathname || '/'}${url.search}`;
}

/** Absolute-form request-target for a proxy (no fragment, no credentials). */
function absoluteForm(url: URL): string {
  const u = new URL(url.href);
  u.hash = '';
  u.username = '';
  u.password = '';
  return u.href;
}

export class TransportSession {
  readonly auth: Authenticator;
  private readonly plan: ProxyPlan;
  private readonly trusted = new Set<string>();
  private readonly agents = new Map<string, http.Agent>();

  /** Validates the proxy settings now (transfer time): throws BG_E_INVALID_PROXY_INFO. */
  constructor(private readonly o: TransportSessionOptions) {
    this.plan = proxyPlanFor(o.transport);
    this.auth = new Authenticator(o.transport?.credentials ?? []);
  }

  /**
   * SERVER credentials may answer 401s from this URL's origin: the job's URL, its upload host id,
   * a reply URL. Redirect targets of another origin are not trusted [DECISION]: the job's password
   * is not handed to whoever a server redirects to.
   */
  trust(url: URL): void {
    this.trusted.add(url.origin);
  }

  proxyFor(url: URL): ProxyServer | null {
    return this.plan.proxyFor(url);
  }

  /** The authentication conversation of one request to `url`. */
  round(url: URL, method: string, data?: Record<string, unknown>): AuthRound {
    const proxy = this.plan.proxyFor(url);
    const absolute = proxy !== null && url.protocol === 'http:';
    const ctx: AuthContext = { url: url.href };
    if (proxy) ctx.proxy = proxy.href;
    if (this.plan.credentialsInUrl) ctx.credentialsInProxyUrl = true;
    if (data) ctx.data = data;
    return new AuthRound(
      this.auth,
      method,
      {
        server: this.trusted.has(url.origin) ? { space: { target: 'SERVER', key: url.origin }, uri: originForm(url) } : null,
        proxy: absolute ? { space: { target: 'PROXY', key: proxy.href }, uri: absoluteForm(url) } : null,
        trustedOrigins: [...this.trusted],
      },
      ctx,
    );
  }

  /**
   * A connection of its own for one request whose authentication is connection-bound (NTLM): a
   * kept-alive agent with one socket, so every leg of the handshake and the final response share
   * it. The caller destroys it when the request is done. null when this session keeps its
   * connections anyway (upload sessions: one socket per host already).
   */
  pinnedAgent(url: URL): http.Agent | null {
    if (this.o.keepAlive) return null;
    const proxy = this.plan.proxyFor(url);
    const opts: https.AgentOptions = { keepAlive: true, maxSockets: 1, secureContext: trustedSecureContext(this.o.tls) };
    if (proxy && url.protocol === 'https:') return this.newTunnelAgent(proxy, opts);
    const secure = proxy ? proxy.protocol === 'https:' : url.protocol === 'https:';
    return secure ? new https.Agent(opts) : new http.Agent(opts);
  }

  /** Request options for one send of `method` to `url` with `headers` (auth headers included by the caller); `agent` = a pinnedAgent. */
  prepare(url: URL, method: string, headers: Record<string, string>, agent?: http.Agent): PreparedRequest {
    const proxy = this.plan.proxyFor(url);
    if (!proxy) {
      const lib = url.protocol === 'https:' ? https : http;
      return { lib, url, options: { method, headers, agent: agent ?? this.directAgent(url.protocol as 'http:' | 'https:') }, proxy: null };
    }
    if (url.protocol === 'https:') {
      return { lib: https, url, options: { method, headers, agent: agent ?? this.tunnelAgent(proxy) }, proxy };
    }
    // Plain http: the whole URL goes to the proxy, which connects to the origin itself.
    const lib = proxy.protocol === 'https:' ? https : http;
    const options: https.RequestOptions = {
      host: proxy.host,
      port: proxy.port,
      path: absoluteForm(url),
      method,
      headers: { Host: url.host, ...headers },
      agent: agent ?? this.proxyAgent(proxy),
      // TLS to an https:// proxy is checked against the proxy's name, not the Host header's
      // (Node would derive SNI from Host); '' = no SNI for an IP address.
      ...(proxy.protocol === 'https:' ? { servername: isIP(proxy.host) ? '' : proxy.host } : {}),
    };
    return { lib, url: null, options, proxy };
  }

  /** Ends kept-alive connections and tunnels (the server sees the socket close); the transfer goes on. */
  closeConnections(): void {
    for (const a of this.agents.values()) a.destroy();
    this.agents.clear();
  }

  /** The transfer is over: its connections end and its private Kerberos ticket caches are destroyed. */
  close(): void {
    this.auth.close();
    this.closeConnections();
  }

  private cached<T extends http.Agent>(key: string, make: () => T): T {
    let a = this.agents.get(key) as T | undefined;
    if (!a) {
      a = make();
      this.agents.set(key, a);
    }
    return a;
  }

  private agentOptions(): https.AgentOptions {
    // One SecureContext for every connection with these CAs (agents.ts: tls.connect builds one per connection).
    return { keepAlive: this.o.keepAlive, ...(this.o.keepAlive ? { maxSockets: 1 } : {}), secureContext: trustedSecureContext(this.o.tls) };
  }

  private directAgent(protocol: 'http:' | 'https:'): http.Agent {
    // Downloads keep using the shared, non-keep-alive agents of agents.ts (unchanged behaviour).
    if (!this.o.keepAlive) return agentFor(protocol, this.o.tls);
    if (protocol === 'http:') return this.cached('direct http', () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    return this.cached('direct https', () => new https.Agent(this.agentOptions()));
  }

  private proxyAgent(proxy: ProxyServer): http.Agent {
    if (proxy.protocol === 'http:') {
      if (!this.o.keepAlive) return agentFor('http:', this.o.tls);
      return this.cached(`proxy ${proxy.href}`, () => new http.Agent({ keepAlive: true, maxSockets: 1 }));
    }
    return this.cached(`proxy ${proxy.href}`, () => new https.Agent(this.agentOptions()));
  }

  private tunnelAgent(proxy: ProxyServer): TunnelAgent {
    return this.cached(`tunnel ${proxy.href}`, () => this.newTunnelAgent(proxy, this.agentOptions()));
  }

  private newTunnelAgent(proxy: ProxyServer, opts: https.AgentOptions): TunnelAgent {
    return new TunnelAgent(
      {
        proxy,
        auth: this.auth,
        ...(opts.secureContext ? { secureContext: opts.secureContext } : {}),
        timeoutMs: this.o.connectTimeoutMs,
        context: (host, port) => {
          const ctx: AuthContext = { url: `https://${host.includes(':') ? `[${host}]` : host}:${port}/`, proxy: proxy.href };
          if (this.plan.credentialsInUrl) ctx.credentialsInProxyUrl = true;
          return ctx;
        },
      },
      opts,
    );
  }
}
