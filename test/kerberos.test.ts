// Kerberos (Negotiate through SPNEGO, issue 18) against a real MIT KDC and real servers: krb5kdc
// with a realm made for the test (helpers/kdc.ts), apache2 + mod_auth_gssapi with the service
// keytab HTTP/127.0.0.1 (files at /krb/, our BITS server behind /bits-krb/). Both credential
// sources: the job owner's ticket cache (kinit by the test, KRB5CCNAME) and explicit user/password
// (a TGT in a private MEMORY ccache: no cache file appears). Failure cases each end in a fatal
// BG_E_HTTP_ERROR_401 whose message names Negotiate/Kerberos and the fix: wrong password, expired
// ticket, no ticket cache, a KDC whose clock is an hour ahead (libfaketime), a server whose final
// token fails mutual authentication (fixture), a server offering only a scheme we do not speak.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { chmod, mkdir, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, ErrorContext, ProxyUsage } from '../module/api/enums.js';
import type { DownloadRequest } from '../module/engine/http/download-port.js';
import { downloadFile } from '../module/engine/http/download.js';
import type { JobCredential, TransportOptions } from '../module/engine/transport-port.js';
import { checkKerberos } from '../module/cli/doctor/kerberos-check.js';
import { gssapi } from '../module/common/gssapi-addon.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest } from '../module/engine/upload/upload-port.js';
import { startBitsServer } from '../module/server/serve.js';
import { startApache } from './helpers/apache.js';
import { makeUploadFile } from './helpers/bits-fixture-server.js';
import { becomeTicketOwner, faketimeWorks, startKdc } from './helpers/kdc.js';
import { makeTmpDir, sha256, sha256File } from './helpers/tmp.js';
import { transferFailures } from './helpers/transfer-failure.js';

const HTTP_401 = 0x80190191;
const USER = 'alice';
const PASSWORD = 'Kerberos-Alice-51 ümlaut';
const WRONG = 'not-the-Kerberos-password';
const SKEW_S = 3600;

const binding = gssapi();
if ('missing' in binding) throw new Error(`${binding.missing}: the Kerberos tests need the add-on (scripts/install-kerberos.mjs with libkrb5-dev installed).`);

const work = await makeTmpDir('bits-krb-work');
await chmod(work.path, 0o755); // apache2 serves www/ as nobody
const content = randomBytes(700_000);
await mkdir(work.file('www'));
await mkdir(work.file('uploads'));
await writeFile(work.file('www/file.bin'), content);
const old = new Date(Date.now() - 3600_000);
await utimes(work.file('www/file.bin'), old, old);

const kdc = await startKdc();
const bits = await startBitsServer({ root: work.file('uploads') });
let apache: Awaited<ReturnType<typeof startApache>> | undefined;
try {
  kdc.addPrincipal(USER, PASSWORD);
  const keytab = await kdc.serviceKeytab('HTTP/127.0.0.1');
  apache = await startApache({ root: work.file('www'), kerberosAuth: { keytab, krb5Config: kdc.krb5Config, bitsBackend: bits.url } });
} catch (e) {
  await Promise.all([kdc.stop(), bits.close()]);
  throw e;
}
const server = apache;
// The in-process engine is the job owner here: its KRB5_CONFIG names the test realm, its KRB5CCNAME the owner's cache.
const owner = becomeTicketOwner(kdc, work.file('cc-owner'));
const { ownerCache } = owner;

test.after(async () => {
  owner.restore();
  await Promise.all([server.stop(), kdc.stop(), bits.close()]);
  await work.cleanup();
});

const { errors, failure } = transferFailures();

const implicit: JobCredential = { target: AuthTarget.SERVER, scheme: AuthScheme.NEGOTIATE, userName: null, password: null };
const explicit = (password: string, userName = USER): JobCredential => ({ target: AuthTarget.SERVER, scheme: AuthScheme.NEGOTIATE, userName, password });
const DIRECT = { usage: ProxyUsage.NO_PROXY, proxyList: null, bypassList: null };

