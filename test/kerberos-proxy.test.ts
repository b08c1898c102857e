// Kerberos for the PROXY target (issue 18): a real squid with negotiate_kerberos_auth (it checks the
// AP-REQ against the keytab of HTTP/127.0.0.1 from a real MIT KDC made for the test). A download
// from nginx and a BITS upload to our server through it, with explicit PROXY NEGOTIATE credentials
// (a TGT from the password in a private MEMORY ccache) and with the owner's ticket cache (implicit),
// an https download through a CONNECT tunnel;
// a wrong password ends in a fatal BG_E_HTTP_ERROR_407 naming Negotiate (Kerberos) and the fix.
import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, ProxyUsage } from '../module/api/enums.js';
import type { DownloadRequest } from '../module/engine/http/download-port.js';
import { downloadFile, HttpTransferError } from '../module/engine/http/download.js';
import type { JobCredential, TransportOptions } from '../module/engine/transport-port.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest } from '../module/engine/upload/upload-port.js';
import { startBitsServer } from '../module/server/serve.js';
import { makeUploadFile } from './helpers/bits-fixture-server.js';
import { becomeTicketOwner, startKdc } from './helpers/kdc.js';
import { startNginx } from './helpers/nginx.js';
import { startSquid } from './helpers/squid.js';
import { makeTmpDir, sha256, sha256File } from './helpers/tmp.js';

const HTTP_407 = 0x80190197;
const USER = 'dave';
const PASSWORD = 'Proxy-Kerberos-Dave-7';
const WRONG = 'not-daves-password';

const work = await makeTmpDir('bits-krb-proxy');
await chmod(work.path, 0o755);
const content = randomBytes(500_000);
await mkdir(work.file('www'));
await mkdir(work.file('uploads'));
await writeFile(work.file('www/file.bin'), content);
const old = new Date(Date.now() - 3600_000);
await utimes(work.file('www/file.bin'), old, old);
const kdc = await startKdc();
const stops: (() => Promise<unknown>)[] = [() => kdc.stop()];
const started = await (async () => {
  try {
    kdc.addPrincipal(USER, PASSWORD);
    const keytab = await kdc.serviceKeytab('HTTP/127.0.0.1');
    const bits = await startBitsServer({ root: work.file('uploads') });
    stops.push(() => bits.close());
    const nginx = await startNginx({ root: work.file('www'), https: true });
    stops.push(() => nginx.stop());
    const squid = await startSquid({ kerberosAuth: { keytab, krb5Config: kdc.krb5Config } });
    stops.push(() => squid.stop());
    return { bits, nginx, squid };
  } catch (e) {
    await Promise.all(stops.map((s) => s()));
    throw e;
  }
})();
const { bits, nginx, squid } = started;
const owner = becomeTicketOwner(kdc, work.file('cc-owner'));
const { ownerCache } = owner;

test.after(async () => {
  owner.restore();
  await Promise.all(stops.map((s) => s()));
  await work.cleanup();
});

const proxyCred = (userName: string | null, password: string | null): JobCredential => ({ target: AuthTarget.PROXY, scheme: AuthScheme.NEGOTIATE, userName, password });
const viaSquid = () => ({ usage: ProxyUsage.OVERRIDE, proxyList: `${squid.host}:${squid.port}`, bypassList: null });
let n = 0;
function request(url: string, transport: TransportOptions): DownloadRequest {
  return { url, tempPath: work.file(`d${++n}.tmp`), offset: 0, validator: null, signal: new AbortController().signal, transport };
}

test('proxy Kerberos, explicit credentials: download from nginx through squid → 407, AP-REQ, 200 logged as dave@BITS.TEST; byte-exact', async () => {
  const req = request(`${nginx.url}/file.bin`, { proxy: viaSquid(), credentials: [proxyCred(USER, PASSWORD)] });
  await downloadFile(req);
  assert.is(await sha256File(req.tempPath), sha256(content));
  const log = (await squid.readAccessLog()).filter((l) => l.includes('/file.bin'));
  assert.equal(log.map((l) => `${l.split(' ')[2]} ${l.split(' ')[3]}`), ['407 -', `200 ${USER}@${kdc.realm}`], log.join('\n'));
});

test('proxy Kerberos, the owner\'s ticket cache (implicit PROXY NEGOTIATE): a BITS upload to our server through squid, every packet → byte-exact', async () => {
  kdc.kinit(USER, PASSWORD, ownerCache);
  const f = await makeUploadFile(work.file('up.bin'), 400_000 + 9);
  const url = `${bits.url}krb-proxy.bin`;
  const transport: TransportOptions = { proxy: viaSquid(), credentials: [proxyCred(null, null)] };
  const upload: UploadRequest = { url, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false, session: { ...NEW_SESSION }, onSession: () => undefined, initialFragment: 128 * 1024, maxFragment: 128 * 1024, transport };
  const { session } = await uploadFile(upload);
  await closeSession({ url, session, signal: new AbortController().signal, transport });
  assert.is(await sha256File(work.file('uploads/krb-proxy.bin')), f.sha256);
  const posts = (await squid.readAccessLog()).filter((l) => l.startsWith('BITS_POST') && l.includes(' 200 '));
  assert.ok(posts.length >= 5 && posts.every((l) => l.endsWith(` ${USER}@${kdc.realm}`)), posts.join('\n'));
});

test('proxy Kerberos on a CONNECT tunnel (an https: URL through squid): one AP-REQ opens the tunnel (no connection to keep, unlike NTLM) → byte-exact', async () => {
  const req = { ...request(`${nginx.httpsUrl}/file.bin`, { proxy: viaSquid(), credentials: [proxyCred(USER, PASSWORD)] }), tls: { ca: await readFile(nginx.caFile!, 'utf8') } };
  await downloadFile(req);
  assert.is(await sha256File(req.tempPath), sha256(content));
  const tunnel = await squid.waitForLog((l) => l.startsWith('CONNECT') && l.includes(' 200 '));
  assert.ok(tunnel.endsWith(` ${USER}@${kdc.realm}`), tunnel);
});

test('proxy Kerberos, wrong password → fatal 407 naming Negotiate (Kerberos), the principal and the fix; no secret in it', async () => {
  let e: unknown;
  try {
    await downloadFile(request(`${nginx.url}/file.bin`, { proxy: viaSquid(), credentials: [proxyCred(USER, WRONG)] }));
  } catch (x) {
    e = x;
  }
  assert.instance(e, HttpTransferError);
  const err = e as HttpTransferError;
  assert.is(err.hresult, HTTP_407);
  assert.match(err.message, /The proxy http:\/\/127\.0\.0\.1:\d+ \(for .*\) answered HTTP 407\. It offers Negotiate\. Negotiate \(Kerberos\) could not answer: the KDC refused the password of dave@BITS\.TEST/);
  assert.match(err.message, /--target PROXY --scheme NEGOTIATE/);
  for (const s of [PASSWORD, WRONG]) assert.not.ok(JSON.stringify({ m: err.message, d: err.data }).includes(s));
});

test.run();
