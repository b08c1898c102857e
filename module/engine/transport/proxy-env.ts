// PRECONFIG (and AUTODETECT) proxy settings: on Windows BITS reads the user's IE/WinHTTP settings;
// the portable engine reads the conventional environment variables instead (spec §4.1 [DECISION]).
//
// * http: URLs use http_proxy / HTTP_PROXY, https: URLs https_proxy / HTTPS_PROXY (lower case
//   first, like curl). Values are `[http://|https://]host[:port][/]`; without a scheme the proxy is
//   plain HTTP; the default port is 80 (443 for https://).
// * ALL_PROXY is not read (as Go's net/http and Node's own env-proxy support do not): it usually
//   names a SOCKS proxy meant for other programs, which BITS could not use anyway.
// * Upper-case HTTP_PROXY is ignored when REQUEST_METHOD is set (a CGI environment, where a client
//   could set it through a "Proxy:" request header — "httpoxy"), as curl and Go do.
// * user:password@ in the value is not used: BITS takes proxy credentials only from
//   SetCredentials (target PROXY). It is never echoed either.
// * NO_PROXY / no_proxy: see bypass.ts. No implicit bypass of localhost.
// * An unreadable value is BG_E_INVALID_PROXY_INFO naming the variable: silently going direct
//   would bypass a proxy the administrator meant to be used.
import { invalidProxyInfoError } from './proxy-errors.js';
import { hostProblem, normalizeHost, parsePort, proxyHref, splitHostPort, type ProxyServer } from './proxy-syntax.js';
import { parseNoProxy, type BypassRule } from './bypass.js';

export interface EnvProxies {
  http: ProxyServer | null;
  https: ProxyServer | null;
  bypass: BypassRule[];
  /** A proxy variable carried user:password@ (mentioned in 407 messages: it is not used). */
  credentialsInUrl: boolean;
}

function variable(env: NodeJS.ProcessEnv, lower: string, upper: string): { name: string; value: string } | null {
  const l = env[lower];
  if (l !== undefined && l.trim() !== '') return { name: lower, value: l.trim() };
  if (upper === 'HTTP_PROXY' && env.REQUEST_METHOD !== undefined) return null;
  const u = env[upper];
  if (u !== undefined && u.trim() !== '') return { name: upper, value: u.trim() };
  return null;
}

/** One *_PROXY value → the proxy; throws BG_E_INVALID_PROXY_INFO naming the variable. */
export function parseProxyVariable(name: string, value: string): { server: ProxyServer; hadCredentials: boolean } {
  const bad = (why: string) => invalidProxyInfoError(`environment variable ${name}`, value, why);
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(value) ? value : `http://${value}`;
  let u: URL;
  try {
    u = new URL(withScheme);
  } catch {
    throw bad('it is not a proxy URL like http://proxy.example.com:3128');
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw bad(`unsupported proxy protocol "${u.protocol}//" (only http:// and https:// proxies are supported)`);
  if (u.pathname !== '/' || u.search || u.hash) throw bad('a proxy URL has no path or query');
  const protocol = u.protocol as 'http:' | 'https:';
  const hp = splitHostPort(u.host);
  if ('problem' in hp) throw bad(hp.problem);
  const host = normalizeHost(hp.host);
  const why = hostProblem(host);
  if (why) throw bad(why);
  const port = hp.port ? parsePort(hp.port) : protocol === 'https:' ? 443 : 80;
  if (port === null) throw bad(`port "${hp.port}" is not a number from 1 to 65535`);
  return { server: { protocol, host, port, href: proxyHref(protocol, host, port) }, hadCredentials: u.username !== '' || u.password !== '' };
}

export function proxiesFromEnv(env: NodeJS.ProcessEnv): EnvProxies {
  const http = variable(env, 'http_proxy', 'HTTP_PROXY');
  const https = variable(env, 'https_proxy', 'HTTPS_PROXY');
  const h = http ? parseProxyVariable(http.name, http.value) : null;
  const s = https ? parseProxyVariable(https.name, https.value) : null;
  return {
    http: h?.server ?? null,
    https: s?.server ?? null,
    bypass: parseNoProxy(env.no_proxy ?? env.NO_PROXY),
    credentialsInUrl: Boolean(h?.hadCredentials || s?.hadCredentials),
  };
}
