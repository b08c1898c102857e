// The job's credentials for one transfer (a download call, an upload session call): which
// credential answers which challenge, and the answers remembered for preemptive reuse.
//
// Rules (spec §3.7) and decisions:
// * A 401 is answered with SERVER credentials, a 407 with PROXY credentials, each only with the
//   credential of the scheme the challenge names (a Basic credential never answers Digest).
// * Scheme order when the server offers several and the job has credentials for more than one
//   [DECISION], as Windows does: Negotiate > NTLM > Digest > Basic (the password travels least
//   first); among several Digest challenges the server's first usable one wins (RFC 7616 §3.7).
// * NTLM is a handshake on one connection (ntlm-handshake.ts): NEGOTIATE_MESSAGE, the server's
//   CHALLENGE_MESSAGE, AUTHENTICATE_MESSAGE. It authenticates the connection, so it is never sent
//   preemptively: later requests on that connection need nothing, a new connection starts over.
// * Negotiate (RFC 4559) is Kerberos first (kerberos.ts): NEGOTIATE credentials without a user
//   name (implicit: the logged-on user) use the job owner's ticket cache, with a user name a TGT
//   acquired from the password into a private MEMORY ccache. When Kerberos is unavailable (no
//   add-on, no KDC for the realm, no service principal) and there is a password, the NTLM
//   handshake answers in the Negotiate scheme, as SPNEGO falls back; a KDC that refused the
//   password or the ticket is not retried with NTLM [DECISION] (one bad password, one strike
//   against the account's lockout). Kerberos answers are never sent preemptively (an AP-REQ is
//   good once): a server that keeps the authentication on the connection (IIS) needs one per
//   connection, one that does not challenges each request again and gets a new AP-REQ (the
//   service ticket is cached). The server's final token, when it sends one, must pass mutual
//   authentication.
// * Implicit NTLM credentials (NULL user name, NTLM scheme) are never sent: no NTLM single sign-on.
// * After an answer succeeded, later requests of the same transfer to the same origin (SERVER) or
//   proxy (PROXY) send it preemptively; Digest counts nc up on the cached nonce. The cache dies
//   with the transfer: nothing of it is persisted.
import type { JobCredential } from '../../transport-port.js';
import { AuthScheme, AuthTarget } from '../../../api/enums.js';
import { authFailedError, type AuthFailureInfo, type AuthProblem, type AuthTargetName } from './auth-errors.js';
import { basicAuthorization, basicUserProblem } from './basic.js';
import type { Challenge } from './challenge.js';
import { digestAuthorization, readDigestChallenge, type DigestChallenge } from './digest.js';
import { KerberosCredential, KerberosError, KerberosHandshake, principalOf, type KerberosSource } from './kerberos.js';
import { NtlmHandshake } from './ntlm-handshake.js';

/** A protection space: who asks (target) and where (origin, or proxy href). */
export interface AuthSpace {
  target: AuthTargetName;
  key: string;
}

/** The context of an answer, for the error message when there is none. */
export interface AuthContext {
  url: string;
  proxy?: string;
  credentialsInProxyUrl?: boolean;
  data?: Record<string, unknown>;
}

interface Answer {
  scheme: 'basic' | 'digest' | 'ntlm' | 'negotiate';
  /** The user name for messages (a Kerberos answer: the principal or the cache). */
  userName: string;
  cred: JobCredential;
  digest?: DigestChallenge;
  ntlm?: NtlmHandshake;
  kerberos?: KerberosHandshake;
  /** Why Negotiate went to NTLM (Kerberos unavailable), for the message when NTLM is refused. */
  kerberosNote?: string;
  /** The first leg, already computed (Kerberos: asynchronous). */
  first?: string;
  nc: number;
}

type Explicit = JobCredential & { userName: string; password: string };

