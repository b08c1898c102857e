// One request's conversation with authenticating servers and proxies: which Authorization /
// Proxy-Authorization to send, and whether a 401/407 means "send it again with an answer" or the
// job's fatal error. "Answer once" (spec §7.3 step 6) is per challenge:
// * a request that carried nothing, or a preemptive answer from an earlier request, gets a fresh
//   answer to the challenge it received;
// * a request that carried a fresh answer and is refused again means the credentials are wrong →
//   fatal — unless the refusal is a Digest `stale=true` for the same realm (only the nonce
//   expired), which is answered again with the new nonce, at most twice;
// * a multi-leg handshake (NTLM) answers the server's token on the same connection: a 401/407
//   carrying the CHALLENGE_MESSAGE continues it, one carrying none ends it as refused.
import type { IncomingHttpHeaders } from 'node:http';
import type { AuthContext, AuthSpace, Authenticator } from './authenticator.js';
import { challengesOf, type Challenge } from './challenge.js';

type Sent = 'none' | 'preemptive' | 'fresh';

export interface AuthRoundSpaces {
  /** Where SERVER credentials may answer, with the request-target Digest must sign; null = never (another origin). */
  server: { space: AuthSpace; uri: string } | null;
  /** The proxy the request goes through in absolute form (whose 407 we answer), with its request-target; null = none. */
  proxy: { space: AuthSpace; uri: string } | null;
  /** Origins SERVER credentials are sent to (for the message when `server` is null). */
  trustedOrigins: readonly string[];
}

const MAX_STALE = 2;

function originFormOf(url: string): string {
  const u = new URL(url);
  return `${u.pathname}${u.search}`;
}
/** Absolute cap on send/answer rounds for one request, whatever a server does. */
const MAX_ROUNDS = 6;

export class AuthRound {
  private readonly sent: Record<'SERVER' | 'PROXY', Sent> = { SERVER: 'none', PROXY: 'none' };
  private readonly values: Record<'SERVER' | 'PROXY', string | undefined> = { SERVER: undefined, PROXY: undefined };
  private stale = 0;
  private rounds = 0;

  constructor(
    private readonly auth: Authenticator,
    private readonly method: string,
    private readonly spaces: AuthRoundSpaces,
    private readonly ctx: AuthContext,
  ) {
    for (const target of ['SERVER', 'PROXY'] as const) {
      const s = target === 'SERVER' ? spaces.server : spaces.proxy;
      const v = s ? auth.preemptive(s.space, method, s.uri) : undefined;
      if (v !== undefined) {
        this.values[target] = v;
        this.sent[target] = 'preemptive';
      }
    }
  }

  /** Authorization / Proxy-Authorization for the next send (secret: never log or record them). */
  headers(): Record<string, string> {
    const h: Record<string, string> = {};
    if (this.values.SERVER !== undefined) h.Authorization = this.values.SERVER;
    if (this.values.PROXY !== undefined) h['Proxy-Authorization'] = this.values.PROXY;
    return h;
  }

  /** After a response: true = send the request again with headers(); false = the response stands. Throws the fatal 401/407. */
  async retryAfter(status: number, responseHeaders: IncomingHttpHeaders): Promise<boolean> {
    if (status !== 401 && status !== 407) {
      await this.verifyFinal(status, responseHeaders);
      return false;
    }
    this.rounds++;
    const target = status === 401 ? 'SERVER' : 'PROXY';
    const challenges = challengesOf(responseHeaders, status === 401 ? 'www-authenticate' : 'proxy-authenticate');
    const where = target === 'SERVER' ? this.spaces.server : this.spaces.proxy;
    if (!where) {
      // 401 from an origin the credentials are not for; 407 without a proxy of ours (a
      // transparent proxy) is answered in the URL's own space below.
      if (target === 'SERVER') throw this.auth.error({ target, key: '' }, challenges, this.ctx, { kind: 'other-origin', trusted: this.spaces.trustedOrigins });
    }
    const s = where ?? { space: { target, key: `transparent ${this.ctx.url}` }, uri: originFormOf(this.ctx.url) };
    let value: string | undefined;
    const leg = this.sent[target] === 'fresh' && this.rounds <= MAX_ROUNDS ? await this.auth.continueHandshake(s.space, challenges, this.ctx) : undefined;
    if (leg !== undefined) {
      this.values[target] = leg;
      return true;
    }
    if (this.sent[target] === 'fresh' || this.rounds > MAX_ROUNDS) {
      if (this.stale < MAX_STALE && this.rounds <= MAX_ROUNDS) value = this.auth.renewStale(s.space, challenges, this.method, s.uri);
      if (value === undefined) throw await this.refused(s.space, challenges);
      this.stale++;
    } else {
      // Nothing sent, or a preemptive answer the server no longer takes: answer this challenge.
      this.auth.forget(s.space);
      value = await this.auth.answer(s.space, challenges, this.method, s.uri, this.ctx);
    }
    this.values[target] = value;
    this.sent[target] = 'fresh';
    return true;
  }

  /**
   * True once a connection-bound scheme (NTLM) answers: the next sends must reuse the connection
   * the last response came on (callers without a kept-alive connection pin one for the request),
   * and a challenge's body must be read, not the socket destroyed.
   */
  get connectionBound(): boolean {
    const spaces = [this.spaces.server?.space, this.spaces.proxy?.space].filter((s): s is AuthSpace => s !== undefined);
    return spaces.some((s) => this.auth.connectionBound(s)) || this.auth.connectionBound({ target: 'PROXY', key: `transparent ${this.ctx.url}` });
  }

  /** Mutual authentication of the answers this request carried fresh (Kerberos: the server's final token). */
  private async verifyFinal(status: number, responseHeaders: IncomingHttpHeaders): Promise<void> {
    for (const target of ['SERVER', 'PROXY'] as const) {
      const where = target === 'SERVER' ? this.spaces.server : this.spaces.proxy;
      if (!where || this.sent[target] !== 'fresh') continue;
      await this.auth.verifyFinal(where.space, challengesOf(responseHeaders, target === 'SERVER' ? 'www-authenticate' : 'proxy-authenticate'), this.ctx, status);
    }
  }

  /** The answer we just gave was refused: fatal, naming the scheme and user that were tried. */
  private async refused(space: AuthSpace, challenges: Challenge[]): Promise<Error> {
    const last = await this.auth.answered(space);
    this.auth.forget(space);
    return this.auth.error(space, challenges, this.ctx, last ? { kind: 'rejected', ...last } : { kind: 'no-challenge' });
  }
}
