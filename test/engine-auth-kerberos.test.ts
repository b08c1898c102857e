// Kerberos through the whole product (issue 18): jobs in the per-user background service against a
// real MIT KDC and apache2 + mod_auth_gssapi (krb5 only). The service learns the owner's ticket
// cache the way a user's would: KRB5CCNAME (and KRB5_CONFIG) in the environment it was started
// with. A download job with implicit NEGOTIATE credentials (the owner's kinit) and an
// UPLOAD_REPLY job to our BITS server behind Kerberos with explicit credentials: every packet and
// the reply download are authenticated; the reply is byte-exact.
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
import { startKdc } from './helpers/kdc.js';
import { killServices } from './helpers/service.js';

const USER = 'carol';
const PASSWORD = 'Carol-Krb-Job-Pa55';
const REPLY = Buffer.from('reply from behind Kerberos\n');
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

const www = mkdtempSync(join(tmpdir(), 'bj2-krb-www-'));
chmodSync(www, 0o755);
const dest = mkdtempSync(join(tmpdir(), 'bj2-krb-dest-'));
const body = randomBytes(2 * 1024 * 1024);
writeFileSync(join(www, 'file.bin'), body);
mkdirSync(join(dest, 'uploads'));
const kdc = await startKdc();
const bits = await startBitsServer({ root: join(dest, 'uploads'), replyHandler: () => ({ reply: REPLY, copyToDestination: true }) });
const apache = await (async () => {
  try {
    kdc.addPrincipal(USER, PASSWORD);
    return await startApache({ root: www, kerberosAuth: { keytab: await kdc.serviceKeytab('HTTP/127.0.0.1'), krb5Config: kdc.krb5Config, bitsBackend: bits.url } });
  } catch (e) {
    await Promise.all([kdc.stop(), bits.close()]);
    throw e;
  }
})();
const cache = `FILE:${join(dest, 'cc-carol')}`;
kdc.kinit(USER, PASSWORD, cache);
const stateDir = mkdtempSync('/tmp/bj2k-');
const saved = { KRB5_CONFIG: process.env.KRB5_CONFIG, KRB5CCNAME: process.env.KRB5CCNAME };
// The service starts with this environment (the owner's login session, as far as it is concerned).
process.env.KRB5_CONFIG = kdc.krb5Config;
process.env.KRB5CCNAME = cache;
const b = await ServiceClient.connect({ stateDir });

test.after(async () => {
  await b.close();
  await killServices(stateDir);
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  await Promise.all([apache.stop(), kdc.stop(), bits.close()]);
  for (const d of [www, dest, stateDir]) rmSync(d, { recursive: true, force: true });
});

test('download job, implicit NEGOTIATE credentials: the service uses the owner\'s ticket cache (KRB5CCNAME at its start) → TRANSFERRED, byte-exact', async () => {
  const id = await b.createJob('krb-dl', JobType.DOWNLOAD);
  await b.addFiles(id, [{ remoteName: `${apache.url}/krb/file.bin`, localName: join(dest, 'krb.bin') }]);
  await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme.NEGOTIATE, userName: null, password: null });
  await b.resume(id);
  await waitState(b, id, 'TRANSFERRED');
  await b.complete(id);
  assert.is(sha(readFileSync(join(dest, 'krb.bin'))), sha(body));
  const served = (await apache.readAccessLog()).filter((l) => l.startsWith('GET /krb/file.bin') && l.includes(' 200 '));
  assert.ok(served.length >= 1 && served.every((l) => l.includes(` ${USER}@${kdc.realm} `)), served.join('\n'));
});

test('UPLOAD_REPLY job to our BITS server behind Kerberos, explicit credentials: packets and the reply download authenticated → reply byte-exact', async () => {
  const local = join(dest, 'up-src.bin');
  writeFileSync(local, body.subarray(0, 900_000));
  const id = await b.createJob('krb-reply', JobType.UPLOAD_REPLY);
  await b.addFiles(id, [{ remoteName: `${apache.url}/bits-krb/job-up.bin`, localName: local }]);
  await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme.NEGOTIATE, userName: `${USER}@${kdc.realm}`, password: PASSWORD });
  await b.resume(id);
  await waitState(b, id, 'TRANSFERRED');
  assert.is(Buffer.from(await b.getReplyData(id), 'base64').toString(), REPLY.toString());
  await b.complete(id);
  assert.is(sha(readFileSync(join(dest, 'uploads', 'job-up.bin'))), sha(body.subarray(0, 900_000)));
  const log = await apache.readAccessLog();
  const replyGets = log.filter((l) => l.startsWith('GET /bits-krb/') && l.includes(' 200 '));
  assert.ok(replyGets.length >= 1 && replyGets.every((l) => l.includes(` ${USER}@${kdc.realm} `)), `the reply came through Kerberos:\n${log.join('\n')}`);
  assert.ok(log.filter((l) => l.startsWith('BITS_POST') && l.includes(` 200 ${USER}@${kdc.realm} `)).length >= 3, log.join('\n'));
});

test.run();
