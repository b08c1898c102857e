// The job error when a 401 (server) or 407 (proxy) cannot be answered, or was answered and
// rejected: fatal BG_E_HTTP_ERROR_401 / BG_E_HTTP_ERROR_407, context REMOTE_FILE (spec §3.7, §7.3
// step 6). The message names what the server offered and what to do. It is built only from the
// challenge, the URL and the user name — never from a password, a token or a Digest response.
import { ErrorContext } from '../../../api/enums.js';
import { httpStatusToHResult } from '../../../api/hresult.js';
import { HttpTransferError, redactUrl } from '../../http/errors.js';
import { describeChallenge, type Challenge } from './challenge.js';

export type AuthTargetName = 'SERVER' | 'PROXY';

export type AuthProblem =
  /** No challenge at all (a 401 without WWW-Authenticate). */
  | { kind: 'no-challenge' }
  /** Only schemes this engine cannot speak (Passport, Bearer, ...). */
  | { kind: 'unsupported'; schemes: string[] }
  /** Supported schemes, but the job has no explicit credentials for any of them. */
  | { kind: 'no-credentials'; schemes: string[]; implicitOnly: boolean; unsupported: string[] }
  /** A supported scheme with credentials, but its challenge cannot be answered (qop=auth-int, unknown algorithm, ':' in a Basic user). */
  | { kind: 'unusable'; why: string }
  /** Credentials were sent in answer to this very challenge and refused (Negotiate: by which mechanism, and what may explain it). */
  | { kind: 'rejected'; scheme: string; userName: string; mechanism?: 'kerberos' | 'ntlm'; detail?: string }
  /** Negotiate's Kerberos could not answer (no ticket, expired, wrong password, clock skew, mutual authentication). */
  | { kind: 'kerberos'; why: string }
  /** A redirect led to another origin, which the job's server credentials are not sent to. */
  | { kind: 'other-origin'; trusted: readonly string[] };

export interface AuthFailureInfo {
  target: AuthTargetName;
  url: string;
  /** The proxy (http://host:port) for PROXY failures. */
  proxy?: string;
  offered: readonly Challenge[];
  problem: AuthProblem;
  /** The proxy came from a *_PROXY variable with user:password@ in it (which is not used). */
  credentialsInProxyUrl?: boolean;
  /** Extra, secret-free data (e.g. the upload packet). */
  data?: Record<string, unknown>;
  /** The status the server really answered when it is not the 401/407 of the error (a 200 failing mutual authentication). */
  answered?: number;
}

const SCHEME_FLAG: Record<string, string> = { basic: 'BASIC', digest: 'DIGEST', ntlm: 'NTLM', negotiate: 'NEGOTIATE' };
const SCHEME_NAME: Record<string, string> = { basic: 'Basic', digest: 'Digest', ntlm: 'NTLM', negotiate: 'Negotiate' };
/** What the portable engine answers, for messages. */
const SPOKEN = 'Basic, Digest, NTLM (NTLMv2) and Negotiate (Kerberos, or NTLMv2 in its place)';

/** What to do about a refused answer, per scheme. */
function rejectedHint(p: Extract<AuthProblem, { kind: 'rejected' }>): string {
  const { scheme } = p;
  if (scheme === 'negotiate' && p.mechanism === 'kerberos') return ` (a Kerberos ticket${p.detail ?? ''}; the server needs a keytab for HTTP/<host name in the URL> and the same realm)`;
  if (scheme === 'negotiate') return ` (Negotiate was answered with NTLMv2 in place of Kerberos${p.detail ? ` — ${p.detail} —` : ''}; give the user as DOMAIN\\user; a server that accepts only Kerberos refuses NTLM)`;
  if (scheme === 'ntlm') return ' (NTLM: give the user as DOMAIN\\user or user@domain; a server that accepts only NTLMv1 or requires channel binding (Extended Protection) refuses the portable engine\'s NTLMv2 answers)';
  return '';
}

