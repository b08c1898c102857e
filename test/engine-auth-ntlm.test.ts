// NTLM and Negotiate through the whole product (issue 18): jobs in the background service against
// apache2 + gss-ntlmssp (a real NTLMv2 validator) — a download job (401 without credentials →
// ERROR; SetCredentials NTLM + Resume → TRANSFERRED, byte-exact) and an UPLOAD
// job to our BITS server behind NTLM with NEGOTIATE credentials (answered with NTLM).
import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, JobType } from '../module/api/enums.js';
import { startBitsServer } from '../module/server/index.js';
import { ServiceClient } from '../module/service/client.js';
import { waitState } from './helpers/assert-bits.js';
import { startApache } from './helpers/apache.js';
import { useRealmlessKrb5Config } from './helpers/kdc.js';
import { killServices } from './helpers/service.js';

const DOMAIN = 'CORP';
const USER = 'bob';
const PASSWORD = 'Ntlm-Job-Pa55';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const www = mkdtempSync(join(tmpdir(), 'bj2-ntlm-www-'));
chmodSync(www, 0o755);
const dest = mkdtempSync(join(tmpdir(), 'bj2-ntlm-dest-'));
const body = randomBytes(2 * 1024 * 1024);
writeFileSync(join(www, 'file.bin'), body);
mkdirSync(join(dest, 'uploads'));
const bits = await startBitsServer({ root: join(dest, 'uploads') });
const apache = await startApache({ root: www, ntlmAuth: { users: [{ domain: DOMAIN, user: USER, password: PASSWORD }], bitsBackend: bits.url } });
const stateDir = mkdtempSync('/tmp/bj2n-');
// The service inherits it: NEGOTIATE's Kerberos attempt reaches no KDC (no realm, no DNS), NTLM answers.
const restoreKrb5Config = useRealmlessKrb5Config(dest);
const b = await ServiceClient.connect({ stateDir });

test.after(async () => {
  await b.close();
  await killServices(stateDir);
  await Promise.all([apache.stop(), bits.close()]);
  restoreKrb5Config();
  for (const d of [www, dest, stateDir]) rmSync(d, { recursive: true, force: true });
});

test('NTLM download job: 401 without credentials → ERROR; SetCredentials NTLM + Resume → TRANSFERRED, byte-exact', async () => {
  const id = await b.createJob('ntlm-dl', JobType.DOWNLOAD);
  await b.addFiles(id, [{ remoteName: `${apache.url}/ntlm/file.bin`, localName: join(dest, 'ntlm.bin') }]);
  await b.resume(id);
  const failed = await waitState(b, id, 'ERROR');
  assert.is(failed.error!.name, 'BG_E_HTTP_ERROR_401');
  assert.match(failed.error!.message, /offers Negotiate, NTLM\. The job has no SERVER credentials for Negotiate or NTLM/);
  await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme.NTLM, userName: `${DOMAIN}\\${USER}`, password: PASSWORD });
  await b.resume(id);
  await waitState(b, id, 'TRANSFERRED');
  await b.complete(id);
  assert.is(sha(readFileSync(join(dest, 'ntlm.bin'))), sha(body));
  assert.not.match(JSON.stringify(failed), new RegExp(PASSWORD));
});

test('UPLOAD job to our BITS server behind NTLM with NEGOTIATE credentials (Negotiate answered with NTLM) → TRANSFERRED, byte-exact', async () => {
  const local = join(dest, 'up-src.bin');
  writeFileSync(local, body.subarray(0, 900_000));
  const id = await b.createJob('ntlm-up', JobType.UPLOAD);
  await b.addFiles(id, [{ remoteName: `${apache.url}/bits-ntlm/job-up.bin`, localName: local }]);
  await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme.NEGOTIATE, userName: `${DOMAIN}\\${USER}`, password: PASSWORD });
  await b.resume(id);
  await waitState(b, id, 'TRANSFERRED');
  await b.complete(id);
  assert.is(sha(readFileSync(join(dest, 'uploads', 'job-up.bin'))), sha(body.subarray(0, 900_000)));
});

test.run();
