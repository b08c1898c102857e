// What the portable engine answers per authentication scheme (issue 18), so `doctor` tells the
// truth before a job meets a 401/407: the same list the README's credential matrix gives.
import { ok, type CheckResult } from './check.js';

export function checkAuthSchemes(): CheckResult {
  return ok(
    'auth',
    'BASIC, DIGEST, NTLM (NTLMv2 only) and NEGOTIATE with a user name (answered with NTLMv2, not Kerberos) for server and proxy; ' +
      'not used: Kerberos tickets (kinit, implicit NULL credentials), NTLMv1/LM, channel binding, PASSPORT. For Kerberos-only servers run the job with Windows BITS.',
  );
}