let n = 0;
function request(url: string, transport: TransportOptions): DownloadRequest {
  return { url, tempPath: work.file(`d${++n}.tmp`), offset: 0, validator: null, signal: new AbortController().signal, transport };
}
function uploadRequest(url: string, f: { path: string; expectedFile: { size: number; mtimeMs: number } }, transport: TransportOptions): UploadRequest {
  return { url, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false, session: { ...NEW_SESSION }, onSession: () => undefined, initialFragment: 128 * 1024, maxFragment: 128 * 1024, transport };
}
const statuses = async (path: string) => (await server.readAccessLog()).filter((l) => l.includes(` ${path} `)).map((l) => l.split(' ').slice(2, 4).join(' '));

test('ticket cache (implicit NEGOTIATE credentials, kinit by the owner): download → 200 as alice@BITS.TEST, byte-exact, mutual authentication done', async () => {
  kdc.kinit(USER, PASSWORD, ownerCache);
  const req = request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [implicit] });
  await downloadFile(req);
  assert.is(await sha256File(req.tempPath), sha256(content));
  assert.equal(await statuses('/krb/file.bin'), ['401 -', `200 ${USER}@${kdc.realm}`]);
  assert.is(binding.cacheInfo(ownerCache).principal, `${USER}@${kdc.realm}`);
});

test('explicit credentials: a TGT from the password in a private MEMORY ccache — the owner\'s cache is not read or written, no cache file appears', async () => {
  const untouched = work.file('cc-must-not-exist');
  process.env.KRB5CCNAME = `FILE:${untouched}`;
  const before = readdirSync(tmpdir()).filter((f) => f.startsWith('krb5cc')).sort();
  try {
    const req = request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [explicit(PASSWORD)] });
    await downloadFile(req);
    assert.is(await sha256File(req.tempPath), sha256(content));
    // A user name with a lower-case realm (a UPN) works too: realms are upper case.
    await downloadFile(request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [explicit(PASSWORD, `${USER}@bits.test`)] }));
  } finally {
    process.env.KRB5CCNAME = ownerCache;
  }
  assert.not.ok(existsSync(untouched), 'the explicit credential wrote to the default cache');
  assert.equal(readdirSync(tmpdir()).filter((f) => f.startsWith('krb5cc')).sort(), before);
  assert.equal((await statuses('/krb/file.bin')).slice(-2), ['401 -', `200 ${USER}@${kdc.realm}`]);
});

test('BITS upload to our server behind Kerberos: every packet authenticated (the server challenges each request) → byte-exact', async () => {
  const before = (await server.readAccessLog()).length;
  const f = await makeUploadFile(work.file('up-krb.bin'), 600_000 + 7);
  const url = `${server.url}/bits-krb/krb-up.bin`;
  const transport: TransportOptions = { proxy: DIRECT, credentials: [explicit(PASSWORD)] };
  const { session } = await uploadFile(uploadRequest(url, f, transport));
  await closeSession({ url, session, signal: new AbortController().signal, transport });
  assert.is(await sha256File(work.file('uploads/krb-up.bin')), f.sha256);
  const log = (await server.readAccessLog()).slice(before).filter((l) => l.startsWith('BITS_POST'));
  const ok = log.filter((l) => l.includes(` 200 ${USER}@${kdc.realm} `)).length;
  assert.ok(ok >= 7, `Create-Session, 5 fragments, Close-Session each as alice:\n${log.join('\n')}`);
  assert.is(log.length, 2 * ok, `one 401 and one authenticated send per packet:\n${log.join('\n')}`);
});

test('wrong password: the KDC refuses it → fatal 401 naming Negotiate (Kerberos), the principal and the fix; no NTLM retry, no token sent', async () => {
  const before = (await statuses('/krb/file.bin')).length;
  const e = await failure(downloadFile(request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [explicit(WRONG)] })));
  assert.is(e.hresult, HTTP_401);
  assert.is(e.context, ErrorContext.REMOTE_FILE);
  assert.is(e.transient, false);
  assert.match(e.message, /offers Negotiate\. Negotiate \(Kerberos\) could not answer: the KDC refused the password of alice@BITS\.TEST \(Preauthentication failed\)/);
  assert.match(e.message, /--scheme NEGOTIATE/);
  assert.equal((await statuses('/krb/file.bin')).slice(before), ['401 -'], 'one unauthenticated request, nothing else');
});