/** The host whose service principal (HTTP/<host>) a space's Kerberos ticket is for. */
function hostOf(space: AuthSpace): string {
  try {
    return new URL(space.key.replace(/^transparent /, '')).hostname.replace(/^\[(.*)\]$/, '$1');
  } catch {
    return space.key;
  }
}

function explicit(c: JobCredential): c is JobCredential & { userName: string; password: string } {
  return c.userName !== null && c.password !== null;
}

const SUPPORTED = new Set(['basic', 'digest', 'ntlm', 'negotiate']);
/** Schemes whose handshake authenticates the connection (several legs, never preemptive). */
const CONNECTION_BOUND = new Set(['ntlm', 'negotiate']);

export class Authenticator {
  private readonly answers = new Map<string, Answer>();
  private readonly kerberos = new Map<JobCredential, KerberosCredential>();

  constructor(private readonly credentials: readonly JobCredential[]) {}

  private static id(space: AuthSpace): string {
    return `${space.target} ${space.key}`;
  }

  private anyCredentialFor(target: AuthTargetName, scheme: number): JobCredential | undefined {
    const t = target === 'SERVER' ? AuthTarget.SERVER : AuthTarget.PROXY;
    return this.credentials.find((x) => x.target === t && x.scheme === scheme);
  }

  private credentialFor(target: AuthTargetName, scheme: number): Explicit | undefined {
    const c = this.anyCredentialFor(target, scheme);
    return c && explicit(c) ? c : undefined;
  }

  /** The tickets of one NEGOTIATE credential, shared by every handshake of this transfer. */
  private kerberosFor(c: JobCredential): KerberosCredential {
    let k = this.kerberos.get(c);
    if (!k) {
      const source: KerberosSource = explicit(c) ? { kind: 'password', principal: principalOf(c.userName), password: c.password } : { kind: 'cache' };
      k = new KerberosCredential(source);
      this.kerberos.set(c, k);
    }
    return k;
  }

  /** Destroys the transfer's private Kerberos caches (the transfer is over). */
  close(): void {
    for (const k of this.kerberos.values()) k.release();
    this.kerberos.clear();
  }

  private header(a: Answer, method: string, uri: string): string {
    const cred = a.cred as Explicit;
    if (a.first !== undefined) {
      const first = a.first;
      a.first = undefined;
      return first;
    }
    if (a.scheme === 'basic') return basicAuthorization(cred.userName, cred.password);
    if (a.ntlm) return a.ntlm.start();
    a.nc += 1;
    return digestAuthorization({ challenge: a.digest!, userName: cred.userName, password: cred.password, method, uri, nc: a.nc });
  }

  /** The remembered answer for this space, as a header value, or undefined. */
  preemptive(space: AuthSpace, method: string, uri: string): string | undefined {
    const a = this.answers.get(Authenticator.id(space));
    // A connection-bound answer is not repeated: the connection it authenticated needs nothing more.
    return a && !CONNECTION_BOUND.has(a.scheme) ? this.header(a, method, uri) : undefined;
  }

  /**
   * True while a connection-bound handshake (NTLM, also inside Negotiate) runs or ran in this
   * space: its sends must share one connection. A Kerberos AP-REQ stands on its own (any
   * connection, a CONNECT tunnel's too), so Kerberos is not.
   */
  connectionBound(space: AuthSpace): boolean {
    const a = this.answers.get(Authenticator.id(space));
    return a !== undefined && CONNECTION_BOUND.has(a.scheme) && a.kerberos === undefined;
  }

