// HTTP Digest (RFC 7616): algorithms MD5, MD5-sess, SHA-256, SHA-256-sess; qop "auth", or no qop
// at all (RFC 2069 servers). Not supported [DECISION]: qop "auth-int" (would need the body hash of
// every fragment) and SHA-512-256 (rare); a challenge that needs them is reported as unusable.
// userhash is never requested by us, so usernames go as `username` (or `username*` when they are
// not plain ASCII, RFC 7616 §3.4.4).
import { createHash, randomBytes } from 'node:crypto';
import type { Challenge } from './challenge.js';

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess';
const ALGORITHMS: readonly DigestAlgorithm[] = ['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess'];

/** What a Digest challenge asks for, once checked to be something we can answer. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  opaque?: string;
  algorithm: DigestAlgorithm;
  /** 'auth', or null for an RFC 2069 challenge without qop. */
  qop: 'auth' | null;
  stale: boolean;
  /** The algorithm token as the server spelled it, echoed back. */
  algorithmToken?: string;
}

/** The challenge in usable form, or why we cannot answer it. */
export function readDigestChallenge(ch: Challenge): DigestChallenge | { unusable: string } {
  const p = ch.params;
  if (p.nonce === undefined) return { unusable: 'Digest challenge without a nonce' };
  if (p.realm === undefined) return { unusable: 'Digest challenge without a realm' };
  const token = p.algorithm;
  const algorithm = ALGORITHMS.find((a) => a.toLowerCase() === (token ?? 'MD5').toLowerCase());
  if (!algorithm) return { unusable: `Digest algorithm ${token} is not supported (MD5, MD5-sess, SHA-256 and SHA-256-sess are)` };
  let qop: 'auth' | null = null;
  if (p.qop !== undefined) {
    const offered = p.qop.split(',').map((q) => q.trim().toLowerCase());
    if (offered.includes('auth')) qop = 'auth';
    else return { unusable: `Digest qop "${p.qop}" is not supported (only qop=auth is; auth-int is not)` };
  }
  return {
    realm: p.realm,
    nonce: p.nonce,
    ...(p.opaque !== undefined ? { opaque: p.opaque } : {}),
    algorithm,
    qop,
    stale: (p.stale ?? '').toLowerCase() === 'true',
    ...(token !== undefined ? { algorithmToken: token } : {}),
  };
}

function hasher(algorithm: DigestAlgorithm): (s: string) => string {
  const name = algorithm.startsWith('SHA-256') ? 'sha256' : 'md5';
  return (s) => createHash(name).update(s, 'utf8').digest('hex');
}

export interface DigestInput {
  challenge: DigestChallenge;
  userName: string;
  password: string;
  method: string;
  /** The request-target as sent (origin-form path?query, absolute URL to a proxy, or host:port for CONNECT). */
  uri: string;
  /** Request count for this nonce, 1-based. */
  nc: number;
  /** Client nonce; random when omitted (fixed only in tests, for the RFC vectors). */
  cnonce?: string;
}

/** The `response` value (RFC 7616 §3.4.1). */
export function digestResponse(i: DigestInput & { cnonce: string }): string {
  const H = hasher(i.challenge.algorithm);
  const { realm, nonce, qop, algorithm } = i.challenge;
  let ha1 = H(`${i.userName}:${realm}:${i.password}`);
  if (algorithm.endsWith('-sess')) ha1 = H(`${ha1}:${nonce}:${i.cnonce}`);
  const ha2 = H(`${i.method}:${i.uri}`);
  if (qop === null) return H(`${ha1}:${nonce}:${ha2}`);
  return H(`${ha1}:${nonce}:${ncText(i.nc)}:${i.cnonce}:${qop}:${ha2}`);
}

function ncText(nc: number): string {
  return nc.toString(16).padStart(8, '0');
}

function quote(s: string): string {
  return `"${s.replace(/(["\\])/g, '\\$1')}"`;
}

/** RFC 8187 ext-value for a username that is not plain printable ASCII. */
function extValue(s: string): string {
  return `UTF-8''${encodeURIComponent(s).replace(/['()*!]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** The full `Digest ...` credentials for an Authorization / Proxy-Authorization header. */
export function digestAuthorization(i: DigestInput): string {
  const cnonce = i.cnonce ?? randomBytes(16).toString('hex');
  const c = i.challenge;
  const user = /^[\x20-\x7e]*$/.test(i.userName) ? `username=${quote(i.userName)}` : `username*=${extValue(i.userName)}`;
  const parts = [user, `realm=${quote(c.realm)}`, `uri=${quote(i.uri)}`];
  if (c.algorithmToken !== undefined) parts.push(`algorithm=${c.algorithmToken}`);
  parts.push(`nonce=${quote(c.nonce)}`);
  if (c.qop !== null) parts.push(`nc=${ncText(i.nc)}`, `cnonce=${quote(cnonce)}`, `qop=${c.qop}`);
  parts.push(`response=${quote(digestResponse({ ...i, cnonce }))}`);
  if (c.opaque !== undefined) parts.push(`opaque=${quote(c.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}
