// Kerberos in the Negotiate scheme (RFC 4559: SPNEGO tokens, here offering only the krb5
// mechanism) through the engine's GSSAPI add-on (gssapi-addon.ts). Two credential sources:
// * implicit (NEGOTIATE with a NULL user name, BITS' "logged-on user"): the job owner's ticket
//   cache — KRB5CCNAME as the service saw it when it started, else the default
//   (/tmp/krb5cc_<uid>). Nothing is written to it but the service tickets GSSAPI adds, as any
//   Kerberos client would.
// * explicit (SetCredentials' user and password): a TGT for that principal in a MEMORY ccache of
//   this process, destroyed when the transfer ends (release) — never the user's cache, never a
//   file, no child process.
// Every failure is classified (classify) so the job error names the cause and its fix: no
// cache ("run kinit"), an expired ticket, a wrong password, a clock skew of N s with the KDC.
// Infrastructure failures (no add-on, no KDC for the realm, no service principal) are
// `unavailable`: with a password the authenticator falls back to NTLM, as SPNEGO does; a KDC's
// "wrong password" is not, so a bad password is not tried twice against the account's lockout.
import { gssapi, KERBEROS_BUILD_FIX, type GssCredential, type GssFailure } from '../../../common/gssapi-addon.js';

/** krb5's default allowed clock skew (krb5.conf `clockskew`), seconds. */
export const KERBEROS_CLOCK_SKEW_S = 300;

const KRB = {
  C_PRINCIPAL_UNKNOWN: -1765328378,
  S_PRINCIPAL_UNKNOWN: -1765328377,
  CLIENT_REVOKED: -1765328366,
  KEY_EXP: -1765328361,
  PREAUTH_FAILED: -1765328360,
  BAD_INTEGRITY: -1765328353,
  TKT_EXPIRED: -1765328352,
  TKT_NYV: -1765328351,
  SKEW: -1765328347,
  CC_NOTFOUND: -1765328243,
  KDCREP_SKEW: -1765328236,
  REALM_UNKNOWN: -1765328230,
  KDC_UNREACH: -1765328228,
  FCC_NOFILE: -1765328189,
  REALM_CANT_RESOLVE: -1765328164,
  CONFIG_NODEFREALM: -1765328160,
  CC_NOSUPP: -1765328137,
} as const;
const GSS_S_CREDENTIALS_EXPIRED = 11 << 16;
const GSS_S_NO_CRED = 7 << 16;

export type KerberosSource = { kind: 'cache'; ccache?: string } | { kind: 'password'; principal: string; password: string };

/** Why Kerberos failed, for the job's message; `unavailable` allows the NTLM fallback. */
export interface KerberosFailure {
  unavailable: boolean;
  /** A sentence: what happened and what to do. Never a password, key or ticket. */
  why: string;
}

export class KerberosError extends Error {
  constructor(readonly failure: KerberosFailure) {
    super(failure.why);
  }
}

/** DOMAIN\user → user@DOMAIN; user@realm → user@REALM (Kerberos realms are upper case, AD's UPN suffixes often are not). */
export function principalOf(userName: string): string {
  const slash = userName.indexOf('\\');
  if (slash > 0) return `${userName.slice(slash + 1)}@${userName.slice(0, slash).toUpperCase()}`;
  const at = userName.lastIndexOf('@');
  return at > 0 ? `${userName.slice(0, at)}@${userName.slice(at + 1).toUpperCase()}` : userName;
}

/**
 * The skew between this clock and the KDC's (seconds, KDC minus ours), or undefined when unknown:
 * exact from a TGT just issued (a password's), at least this much from a cached TGT that starts
 * in the future (issued by a KDC whose clock is ahead).
 */
export function skewOf(c: GssCredential): number | undefined {
  const ahead = Math.round(c.startTime - c.acquiredAt);
  if (c.ccache.startsWith('MEMORY:')) return ahead;
  return ahead > KERBEROS_CLOCK_SKEW_S ? ahead : undefined;
}

function skewText(seconds: number | undefined): string {
  if (seconds === undefined) return `a clock skew of more than ${KERBEROS_CLOCK_SKEW_S} s with the KDC or the server`;
  return `a clock skew of ${Math.abs(seconds)} s with the KDC (its clock is ${Math.abs(seconds)} s ${seconds > 0 ? 'ahead of' : 'behind'} this machine's)`;
}
const SYNC = 'synchronize the clocks (timedatectl set-ntp true, chrony or ntpd against the domain controllers)';

