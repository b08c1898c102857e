// Argument validation with the codes of spec §3/§4/§6. Each check throws a BitsError whose message
// says what to fix; nothing is written before every check of a call has passed.
import { accessSync, constants, statSync } from 'node:fs';
import { dirname, isAbsolute } from 'node:path';
import { bitsError } from '../api/bits-error.js';
import { HR } from '../api/hresult.js';
import { LIMITS } from '../api/limits.js';

const E_INVALIDARG = HR.E_INVALIDARG;

/** Characters legal in a URL as BITS takes it (no escaping is applied, spec §4.1). */
const URL_CHARS = /^[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=%]+$/;

export function checkRemoteUrl(remote: unknown): URL {
  if (typeof remote !== 'string' || remote.length === 0) throw bitsError(E_INVALIDARG, 'The remote name is missing: give an http:// or https:// URL.');
  if (remote.length > LIMITS.remoteUrlMax) throw bitsError(E_INVALIDARG, `The remote URL has ${remote.length} characters; the limit is ${LIMITS.remoteUrlMax}.`);
  if (!URL_CHARS.test(remote)) throw bitsError(E_INVALIDARG, `The remote URL '${remote}' has characters that are not legal in a URL (BITS applies no escaping): percent-encode them (space = %20).`);
  let url: URL;
  try {
    url = new URL(remote);
  } catch {
    throw bitsError(E_INVALIDARG, `The remote name '${remote}' is not a URL: give an http:// or https:// URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw bitsError(E_INVALIDARG, `The URL scheme '${url.protocol.replace(/:$/, '')}' is not supported by the portable engine: use http or https.`);
  }
  if (url.username || url.password) throw bitsError(E_INVALIDARG, 'Put no user name or password in the URL: use set-credentials (the password would be stored in plain text).');
  if (url.pathname.includes('*')) throw bitsError(E_INVALIDARG, 'The remote URL contains a wildcard (*): name one file.');
  for (const seg of url.pathname.split('/')) {
    if (seg.length > LIMITS.urlSegmentMax) throw bitsError(E_INVALIDARG, `A path segment of the URL has ${seg.length} characters; the limit is ${LIMITS.urlSegmentMax}.`);
  }
  return url;
}

/** Local name of a download destination (or upload source with mustExist). */
export function checkLocalPath(local: unknown, opts: { mustExist?: boolean } = {}): string {
  if (typeof local !== 'string' || local.length === 0) throw bitsError(E_INVALIDARG, 'The local name is missing: give an absolute path.');
  if (!isAbsolute(local)) throw bitsError(E_INVALIDARG, `The local name '${local}' is relative: BITS needs an absolute path (e.g. ${process.platform === 'win32' ? 'C:\\data\\file' : '/home/me/file'}).`);
  if (local.length > LIMITS.MAX_PATH) throw bitsError(E_INVALIDARG, `The local path has ${local.length} characters; the limit is MAX_PATH (${LIMITS.MAX_PATH}).`);
  if (/[*?]/.test(local)) throw bitsError(E_INVALIDARG, `The local path '${local}' contains a wildcard: name one file.`);
  if (local.startsWith('\\\\?\\')) throw bitsError(E_INVALIDARG, 'The \\\\?\\ prefix is not allowed in local names.');
  if (process.platform === 'win32' && local.indexOf(':', 2) !== -1) throw bitsError(E_INVALIDARG, 'NTFS alternate data streams are not allowed in local names.');
  const dir = dirname(local);
  let dirStat;
  try {
    dirStat = statSync(dir);
  } catch {
    throw bitsError(E_INVALIDARG, `The directory '${dir}' does not exist: create it first.`);
  }
  if (!dirStat.isDirectory()) throw bitsError(E_INVALIDARG, `'${dir}' is not a directory.`);
  if (opts.mustExist) {
    try {
      accessSync(local, constants.R_OK);
    } catch {
      throw bitsError(HR.E_ACCESSDENIED, `Cannot read '${local}': check that it exists and is readable.`);
    }
  } else {
    try {
      accessSync(dir, constants.W_OK);
    } catch {
      throw bitsError(HR.E_ACCESSDENIED, `The directory '${dir}' is not writable by you.`);
    }
    try {
      if (statSync(local).isDirectory()) throw bitsError(E_INVALIDARG, `'${local}' is a directory: name a file.`);
    } catch (e) {
      if ((e as { hresult?: number }).hresult) throw e;
    }
  }
  return local;
}

export function checkString(value: unknown, what: string, max: number, tooLongCode: number): string {
  if (typeof value !== 'string') throw bitsError(E_INVALIDARG, `${what} must be a string (NULL is not allowed).`);
  if (value.length > max) throw bitsError(tooLongCode, `${what} has ${value.length} characters; the limit is ${max}.`);
  return value;
}

/** ULONG seconds. */
export function checkSeconds(value: unknown, what: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > 0xffffffff) {
    throw bitsError(E_INVALIDARG, `${what} must be a whole number of seconds between 0 and 4294967295.`);
  }
  return value;
}

export function normalizeJobId(id: unknown): string {
  if (typeof id !== 'string') throw bitsError(E_INVALIDARG, 'A job id is required.');
  const m = /^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$/.exec(id.trim());
  if (!m) throw bitsError(HR.BG_E_NOT_FOUND, `'${id}' is not a job id (a GUID like 3f2c9a10-...).`);
  return m[1]!.toLowerCase();
}
