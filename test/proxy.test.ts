// Proxy settings (spec §4.1 SetProxySettings): the BITS proxy and bypass list syntax, PRECONFIG from
// the environment, BG_E_INVALID_PROXY_INFO at transfer time — and real transfers through a real
// squid: plain HTTP (absolute-form), HTTPS (CONNECT tunnel, the origin's certificate checked),
// Range resume, bypass (squid never sees the request), TLS to the proxy itself, BITS_POST uploads.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext, ProxyUsage } from '../module/api/enums.js';
import type { DownloadRequest } from '../module/engine/http/download-port.js';
import { downloadFile, headFile, HttpTransferError } from '../module/engine/http/download.js';
import { isLocalName, parseBypassList, parseNoProxy, bypassed } from '../module/engine/transport/bypass.js';
import { proxiesFromEnv } from '../module/engine/transport/proxy-env.js';
import { parseProxyList, pickProxy } from '../module/engine/transport/proxy-list.js';
import { proxyPlan } from '../module/engine/transport/proxy.js';
import type { JobProxySettings, TransportOptions } from '../module/engine/transport-port.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION } from '../module/engine/upload/upload-port.js';
import { acceptBitsPost } from '../module/server/bits-post-shim.js';
import { createBitsUploadHandler } from '../module/server/handler.js';
import { startBitsServer, type RunningBitsServer } from '../module/server/serve.js';
import { makeUploadFile } from './helpers/bits-fixture-server.js';
import { findFreePort, makeTestCertificates, startNginx, type NginxServer } from './helpers/nginx.js';
import { startSquid, type SquidServer } from './helpers/squid.js';
import { makeTmpDir, sha256, sha256File, type TmpDir } from './helpers/tmp.js';

const INVALID_PROXY_INFO = 0x8020003f;

// ---- unit cases: syntax and selection ----

const u = (s: string) => new URL(s);

async function failure(p: Promise<unknown> | (() => unknown)): Promise<HttpTransferError> {
  let e: unknown;
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (x) {
    e = x;
  }
  if (e === undefined) throw new Error('expected a failure, it succeeded');
  if (!(e instanceof HttpTransferError)) throw new Error(`expected an HttpTransferError, got ${(e as Error)?.stack}`);
  return e;
}

function assertInvalid(e: HttpTransferError, entry: string | RegExp): void {
  assert.is(e.hresult, INVALID_PROXY_INFO, e.message);
  assert.is(e.code, 'BG_E_INVALID_PROXY_INFO');
  assert.is(e.transient, false);
  if (typeof entry === 'string') assert.ok(e.message.includes(`"${entry}"`), `names "${entry}": ${e.message}`);
  else assert.match(e.message, entry);
}

test('proxy list: [scheme=][scheme://]host[:port], space or ; separated; defaults; scheme-specific entries win', () => {
  const l = parseProxyList('proxy1:8080');
  assert.equal(l, [{ serves: 'any', server: { protocol: 'http:', host: 'proxy1', port: 8080, href: 'http://proxy1:8080' } }]);
  assert.is(parseProxyList('http://Proxy.Example.COM')[0]!.server.href, 'http://proxy.example.com:80', 'default port 80, host lower-cased');
  assert.is(parseProxyList('https://tls-proxy')[0]!.server.href, 'https://tls-proxy:443', 'TLS to the proxy: default 443');
  assert.is(parseProxyList('[::1]:3128')[0]!.server.href, 'http://[::1]:3128');
  assert.is(parseProxyList('10.0.0.1:3128/')[0]!.server.port, 3128, 'one trailing slash tolerated');

  const mixed = parseProxyList('general:1 ; https=secure:2  http=plain:3 ftp=ignored:21');
  assert.is(mixed.length, 3, 'ftp= accepted and dropped');
  assert.is(pickProxy(mixed, 'http:')!.href, 'http://plain:3', 'http= beats an earlier general entry');
  assert.is(pickProxy(mixed, 'https:')!.href, 'http://secure:2');
  const onlyHttp = parseProxyList('http=plain:3');
  assert.is(pickProxy(onlyHttp, 'https:'), null, 'no entry for https → direct');
  assert.is(pickProxy(parseProxyList('a:1 b:2'), 'http:')!.host, 'a', 'first applicable entry');
  assert.is(pickProxy(parseProxyList('HTTPS=https://p:8443'), 'https:')!.href, 'https://p:8443');
});

