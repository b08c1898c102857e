// SetCredentials / RemoveCredentials (spec §3.7, §3.8): validated in BITS's order, one credential
// per (target, scheme), sealed at rest by the vault.
import { bitsError } from '../../api/bits-error.js';
import { AuthScheme, AuthTarget } from '../../api/enums.js';
import { HR } from '../../api/hresult.js';
import { LIMITS } from '../../api/limits.js';
import type { CredentialsInput, HResultWire } from '../../api/types.js';
import { result, shown } from '../job-outcome.js';
import type { EngineParts } from './parts.js';

/** SetCredentials (spec §3.7): validation order 1–5, one credential per (target, scheme), sealed at rest. */
export async function setCredentials(e: EngineParts, jobId: string, c: CredentialsInput): Promise<void> {
  const job = e.table.findMutable(jobId);
  checkAuthTarget(c?.target);
  checkAuthScheme(c?.scheme);
  const { userName = null, password = null } = c;
  if (userName !== null && (typeof userName !== 'string' || userName.length > LIMITS.userNameMax)) {
    throw bitsError(HR.BG_E_USERNAME_TOO_LARGE, `The user name is over ${LIMITS.userNameMax} characters.`);
  }
  if (password !== null && (typeof password !== 'string' || password.length > LIMITS.passwordMax)) {
    throw bitsError(HR.BG_E_PASSWORD_TOO_LARGE, `The password is over ${LIMITS.passwordMax} characters.`);
  }
  if ((c.scheme === AuthScheme.BASIC || c.scheme === AuthScheme.DIGEST) && (userName === null || password === null)) {
    throw bitsError(HR.E_INVALIDARG, 'BASIC and DIGEST need both a user name and a password.');
  }
  if (userName === null && password !== null) throw bitsError(HR.E_INVALIDARG, 'A password needs a user name (NULL/NULL means the logged-on user\'s credentials).');
  const sealed = e.vault.seal({ userName, password });
  job.credentials = [...job.credentials.filter((x) => x.target !== c.target || x.scheme !== c.scheme), { target: c.target, scheme: c.scheme, sealed }];
  e.table.commit(job);
}

/** RemoveCredentials (spec §3.8): S_OK when removed, S_FALSE when none was set. */
export async function removeCredentials(e: EngineParts, jobId: string, target: number, scheme: number): Promise<HResultWire> {
  const job = e.table.findMutable(jobId);
  checkAuthTarget(target);
  checkAuthScheme(scheme);
  const kept = job.credentials.filter((x) => x.target !== target || x.scheme !== scheme);
  if (kept.length === job.credentials.length) return result(HR.S_FALSE);
  job.credentials = kept;
  e.table.commit(job);
  return result(HR.S_OK);
}

function checkAuthTarget(target: unknown): void {
  if (!Object.values(AuthTarget).includes(target as 1)) throw bitsError(HR.BG_E_INVALID_AUTH_TARGET, `Target ${shown(target)} is not SERVER (1) or PROXY (2).`);
}

function checkAuthScheme(scheme: unknown): void {
  if (!Object.values(AuthScheme).includes(scheme as 1)) throw bitsError(HR.BG_E_INVALID_AUTH_SCHEME, `Scheme ${shown(scheme)} is not BASIC (1), DIGEST (2), NTLM (3), NEGOTIATE (4) or PASSPORT (5).`);
}