function setCommand(target: AuthTargetName, schemes: readonly string[]): string {
  const flags = schemes.map((s) => SCHEME_FLAG[s]).filter(Boolean);
  const scheme = flags.length === 1 ? flags[0]! : (flags.length ? flags.join('|') : 'BASIC|DIGEST|NTLM');
  return `bits-job2 set-credentials <job> --target ${target} --scheme ${scheme} --user <name> --password-stdin (SetCredentials)`;
}

function explain(info: AuthFailureInfo, who: string): string {
  const { problem: p, target } = info;
  const resume = 'then resume the job';
  switch (p.kind) {
    case 'no-challenge':
      return `${who} sent no ${target === 'SERVER' ? 'WWW-Authenticate' : 'Proxy-Authenticate'} challenge, so there is no scheme to answer: check the ${target === 'SERVER' ? 'server' : 'proxy'} configuration, ${resume}.`;
    case 'unsupported':
      return `${p.schemes.join(' and ')} ${p.schemes.length > 1 ? 'are' : 'is'} not supported by the portable engine (only ${SPOKEN} are): enable Negotiate/NTLM, Digest or Basic (over HTTPS) on the ${target === 'SERVER' ? 'server' : 'proxy'}, or run the job with Windows BITS.`;
    case 'no-credentials': {
      const names = p.schemes.map((s) => SCHEME_NAME[s] ?? s).join(' or ');
      const implicit = p.implicitOnly ? ' (NTLM credentials without a user name mean the logged-on user\'s NTLM single sign-on, which the portable engine does not have: give a user name and password, or use NEGOTIATE without a user name for the Kerberos tickets from kinit)' : '';
      const envNote = info.credentialsInProxyUrl ? ' A user:password@ in the proxy environment variable is not used.' : '';
      const others = p.unsupported.length ? ` (${p.unsupported.join(' and ')}, also offered, ${p.unsupported.length > 1 ? 'are' : 'is'} not supported by the portable engine)` : '';
      return `The job has no ${target} credentials for ${names}${implicit}${others}.${envNote} Set them with ${setCommand(target, p.schemes)}, ${resume}.`;
    }
    case 'unusable':
      return `The challenge cannot be answered: ${p.why}. Change the ${target === 'SERVER' ? 'server' : 'proxy'} configuration or the credentials, ${resume}.`;
    case 'other-origin':
      return `The request was redirected to another origin; the job's server credentials are only sent to ${p.trusted.join(', ') || 'the job\'s own URL'}: use the final URL as the remote name if it should get them, ${resume}.`;
    case 'rejected':
      return `${who} rejected the job's ${target} ${SCHEME_NAME[p.scheme] ?? p.scheme} credentials for user "${p.userName}"${rejectedHint(p)}. Set the right ones with ${setCommand(target, [p.scheme])}, ${resume}.`;
    case 'kerberos':
      return `Negotiate (Kerberos) could not answer: ${p.why}${/resume the job$/.test(p.why) ? '' : `, ${resume}`}. (Other ${target} credentials: ${setCommand(target, ['negotiate'])}.)`;
  }
}

export function authFailedError(info: AuthFailureInfo): HttpTransferError {
  const status = info.target === 'SERVER' ? 401 : 407;
  const u = redactUrl(info.url);
  const who = info.target === 'SERVER' ? `The server of ${u}` : `The proxy ${info.proxy ?? ''} (for ${u})`.replace('  ', ' ');
  const offered = info.offered.length ? ` It offers ${info.offered.map(describeChallenge).join(', ')}.` : '';
  return new HttpTransferError(httpStatusToHResult(status), `${who} answered HTTP ${info.answered ?? status}.${offered} ${explain(info, who)}`, ErrorContext.REMOTE_FILE, false, {
    url: u,
    status,
    target: info.target,
    offered: info.offered.map((c) => c.scheme),
    ...(info.proxy ? { proxy: info.proxy } : {}),
    ...info.data,
  });
}