test('proxy list: invalid entries → BG_E_INVALID_PROXY_INFO naming the entry (credentials never echoed)', async () => {
  for (const [list, entry] of [
    ['p:99999', 'p:99999'],
    ['good:1 p:0', 'p:0'],
    ['p:abc', 'p:abc'],
    ['socks=p:1080', 'socks=p:1080'],
    ['ftp://p', 'ftp://p'],
    ['bad_host!:80', 'bad_host!:80'],
    ['a..b:80', 'a..b:80'],
    ['p:80/path', 'p:80/path'],
    ['[::1', '[::1'],
    ['[zz]:80', '[zz]:80'],
  ] as const) {
    assertInvalid(await failure(() => parseProxyList(list)), entry);
  }
  assertInvalid(await failure(() => parseProxyList('   ')), /at least one proxy/);
  const e = await failure(() => parseProxyList('http://alice:hunter2@p:80'));
  assertInvalid(e, /set-credentials/);
  assert.not.ok(JSON.stringify({ m: e.message, d: e.data }).includes('hunter2'), e.message);
});

test('bypass list: <local>, wildcards, exact names, ports, schemes, *; invalid entries', async () => {
  const rules = parseBypassList('<local> *.example.com 10.* exact.org:8080;https://secure.net [::1]');
  const by = (s: string) => bypassed(rules, u(s));
  assert.ok(by('http://intranet/x'), '<local>: no dot');
  assert.ok(by('http://localhost:81/'), 'localhost has no dot');
  assert.not.ok(by('http://127.0.0.1/'), '<local> does not cover IP literals');
  assert.not.ok(isLocalName('::1'));
  assert.ok(by('http://a.example.com/'));
  assert.ok(by('http://A.B.EXAMPLE.COM/'), 'case-insensitive, any depth');
  assert.not.ok(by('http://example.com/'), '*.example.com needs a subdomain');
  assert.ok(by('http://10.1.2.3/'));
  assert.not.ok(by('http://110.1.2.3/'), 'anchored');
  assert.ok(by('http://exact.org:8080/'));
  assert.not.ok(by('http://exact.org/'), 'port must match');
  assert.not.ok(by('http://sub.exact.org:8080/'), 'no wildcard = exact host');
  assert.ok(by('https://secure.net/'));
  assert.not.ok(by('http://secure.net/'), 'scheme must match');
  assert.ok(by('http://[::1]:8080/'));
  assert.ok(bypassed(parseBypassList('*'), u('http://anything.at.all/')));
  assert.ok(bypassed(parseBypassList('*internal*'), u('http://my-internal-host.corp/')));
  assert.equal(parseBypassList(null), []);
  assert.equal(parseBypassList('<-loopback>'), [], '<-loopback> accepted, no effect');
  for (const entry of ['<intranet>', 'bad!host', 'h:99999', 'ftp://h', 'a..b']) {
    assertInvalid(await failure(() => parseBypassList(`ok.com ${entry}`)), entry);
  }
});

test('NO_PROXY: suffixes (with or without leading dot / *.), ports, IPs, CIDR, *; garbage skipped', () => {
  const rules = parseNoProxy('example.com, .corp.net,*.svc , 10.0.0.0/8, [::1]:8080, 192.168.1.5, bad!!, 1.2.3.4/99');
  const by = (s: string) => bypassed(rules, u(s));
  assert.ok(by('http://example.com/'));
  assert.ok(by('http://deep.sub.example.com/'));
  assert.not.ok(by('http://notexample.com/'), 'label boundary');
  assert.ok(by('http://corp.net/') && by('http://x.corp.net/'));
  assert.ok(by('http://a.svc/'));
  assert.ok(by('http://10.200.3.4/'));
  assert.not.ok(by('http://11.0.0.1/'));
  assert.ok(by('http://[::1]:8080/'));
  assert.not.ok(by('http://[::1]:8081/'));
  assert.ok(by('http://192.168.1.5:3000/'));
  assert.not.ok(by('http://192.168.1.50/'), 'IPs match exactly');
  assert.ok(bypassed(parseNoProxy('*'), u('https://x.y/')));
  assert.equal(parseNoProxy(''), []);
});