test('Kerberos unavailable (no service principal HTTP/localhost in the KDC) with a password: NTLMv2 answers in its place, the Kerberos-only server refuses it → 401 saying both', async () => {
  const e = await failure(downloadFile(request(`${server.url.replace('127.0.0.1', 'localhost')}/krb/file.bin`, { proxy: DIRECT, credentials: [explicit(PASSWORD)] })));
  assert.is(e.hresult, HTTP_401);
  assert.match(e.message, /rejected the job's SERVER Negotiate credentials for user "alice" \(Negotiate was answered with NTLMv2 in place of Kerberos — the KDC has no service principal for this server \(Server HTTP\/localhost@BITS\.TEST not found in Kerberos database\)/);
});

test('no ticket cache (implicit credentials, never kinit) → 401 "run kinit"', async () => {
  process.env.KRB5CCNAME = `FILE:${work.file('cc-nobody')}`;
  try {
    const e = await failure(downloadFile(request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [implicit] })));
    assert.is(e.hresult, HTTP_401);
    assert.match(e.message, /there is no Kerberos ticket in FILE:\/.*\/cc-nobody \(No credentials cache found .*\): run kinit as the job's owner/);
  } finally {
    process.env.KRB5CCNAME = ownerCache;
  }
});

test('expired ticket in the cache → 401 naming the expiry and "run kinit"', async () => {
  const cache = `FILE:${work.file('cc-short')}`;
  kdc.kinit(USER, PASSWORD, cache, '2s');
  const end = binding.cacheInfo(cache).endTime;
  while (Date.now() / 1000 <= end + 0.5) await new Promise((r) => setTimeout(r, 250)); // let it expire
  process.env.KRB5CCNAME = cache;
  try {
    const e = await failure(downloadFile(request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [implicit] })));
    assert.is(e.hresult, HTTP_401);
    assert.match(e.message, new RegExp(`the Kerberos ticket of alice@BITS\\.TEST in FILE:.*cc-short expired at ${new Date(end * 1000).toISOString().replace(/\./g, '\\.')}: run kinit`));
  } finally {
    process.env.KRB5CCNAME = ownerCache;
  }
});

