// The server side of HTTP Digest (RFC 7616) with qop=auth, algorithms SHA-256 and MD5 (and their
// -sess forms when a client asks for them).
//
// Nonces are stateless to check and stateful to spend: nonce = time.random.HMAC(secret, time.random),
// so any instance holding the secret knows it issued the nonce and how old it is (an old one →
// `stale=true`, the client answers again without asking for the password). Replay is refused by
// remembering, per live nonce, every nc already used: a captured Authorization header sent again —
// same nonce, same nc — is refused like a wrong password. qop is required: without nc nothing
// distinguishes a replay (RFC 2069 answers are refused). Where the spent counts are kept is a
// NonceCounts: this process's memory (MemoryNonceCounts), or a farm's sessions.db (farm-nonces.ts).
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DigestUsers } from './users-file.js';

export interface DigestVerdict {
  ok: boolean;
  user?: string;
  /** The nonce was ours but too old: challenge with stale=true. */
  stale?: boolean;
  why?: string;
}

/** Most nc values remembered for one nonce; a client past it is sent a fresh (stale) nonce. */
const MAX_NC_PER_NONCE = 100_000;

export function parseAuthParams(s: string): Record<string, string> {
  const out: Record<string, string> = {};
  const re = /\s*([A-Za-z0-9_*-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]*))\s*(?:,|$)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(s)) !== null) {
    if (m[0] === '') break;
    out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  }
  return out;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Where spent (nonce, nc) pairs are remembered until the nonce expires. */
export interface NonceCounts {
  /** Records (nonce, nc); false when it was spent before (a replay), or the nonce is used up. */
  spend(nonce: string, nc: number, expires: number, now: number): boolean;
  close(): void;
}

/** The spent counts of one process. */
export class MemoryNonceCounts implements NonceCounts {
  private readonly spent = new Map<string, { expires: number; nc: Set<number> }>();

  spend(nonce: string, nc: number, expires: number, now: number): boolean {
    let s = this.spent.get(nonce);
    if (!s) {
      for (const [n, e] of this.spent) if (e.expires < now) this.spent.delete(n);
      s = { expires, nc: new Set() };
      this.spent.set(nonce, s);
    }
    if (s.nc.has(nc) || s.nc.size >= MAX_NC_PER_NONCE) return false;
    s.nc.add(nc);
    return true;
  }

  close(): void {
    this.spent.clear();
  }
}

export class DigestServer {
  constructor(
    private readonly realm: string,
    private readonly secret: Buffer,
    private readonly lifetimeMs: number,
    private readonly now: () => number,
    private readonly counts: NonceCounts = new MemoryNonceCounts(),
  ) {}

  close(): void {
    this.counts.close();
  }

  private sign(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }

  newNonce(): string {
    const body = `${this.now().toString(36)}.${randomBytes(9).toString('base64url')}`;
    return `${body}.${this.sign(body)}`;
  }

  /** WWW-Authenticate values, strongest first (RFC 7616 §3.7: clients take the first they support). */
  challenges(users: DigestUsers, stale: boolean): string[] {
    const nonce = this.newNonce();
    const opaque = this.sign('opaque');
    return (['SHA-256', 'MD5'] as const)
      .filter((a) => users.algorithms.has(a))
      .map((a) => `Digest realm="${this.realm}", qop="auth", algorithm=${a}, nonce="${nonce}", opaque="${opaque}"${stale ? ', stale=true' : ''}`);
  }

  verify(users: DigestUsers, header: string, method: string, url: string): DigestVerdict {
    const p = parseAuthParams(header);
    let user: string | undefined = p.username;
    if (user === undefined && p['username*']) {
      const m = /^UTF-8''(.*)$/i.exec(p['username*']);
      try {
        user = m ? decodeURIComponent(m[1]!) : undefined;
      } catch {
        user = undefined;
      }
    }
    if (!user || !p.nonce || !p.response || p.uri === undefined) return { ok: false, why: 'incomplete Digest credentials' };
    if (p.realm !== this.realm) return { ok: false, why: 'another realm' };
    if (p.uri !== url) return { ok: false, why: 'the digest-uri is not the request-target' };
    if ((p.qop ?? '').toLowerCase() !== 'auth' || !/^[0-9a-f]{8}$/i.test(p.nc ?? '') || !p.cnonce) return { ok: false, why: 'qop=auth with nc and cnonce is required' };
    const [t, r, mac, extra] = p.nonce.split('.');
    if (!t || !r || !mac || extra !== undefined || !same(this.sign(`${t}.${r}`), mac)) return { ok: false, why: 'not a nonce of this server' };
    const issued = parseInt(t, 36);
    const algorithm = (p.algorithm ?? 'MD5').toUpperCase();
    const base = algorithm.replace(/-SESS$/, '');
    if (base !== 'MD5' && base !== 'SHA-256') return { ok: false, why: `algorithm ${algorithm} is not offered` };
    const entry = users.ha1.get(user);
    let ha1 = base === 'MD5' ? entry?.md5 : entry?.sha256;
    if (!ha1) return { ok: false, why: 'unknown user or no HA1 for that algorithm' };
    const H = (s: string) => createHash(base === 'MD5' ? 'md5' : 'sha256').update(s, 'utf8').digest('hex');
    if (algorithm.endsWith('-SESS')) ha1 = H(`${ha1}:${p.nonce}:${p.cnonce}`);
    const expected = H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:auth:${H(`${method}:${p.uri}`)}`);
    if (!same(expected, p.response.toLowerCase())) return { ok: false, why: 'wrong password' };
    // The answer is right; is the nonce still fresh and this nc unused?
    const now = this.now();
    if (!(issued <= now && now - issued <= this.lifetimeMs)) return { ok: false, stale: true, why: 'nonce expired' };
    const nc = parseInt(p.nc!, 16);
    if (!this.counts.spend(p.nonce, nc, issued + this.lifetimeMs, now)) return { ok: false, why: 'replayed nonce count' };
    return { ok: true, user };
  }
}