test('PRECONFIG / AUTODETECT read the environment; NO_PROXY usage and absent settings go direct; bad values are BG_E_INVALID_PROXY_INFO', async () => {
  const env = { http_proxy: 'lower:1', HTTP_PROXY: 'upper:2', HTTPS_PROXY: 'https://tls-proxy:8443/', NO_PROXY: 'internal.example,10.0.0.0/8' };
  const pre: JobProxySettings = { usage: ProxyUsage.PRECONFIG, proxyList: null, bypassList: null };
  const plan = proxyPlan(pre, env);
  assert.is(plan.proxyFor(u('http://a.b/'))!.href, 'http://lower:1', 'lower case wins (curl)');
  assert.is(plan.proxyFor(u('https://a.b/'))!.href, 'https://tls-proxy:8443');
  assert.is(plan.proxyFor(u('http://x.internal.example/')), null, 'NO_PROXY');
  assert.is(plan.proxyFor(u('https://10.1.1.1/')), null);
  assert.is(proxyPlan({ ...pre, usage: ProxyUsage.AUTODETECT }, env).proxyFor(u('http://a.b/'))!.href, 'http://lower:1', 'AUTODETECT = PRECONFIG');
  assert.is(proxyPlan({ ...pre, usage: ProxyUsage.NO_PROXY }, env).proxyFor(u('http://a.b/')), null);
  assert.is(proxyPlan(undefined, env).proxyFor(u('http://a.b/')), null, 'no transport options: direct, env not read');
  assert.is(proxyPlan(pre, { HTTP_PROXY: 'p:3' }).proxyFor(u('https://a.b/')), null, 'no https_proxy: https goes direct');
  assert.is(proxyPlan(pre, { HTTP_PROXY: 'p:3', REQUEST_METHOD: 'GET' }).proxyFor(u('http://a.b/')), null, 'httpoxy: HTTP_PROXY ignored under CGI');
  assert.is(proxyPlan(pre, { ALL_PROXY: 'p:3' }).proxyFor(u('http://a.b/')), null, 'ALL_PROXY is not read');
  const withCreds = proxiesFromEnv({ https_proxy: 'http://bob:s3cr3t@p:3128' });
  assert.is(withCreds.https!.href, 'http://p:3128');
  assert.ok(withCreds.credentialsInUrl);

  for (const [name, value, shown] of [
    ['HTTPS_PROXY', 'socks5://p:1080', 'socks5://p:1080'],
    ['http_proxy', 'http://p:1/path', 'http://p:1/path'],
    ['http_proxy', 'http://bad host:1', 'http://bad host:1'],
  ] as const) {
    const e = await failure(() => proxyPlan(pre, { [name]: value }));
    assertInvalid(e, shown);
    assert.match(e.message, new RegExp(`environment variable ${name}`));
  }
  const leaked = await failure(() => proxyPlan(pre, { https_proxy: 'gopher://al:pa55word@p' }));
  assert.not.ok(JSON.stringify({ m: leaked.message, d: leaked.data }).includes('pa55word'), leaked.message);
  assertInvalid(await failure(() => proxyPlan({ usage: ProxyUsage.OVERRIDE, proxyList: null, bypassList: null })), /OVERRIDE needs a proxy list/);
  assertInvalid(await failure(() => proxyPlan({ usage: 7, proxyList: null, bypassList: null })), /usage/);
});

