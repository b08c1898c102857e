// Who may talk to the server (issue 17): an allow-list of client addresses, then Basic or Digest
// against a users file, on the URL paths given. Decided from the request head alone, before the
// handler reads a byte of the body: a refused Fragment never reaches the disk (node:http drains
// and discards its body so the keep-alive connection survives for the client's answer).
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { BlockList, isIP } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { DigestServer } from './digest-server.js';
import { FarmNonceCounts, loadFarmNonceKey } from './farm-nonces.js';
import { verifyPassword } from './password-hash.js';
import { loadUsersFile, type UsersFile } from './users-file.js';

export interface ServerAuthOptions {
  scheme: 'basic' | 'digest';
  /** htpasswd (basic) or htdigest (digest) file; re-read by reload(). */
  usersFile: string;
  /** Default 'BITS uploads'. For digest it selects the users file's lines. */
  realm?: string;
  /** URL path prefixes that need a user (case-insensitive, like IIS). Default ['/'] (everything). */
  paths?: string[];
  /** Seconds a Digest nonce is good for; older ones get `stale=true`. Default 300. */
  nonceLifetimeSeconds?: number;
  /**
   * Key of the Digest nonces. Instances of a farm that share it accept each other's nonces (a
   * client that falls back to another instance is not asked again). Default: random per process;
   * with `farm`, the farm's key in <sessionsDir>/digest-nonce.key (made by the first instance).
   */
  nonceSecret?: Buffer;
}

export type GateVerdict =
  | { ok: true; user: string | null }
  | { ok: false; status: 401; challenges: string[]; why: string }
  | { ok: false; status: 403; why: string };

/** How long a Basic password that bcrypt accepted is taken without running bcrypt again. */
const BASIC_CACHE_MS = 5 * 60_000;

/** Entries like 10.0.0.0/8, 192.168.1.7, fd00::/8; throws on a malformed one. */
export function parseAllowList(entries: readonly string[]): BlockList {
  const list = new BlockList();
  for (const raw of entries) {
    const [addr, bits, extra] = raw.trim().split('/');
    const family = isIP(addr ?? '');
    if (!family || extra !== undefined || (bits !== undefined && !/^\d{1,3}$/.test(bits))) throw new RangeError(`allow-list entry "${raw}" is not an address or address/prefix`);
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (bits === undefined) list.addAddress(addr!, type);
    else {
      const n = Number(bits);
      if (n > (family === 4 ? 32 : 128)) throw new RangeError(`allow-list entry "${raw}": prefix longer than the address`);
      list.addSubnet(addr!, n, type);
    }
  }
  return list;
}

/** ::ffff:1.2.3.4 (an IPv4 client on a dual-stack socket) is 1.2.3.4. */
export function plainAddress(a: string): string {
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/** The path with percent-escapes, backslashes and dot segments resolved, lower-case: what a prefix rule is compared with. */
function canonicalPath(pathname: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(pathname);
  } catch {
    return null;
  }
  const out: string[] = [];
  for (const seg of decoded.replace(/\\/g, '/').split('/')) {
    if (seg === '..') out.pop();
    else if (seg !== '.' && seg !== '') out.push(seg);
  }
  return ('/' + out.join('/') + (decoded.endsWith('/') ? '/' : '')).toLowerCase();
}

export class AuthGate {
  private users: UsersFile | null = null;
  private digest: DigestServer | null = null;
  private readonly realm: string;
  private readonly paths: string[];
  /** user → keyed hash of the password bcrypt accepted (never the password itself). */
  private readonly basicCache = new Map<string, { mac: Buffer; until: number }>();
  private readonly cacheKey = randomBytes(32);

