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
// * Negotiate (RFC 4559) with NEGOTIATE credentials that have a user name: the NTLM handshake in
//   the Negotiate scheme (Negotiate's own fallback when Kerberos is not used). Kerberos tickets
//   (the logged-on user's cache, implicit credentials) are not used by the portable engine.
// * Credentials without a user name (implicit, NTLM/NEGOTIATE logged-on user) are never sent.
// * After an answer succeeded, later requests of the same transfer to the same origin (SERVER) or
//   proxy (PROXY) send it preemptively; Digest counts nc up on the cached nonce. The cache dies
//   with the transfer: nothing of it is persisted.
import type { JobCredential } from '../../transport-port.js';
import { AuthScheme, AuthTarget } from '../../../api/enums.js';
import { authFailedError, type AuthFailureInfo, type AuthProblem, type AuthTargetName } from './auth-errors.js';
import { basicAuthorization, basicUserProblem } from './basic.js';
import type { Challenge } from './challenge.js';
import { digestAuthorization, readDigestChallenge, type DigestChallenge } from './digest.js';
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
  cred: JobCredential & { userName: string; password: string };
  digest?: DigestChallenge;
  ntlm?: NtlmHandshake;
  nc: number;
}

function explicit(c: JobCredential): c is JobCredential & { userName: string; password: string } {
  return c.userName !== null && c.password !== null;
}

const SUPPORTED = new Set(['basic', 'digest', 'ntlm', 'negotiate']);
/** Schemes whose handshake authenticates the connection (several legs, never preemptive). */
const CONNECTION_BOUND = new Set(['ntlm', 'negotiate']);

export class Authenticator {
  private readonly answers = new Map<string, Answer>();

  constructor(private readonly credentials: readonly JobCredential[]) {}

  private static id(space: AuthSpace): string {
    return `${space.target} ${space.key}`;
  }

  private credentialFor(target: AuthTargetName, scheme: number): (JobCredential & { userName: string; password: string }) | undefined {
    const t = target === 'SERVER' ? AuthTarget.SERVER : AuthTarget.PROXY;
    const c = this.credentials.find((x) => x.target === t && x.scheme === scheme);
    return c && explicit(c) ? c : undefined;
  }

  private header(a: Answer, method: string, uri: string): string {
    if (a.scheme === 'basic') return basicAuthorization(a.cred.userName, a.cred.password);
    if (a.ntlm) return a.ntlm.start();
    a.nc += 1;
    return digestAuthorization({ challenge: a.digest!, userName: a.cred.userName, password: a.cred.password, method, uri, nc: a.nc });
  }

  /** The remembered answer for this space, as a header value, or undefined. */
  preemptive(space: AuthSpace, method: string, uri: string): string | undefined {
    const a = this.answers.get(Authenticator.id(space));
    // A connection-bound answer is not repeated: the connection it authenticated needs nothing more.
    return a && !CONNECTION_BOUND.has(a.scheme) ? this.header(a, method, uri) : undefined;
  }

  /** True while a connection-bound handshake (NTLM) runs or ran in this space: its sends must share one connection. */
  connectionBound(space: AuthSpace): boolean {
    return CONNECTION_BOUND.has(this.answers.get(Authenticator.id(space))?.scheme ?? '');
  }

  /**
   * The next leg of a multi-leg handshake (NTLM's AUTHENTICATE_MESSAGE after the server's
   * challenge), or undefined when this response is not that (the handshake is over: refused).
   * Throws the fatal 401/407 when the server's token cannot be answered (NTLMv1-only server).
   */
  continueHandshake(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext): string | undefined {
    const a = this.answers.get(Authenticator.id(space));
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
  answered(space: AuthSpace): { scheme: string; userName: string } | undefined {
    const a = this.answers.get(Authenticator.id(space));
    return a && { scheme: a.scheme, userName: a.cred.userName };
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
  answer(space: AuthSpace, challenges: readonly Challenge[], method: string, uri: string, ctx: AuthContext): string {
    const unusable: string[] = [];
    let basic: Answer | undefined;
    let digest: Answer | undefined;
    let ntlm: Answer | undefined;
    let negotiate: Answer | undefined;
    for (const ch of challenges) {
      if (ch.name === 'negotiate' && !negotiate) {
        const cred = this.credentialFor(space.target, AuthScheme.NEGOTIATE);
        if (cred) negotiate = { scheme: 'negotiate', cred, ntlm: new NtlmHandshake(cred.userName, cred.password, 'Negotiate'), nc: 0 };
        continue;
      }
      if (ch.name === 'ntlm' && !ntlm) {
        const cred = this.credentialFor(space.target, AuthScheme.NTLM);
        if (cred) ntlm = { scheme: 'ntlm', cred, ntlm: new NtlmHandshake(cred.userName, cred.password), nc: 0 };
        continue;
      }
      if (ch.name === 'digest' && !digest) {
        const cred = this.credentialFor(space.target, AuthScheme.DIGEST);
        if (!cred) continue;
        const d = readDigestChallenge(ch);
        if ('unusable' in d) unusable.push(d.unusable);
        else digest = { scheme: 'digest', cred, digest: d, nc: 0 };
      } else if (ch.name === 'basic' && !basic) {
        const cred = this.credentialFor(space.target, AuthScheme.BASIC);
        if (!cred) continue;
        const why = basicUserProblem(cred.userName);
        if (why) unusable.push(why);
        else basic = { scheme: 'basic', cred, nc: 0 };
      }
    }
    const chosen = negotiate ?? ntlm ?? digest ?? basic;
    if (chosen) {
      this.answers.set(Authenticator.id(space), chosen);
      return this.header(chosen, method, uri);
    }
    throw this.failure(space, challenges, ctx, unusable);
  }

  private failure(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext, unusable: string[]): Error {
    let problem: AuthProblem;
    const supported = [...new Set(challenges.map((c) => c.name).filter((n) => SUPPORTED.has(n)))];
    if (challenges.length === 0) problem = { kind: 'no-challenge' };
    else if (unusable.length) problem = { kind: 'unusable', why: unusable.join('; ') };
    else if (supported.length === 0) problem = { kind: 'unsupported', schemes: [...new Set(challenges.map((c) => c.scheme))] };
    else {
      const t = space.target === 'SERVER' ? AuthTarget.SERVER : AuthTarget.PROXY;
      const implicitOnly = this.credentials.some((c) => c.target === t && c.userName === null);
      const unsupported = [...new Set(challenges.filter((c) => !SUPPORTED.has(c.name)).map((c) => c.scheme))];
      problem = { kind: 'no-credentials', schemes: supported, implicitOnly, unsupported };
    }
    return this.error(space, challenges, ctx, problem);
  }

  error(space: AuthSpace, challenges: readonly Challenge[], ctx: AuthContext, problem: AuthProblem): Error {
    const info: AuthFailureInfo = { target: space.target, url: ctx.url, offered: challenges, problem };
    if (ctx.proxy) info.proxy = ctx.proxy;
    if (ctx.credentialsInProxyUrl) info.credentialsInProxyUrl = true;
    if (ctx.data) info.data = ctx.data;
    return authFailedError(info);
  }
}