// ---- real transfers through squid ----

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const root: TmpDir = await makeTmpDir('bits-proxy-root');
const work: TmpDir = await makeTmpDir('bits-proxy-work');
const SIZE = 700_000;
const content = randomBytes(SIZE);
let nginx: NginxServer;
let squid: SquidServer;
let bits: RunningBitsServer;
let tlsFront: net.Server | null = null;
let tlsFrontPort = 0;
let ca: string;
try {
  await writeFile(root.file('file.bin'), content);
  await mkdir(work.file('uploads'));
  nginx = await startNginx({ root: root.path, https: true });
  squid = await startSquid();
  bits = await startBitsServer({ root: work.file('uploads'), urlPrefix: '/up' });
  ca = await readFile(nginx.caFile!, 'utf8');
  // TLS to the proxy itself (an https:// proxy entry): a TLS terminator in front of squid, with a
  // certificate for 127.0.0.1 from its own test CA.
  const certs = await makeTestCertificates(work.file('front-tls'));
  const [key, cert] = await Promise.all([readFile(certs.keyFile), readFile(certs.certFile)]);
  ca += await readFile(certs.caFile, 'utf8');
  tlsFrontPort = await findFreePort();
  tlsFront = tls.createServer({ key, cert }, (s) => {
    const up = net.connect(squid.port, '127.0.0.1');
    s.pipe(up).pipe(s);
    s.on('error', () => up.destroy());
    up.on('error', () => s.destroy());
  });
  await new Promise<void>((resolve) => tlsFront!.listen(tlsFrontPort, '127.0.0.1', resolve));
} catch (e) {
  await Promise.all([nginx!?.stop(), squid!?.stop(), bits!?.close()]);
  await root.cleanup();
  await work.cleanup();
  throw e;
}

test.after(async () => {
  tlsFront?.close();
  await Promise.all([nginx.stop(), squid.stop(), bits.close()]);
  await root.cleanup();
  await work.cleanup();
});

let n = 0;
function override(list: string, bypass: string | null = null): TransportOptions {
  return { proxy: { usage: ProxyUsage.OVERRIDE, proxyList: list, bypassList: bypass }, credentials: [] };
}
function request(url: string, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return { url, tempPath: work.file(`d${++n}.tmp`), offset: 0, validator: null, signal: new AbortController().signal, tls: { ca }, ...extra };
}
const pathOf = (url: string) => new URL(url).pathname;

test('HTTP through squid (OVERRIDE): absolute-form GET, byte-exact; squid logs it, nginx sees it from squid', async () => {
  const url = `${nginx.url}/file.bin?via=squid`;
  const req = request(url, { transport: override(`http=${squid.host}:${squid.port}`) });
  const r = await downloadFile(req);
  assert.is(r.size, SIZE);
  assert.is(await sha256File(req.tempPath), sha256(content));
  await squid.waitForLog((l) => l === `GET ${url} 200 -`);
  const head = await headFile(url, { transport: override(`${squid.host}:${squid.port}`) });
  assert.is(head.validator.totalSize, SIZE);
  await squid.waitForLog((l) => l === `HEAD ${url} 200 -`);
});

test('Range resume through squid: 206 for the missing bytes, file byte-exact', async () => {
  const url = `${nginx.url}/file.bin?resume=1`;
  const transport = override(`${squid.host}:${squid.port}`);
  const head = await headFile(url, { transport });
  const offset = 250_000;
  const req = request(url, { transport, offset, validator: head.validator });
  await writeFile(req.tempPath, content.subarray(0, offset));
  await downloadFile(req);
  assert.is(await sha256File(req.tempPath), sha256(content));
  await squid.waitForLog((l) => l === `GET ${url} 206 -`);
  const line = (await nginx.readAccessLog()).filter((l) => l.startsWith('GET /file.bin ') && l.includes(`range="bytes=${offset}-"`));
  assert.is(line.length, 1, 'the Range header reached nginx through squid');
});

