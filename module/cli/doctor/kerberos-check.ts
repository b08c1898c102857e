// doctor's `kerberos` row (issue 18): is the GSSAPI add-on built (Negotiate with Kerberos tickets),
// and the ticket cache implicit NEGOTIATE credentials would use — as this process sees it
// (KRB5CCNAME, else the default /tmp/krb5cc_<uid>; the service uses the environment it was started
// with) — with its principal and expiry. Only reads the cache (its TGT's times).
import { gssapi, KERBEROS_BUILD_FIX, type GssapiBinding, type GssFailure } from '../../common/gssapi-addon.js';
import { ok, warn, type CheckResult } from './check.js';

function until(endSeconds: number, nowMs: number): string {
  const minutes = Math.round((endSeconds * 1000 - nowMs) / 60_000);
  return minutes >= 60 ? `${Math.floor(minutes / 60)} h ${minutes % 60} min` : `${minutes} min`;
}

export function checkKerberos(binding: GssapiBinding | { missing: string } = gssapi(), nowMs = Date.now()): CheckResult {
  if ('missing' in binding) {
    return warn('kerberos', `${binding.missing}: Negotiate is answered with NTLMv2 only (with a user name and password), implicit NEGOTIATE credentials cannot be used`, `To use Kerberos: ${KERBEROS_BUILD_FIX}.`);
  }
  let info;
  try {
    info = binding.cacheInfo(null);
  } catch (e) {
    const f = e as GssFailure;
    return ok('kerberos', `built; no ticket cache (${f.what || 'default'}: ${f.message}) — implicit NEGOTIATE credentials need kinit as the job's owner, explicit ones do not`);
  }
  const end = new Date(info.endTime * 1000).toISOString();
  if (info.endTime * 1000 <= nowMs) {
    return warn('kerberos', `built; the ticket of ${info.principal} in ${info.ccache} expired at ${end}`, 'Run kinit (or kinit -R) as the job\'s owner before jobs with implicit NEGOTIATE credentials run.');
  }
  return ok('kerberos', `built; ticket cache ${info.ccache} for ${info.principal}, valid until ${end} (${until(info.endTime, nowMs)})`);
}
