// Proxy Digest (RFC 7616 client, module/engine/transport/auth) against a real squid 5.7 with
// digest_file_auth, through the in-process PortableEngine: jobs with ProxyUsage.OVERRIDE and PROXY
// DIGEST credentials. A download from nginx over plain HTTP (absolute-form request to the proxy) and
// over HTTPS (CONNECT tunnel, challenged with Digest too), and a BITS upload to our own server.
// Without credentials the job goes to ERROR with BG_E_HTTP_ERROR_407; after SetCredentials + Resume
// it reaches TRANSFERRED byte-exact, and squid's access log names the authenticated user.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, JobType, ProxyUsage } from '../module/api/enums.js';
import type { JobSnapshotWire } from '../module/api/types.js';
import { PortableEngine } from '../module/engine/engine.js';
import { startBitsServer, type RunningBitsServer } from '../module/server/index.js';
import { waitState } from './helpers/assert-bits.js';
import { startNginx, type NginxServer } from './helpers/nginx.js';
import { startSquid, type SquidServer } from './helpers/squid.js';
import { makeTmpDir, sha256, sha256File, type TmpDir } from './helpers/tmp.js';

const PROXY_USER = 'digestuser';
const PROXY_PASSWORD = 'D1gest-Pr0xy secret';
const WRONG = 'not-the-D1gest-password';
const REALM = 'bits-job2 digest proxy';

const body = randomBytes(2 * 1024 * 1024 + 321);
const upBody = randomBytes(1024 * 1024 + 77);

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const www: TmpDir = await makeTmpDir('bits-pdigest-www');
const work: TmpDir = await makeTmpDir('bits-pdigest-work');
let nginx: NginxServer | undefined;
let squid: SquidServer | undefined;
let bits: RunningBitsServer | undefined;
let engine: PortableEngine | undefined;
async function teardown(): Promise<void> {
  await engine?.close();
  await Promise.all([nginx?.stop(), squid?.stop(), bits?.close()]);
  await www.cleanup();
  await work.cleanup();
}
try {
  await writeFile(www.file('file.bin'), body);
  const old = new Date(Date.now() - 3600_000); // a strong Last-Modified for If-Range
  await utimes(www.file('file.bin'), old, old);
  await mkdir(work.file('uploads'));
  await mkdir(work.file('state'));
  [nginx, squid, bits] = await Promise.all([
    startNginx({ root: www.path, https: true }),
    startSquid({ digestAuth: { user: PROXY_USER, password: PROXY_PASSWORD, realm: REALM } }),
    startBitsServer({ root: work.file('uploads') }),
  ]);
  engine = await PortableEngine.open({ stateDir: work.file('state'), download: { tls: { ca: await readFile(nginx.caFile!, 'utf8') } } });
} catch (e) {
  await teardown();
  throw e;
}
const N = nginx!;
const S = squid!;
const B = bits!;
const E = engine!;

test.after(teardown);

const proxyList = () => `${S.host}:${S.port}`;
const digestCred = (password: string) => ({ target: AuthTarget.PROXY, scheme: AuthScheme.DIGEST, userName: PROXY_USER, password });

function assert407(s: JobSnapshotWire, what: string): void {
  assert.ok(s.error, `${what}: no error`);
  assert.is(s.error!.name, 'BG_E_HTTP_ERROR_407', `${what}: ${s.error!.message}`);
  assert.not.ok(JSON.stringify(s).includes(PROXY_PASSWORD), 'no password in the job');
  assert.not.ok(/response=|cnonce=/.test(JSON.stringify(s)), 'no Digest answer in the job');
}

async function download(name: string, url: string): Promise<{ id: string; path: string }> {
  const id = await E.createJob(name, JobType.DOWNLOAD);
  const path = work.file(`${name}.bin`);
  await E.addFiles(id, [{ remoteName: url, localName: path }]);
  await E.setProxySettings(id, ProxyUsage.OVERRIDE, proxyList(), null);
  await E.resume(id);
  return { id, path };
}