test('HTTPS through squid: CONNECT tunnel, TLS to the origin with the test CA; untrusted origin still fails TLS', async () => {
  const url = `${nginx.httpsUrl}/file.bin`;
  const authority = new URL(url).host;
  const before = (await squid.readAccessLog()).filter((l) => l.startsWith(`CONNECT ${authority} `)).length;
  const req = request(url, { transport: override(`https=${squid.host}:${squid.port}`) });
  await downloadFile(req);
  assert.is(await sha256File(req.tempPath), sha256(content));
  await squid.waitForLog((l) => l === `CONNECT ${authority} 200 -`);
  assert.ok((await squid.readAccessLog()).filter((l) => l.startsWith(`CONNECT ${authority} `)).length > before);
  // The tunnel does not weaken certificate checks: without the CA the origin is refused.
  const e = await failure(downloadFile(request(url, { tls: {}, transport: override(`${squid.host}:${squid.port}`) })));
  assert.is(e.hresult, 0x80072f8f, e.message);
  assert.is(e.transient, false);
});

test('bypass list / NO_PROXY: the request goes direct — squid has no entry, nginx has it', async () => {
  const cases: TransportOptions[] = [
    override(`${squid.host}:${squid.port}`, '127.0.0.*'),
    override(`${squid.host}:${squid.port}`, `<local> 127.0.0.1:${new URL(nginx.url).port}`),
    { proxy: { usage: ProxyUsage.PRECONFIG, proxyList: null, bypassList: null }, credentials: [], env: { HTTP_PROXY: squid.url, NO_PROXY: '127.0.0.1' } },
  ];
  for (const [i, transport] of cases.entries()) {
    const url = `${nginx.url}/file.bin?bypass=${i}`;
    await downloadFile(request(url, { transport }));
    assert.ok((await nginx.readAccessLog()).some((l) => l.startsWith('GET /file.bin 200')), 'nginx served it');
    await new Promise((r) => setTimeout(r, 200));
    assert.not.ok((await squid.readAccessLog()).some((l) => l.includes(`bypass=${i}`)), `case ${i}: squid saw nothing`);
  }
});

test('PRECONFIG from an env object: HTTP_PROXY / HTTPS_PROXY route through squid', async () => {
  const env = { HTTP_PROXY: squid.url, https_proxy: `${squid.host}:${squid.port}` };
  const transport: TransportOptions = { proxy: { usage: ProxyUsage.PRECONFIG, proxyList: null, bypassList: null }, credentials: [], env };
  const url = `${nginx.url}/file.bin?env=1`;
  await downloadFile(request(url, { transport }));
  await squid.waitForLog((l) => l === `GET ${url} 200 -`);
  const req = request(`${nginx.httpsUrl}/file.bin`, { transport });
  await downloadFile(req);
  assert.is(await sha256File(req.tempPath), sha256(content));
});

test('TLS to the proxy itself (https:// entry): plain and CONNECT requests inside TLS', async () => {
  const transport = override(`https://127.0.0.1:${tlsFrontPort}`);
  const url = `${nginx.url}/file.bin?tls-proxy=1`;
  const a = request(url, { transport });
  await downloadFile(a);
  assert.is(await sha256File(a.tempPath), sha256(content));
  await squid.waitForLog((l) => l === `GET ${url} 200 -`);
  const b = request(`${nginx.httpsUrl}/file.bin`, { transport });
  await downloadFile(b);
  assert.is(await sha256File(b.tempPath), sha256(content));
});

test('BITS upload through squid: every packet is BITS_POST in absolute form; the file arrives byte-exact', async () => {
  const f = await makeUploadFile(work.file('up-src.bin'), 3 * 1024 * 1024 + 17);
  const url = `${bits.url}through-squid.bin`;
  const transport = override(`${squid.host}:${squid.port}`);
  const { session } = await uploadFile({
    url,
    signal: new AbortController().signal,
    localPath: f.path,
    expectedFile: f.expectedFile,
    wantReply: false,
    session: { ...NEW_SESSION },
    onSession: () => undefined,
    initialFragment: 1024 * 1024,
    transport,
  });
  assert.is(session.uploadComplete, true);
  await closeSession({ url, session, signal: new AbortController().signal, transport });
  assert.is(await sha256File(work.file('uploads/through-squid.bin')), f.sha256);
  const posts = (await squid.readAccessLog()).filter((l) => l.startsWith(`BITS_POST ${url} 200`));
  assert.ok(posts.length >= 5, `Create-Session, 4 fragments, Close-Session through squid: ${posts.length}`);
});