function iso(seconds: number): string {
  return new Date(seconds * 1000).toISOString();
}

/** A failure of acquire/step as a KerberosFailure. `who` names the credential (the principal or the cache). */
export function classify(e: GssFailure, credentialName: string, source: KerberosSource, skew?: number): KerberosFailure {
  const lib = e.message;
  // The add-on names the canonical principal or the cache it looked in, which says more than the job's spelling.
  const named = e.what && !e.what.startsWith('HTTP@') && (source.kind === 'cache' ? e.what.includes(':') || e.what.startsWith('/') : e.what.includes('@'));
  const who = named ? e.what : credentialName;
  const kinit = source.kind === 'cache' ? `run kinit${source.ccache ? '' : ' as the job\'s owner'} (the service reads KRB5CCNAME as it was when it started, else /tmp/krb5cc_<uid>), then resume the job` : 'then resume the job';
  switch (e.code) {
    case KRB.FCC_NOFILE:
    case KRB.CC_NOTFOUND:
    case KRB.CC_NOSUPP:
      return { unavailable: false, why: `there is no Kerberos ticket in ${who} (${lib}): ${kinit}` };
    case KRB.TKT_EXPIRED:
      return { unavailable: false, why: `the Kerberos ticket of ${who} has expired: ${source.kind === 'cache' ? 'run kinit (or kinit -R) to renew it, then resume the job' : 'resume the job to get a new one'}` };
    case KRB.PREAUTH_FAILED:
    case KRB.BAD_INTEGRITY:
      return { unavailable: false, why: `the KDC refused the password of ${who} (${lib})` };
    case KRB.C_PRINCIPAL_UNKNOWN:
      return { unavailable: false, why: `the KDC does not know the principal ${who}: give the user as user@REALM (or DOMAIN\\user)` };
    case KRB.KEY_EXP:
      return { unavailable: false, why: `the password of ${who} has expired: change it (kpasswd), then set the new one` };
    case KRB.CLIENT_REVOKED:
      return { unavailable: false, why: `the KDC says the account ${who} is disabled or locked out` };
    case KRB.SKEW:
    case KRB.KDCREP_SKEW:
    case KRB.TKT_NYV:
      return { unavailable: false, why: `Kerberos failed for ${who}: ${skewText(skew)} (${lib}); ${SYNC}, then resume the job` };
    case KRB.S_PRINCIPAL_UNKNOWN:
      return { unavailable: true, why: `the KDC has no service principal for this server (${lib}): the server needs an SPN HTTP/<host name in the URL>` };
    case KRB.REALM_UNKNOWN:
    case KRB.KDC_UNREACH:
    case KRB.REALM_CANT_RESOLVE:
    case KRB.CONFIG_NODEFREALM:
      return { unavailable: true, why: `no KDC could be reached for ${who} (${lib}): check the realm in krb5.conf (KRB5_CONFIG) and the KDC` };
  }
  // Through SPNEGO a server's KRB-ERROR comes back as a remapped minor code: a known skew still explains it.
  if (skew !== undefined && Math.abs(skew) > KERBEROS_CLOCK_SKEW_S) return { unavailable: false, why: `Kerberos failed for ${who}: ${skewText(skew)} (${lib}); ${SYNC}, then resume the job` };
  const as = (code: number) => Object.assign(new Error(e.message), { code, major: e.major, what: e.what }) as GssFailure;
  if (e.major === GSS_S_CREDENTIALS_EXPIRED) return classify(as(KRB.TKT_EXPIRED), who, source, skew);
  if (e.major === GSS_S_NO_CRED && source.kind === 'cache') return classify(as(KRB.FCC_NOFILE), who, source, skew);
  return { unavailable: false, why: `Kerberos failed for ${who}: ${lib}` };
}

/** One job credential's Kerberos tickets, acquired once per transfer and shared by its handshakes. */
export class KerberosCredential {
  private acquired?: Promise<GssCredential>;
  private principal?: string;

  constructor(readonly source: KerberosSource) {}

  /** For messages: the principal (canonical once acquired), or the cache. */
  get who(): string {
    if (this.principal) return this.principal;
    return this.source.kind === 'password' ? this.source.principal : `the ticket cache ${this.source.ccache ?? 'of the job\'s owner'}`;
  }