test('squid challenges with Digest: 407 → ERROR BG_E_HTTP_ERROR_407; wrong password → 407 again; right PROXY DIGEST + Resume → TRANSFERRED, byte-exact', async () => {
  const url = `${N.url}/file.bin?proxy-digest=http`;
  const { id, path } = await download('http', url);
  const failed = await waitState(E, id, 'ERROR');
  assert407(failed, 'no credentials');
  assert.match(failed.error!.message, new RegExp(`offers Digest \\(realm "${REALM}", MD5\\)`));
  assert.match(failed.error!.message, /no PROXY credentials for Digest/);
  await S.waitForLog((l) => l === `GET ${url} 407 -`);

  await E.setCredentials(id, digestCred(WRONG));
  await E.resume(id);
  const wrong = await waitState(E, id, 'ERROR');
  assert407(wrong, 'wrong password');
  assert.match(wrong.error!.message, new RegExp(`rejected the job's PROXY Digest credentials for user "${PROXY_USER}"`));
  assert.not.ok(JSON.stringify(wrong).includes(WRONG));

  await E.setCredentials(id, digestCred(PROXY_PASSWORD));
  await E.resume(id);
  await waitState(E, id, 'TRANSFERRED');
  await E.complete(id);
  assert.is(await sha256File(path), sha256(body));
  const line = await S.waitForLog((l) => l === `GET ${url} 200 ${PROXY_USER}`);
  assert.ok(line, 'squid logged the Digest user');
});

test('HTTPS through a CONNECT tunnel: squid challenges CONNECT with Digest; 407 → ERROR, then PROXY DIGEST + Resume → TRANSFERRED', async () => {
  const url = `${N.httpsUrl}/file.bin`;
  const authority = new URL(N.httpsUrl!).host;
  const { id, path } = await download('https', url);
  const failed = await waitState(E, id, 'ERROR');
  assert407(failed, 'CONNECT without credentials');
  assert.match(failed.error!.message, /offers Digest/);
  await S.waitForLog((l) => l === `CONNECT ${authority} 407 -`);

  await E.setCredentials(id, digestCred(PROXY_PASSWORD));
  await E.resume(id);
  await waitState(E, id, 'TRANSFERRED');
  await E.complete(id);
  assert.is(await sha256File(path), sha256(body));
  await S.waitForLog((l) => l === `CONNECT ${authority} 200 ${PROXY_USER}`);
  // The request inside the tunnel is nginx's to see, not squid's.
  assert.ok((await N.readAccessLog()).some((l) => l.startsWith('GET /file.bin 200')), 'nginx served it over TLS');
});

test('BITS UPLOAD job through squid with PROXY DIGEST credentials reaches our BITS server byte-exact', async () => {
  const src = work.file('up-src.bin');
  await writeFile(src, upBody);
  const url = `${B.url}digest-proxied.bin`;
  const id = await E.createJob('upload via digest proxy', JobType.UPLOAD);
  await E.addFiles(id, [{ remoteName: url, localName: src }]);
  await E.setProxySettings(id, ProxyUsage.OVERRIDE, proxyList(), null);
  await E.resume(id);
  const failed = await waitState(E, id, 'ERROR');
  assert407(failed, 'upload without credentials');

  await E.setCredentials(id, digestCred(PROXY_PASSWORD));
  await E.resume(id);
  await waitState(E, id, 'TRANSFERRED', 30_000);
  await E.complete(id);
  assert.is(await sha256File(work.file('uploads/digest-proxied.bin')), sha256(upBody));
  const log = await S.readAccessLog();
  const authed = log.filter((l) => l.startsWith(`BITS_POST ${url} 200 ${PROXY_USER}`));
  assert.ok(authed.length >= 3, `Create-Session, Fragment(s), Close-Session all authenticated:\n${log.join('\n')}`);
  assert.not.ok(log.some((l) => l.startsWith(`BITS_POST ${url} 200 -`)), 'no BITS packet got through unauthenticated');
});

test.run();