  /**
   * The next leg of a multi-leg handshake (NTLM's AUTHENTICATE_MESSAGE after the server's
   * challenge), or undefined when this response is not that (the handshake is over: refused).
   * Throws the fatal 401/407 when the server's token cannot be answered (NTLMv1-only server).
   */
  async continueHandshake(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext): Promise<string | undefined> {
    const a = this.answers.get(Authenticator.id(space));
    if (a?.kerberos) {
      try {
        return await a.kerberos.next(challenges.find((c) => c.name === 'negotiate')?.token68);
      } catch (e) {
        if (e instanceof KerberosError) throw this.error(space, challenges, ctx, { kind: 'kerberos', why: e.failure.why });
        throw e;
      }
    }
    if (!a?.ntlm) return undefined;
    const next = a.ntlm.next(challenges);
    if (next !== undefined && typeof next !== 'string') throw this.error(space, challenges, ctx, { kind: 'unusable', why: next.unusable });
    return next;
  }

  /** Forget the remembered answer (it was refused). */
  forget(space: AuthSpace): void {
    this.answers.delete(Authenticator.id(space));
  }

  /** What was last answered in this space (for the "rejected" message). */
  async answered(space: AuthSpace): Promise<{ scheme: string; userName: string; mechanism?: 'kerberos' | 'ntlm'; detail?: string } | undefined> {
    const a = this.answers.get(Authenticator.id(space));
    if (!a) return undefined;
    if (a.kerberos) return { scheme: a.scheme, userName: a.userName, mechanism: 'kerberos', detail: await a.kerberos.credential.diagnosis() };
    if (a.scheme === 'negotiate') return { scheme: a.scheme, userName: a.userName, mechanism: 'ntlm', ...(a.kerberosNote ? { detail: a.kerberosNote } : {}) };
    return { scheme: a.scheme, userName: a.userName };
  }

  /**
   * A final (non-401/407) response to a Kerberos answer: mutual authentication with the token the
   * server sent back, if it sent one. Throws the fatal 401/407 when the token does not verify.
   */
  async verifyFinal(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext, status: number): Promise<void> {
    const a = this.answers.get(Authenticator.id(space));
    if (!a?.kerberos) return;
    try {
      await a.kerberos.verify(challenges.find((c) => c.name === 'negotiate')?.token68);
    } catch (e) {
      if (e instanceof KerberosError) throw this.error(space, [], ctx, { kind: 'kerberos', why: `mutual authentication failed, the response is not trusted: ${e.failure.why}` }, status);
      throw e;
    }
  }

  /**
   * A stale=true Digest challenge for the realm we answered: the credentials were right, only the
   * nonce expired (RFC 7616 §3.3). Returns the new header, or undefined when this is not that case.
   */
  renewStale(space: AuthSpace, challenges: readonly Challenge[], method: string, uri: string): string | undefined {
    const a = this.answers.get(Authenticator.id(space));
    if (!a || a.scheme !== 'digest') return undefined;
    for (const ch of challenges) {
      if (ch.name !== 'digest') continue;
      const d = readDigestChallenge(ch);
      if ('unusable' in d || !d.stale || d.realm !== a.digest!.realm) continue;
      a.digest = d;
      a.nc = 0;
      return this.header(a, method, uri);
    }
    return undefined;
  }

  /** Answers a fresh challenge (and remembers the answer), or throws the fatal 401/407. */
  /** Negotiate: Kerberos, or NTLM in its place when Kerberos is unavailable and there is a password. */
  private async negotiate(space: AuthSpace, kerberosFailures: string[]): Promise<Answer | undefined> {
    const cred = this.anyCredentialFor(space.target, AuthScheme.NEGOTIATE);
    if (!cred || (cred.userName === null) !== (cred.password === null)) return undefined;
    const krb = this.kerberosFor(cred);
    const handshake = new KerberosHandshake(krb, hostOf(space));
    try {
      const first = await handshake.start();
      return { scheme: 'negotiate', cred, userName: (await krb.get()).principal, kerberos: handshake, first, nc: 0 };
    } catch (e) {
      if (!(e instanceof KerberosError)) throw e;
      if (!e.failure.unavailable || !explicit(cred)) {
        kerberosFailures.push(e.failure.why);
        return undefined;
      }
      return { scheme: 'negotiate', cred, userName: cred.userName, ntlm: new NtlmHandshake(cred.userName, cred.password, 'Negotiate'), kerberosNote: e.failure.why, nc: 0 };
    }
  }