  constructor(
    private readonly auth: ServerAuthOptions | null,
    private readonly allow: BlockList | null,
    private readonly now: () => number,
    /** The session directory of a farm: Digest nonces and their spent counts are the farm's (farm-nonces.ts). */
    private readonly farmDir: string | null = null,
  ) {
    this.realm = auth?.realm ?? 'BITS uploads';
    if (/["\\\r\n]/.test(this.realm)) throw new RangeError('the auth realm may not contain quotes, backslashes or line breaks');
    // Compared without their trailing '/': '/secure/' protects /secure itself and everything below.
    this.paths = (auth?.paths ?? ['/']).map((p) => ('/' + p.replace(/^\/+|\/+$/g, '')).toLowerCase());
    if (auth?.scheme === 'digest' && !farmDir) this.digest = new DigestServer(this.realm, auth.nonceSecret ?? randomBytes(32), this.nonceLifetimeMs(), now);
  }

  private nonceLifetimeMs(): number {
    return (this.auth?.nonceLifetimeSeconds ?? 300) * 1000;
  }

  /** (Re)reads the users file; on error the previous users stay. The first call of a farm instance also sets up its Digest nonces. */
  async reload(): Promise<void> {
    if (!this.auth) return;
    if (this.auth.scheme === 'digest' && !this.digest && this.farmDir) {
      const key = this.auth.nonceSecret ?? (await loadFarmNonceKey(this.farmDir));
      this.digest = new DigestServer(this.realm, key, this.nonceLifetimeMs(), this.now, new FarmNonceCounts(this.farmDir));
    }
    this.users = await loadUsersFile(this.auth.usersFile, this.auth.scheme, this.realm);
    this.basicCache.clear();
  }

  close(): void {
    this.digest?.close();
  }

  private protects(pathname: string): boolean {
    const p = canonicalPath(pathname);
    if (p === null) return true; // undecodable: fail closed
    return this.paths.some((x) => x === '/' || p === x || p.startsWith(x + '/'));
  }

  async check(req: IncomingMessage, clientAddress: string): Promise<GateVerdict> {
    if (this.allow && !this.allow.check(plainAddress(clientAddress), isIP(plainAddress(clientAddress)) === 6 ? 'ipv6' : 'ipv4')) {
      return { ok: false, status: 403, why: `client address ${clientAddress} is not on the allow-list` };
    }
    if (!this.auth || !this.users) return { ok: true, user: null };
    const url = req.url ?? '/';
    const pathname = url.startsWith('/') ? url.split('?')[0]! : (URL.canParse(url) ? new URL(url).pathname : '/');
    if (!this.protects(pathname)) return { ok: true, user: null };
    const header = req.headers.authorization ?? '';
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space < 0 ? undefined : space).toLowerCase();
    const credentials = space < 0 ? '' : header.slice(space + 1);
    if (this.users.scheme === 'basic') {
      const challenge = [`Basic realm="${this.realm}", charset="UTF-8"`];
      if (scheme !== 'basic') return { ok: false, status: 401, challenges: challenge, why: header ? `${scheme} credentials, Basic wanted` : 'no credentials' };
      const decoded = Buffer.from(credentials.trim(), 'base64').toString('utf8');
      const c = decoded.indexOf(':');
      const user = c < 0 ? '' : decoded.slice(0, c);
      const password = c < 0 ? '' : decoded.slice(c + 1);
      if (await this.basicOk(user, password)) return { ok: true, user };
      return { ok: false, status: 401, challenges: challenge, why: `wrong user name or password${user ? ` for ${user}` : ''}` };
    }
    const users = this.users;
    if (scheme !== 'digest') return { ok: false, status: 401, challenges: this.digest!.challenges(users, false), why: header ? `${scheme} credentials, Digest wanted` : 'no credentials' };
    const v = this.digest!.verify(users, credentials, req.method ?? 'GET', url);
    if (v.ok) return { ok: true, user: v.user! };
    return { ok: false, status: 401, challenges: this.digest!.challenges(users, v.stale === true), why: v.why ?? 'refused' };
  }

  private async basicOk(user: string, password: string): Promise<boolean> {
    const users = this.users;
    if (users?.scheme !== 'basic') return false;
    const hash = users.hashes.get(user);
    if (!hash) return false;
    const mac = createHmac('sha256', this.cacheKey).update(`${hash}\n${password}`).digest();
    const cached = this.basicCache.get(user);
    if (cached && cached.until > this.now() && timingSafeEqual(cached.mac, mac)) return true;
    if (!(await verifyPassword(password, hash))) return false;
    // bcrypt costs ~0.1 s of CPU by design; a client sends the same Basic header with every fragment.
    this.basicCache.set(user, { mac, until: this.now() + BASIC_CACHE_MS });
    return true;
  }
}
