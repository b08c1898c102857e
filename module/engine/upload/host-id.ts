// Web-farm affinity (spec §7.5): after Create-Session every packet of the session goes to the
// BITS-Host-Id host, until that host has been unreachable for longer than the fallback timeout;
// then the client goes back to the job's own URL (the upload may restart there).
import type { UploadSessionState } from './upload-port.js';

/** Longer host ids are ignored (spec §7.5: BITSHostId ≤ 300 chars). */
export const MAX_HOST_ID_LENGTH = 300;

/**
 * `{ hostname, port }` for a BITS-Host-Id: a host name, an IPv4 literal, an IPv6 literal with or
 * without brackets, each optionally with `:port`; null if it cannot stand in a URL.
 */
function parseHost(hostId: string): { hostname: string; port: string | null } | null {
  const s = hostId.trim();
  if (!s || s.length > MAX_HOST_ID_LENGTH || /[\s/?#@\\]/.test(s)) return null;
  const withPort = /^(\[[^\]]+\]|[^:[\]]+):(\d{1,5})$/.exec(s);
  const host = withPort ? withPort[1]! : s.includes(':') && !s.startsWith('[') ? `[${s}]` : s;
  try {
    // Parsing a probe URL validates the host the way the request will use it (IDN, IPv6 brackets).
    const probe = new URL(`http://${host}/`);
    if (!probe.hostname) return null;
    return { hostname: probe.hostname, port: withPort ? withPort[2]! : null };
  } catch {
    return null;
  }
}

/** The BITS-Host-Id header value when it is usable, else null (then the session stays on the origin host). */
export function parseHostId(value: string | undefined): string | null {
  return value !== undefined && parseHost(value) ? value.trim() : null;
}

/** `url` with its host replaced by `hostId` (the port too when the host id names one). */
export function urlWithHost(url: string, hostId: string): string {
  const host = parseHost(hostId);
  if (!host) return url;
  const u = new URL(url);
  u.hostname = host.hostname;
  if (host.port !== null) u.port = host.port;
  return u.href;
}

/** Where the session's packets go now. */
export function sessionUrl(url: string, s: UploadSessionState): string {
  return s.hostId ? urlWithHost(url, s.hostId) : url;
}

/** True when the host-id host has been failing for at least the fallback timeout. */
export function fallbackDue(s: UploadSessionState, now: number): boolean {
  return s.hostId !== null && s.hostIdFallbackTimeout !== null && s.hostIdFailingSince !== null && now - s.hostIdFailingSince >= s.hostIdFallbackTimeout * 1000;
}

/** The session sent to the origin host again: same session id and offset; an origin that does not know the session answers BG_E_SESSION_NOT_FOUND and the upload restarts there. */
export function withoutHostId(s: UploadSessionState): UploadSessionState {
  return { ...s, hostId: null, hostIdFallbackTimeout: null, hostIdFailingSince: null };
}
