// The BITS proxy list of SetProxySettings(OVERRIDE) (spec §4.1): entries separated by spaces (and,
// as WinHTTP/IE lists are, by ';'), each `[scheme=][scheme://]host[:port]`.
//
// Decisions [DECISION]:
// * `http=` / `https=` say which URLs an entry serves; an entry without it serves both. An entry
//   for the URL's own scheme wins over a general one; among equals the first wins. There is no
//   fail-over to later entries: they are validated, then only the first applicable one is used.
// * `ftp=` entries (common in lists copied from IE settings) are accepted and ignored: BITS never
//   speaks FTP. Any other `scheme=` (socks, ...) is invalid, since silently going direct instead
//   of through the intended proxy would be worse than an error.
// * `scheme://` is what is spoken to the proxy: `http://` (plain) or `https://` (TLS to the proxy).
//   Default port 80 (443 for `https://`). One trailing '/' is tolerated (pasted URLs).
// * Credentials in an entry (user:pass@host) are invalid: BITS takes them only from SetCredentials.
import { invalidProxyInfoError } from './proxy-errors.js';
import { hostProblem, normalizeHost, parsePort, proxyHref, splitHostPort, type ProxyServer } from './proxy-syntax.js';

export interface ProxyEntry {
  /** Which request URLs this entry serves. */
  serves: 'http:' | 'https:' | 'any';
  server: ProxyServer;
}

const ENTRY = /^(?:([a-z][a-z0-9+.-]*)=)?(?:([a-z][a-z0-9+.-]*):\/\/)?(.*)$/i;

export function splitList(list: string): string[] {
  return list.split(/[\s;]+/).filter((e) => e !== '');
}

/** Parses one `[scheme=][scheme://]host[:port]`; null for an ignored (ftp=) entry; throws BG_E_INVALID_PROXY_INFO. */
export function parseProxyEntry(entry: string, source: Parameters<typeof invalidProxyInfoError>[0] = 'proxy list'): ProxyEntry | null {
  const bad = (why: string) => invalidProxyInfoError(source, entry, why);
  const m = ENTRY.exec(entry)!;
  const serves = m[1]?.toLowerCase();
  const protocol = m[2]?.toLowerCase();
  let rest = m[3]!;
  if (serves !== undefined && !['http', 'https', 'ftp'].includes(serves)) {
    throw bad(`unknown scheme "${m[1]}=" (only http= and https= are supported)`);
  }
  if (protocol !== undefined && protocol !== 'http' && protocol !== 'https') {
    throw bad(`unsupported proxy protocol "${m[2]}://" (only http:// and https:// proxies are supported)`);
  }
  if (rest.endsWith('/')) rest = rest.slice(0, -1);
  if (rest.includes('@')) throw bad('credentials do not belong in a proxy list; set them with set-credentials --target PROXY');
  if (rest.includes('/')) throw bad('a proxy entry is host[:port], without a path');
  const hp = splitHostPort(rest);
  if ('problem' in hp) throw bad(hp.problem);
  const host = normalizeHost(hp.host);
  const hostWhy = hostProblem(host);
  if (hostWhy) throw bad(hostWhy);
  const proxyProtocol = protocol === 'https' ? 'https:' : 'http:';
  let port = proxyProtocol === 'https:' ? 443 : 80;
  if (hp.port !== null) {
    const p = parsePort(hp.port);
    if (p === null) throw bad(`port "${hp.port}" is not a number from 1 to 65535`);
    port = p;
  }
  if (serves === 'ftp') return null;
  return {
    serves: serves === undefined ? 'any' : (`${serves}:` as 'http:' | 'https:'),
    server: { protocol: proxyProtocol, host, port, href: proxyHref(proxyProtocol, host, port) },
  };
}

/** Every entry of a list, validated (throws BG_E_INVALID_PROXY_INFO naming the first bad one). */
export function parseProxyList(list: string): ProxyEntry[] {
  const entries = splitList(list);
  if (entries.length === 0) throw invalidProxyInfoError('proxy list', list, 'OVERRIDE needs at least one proxy');
  return entries.map((e) => parseProxyEntry(e)).filter((e): e is ProxyEntry => e !== null);
}

/** The proxy for a request URL of `protocol`: its scheme's own entry first, else a general one; null = direct. */
export function pickProxy(entries: readonly ProxyEntry[], protocol: string): ProxyServer | null {
  return (entries.find((e) => e.serves === protocol) ?? entries.find((e) => e.serves === 'any'))?.server ?? null;
}