  /** Answers a fresh challenge (and remembers the answer), or throws the fatal 401/407. */
  async answer(space: AuthSpace, challenges: readonly Challenge[], method: string, uri: string, ctx: AuthContext): Promise<string> {
    const unusable: string[] = [];
    const kerberosFailures: string[] = [];
    let basic: Answer | undefined;
    let digest: Answer | undefined;
    let ntlm: Answer | undefined;
    let negotiate: Answer | undefined;
    let negotiateTried = false;
    for (const ch of challenges) {
      if (ch.name === 'negotiate' && !negotiateTried) {
        negotiateTried = true;
        negotiate = await this.negotiate(space, kerberosFailures);
        if (negotiate) break; // the first choice: no other scheme is looked at
        continue;
      }
      if (ch.name === 'ntlm' && !ntlm) {
        const cred = this.credentialFor(space.target, AuthScheme.NTLM);
        if (cred) ntlm = { scheme: 'ntlm', cred, userName: cred.userName, ntlm: new NtlmHandshake(cred.userName, cred.password), nc: 0 };
        continue;
      }
      if (ch.name === 'digest' && !digest) {
        const cred = this.credentialFor(space.target, AuthScheme.DIGEST);
        if (!cred) continue;
        const d = readDigestChallenge(ch);
        if ('unusable' in d) unusable.push(d.unusable);
        else digest = { scheme: 'digest', cred, userName: cred.userName, digest: d, nc: 0 };
      } else if (ch.name === 'basic' && !basic) {
        const cred = this.credentialFor(space.target, AuthScheme.BASIC);
        if (!cred) continue;
        const why = basicUserProblem(cred.userName);
        if (why) unusable.push(why);
        else basic = { scheme: 'basic', cred, userName: cred.userName, nc: 0 };
      }
    }
    const chosen = negotiate ?? ntlm ?? digest ?? basic;
    if (chosen) {
      this.answers.set(Authenticator.id(space), chosen);
      return this.header(chosen, method, uri);
    }
    throw this.failure(space, challenges, ctx, unusable, kerberosFailures);
  }

  private failure(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext, unusable: string[], kerberosFailures: string[]): Error {
    let problem: AuthProblem;
    const supported = [...new Set(challenges.map((c) => c.name).filter((n) => SUPPORTED.has(n)))];
    if (challenges.length === 0) problem = { kind: 'no-challenge' };
    else if (kerberosFailures.length) problem = { kind: 'kerberos', why: kerberosFailures.join('; ') };
    else if (unusable.length) problem = { kind: 'unusable', why: unusable.join('; ') };
    else if (supported.length === 0) problem = { kind: 'unsupported', schemes: [...new Set(challenges.map((c) => c.scheme))] };
    else {
      const t = space.target === 'SERVER' ? AuthTarget.SERVER : AuthTarget.PROXY;
      const implicitOnly = this.credentials.some((c) => c.target === t && c.userName === null && c.scheme === AuthScheme.NTLM);
      const unsupported = [...new Set(challenges.filter((c) => !SUPPORTED.has(c.name)).map((c) => c.scheme))];
      problem = { kind: 'no-credentials', schemes: supported, implicitOnly, unsupported };
    }
    return this.error(space, challenges, ctx, problem);
  }

  error(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext, problem: AuthProblem, answered?: number): Error {
    const info: AuthFailureInfo = { target: space.target, url: ctx.url, offered: challenges, problem };
    if (answered !== undefined) info.answered = answered;
    if (ctx.proxy) info.proxy = ctx.proxy;
    if (ctx.credentialsInProxyUrl) info.credentialsInProxyUrl = true;
    if (ctx.data) info.data = ctx.data;
    return authFailedError(info);
  }
}
