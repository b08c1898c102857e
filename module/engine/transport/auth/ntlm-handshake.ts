// One NTLM handshake over HTTP (the "NTLM" scheme, as IIS and corporate proxies offer it):
//   → Authorization: NTLM <NEGOTIATE_MESSAGE>
//   ← 401, WWW-Authenticate: NTLM <CHALLENGE_MESSAGE>
//   → Authorization: NTLM <AUTHENTICATE_MESSAGE>   (same connection: NTLM authenticates it)
// The same handshake answers a "Negotiate" challenge (RFC 4559) for NEGOTIATE credentials with a
// user name: the NTLM tokens travel raw in the Negotiate scheme — what Windows' Negotiate package
// falls back to without Kerberos, and what IIS and MIT GSSAPI's SPNEGO acceptor (mod_auth_gssapi)
// take. Kerberos itself is not spoken [DECISION, issue 18]: no GSSAPI binding ships with the engine.
//
// The password stays in this object for the life of the transfer (like Basic/Digest answers);
// nothing of the handshake is logged or persisted.
import { hostname } from 'node:os';
import type { Challenge } from './challenge.js';
import { authenticateMessage, negotiateMessage, readChallengeMessage } from './ntlm.js';

/** The NetBIOS-style workstation name sent in AUTHENTICATE_MESSAGE (informational for servers). */
function workstationName(): string {
  return hostname().split('.')[0]!.toUpperCase().slice(0, 15);
}

export type NtlmCarrier = 'NTLM' | 'Negotiate';

export class NtlmHandshake {
  private leg: 'negotiate' | 'authenticate' = 'negotiate';

  constructor(
    private readonly userName: string,
    private readonly password: string,
    /** The HTTP scheme the tokens travel in. */
    readonly carrier: NtlmCarrier = 'NTLM',
  ) {}

  /** The first leg (again: a new connection starts the handshake over). */
  start(): string {
    this.leg = 'negotiate';
    return `${this.carrier} ${negotiateMessage().toString('base64')}`;
  }

  /** The AUTHENTICATE leg for the server's challenge; undefined when the response carries none (refused). */
  next(challenges: readonly Challenge[]): string | { unusable: string } | undefined {
    if (this.leg !== 'negotiate') return undefined;
    const name = this.carrier.toLowerCase();
    const ch = challenges.find((c) => c.name === name && c.token68 !== undefined);
    if (!ch) return undefined;
    const parsed = readChallengeMessage(Buffer.from(ch.token68!, 'base64'));
    if ('unusable' in parsed) return parsed;
    this.leg = 'authenticate';
    return `${this.carrier} ${authenticateMessage({ challenge: parsed, userName: this.userName, password: this.password, workstation: workstationName() }).toString('base64')}`;
  }
}
