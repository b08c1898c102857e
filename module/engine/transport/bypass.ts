// Which hosts go direct although a proxy is configured: the BITS bypass list (OVERRIDE) and the
// NO_PROXY variable (PRECONFIG). The two have different, well-established conventions, so they
// are parsed differently but both become a predicate over the request URL.
//
// BITS bypass list [DECISION, following WinINet/WinHTTP]: entries separated by spaces or ';'.
// * `<local>`: host names without a dot (`intranet`, `localhost`) — the Windows definition. IP
//   literals never count as local, so 127.0.0.1 and ::1 are proxied unless listed themselves.
// * `<-loopback>` is accepted and does nothing: this engine never bypasses loopback implicitly.
// * `[scheme://]pattern[:port]`: `*` matches any run of characters (`*.example.com`, `10.*`,
//   `*internal*`); the pattern matches the whole host name, case-insensitively; an entry without
//   `*` matches exactly that host (not its subdomains). With a port or scheme, both must match too.
// * `*` alone bypasses everything. Anything else (bad characters, bad port) is invalid →
//   BG_E_INVALID_PROXY_INFO naming the entry.
//
// NO_PROXY / no_proxy [DECISION, following curl]: entries separated by commas (and spaces).
// * `*` alone: no proxy at all.
// * `example.com`, `.example.com` and `*.example.com` all match example.com and every subdomain.
// * `host:port` / `[v6]:port` only for that port; IP literals match exactly; `10.0.0.0/8` and
//   `fd00::/8` match addresses in the block (no DNS lookups: host names never match a block).
// * Entries that cannot be read are skipped, as other tools skip them: NO_PROXY is shared by every
//   program of the environment, and one odd entry should not stop all transfers.
import net from 'node:net';
import { invalidProxyInfoError } from './proxy-errors.js';
import { effectivePort, hostProblem, normalizeHost, parsePort, splitHostPort } from './proxy-syntax.js';
import { splitList } from './proxy-list.js';

export type BypassRule = (url: URL) => boolean;

function urlHost(url: URL): string {
  return normalizeHost(url.hostname);
}

/** `<local>`: a host name (not an IP literal) without a dot. */
export function isLocalName(host: string): boolean {
  return !net.isIP(host) && !host.includes('.');
}

function wildcardRegExp(pattern: string): RegExp {
  const body = pattern.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\-]/g, '\\$&')).join('.*');
  return new RegExp(`^${body}$`, 'i');
}

/** One BITS bypass entry → a rule; throws BG_E_INVALID_PROXY_INFO. */
export function parseBypassEntry(entry: string): BypassRule | null {
  const lower = entry.toLowerCase();
  if (lower === '<local>') return (url) => isLocalName(urlHost(url));
  if (lower === '<-loopback>') return null;
  if (entry === '*') return () => true;
  const bad = (why: string) => invalidProxyInfoError('bypass list', entry, why);
  const m = /^(?:([a-z][a-z0-9+.-]*):\/\/)?(.*)$/i.exec(entry)!;
  const scheme = m[1]?.toLowerCase();
  if (scheme !== undefined && scheme !== 'http' && scheme !== 'https') throw bad(`unknown scheme "${m[1]}://"`);
  const hp = splitHostPort(m[2]!.replace(/\/$/, ''));
  if ('problem' in hp) throw bad(hp.problem);
  const host = normalizeHost(hp.host);
  if (host === '') throw bad('the host is empty');
  // A pattern may hold host name characters and '*'; a plain entry must be a real host or IP.
  const valid = host.includes('*') ? /^[a-z0-9._*-]+$/.test(host) : hostProblem(host) === null;
  if (!valid) throw bad(`"${hp.host}" is not a host name, IP address or wildcard pattern`);
  let port: number | null = null;
  if (hp.port !== null) {
    port = parsePort(hp.port);
    if (port === null) throw bad(`port "${hp.port}" is not a number from 1 to 65535`);
  }
  const re = wildcardRegExp(host);
  return (url) =>
    re.test(urlHost(url)) && (port === null || effectivePort(url) === port) && (scheme === undefined || url.protocol === `${scheme}:`);
}

/** The whole BITS bypass list (null/empty = nothing bypassed). */
export function parseBypassList(list: string | null): BypassRule[] {
  if (list === null) return [];
  return splitList(list)
    .map(parseBypassEntry)
    .filter((r): r is BypassRule => r !== null);
}

function noProxyEntry(raw: string): BypassRule | null {
  if (raw === '*') return () => true;
  if (raw.includes('/')) {
    const [addr, bits] = raw.split('/') as [string, string];
    const family = net.isIPv4(addr) ? 'ipv4' : net.isIPv6(addr) ? 'ipv6' : null;
    const prefix = /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
    if (!family || !(prefix <= (family === 'ipv4' ? 32 : 128))) return null;
    const block = new net.BlockList();
    block.addSubnet(addr, prefix, family);
    return (url) => {
      const h = urlHost(url);
      const f = net.isIPv4(h) ? 'ipv4' : net.isIPv6(h) ? 'ipv6' : null;
      return f !== null && block.check(h, f);
    };
  }
  const hp = splitHostPort(raw);
  if ('problem' in hp) return null;
  let port: number | null = null;
  if (hp.port !== null) {
    port = parsePort(hp.port);
    if (port === null) return null;
  }
  const suffix = normalizeHost(hp.host.replace(/^\*?\./, ''));
  if (hostProblem(suffix) !== null) return null;
  const ip = net.isIP(suffix) !== 0;
  return (url) => {
    const h = urlHost(url);
    const hostMatches = h === suffix || (!ip && h.endsWith(`.${suffix}`));
    return hostMatches && (port === null || effectivePort(url) === port);
  };
}

/** NO_PROXY text → rules (unreadable entries skipped). */
export function parseNoProxy(value: string | undefined): BypassRule[] {
  if (!value) return [];
  return value
    .split(/[\s,]+/)
    .filter((e) => e !== '')
    .map(noProxyEntry)
    .filter((r): r is BypassRule => r !== null);
}

export function bypassed(rules: readonly BypassRule[], url: URL): boolean {
  return rules.some((r) => r(url));
}
