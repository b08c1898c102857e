// Credentials and proxy settings through the whole product (issue 4): jobs in the background service
// against real servers — nginx auth_basic and apache2 mod_auth_digest (server target), squid with
// basic_ncsa_auth (proxy target, OVERRIDE list) for a download and a BITS upload to our server.
// 401/407 → ERROR with BG_E_HTTP_ERROR_401/407; after SetCredentials and Resume the job finishes.
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, JobType, ProxyUsage } from '../module/api/enums.js';
import { startBitsServer } from '../module/server/index.js';
import { ServiceClient } from '../module/service/client.js';
import { waitState } from './helpers/assert-bits.js';
import { startApache } from './helpers/apache.js';
import { startNginx } from './helpers/nginx.js';
import { startSquid } from './helpers/squid.js';
import { killServices } from './helpers/service.js';

const USER = 'alice';
const PASSWORD = 'Wonderland-51';
const PROXY_USER = 'proxyuser';
const PROXY_PASSWORD = 'Proxy-Pa55';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

// Real servers for the whole file, started at the top level (uvu hides errors thrown in hooks).
const www = mkdtempSync(join(tmpdir(), 'bj2-auth-www-'));
const dest = mkdtempSync(join(tmpdir(), 'bj2-auth-dest-'));
const body = randomBytes(3 * 1024 * 1024);
for (const sub of ['', 'basic', 'digest']) {
  mkdirSync(join(www, sub), { recursive: true });
  writeFileSync(join(www, sub, 'file.bin'), body);
  const old = new Date(Date.now() - 3600_000); // a strong Last-Modified for If-Range
  utimesSync(join(www, sub, 'file.bin'), old, old);
}
mkdirSync(join(dest, 'uploads'));
const [nginx, apache, squid, bits] = await Promise.all([
  startNginx({ root: www, basicAuth: { user: USER, password: PASSWORD } }),
  startApache({ root: www, digestAuth: { user: USER, password: PASSWORD } }),
  startSquid({ basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } }),
  startBitsServer({ root: join(dest, 'uploads') }),
]);
const stateDir = mkdtempSync('/tmp/bj2a-');
const b = await ServiceClient.connect({ stateDir });

test.after(async () => {
  await b.close();
  await killServices(stateDir);
  await Promise.all([nginx.stop(), apache.stop(), squid.stop(), bits.close()]);
  for (const d of [www, dest, stateDir]) rmSync(d, { recursive: true, force: true });
});

async function download(name: string, url: string, setup: (id: string) => Promise<void>): Promise<string> {
  const id = await b.createJob(name, JobType.DOWNLOAD);
  await b.addFiles(id, [{ remoteName: url, localName: join(dest, `${name}.bin`) }]);
  await setup(id);
  await b.resume(id);
  return id;
}

for (const [scheme, server, path] of [
  ['BASIC', () => nginx.url, '/basic/file.bin'],
  ['DIGEST', () => apache.url, '/digest/file.bin'],
] as const) {
  test(`${scheme} server credentials: 401 without them → ERROR; SetCredentials + Resume → TRANSFERRED, byte-exact`, async () => {
    const id = await download(`srv-${scheme}`, `${server()}${path}`, async () => undefined);
    const failed = await waitState(b, id, 'ERROR');
    assert.is(failed.error!.name, 'BG_E_HTTP_ERROR_401');
    assert.is(failed.error!.contextName, 'REMOTE_FILE');
    await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme[scheme], userName: USER, password: 'wrong' });
    await b.resume(id);
    const wrong = await waitState(b, id, 'ERROR');
    assert.is(wrong.error!.name, 'BG_E_HTTP_ERROR_401', 'wrong password: 401 again, no loop');
    assert.is(wrong.errorCount, 2);
    await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme[scheme], userName: USER, password: PASSWORD });
    await b.resume(id);
    await waitState(b, id, 'TRANSFERRED');
    await b.complete(id);
    assert.is(sha(readFileSync(join(dest, `srv-${scheme}.bin`))), sha(body));
    assert.not.match(JSON.stringify(failed) + JSON.stringify(wrong), new RegExp(PASSWORD));
  });
}

test('proxy OVERRIDE through squid with Basic: 407 → ERROR; PROXY credentials + Resume → TRANSFERRED', async () => {
  const id = await download('via-proxy', `${nginx.url}/file.bin`, (j) => b.setProxySettings(j, ProxyUsage.OVERRIDE, squid.url.replace('http://', ''), null));
  const failed = await waitState(b, id, 'ERROR');
  assert.is(failed.error!.name, 'BG_E_HTTP_ERROR_407');
  await b.setCredentials(id, { target: AuthTarget.PROXY, scheme: AuthScheme.BASIC, userName: PROXY_USER, password: PROXY_PASSWORD });
  await b.resume(id);
  await waitState(b, id, 'TRANSFERRED');
  await b.complete(id);
  assert.is(sha(readFileSync(join(dest, 'via-proxy.bin'))), sha(body));
  await squid.waitForLog((l) => l.includes('/file.bin') && l.includes(PROXY_USER));
});

test('proxy bypass (<local>-style wildcard) goes direct; a bad proxy list → ERROR BG_E_INVALID_PROXY_INFO', async () => {
  const nginxGets = async () => (await nginx.readAccessLog()).filter((l) => l.startsWith('GET /file.bin')).length;
  const before = await nginxGets();
  const direct = await download('bypassed', `${nginx.url}/file.bin?bypassed=1`, (j) => b.setProxySettings(j, ProxyUsage.OVERRIDE, squid.url.replace('http://', ''), '127.0.0.*'));
  await waitState(b, direct, 'TRANSFERRED');
  const log = await squid.readAccessLog();
  assert.not.ok(log.some((l) => l.includes('bypassed=1')), 'squid never saw the bypassed request');
  assert.is(await nginxGets(), before + 1, 'nginx served it directly');
  const bad = await download('bad-proxy', `${nginx.url}/file.bin`, (j) => b.setProxySettings(j, ProxyUsage.OVERRIDE, 'gopher=proxy:70', null));
  const e = (await waitState(b, bad, 'ERROR')).error!;
  assert.is(e.name, 'BG_E_INVALID_PROXY_INFO');
});

test('an UPLOAD job through squid with PROXY credentials reaches our BITS server', async () => {
  const src = join(dest, 'up-src.bin');
  writeFileSync(src, body);
  const id = await b.createJob('upload via proxy', JobType.UPLOAD);
  await b.addFiles(id, [{ remoteName: `${bits.url}proxied.bin`, localName: src }]);
  await b.setProxySettings(id, ProxyUsage.OVERRIDE, squid.url.replace('http://', ''), null);
  await b.setCredentials(id, { target: AuthTarget.PROXY, scheme: AuthScheme.BASIC, userName: PROXY_USER, password: PROXY_PASSWORD });
  await b.resume(id);
  await waitState(b, id, 'TRANSFERRED');
  await b.complete(id);
  assert.is(sha(readFileSync(join(dest, 'uploads', 'proxied.bin'))), sha(body));
  await squid.waitForLog((l) => l.startsWith('BITS_POST') && l.includes(PROXY_USER));
});

test.run();