test('BITS upload over HTTPS through squid: one CONNECT tunnel carries the whole session (keep-alive)', async () => {
  const certs = await makeTestCertificates(work.file('bits-tls'));
  const [key, cert, bitsCa] = await Promise.all([readFile(certs.keyFile), readFile(certs.certFile), readFile(certs.caFile, 'utf8')]);
  await mkdir(work.file('uploads-tls'));
  const handler = createBitsUploadHandler({ root: work.file('uploads-tls'), urlPrefix: '/up' });
  await handler.ready;
  const server = https.createServer({ key, cert }, (req, res) => void handler.handle(req, res));
  acceptBitsPost(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const authority = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
    const url = `https://${authority}/up/tls.bin`;
    const f = await makeUploadFile(work.file('up-tls.bin'), 2 * 1024 * 1024 + 3);
    const transport = override(`${squid.host}:${squid.port}`);
    const { session } = await uploadFile({
      url,
      signal: new AbortController().signal,
      localPath: f.path,
      expectedFile: f.expectedFile,
      wantReply: false,
      session: { ...NEW_SESSION },
      onSession: () => undefined,
      initialFragment: 512 * 1024,
      maxFragment: 512 * 1024,
      tls: { ca: bitsCa },
      transport,
    });
    await squid.waitForLog((l) => l === `CONNECT ${authority} 200 -`);
    assert.is((await squid.readAccessLog()).filter((l) => l.startsWith(`CONNECT ${authority} `)).length, 1, 'Create-Session and 5 fragments in one tunnel');
    await closeSession({ url, session, signal: new AbortController().signal, tls: { ca: bitsCa }, transport });
    assert.is(await sha256File(work.file('uploads-tls/tls.bin')), f.sha256);
  } finally {
    server.closeAllConnections();
    server.close();
    await handler.close();
  }
});

test('invalid proxy settings fail the transfer at its start: fatal BG_E_INVALID_PROXY_INFO, nothing sent', async () => {
  const before = (await nginx.readAccessLog()).length;
  const req = request(`${nginx.url}/file.bin`, { transport: override(`${squid.host}:${squid.port}`, 'ok.com bad!entry') });
  const e = await failure(downloadFile(req));
  assertInvalid(e, 'bad!entry');
  assert.is(e.context, ErrorContext.GENERAL_TRANSPORT);
  const f = await makeUploadFile(work.file('up-invalid.bin'), 10);
  const up = await failure(
    uploadFile({ url: `${bits.url}x.bin`, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false, session: { ...NEW_SESSION }, onSession: () => undefined, transport: override('socks=p:1') }),
  );
  assertInvalid(up, 'socks=p:1');
  assert.is((await nginx.readAccessLog()).length, before, 'nothing reached the server');
});

test('proxy not listening: transient ERROR_INTERNET_CANNOT_CONNECT naming the proxy', async () => {
  const port = await findFreePort();
  const e = await failure(downloadFile(request(`${nginx.url}/file.bin`, { transport: override(`127.0.0.1:${port}`) })));
  assert.is(e.code, 'ERROR_INTERNET_CANNOT_CONNECT', e.message);
  assert.is(e.transient, true);
  assert.match(e.message, new RegExp(`127\\.0\\.0\\.1:${port}`));
  assert.match(e.message, /proxy/);
  const t = await failure(downloadFile(request(`${nginx.httpsUrl}/file.bin`, { transport: override(`127.0.0.1:${port}`) })));
  assert.is(t.code, 'ERROR_INTERNET_CANNOT_CONNECT', t.message);
  assert.match(t.message, /proxy/);
});

test.run();