test(`clock skew: a KDC an hour ahead (libfaketime) issues the ticket, the server refuses it → 401 "clock skew of ${SKEW_S} s with the KDC"`, async () => {
  assert.ok(faketimeWorks(SKEW_S), 'libfaketime does not shift a child\'s clock here: the skew case would prove nothing');
  const skewed = await kdc.startSkewed(SKEW_S);
  process.env.KRB5_CONFIG = skewed.krb5Config;
  try {
    const e = await failure(downloadFile(request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [explicit(PASSWORD)] })));
    assert.is(e.hresult, HTTP_401);
    // apache answers the AP-REQ with a KRB-ERROR token (ticket not yet valid: it was issued an hour "later").
    assert.match(e.message, /Negotiate \(Kerberos\) could not answer: Kerberos failed for alice@BITS\.TEST: a clock skew of 360[01] s with the KDC \(its clock is 360[01] s ahead of this machine's\) \(.*\); synchronize the clocks/);
    // The same from the owner's ticket cache: kinit against that KDC gives a TGT that starts an hour from now.
    const skewedCache = `FILE:${work.file('cc-skewed')}`;
    kdc.kinit(USER, PASSWORD, skewedCache, undefined, skewed.krb5Config);
    process.env.KRB5CCNAME = skewedCache;
    const fromCache = await failure(downloadFile(request(`${server.url}/krb/file.bin`, { proxy: DIRECT, credentials: [implicit] })));
    assert.is(fromCache.hresult, HTTP_401);
    assert.match(fromCache.message, /Kerberos failed for alice@BITS\.TEST: a clock skew of 3[56]\d\d s with the KDC \(its clock is 3[56]\d\d s ahead of this machine's\)/);
  } finally {
    process.env.KRB5CCNAME = ownerCache;
    process.env.KRB5_CONFIG = kdc.krb5Config;
    await skewed.stop();
  }
});

/** A fixture server: 401 Negotiate, then (any Authorization) 200 carrying `final` as its Negotiate token. */
async function fixture(challenge: string, final?: string): Promise<{ url: string; close: () => void; seen: string[] }> {
  const seen: string[] = [];
  const s = http.createServer((req, res) => {
    seen.push(String(req.headers.authorization ?? 'none').split(' ')[0]!);
    if (!req.headers.authorization) {
      res.writeHead(401, { 'WWW-Authenticate': challenge, 'Content-Length': '0' });
      return res.end();
    }
    res.writeHead(200, { ...(final ? { 'WWW-Authenticate': final } : {}), 'Content-Length': '5' });
    res.end('hello');
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(s.address() as AddressInfo).port}`, close: () => s.close(), seen };
}

test('mutual authentication: a 200 whose Negotiate token does not verify is not trusted → 401 saying so (fixture server with the real service ticket)', async () => {
  const f = await fixture('Negotiate', `Negotiate ${Buffer.from('not an AP-REP').toString('base64')}`);
  try {
    const e = await failure(downloadFile(request(`${f.url}/x.bin`, { proxy: DIRECT, credentials: [explicit(PASSWORD)] })));
    assert.is(e.hresult, HTTP_401);
    assert.match(e.message, /answered HTTP 200\. Negotiate \(Kerberos\) could not answer: mutual authentication failed, the response is not trusted/);
    assert.equal(f.seen, ['none', 'Negotiate']);
  } finally {
    f.close();
  }
});

test('a server offering only a scheme the engine does not speak (the pre-SPNEGO "Kerberos" scheme) → 401 naming it and what to enable', async () => {
  const f = await fixture('Kerberos');
  try {
    const e = await failure(downloadFile(request(`${f.url}/x.bin`, { proxy: DIRECT, credentials: [implicit, explicit(PASSWORD)] })));
    assert.is(e.hresult, HTTP_401);
    assert.match(e.message, /It offers Kerberos\. Kerberos is not supported by the portable engine \(only .*Negotiate \(Kerberos, or NTLMv2 in its place\) are\): enable Negotiate/);
    assert.equal(f.seen, ['none']);
  } finally {
    f.close();
  }
});

test('doctor\'s kerberos row: the owner\'s cache with principal and expiry, an expired one (warn: kinit), no add-on (warn naming libkrb5-dev)', () => {
  const valid = checkKerberos(binding, Date.now());
  assert.is(valid.status, 'ok');
  assert.match(valid.detail, new RegExp(`^built; ticket cache FILE:.*cc-owner for alice@BITS\\.TEST, valid until ${new Date(binding.cacheInfo(ownerCache).endTime * 1000).toISOString().replace(/\./g, '\\.')} \\(\\d+ h \\d+ min\\)$`));
  const later = checkKerberos(binding, (binding.cacheInfo(ownerCache).endTime + 60) * 1000);
  assert.is(later.status, 'warn');
  assert.match(later.detail, /the ticket of alice@BITS\.TEST in FILE:.*cc-owner expired at /);
  assert.match(later.fix!, /Run kinit/);
  const none = checkKerberos({ missing: 'Kerberos support is not built (no /x/bits_gssapi.node)' });
  assert.is(none.status, 'warn');
  assert.match(none.fix!, /apt-get install libkrb5-dev.*node scripts\/install-kerberos\.mjs/);
});

test('no secret in any error: password, tickets and tokens never appear', () => {
  assert.ok(errors.length >= 6, `${errors.length} errors collected`);
  for (const e of errors) {
    const text = [e.message, e.stack ?? '', JSON.stringify(e.toJSON()), JSON.stringify(e.data ?? {})].join('\n');
    for (const s of [PASSWORD, WRONG]) assert.not.ok(text.includes(s), `secret in: ${e.message}`);
    assert.not.ok(/YII|oYG|Negotiate [A-Za-z0-9+/]{20}/.test(text), `a Negotiate token in: ${e.message}`);
  }
});

test.run();
