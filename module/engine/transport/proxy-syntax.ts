// Host and port spelling shared by the BITS proxy list, the bypass list and the *_PROXY variables.
// Pure string work, so every accepted and refused spelling is testable on its own.
import net from 'node:net';

/** A proxy to send requests through. */
export interface ProxyServer {
  /**
   * What is spoken to the proxy itself: 'http:' (plain, the usual case) or 'https:' (TLS to the
   * proxy, then absolute-form requests or CONNECT inside that TLS connection).
   */
  protocol: 'http:' | 'https:';
  /** Host name or IP address; IPv6 without brackets. */
  host: string;
  port: number;
  /** `http://host:port` for messages and logs (never carries credentials). */
  href: string;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
const HOSTNAME = new RegExp(`^${LABEL}(?:\\.${LABEL})*$`, 'i');

/** Lower case, no brackets, no trailing dot: the form every comparison uses. */
export function normalizeHost(host: string): string {
  let h = host.trim().toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  if (h.endsWith('.') && !net.isIP(h)) h = h.slice(0, -1);
  return h;
}

/** Why `host` is not a usable host name or IP literal, or null when it is. */
export function hostProblem(host: string): string | null {
  if (host === '') return 'the host is empty';
  if (net.isIP(host)) return null;
  if (host.length > 253) return 'the host name is longer than 253 characters';
  if (!HOSTNAME.test(host)) return `"${host}" is not a valid host name or IP address`;
  return null;
}

/** Port text → number, or null when it is not 1–65535. */
export function parsePort(text: string): number | null {
  if (!/^\d{1,5}$/.test(text)) return null;
  const n = Number(text);
  return n >= 1 && n <= 65535 ? n : null;
}

export type HostPort = { host: string; port: string | null } | { problem: string };

/** `host`, `host:port`, `[v6]`, `[v6]:port` (a bare IPv6 literal is accepted without a port). */
export function splitHostPort(text: string): HostPort {
  if (text.startsWith('[')) {
    const m = /^\[([^\]]*)\](?::(.*))?$/.exec(text);
    if (!m) return { problem: 'an IPv6 address must be written [address] or [address]:port' };
    if (!net.isIPv6(m[1]!)) return { problem: `"${m[1]}" is not an IPv6 address` };
    return { host: m[1]!.toLowerCase(), port: m[2] ?? null };
  }
  if (net.isIPv6(text)) return { host: text.toLowerCase(), port: null };
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { host: text, port: null };
  return { host: text.slice(0, colon), port: text.slice(colon + 1) };
}

export function proxyHref(protocol: 'http:' | 'https:', host: string, port: number): string {
  return `${protocol}//${net.isIPv6(host) ? `[${host}]` : host}:${port}`;
}

/** The port a URL really uses (its explicit one, else the scheme's default). */
export function effectivePort(url: URL): number {
  if (url.port) return Number(url.port);
  return url.protocol === 'https:' ? 443 : 80;
}
