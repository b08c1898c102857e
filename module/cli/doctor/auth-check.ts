// What the portable engine answers per authentication scheme (issue 18), so `doctor` tells the
// truth before a job meets a 401/407: the same list the README's credential matrix gives.
import { ok, type CheckResult } from './check.js';

export function checkAuthSchemes(): CheckResult {
  return ok(
    'auth',
    'BASIC, DIGEST, NTLM (NTLMv2 only) and NEGOTIATE for server and proxy; NEGOTIATE is Kerberos (the owner\'s ticket cache without a user name, ' +
      'a ticket from the password with one; see the kerberos row), NTLMv2 in its place when Kerberos is unavailable; ' +
      'not used: NTLM single sign-on (implicit NTLM), NTLMv1/LM, channel binding, Kerberos delegation, PASSPORT.',
  );
}