  /** Acquires (once): throws KerberosError. */
  async get(): Promise<GssCredential> {
    this.acquired ??= this.acquire();
    return this.acquired;
  }

  private async acquire(): Promise<GssCredential> {
    const g = gssapi();
    if ('missing' in g) throw new KerberosError({ unavailable: true, why: `${g.missing}: ${KERBEROS_BUILD_FIX}` });
    const s = this.source;
    let c: GssCredential;
    try {
      c = await g.acquire(s.kind === 'password' ? { principal: s.principal, password: s.password } : s.ccache ? { ccache: s.ccache } : {});
    } catch (e) {
      throw new KerberosError(classify(e as GssFailure, this.who, s));
    }
    this.principal = c.principal;
    const now = Date.now() / 1000;
    if (s.kind === 'cache' && c.endTime <= now) {
      g.release(c.handle);
      throw new KerberosError({ unavailable: false, why: `the Kerberos ticket of ${c.principal} in ${c.ccache} expired at ${iso(c.endTime)}: run kinit (or kinit -R) as the job's owner, then resume the job` });
    }
    return c;
  }

  /** After a server refused our ticket: what may explain it (expiry, skew), or ''. */
  async diagnosis(): Promise<string> {
    const c = await this.acquired?.catch(() => undefined);
    if (!c) return '';
    const skew = skewOf(c);
    if (skew !== undefined && Math.abs(skew) > KERBEROS_CLOCK_SKEW_S) return `: ${skewText(skew)}; ${SYNC}`;
    if (c.endTime <= Date.now() / 1000) return `: the ticket expired at ${iso(c.endTime)}; run kinit`;
    return '';
  }

  /** The skew for classify(), when known. */
  async skew(): Promise<number | undefined> {
    const c = await this.acquired?.catch(() => undefined);
    return c && skewOf(c);
  }

  /** Destroys a password's MEMORY ccache (the transfer is over). */
  release(): void {
    const pending = this.acquired;
    this.acquired = undefined;
    const g = gssapi();
    if (pending && !('missing' in g)) void pending.then((c) => g.release(c.handle), () => undefined);
  }
}

/** One Negotiate (Kerberos) exchange with one server or proxy: `Negotiate <token>` legs, then the mutual check. */
export class KerberosHandshake {
  private context: unknown;
  private done = false;

  constructor(
    readonly credential: KerberosCredential,
    /** host of the server or proxy: the service principal is HTTP/<host>. */
    private readonly host: string,
  ) {}

  private async step(input: Buffer | null): Promise<{ token: Buffer | null; complete: boolean }> {
    const g = gssapi();
    if ('missing' in g) throw new KerberosError({ unavailable: true, why: g.missing });
    const c = await this.credential.get();
    try {
      const r = await g.step(c.handle, `HTTP@${this.host}`, input, this.context);
      this.done = r.complete;
      return r;
    } catch (e) {
      throw new KerberosError(classify(e as GssFailure, this.credential.who, this.credential.source, await this.credential.skew()));
    }
  }

  /** The first leg (a new context each time: a new connection starts over). */
  async start(): Promise<string> {
    const g = gssapi();
    if ('missing' in g) throw new KerberosError({ unavailable: true, why: `${g.missing}: ${KERBEROS_BUILD_FIX}` });
    await this.credential.get();
    this.context = g.newContext();
    this.done = false;
    const r = await this.step(null);
    return `Negotiate ${r.token!.toString('base64')}`;
  }

  /** The server's token in a 401/407 (a continuation, or a KRB-ERROR): the next leg, or undefined when there is none. Throws KerberosError. */
  async next(token: string | undefined): Promise<string | undefined> {
    if (token === undefined || this.done) return undefined;
    const r = await this.step(Buffer.from(token, 'base64'));
    return r.token ? `Negotiate ${r.token.toString('base64')}` : undefined;
  }

  /**
   * The server's final token (with its 2xx): mutual authentication — it proves the answer came
   * from the holder of the service key. Absent tokens are accepted (RFC 4559 §5 lets servers omit
   * it); a token that does not verify throws.
   */
  async verify(token: string | undefined): Promise<void> {
    if (token === undefined || this.done) return;
    const r = await this.step(Buffer.from(token, 'base64'));
    if (!r.complete) throw new KerberosError({ unavailable: false, why: 'the server\'s final Negotiate token did not complete mutual authentication' });
  }
}
