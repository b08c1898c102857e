// Credentials (spec §3.7, §7.3 step 6): the WWW-Authenticate parser, Digest per RFC 7616 (the
// §3.9.1 vectors), and real challenges — Basic from nginx, Digest MD5 from Apache, SHA-256 /
// -sess / stale nonces / unsupported schemes from a node:http fixture (Apache's mod_auth_digest
// knows only MD5), proxy Basic from squid for downloads (plain and CONNECT) and for BITS uploads,
// and server Digest on BITS upload packets (a Fragment challenged mid-upload is re-sent with its
// body). No password, Basic token or Digest response ever appears in an error.
import { createHash, randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdir, readFile, utimes, writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { AuthScheme, AuthTarget, ErrorContext, ProxyUsage } from '../module/api/enums.js';
import type { DownloadRequest } from '../module/engine/http/download-port.js';
import { downloadFile, headFile, HttpTransferError } from '../module/engine/http/download.js';
import { basicAuthorization } from '../module/engine/transport/auth/basic.js';
import { describeChallenge, parseChallengeHeader } from '../module/engine/transport/auth/challenge.js';
import { digestAuthorization, digestResponse, readDigestChallenge, type DigestChallenge } from '../module/engine/transport/auth/digest.js';
import type { JobCredential, TransportOptions } from '../module/engine/transport-port.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest } from '../module/engine/upload/upload-port.js';
import { acceptBitsPost } from '../module/server/bits-post-shim.js';
import { createBitsUploadHandler, type BitsUploadHandler } from '../module/server/handler.js';
import { startBitsServer, type RunningBitsServer } from '../module/server/serve.js';
import { startApache, type ApacheServer } from './helpers/apache.js';
import { makeUploadFile } from './helpers/bits-fixture-server.js';
import { startNginx, type NginxServer } from './helpers/nginx.js';
import { startSquid, type SquidServer } from './helpers/squid.js';
import { makeTmpDir, sha256, sha256File, type TmpDir } from './helpers/tmp.js';
import { transferFailures } from './helpers/transfer-failure.js';

const HTTP_401 = 0x80190191;
const HTTP_407 = 0x80190197;

// Every error any test produces, scanned at the end for secrets.
const SECRETS: string[] = [];

const { errors, failure } = transferFailures();

function assertAuthFailure(e: HttpTransferError, hresult: number, message: RegExp): void {
  assert.is(e.hresult, hresult, e.message);
  assert.is(e.transient, false, e.message);
  assert.is(e.context, ErrorContext.REMOTE_FILE, e.message);
  assert.match(e.message, message);
}

// ---- unit cases ----

test('RFC 7616 §3.9.1 vectors: MD5 and SHA-256 responses; header fields echoed (opaque, qop, nc, cnonce)', () => {
  const challenge = (algorithm: 'MD5' | 'SHA-256'): DigestChallenge => ({
    realm: 'http-auth@example.org',
    nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
    opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
    algorithm,
    algorithmToken: algorithm,
    qop: 'auth',
    stale: false,
  });
  const input = { userName: 'Mufasa', password: 'Circle of Life', method: 'GET', uri: '/dir/index.html', nc: 1, cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ' };
  assert.is(digestResponse({ ...input, challenge: challenge('MD5') }), '8ca523f5e9506fed4657c9700eebdbec');
  assert.is(digestResponse({ ...input, challenge: challenge('SHA-256') }), '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1');
  const header = digestAuthorization({ ...input, challenge: challenge('SHA-256') });
  assert.is(
    header,
    'Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", nc=00000001, cnonce="f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ", qop=auth, response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  );
  assert.not.ok(header.includes('Circle of Life'));
  // The RFC's own challenge text reads back to the same thing.
  const [sha] = parseChallengeHeader(
    'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=SHA-256, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"',
  );
  assert.equal(readDigestChallenge(sha!), challenge('SHA-256'));
  // Non-ASCII user names go as username* (RFC 7616 §3.4.4); RFC 2069 (no qop) has no nc/cnonce.
  const old = digestAuthorization({ ...input, userName: 'Jäger', challenge: { ...challenge('MD5'), qop: null } });
  assert.match(old, /^Digest username\*=UTF-8''J%C3%A4ger, /);
  assert.not.ok(/nc=|cnonce=|qop=/.test(old));
});

test('challenge parser: several challenges per header and per response, quoted strings with commas and escapes, token68', () => {
  const rfc = parseChallengeHeader('Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"');
  assert.equal(rfc.map((c) => [c.name, c.params]), [
    ['newauth', { realm: 'apps', type: '1', title: 'Login to "apps"' }],
    ['basic', { realm: 'simple' }],
  ]);
  const d = parseChallengeHeader('DIGEST Realm="a, b", NONCE="n=1,2", qop="auth,auth-int" , algorithm = MD5-sess,Negotiate abc+/==, NTLM, Basic');
  assert.equal(d.map((c) => c.name), ['digest', 'negotiate', 'ntlm', 'basic']);
  assert.equal(d[0]!.params, { realm: 'a, b', nonce: 'n=1,2', qop: 'auth,auth-int', algorithm: 'MD5-sess' });
  assert.is(d[1]!.token68, 'abc+/==');
  // A token68 whose "=" padding ends the challenge is not an auth-param (NTLM/Negotiate tokens).
  assert.equal(parseChallengeHeader('NTLM TlRMTVNTUAACAAAA=, Negotiate YII=').map((c) => [c.name, c.token68, Object.keys(c.params).length]), [['ntlm', 'TlRMTVNTUAACAAAA=', 0], ['negotiate', 'YII=', 0]]);
  assert.equal(parseChallengeHeader('Basic realm=x').map((c) => c.params.realm), ['x'], 'a token value is still a parameter');
  assert.equal(parseChallengeHeader(''), []);
  assert.equal(parseChallengeHeader(' , ,'), []);
  const junk = parseChallengeHeader('Basic realm="x" junk here, Digest realm="r", nonce="n"');
  assert.equal(junk.map((c) => c.name), ['basic', 'digest'], 'junk after a value is skipped up to the next comma');
  assert.is(junk[1]!.params.nonce, 'n');
  assert.equal(parseChallengeHeader('Basic realm="unterminated').map((c) => c.params.realm), ['unterminated']);
  assert.is(describeChallenge(d[0]!), 'DIGEST (realm "a, b", MD5-sess)');
  assert.is(describeChallenge(d[2]!), 'NTLM');
  assert.ok('unusable' in readDigestChallenge(parseChallengeHeader('Digest realm="r", nonce="n", qop="auth-int"')[0]!));
  assert.ok('unusable' in readDigestChallenge(parseChallengeHeader('Digest realm="r", nonce="n", algorithm=SHA-512-256')[0]!));
});

test('Basic: base64 of user:password in UTF-8', () => {
  assert.is(basicAuthorization('Aladdin', 'open sesame'), 'Basic QWxhZGRpbjpvcGVuIHNlc2FtZQ==');
  assert.is(basicAuthorization('test', '123£'), 'Basic dGVzdDoxMjPCow==', 'RFC 7617 §2.1 UTF-8 example');
});

// ---- fixtures ----

const USER = 'alice';
const PASSWORD = 'Pa55-w0rd:with colon and ümlaut';
const WRONG = 'not-the-Pa55word';
const PROXY_USER = 'proxyuser';
const PROXY_PASSWORD = 'Pr0xy-Secret!';
SECRETS.push(PASSWORD, WRONG, PROXY_PASSWORD, basicAuthorization(USER, PASSWORD).slice(6), basicAuthorization(USER, WRONG).slice(6), basicAuthorization(PROXY_USER, PROXY_PASSWORD).slice(6));

const SIZE = 300_000;
const content = randomBytes(SIZE);

interface Recorded {
  method: string;
  url: string;
  /** `none`, `Basic <user>`, or `Digest <algorithm> nc=<nc>` — never the credentials themselves. */
  auth: string;
  status: number;
}

interface GateOptions {
  realm: string;
  /** WWW-Authenticate values for a fresh nonce (several = several headers). */
  offer(nonce: string): string[];
  /** A nonce answers this many requests; the next use gets 401 with stale=true. */
  nonceUses?: number;
  /** The first nonce issued is already expired: its first correct use gets 401 with stale=true. */
  firstNonceStale?: boolean;
}

/** Server-side Digest check written independently of the client (RFC 7616 §3.4.1). */
function digestParams(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of header.slice(7).matchAll(/([\w*]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) out[m[1]!.toLowerCase()] = m[2] !== undefined ? m[2].replace(/\\(.)/g, '$1') : m[3]!;
  return out;
}

interface AuthGate {
  url: string;
  requests: Recorded[];
  close(): Promise<void>;
}

/** A node:http server that demands credentials from `gate`, then serves `content` (GET/HEAD) or BITS uploads. */
async function startGate(gate: GateOptions, bitsHandler?: BitsUploadHandler): Promise<AuthGate> {
  const nonces = new Map<string, number>();
  const requests: Recorded[] = [];
  const fresh = () => {
    const n = randomBytes(12).toString('base64');
    nonces.set(n, nonces.size === 0 && gate.firstNonceStale ? Infinity : 0);
    return n;
  };
  const check = (req: http.IncomingMessage): { ok: boolean; stale: boolean; auth: string } => {
    const h = req.headers.authorization;
    if (!h) return { ok: false, stale: false, auth: 'none' };
    if (/^basic /i.test(h)) {
      const [user, ...rest] = Buffer.from(h.slice(6), 'base64').toString('utf8').split(':');
      return { ok: user === USER && rest.join(':') === PASSWORD, stale: false, auth: `Basic ${user}` };
    }
    const p = digestParams(h);
    const alg = p.algorithm ?? 'MD5';
    const auth = `Digest ${alg} nc=${p.nc}`;
    const H = (s: string) => createHash(alg.startsWith('SHA-256') ? 'sha256' : 'md5').update(s).digest('hex');
    if (p.username !== USER || p.uri !== req.url || p.realm !== gate.realm) return { ok: false, stale: false, auth };
    let ha1 = H(`${USER}:${gate.realm}:${PASSWORD}`);
    if (alg.endsWith('-sess')) ha1 = H(`${ha1}:${p.nonce}:${p.cnonce}`);
    const ha2 = H(`${req.method}:${p.uri}`);
    const expected = p.qop ? H(`${ha1}:${p.nonce}:${p.nc}:${p.cnonce}:${p.qop}:${ha2}`) : H(`${ha1}:${p.nonce}:${ha2}`);
    if (p.response !== expected) return { ok: false, stale: false, auth };
    const uses = nonces.get(p.nonce!);
    if (uses === undefined || uses >= (gate.nonceUses ?? Infinity)) return { ok: false, stale: true, auth };
    nonces.set(p.nonce!, uses + 1);
    return { ok: true, stale: false, auth };
  };
  const server = http.createServer((req, res) => {
    const verdict = check(req);
    const record = (status: number) => requests.push({ method: req.method!, url: req.url!, auth: verdict.auth, status });
    if (!verdict.ok) {
      const n = fresh();
      const offers = gate.offer(n).map((o) => (verdict.stale && /^digest/i.test(o) ? `${o}, stale=true` : o));
      record(401);
      // Read (and drop) a Fragment's body first, as a real server does, so proxies in between see
      // a complete exchange; the client must send the body again with its answer.
      req.resume();
      req.on('end', () => {
        res.writeHead(401, { ...(offers.length ? { 'WWW-Authenticate': offers } : {}), 'Content-Type': 'text/plain', 'Content-Length': 18 });
        res.end('authenticate first');
      });
      return;
    }
    if (req.method === 'BITS_POST' && bitsHandler) {
      res.on('finish', () => record(res.statusCode));
      void bitsHandler.handle(req, res);
      return;
    }
    record(200);
    res.writeHead(200, { 'Content-Length': SIZE, ETag: '"fixed"', 'Last-Modified': new Date(0).toUTCString() });
    res.end(req.method === 'HEAD' ? undefined : content);
  });
  acceptBitsPost(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const root: TmpDir = await makeTmpDir('bits-auth-root');
const work: TmpDir = await makeTmpDir('bits-auth-work');
let nginx: NginxServer;
let apache: ApacheServer;
let squid: SquidServer;
let bits: RunningBitsServer;
let gatedHandler: BitsUploadHandler;
const gates: AuthGate[] = [];
try {
  await writeFile(root.file('file.bin'), content);
  // A Last-Modified only a moment old is not a strong validator (RFC 9110 §8.8.2.2): Apache would
  // answer If-Range with the whole file. Real files are older.
  await utimes(root.file('file.bin'), new Date(Date.now() - 3600_000), new Date(Date.now() - 3600_000));
  await mkdir(work.file('uploads'));
  await mkdir(work.file('gated-uploads'));
  [nginx, apache, squid, bits] = await Promise.all([
    startNginx({ root: root.path, https: true, basicAuth: { user: USER, password: PASSWORD, realm: 'nginx basic' } }),
    startApache({ root: root.path, digestAuth: { user: USER, password: PASSWORD, realm: 'apache digest' } }),
    startSquid({ basicAuth: { user: PROXY_USER, password: PROXY_PASSWORD } }),
    startBitsServer({ root: work.file('uploads'), urlPrefix: '/up' }),
  ]);
  gatedHandler = createBitsUploadHandler({ root: work.file('gated-uploads'), urlPrefix: '/up' });
  await gatedHandler.ready;
} catch (e) {
  await Promise.all([nginx!?.stop(), apache!?.stop(), squid!?.stop(), bits!?.close()]);
  await root.cleanup();
  await work.cleanup();
  throw e;
}

test.after(async () => {
  await Promise.all([nginx.stop(), apache.stop(), squid.stop(), bits.close(), gatedHandler.close(), ...gates.map((g) => g.close())]);
  await root.cleanup();
  await work.cleanup();
});

async function gate(o: GateOptions, withBits = false): Promise<AuthGate> {
  const g = await startGate(o, withBits ? gatedHandler : undefined);
  gates.push(g);
  return g;
}

const cred = (target: number, scheme: number, userName: string | null = USER, password: string | null = PASSWORD): JobCredential => ({ target, scheme, userName, password });
const SERVER_BASIC = cred(AuthTarget.SERVER, AuthScheme.BASIC);
const SERVER_DIGEST = cred(AuthTarget.SERVER, AuthScheme.DIGEST);
const PROXY_BASIC = cred(AuthTarget.PROXY, AuthScheme.BASIC, PROXY_USER, PROXY_PASSWORD);
const DIRECT = { usage: ProxyUsage.NO_PROXY, proxyList: null, bypassList: null };
const viaSquid = () => ({ usage: ProxyUsage.OVERRIDE, proxyList: `${squid.host}:${squid.port}`, bypassList: null });

function creds(...credentials: JobCredential[]): TransportOptions {
  return { proxy: DIRECT, credentials };
}

let n = 0;
function request(url: string, extra: Partial<DownloadRequest> = {}): DownloadRequest {
  return { url, tempPath: work.file(`d${++n}.tmp`), offset: 0, validator: null, signal: new AbortController().signal, ...extra };
}

async function assertContent(path: string): Promise<void> {
  assert.is(await sha256File(path), sha256(content));
}

// ---- server Basic: nginx ----

test('nginx Basic: right credentials download the file (and resume with Range); HEAD too', async () => {
  const url = `${nginx.url}/basic/file.bin`;
  const req = request(url, { transport: creds(SERVER_BASIC) });
  await downloadFile(req);
  await assertContent(req.tempPath);
  const log = await nginx.readAccessLog();
  assert.ok(log.some((l) => l.startsWith('GET /basic/file.bin 401')), 'challenged first');
  assert.ok(log.some((l) => l.startsWith('GET /basic/file.bin 200') && l.endsWith(`user=${USER}`)), log.join('\n'));

  const head = await headFile(url, { transport: creds(SERVER_BASIC) });
  const offset = 100_000;
  const resumed = request(url, { transport: creds(SERVER_BASIC), offset, validator: head.validator });
  await writeFile(resumed.tempPath, content.subarray(0, offset));
  await downloadFile(resumed);
  await assertContent(resumed.tempPath);
  assert.ok((await nginx.readAccessLog()).some((l) => l.startsWith(`GET /basic/file.bin 206 range="bytes=${offset}-"`) && l.endsWith(`user=${USER}`)));
});

test('nginx Basic: no / wrong / wrong-target / implicit-only credentials → fatal BG_E_HTTP_ERROR_401 saying what to do', async () => {
  const url = `${nginx.url}/basic/file.bin`;
  const none = await failure(downloadFile(request(url)));
  assertAuthFailure(none, HTTP_401, /offers Basic \(realm "nginx basic"\)\. The job has no SERVER credentials for Basic\. Set them with bits-job2 set-credentials <job> --target SERVER --scheme BASIC/);
  assert.equal(none.data?.offered, ['Basic']);

  const before = (await nginx.readAccessLog()).length;
  const wrong = await failure(downloadFile(request(url, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.BASIC, USER, WRONG)) })));
  assertAuthFailure(wrong, HTTP_401, /rejected the job's SERVER Basic credentials for user "alice"/);
  assert.is((await nginx.readAccessLog()).length - before, 2, 'answered once: challenge + one try, no loop');

  const proxyOnly = await failure(downloadFile(request(url, { transport: creds(cred(AuthTarget.PROXY, AuthScheme.BASIC)) })));
  assertAuthFailure(proxyOnly, HTTP_401, /no SERVER credentials for Basic/);
  const digestOnly = await failure(downloadFile(request(url, { transport: creds(SERVER_DIGEST) })));
  assertAuthFailure(digestOnly, HTTP_401, /no SERVER credentials for Basic/);
  const implicit = await failure(downloadFile(request(url, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.NEGOTIATE, null, null)) })));
  // Implicit NEGOTIATE credentials (the owner's Kerberos tickets, test/kerberos.test.ts) answer Negotiate only, not Basic.
  assertAuthFailure(implicit, HTTP_401, /The job has no SERVER credentials for Basic\. Set them with bits-job2 set-credentials <job> --target SERVER --scheme BASIC/);
  const headFail = await failure(headFile(url, { transport: creds() }));
  assertAuthFailure(headFail, HTTP_401, /Basic/);
});

// ---- server Digest MD5: Apache ----

test('Apache Digest (MD5, qop=auth): download, Range resume; wrong password → rejected once, fatal 401', async () => {
  const url = `${apache.url}/digest/file.bin`;
  const req = request(url, { transport: creds(SERVER_DIGEST) });
  await downloadFile(req);
  await assertContent(req.tempPath);
  const head = await headFile(url, { transport: creds(SERVER_BASIC, SERVER_DIGEST) });
  const offset = 123_456;
  const resumed = request(url, { transport: creds(SERVER_DIGEST), offset, validator: head.validator });
  await writeFile(resumed.tempPath, content.subarray(0, offset));
  await downloadFile(resumed);
  await assertContent(resumed.tempPath);
  const log = await apache.readAccessLog();
  assert.ok(log.some((l) => l === `GET /digest/file.bin 200 ${USER} range="-"`), log.join('\n'));
  assert.ok(log.some((l) => l === `GET /digest/file.bin 206 ${USER} range="bytes=${offset}-"`), log.join('\n'));

  const before = (await apache.readAccessLog()).length;
  const wrong = await failure(downloadFile(request(url, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.DIGEST, USER, WRONG)) })));
  assertAuthFailure(wrong, HTTP_401, /offers Digest \(realm "apache digest", MD5\)\. .*rejected the job's SERVER Digest credentials for user "alice"/);
  assert.is((await apache.readAccessLog()).length - before, 2);
  const basicOnly = await failure(downloadFile(request(url, { transport: creds(SERVER_BASIC) })));
  assertAuthFailure(basicOnly, HTTP_401, /no SERVER credentials for Digest.*--scheme DIGEST/);
});

// ---- Digest variants, stale nonces, unsupported schemes: node fixture ----

test('Digest SHA-256, SHA-256-sess, MD5-sess (fixture): each verified by the server; the server\'s first usable challenge wins', async () => {
  for (const algorithm of ['SHA-256', 'SHA-256-sess', 'MD5-sess', 'MD5']) {
    const g = await gate({ realm: 'fixture', offer: (nonce) => [`Digest realm="fixture", qop="auth", algorithm=${algorithm}, nonce="${nonce}", opaque="op-${algorithm}"`] });
    const req = request(`${g.url}/f.bin?q=1`, { transport: creds(SERVER_DIGEST) });
    await downloadFile(req);
    await assertContent(req.tempPath);
    assert.equal(g.requests.map((r) => `${r.status} ${r.auth}`), ['401 none', `200 Digest ${algorithm} nc=00000001`]);
  }
  // SHA-256 listed first (RFC 7616 §3.7), an unsupported one before it is skipped, Basic loses to Digest.
  const multi = await gate({
    realm: 'fixture',
    offer: (nonce) => [`Basic realm="fixture"`, `Digest realm="fixture", qop="auth-int", algorithm=SHA-512-256, nonce="${nonce}"`, `Digest realm="fixture", qop="auth", algorithm=SHA-256, nonce="${nonce}"`, `Digest realm="fixture", qop="auth", algorithm=MD5, nonce="${nonce}"`],
  });
  await downloadFile(request(`${multi.url}/f.bin`, { transport: creds(SERVER_BASIC, SERVER_DIGEST) }));
  assert.equal(multi.requests.map((r) => r.auth), ['none', 'Digest SHA-256 nc=00000001']);
});

test('stale=true after a correct answer: answered again with the new nonce, not treated as a rejection', async () => {
  const g = await gate({ realm: 'fixture', firstNonceStale: true, offer: (nonce) => [`Digest realm="fixture", qop="auth", algorithm=SHA-256, nonce="${nonce}"`] });
  const req = request(`${g.url}/stale.bin`, { transport: creds(SERVER_DIGEST) });
  await downloadFile(req);
  await assertContent(req.tempPath);
  assert.equal(g.requests.map((r) => `${r.status} ${r.auth}`), ['401 none', '401 Digest SHA-256 nc=00000001', '200 Digest SHA-256 nc=00000001']);
  // A server that keeps calling every answer stale is not retried forever.
  const always = await gate({ realm: 'fixture', nonceUses: 0, offer: (nonce) => [`Digest realm="fixture", qop="auth", nonce="${nonce}"`] });
  const e = await failure(downloadFile(request(`${always.url}/stale.bin`, { transport: creds(SERVER_DIGEST) })));
  assertAuthFailure(e, HTTP_401, /rejected the job's SERVER Digest credentials/);
  assert.is(always.requests.length, 4, 'challenge, answer, two stale renewals');
});

test('unsupported or unusable challenges: NTLM/Negotiate only, qop=auth-int only, no challenge → fatal 401 that says so', async () => {
  const bearer = await gate({ realm: 'x', offer: () => ['Bearer realm="x"', 'Passport1.4'] });
  const e1 = await failure(downloadFile(request(`${bearer.url}/f.bin`, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.NTLM), SERVER_BASIC) })));
  assertAuthFailure(e1, HTTP_401, /offers Bearer \(realm "x"\), Passport1\.4\. Bearer and Passport1\.4 are not supported by the portable engine \(only Basic, Digest, NTLM \(NTLMv2\) and Negotiate \(Kerberos, or NTLMv2 in its place\) are\)/);
  assert.is(bearer.requests.length, 1, 'nothing sent to a server with no scheme we speak');

  // Negotiate offered, but the job's credential is NTLM: credentials are per scheme, as in BITS.
  const negotiate = await gate({ realm: 'x', offer: () => ['Negotiate'] });
  const e6 = await failure(downloadFile(request(`${negotiate.url}/f.bin`, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.NTLM)) })));
  assertAuthFailure(e6, HTTP_401, /no SERVER credentials for Negotiate\. Set them with .*--scheme NEGOTIATE/);

  // An NTLM server that never sends its CHALLENGE_MESSAGE: the handshake ends as refused, no loop.
  const ntlm = await gate({ realm: 'x', offer: () => ['NTLM'] });
  const e5 = await failure(downloadFile(request(`${ntlm.url}/f.bin`, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.NTLM)) })));
  assertAuthFailure(e5, HTTP_401, /rejected the job's SERVER NTLM credentials for user "alice" \(NTLM: give the user as DOMAIN\\user/);
  assert.is(ntlm.requests.length, 2, 'the challenge, then one NEGOTIATE_MESSAGE');

  const authInt = await gate({ realm: 'x', offer: (nonce) => [`Digest realm="x", qop="auth-int", nonce="${nonce}"`] });
  const e2 = await failure(downloadFile(request(`${authInt.url}/f.bin`, { transport: creds(SERVER_DIGEST) })));
  assertAuthFailure(e2, HTTP_401, /qop "auth-int" is not supported/);

  const mixed = await gate({ realm: 'x', offer: () => ['Negotiate', 'Basic realm="x"'] });
  // Implicit NEGOTIATE = the owner's ticket cache; there is none here (KRB5CCNAME names a missing file): "run kinit".
  const savedCache = process.env.KRB5CCNAME;
  process.env.KRB5CCNAME = 'FILE:/nonexistent/bits-job2-no-ticket-cache';
  const e4 = await failure(downloadFile(request(`${mixed.url}/f.bin`, { transport: creds(cred(AuthTarget.SERVER, AuthScheme.NEGOTIATE, null, null)) }))).finally(() => {
    if (savedCache === undefined) delete process.env.KRB5CCNAME;
    else process.env.KRB5CCNAME = savedCache;
  });
  assertAuthFailure(e4, HTTP_401, /offers Negotiate, Basic \(realm "x"\)\. Negotiate \(Kerberos\) could not answer: there is no Kerberos ticket in FILE:\/nonexistent\/bits-job2-no-ticket-cache .*: run kinit/);

  const bare = await gate({ realm: 'x', offer: () => [] });
  const e3 = await failure(downloadFile(request(`${bare.url}/f.bin`, { transport: creds(SERVER_BASIC) })));
  assertAuthFailure(e3, HTTP_401, /sent no WWW-Authenticate challenge/);
});

test('a redirect to another origin: no Authorization forwarded, the job\'s credentials are not offered there', async () => {
  const redirector = http.createServer((req, res) => {
    res.writeHead(302, { Location: `${nginx.url}/basic/file.bin`, 'Content-Length': 0 });
    res.end();
  });
  await new Promise<void>((r) => redirector.listen(0, '127.0.0.1', r));
  try {
    const from = `http://127.0.0.1:${(redirector.address() as { port: number }).port}/start`;
    const e = await failure(downloadFile(request(from, { transport: creds(SERVER_BASIC), headers: { Authorization: 'Basic c2VjcmV0' } })));
    assertAuthFailure(e, HTTP_401, /redirected to another origin; the job's server credentials are only sent to http:\/\/127\.0\.0\.1:\d+/);
    const line = (await nginx.readAccessLog()).at(-1)!;
    assert.ok(line.startsWith('GET /basic/file.bin 401') && line.endsWith('user='), line);
  } finally {
    redirector.close();
  }
});

// ---- proxy Basic: squid ----

test('squid proxy Basic: 407 without PROXY credentials (SERVER ones do not count); with them HTTP and HTTPS (CONNECT) work', async () => {
  const url = `${nginx.url}/file.bin?proxy-auth=1`;
  const none = await failure(downloadFile(request(url, { transport: { proxy: viaSquid(), credentials: [SERVER_BASIC] } })));
  assertAuthFailure(none, HTTP_407, /The proxy http:\/\/127\.0\.0\.1:\d+ \(for .*\) answered HTTP 407\. It offers Basic \(realm "bits-job2 test proxy"\)\. The job has no PROXY credentials for Basic\. .*--target PROXY --scheme BASIC/);
  assert.is(none.data?.proxy, squid.url);

  const wrong = await failure(downloadFile(request(url, { transport: { proxy: viaSquid(), credentials: [cred(AuthTarget.PROXY, AuthScheme.BASIC, PROXY_USER, WRONG)] } })));
  assertAuthFailure(wrong, HTTP_407, /rejected the job's PROXY Basic credentials for user "proxyuser"/);

  const req = request(url, { transport: { proxy: viaSquid(), credentials: [PROXY_BASIC] } });
  await downloadFile(req);
  await assertContent(req.tempPath);
  await squid.waitForLog((l) => l === `GET ${url} 200 ${PROXY_USER}`);

  const tlsReq = request(`${nginx.httpsUrl}/file.bin`, { tls: { ca: await readFile(nginx.caFile!, 'utf8') }, transport: { proxy: viaSquid(), credentials: [PROXY_BASIC] } });
  await downloadFile(tlsReq);
  await assertContent(tlsReq.tempPath);
  const authority = new URL(nginx.httpsUrl!).host;
  await squid.waitForLog((l) => l === `CONNECT ${authority} 407 -`);
  await squid.waitForLog((l) => l === `CONNECT ${authority} 200 ${PROXY_USER}`);
  const tunnelFail = await failure(downloadFile(request(`${nginx.httpsUrl}/file.bin`, { tls: { ca: await readFile(nginx.caFile!, 'utf8') }, transport: { proxy: viaSquid(), credentials: [] } })));
  assertAuthFailure(tunnelFail, HTTP_407, /no PROXY credentials for Basic/);
});

test('proxy and server both authenticate: 407 answered, then 401 answered, through squid to nginx Basic', async () => {
  const url = `${nginx.url}/basic/file.bin?both=1`;
  const req = request(url, { transport: { proxy: viaSquid(), credentials: [PROXY_BASIC, SERVER_BASIC] } });
  await downloadFile(req);
  await assertContent(req.tempPath);
  await squid.waitForLog((l) => l === `GET ${url} 200 ${PROXY_USER}`);
  assert.ok((await nginx.readAccessLog()).some((l) => l.startsWith('GET /basic/file.bin 200') && l.endsWith(`user=${USER}`)));
});

// ---- BITS uploads ----

function uploadRequest(url: string, f: { path: string; expectedFile: { size: number; mtimeMs: number } }, transport: TransportOptions, extra: Partial<UploadRequest> = {}): UploadRequest {
  return { url, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false, session: { ...NEW_SESSION }, onSession: () => undefined, initialFragment: 256 * 1024, maxFragment: 256 * 1024, transport, ...extra };
}

test('BITS upload through squid with proxy Basic: 407 on Create-Session answered, every packet authenticated; byte-exact', async () => {
  const f = await makeUploadFile(work.file('up-proxy.bin'), 1024 * 1024 + 5);
  const url = `${bits.url}proxy-auth.bin`;
  const transport: TransportOptions = { proxy: viaSquid(), credentials: [PROXY_BASIC] };
  const { session } = await uploadFile(uploadRequest(url, f, transport));
  await closeSession({ url, session, signal: new AbortController().signal, transport });
  assert.is(await sha256File(work.file('uploads/proxy-auth.bin')), f.sha256);
  const log = await squid.readAccessLog();
  assert.is(log.filter((l) => l === `BITS_POST ${url} 407 -`).length, 2, 'one challenge per call (upload, close); the rest preemptive');
  assert.ok(log.filter((l) => l === `BITS_POST ${url} 200 ${PROXY_USER}`).length >= 6, log.join('\n'));

  const denied = await failure(uploadFile(uploadRequest(`${bits.url}denied.bin`, f, { proxy: viaSquid(), credentials: [] })));
  assertAuthFailure(denied, HTTP_407, /no PROXY credentials for Basic/);
  assert.is(denied.data?.packet, 'Create-Session');
});

test('BITS upload to a Digest server, through squid: a Fragment challenged (stale nonce) mid-upload is re-sent with its body', async () => {
  const g = await gate({ realm: 'bits', nonceUses: 3, offer: (nonce) => [`Digest realm="bits", qop="auth", algorithm=SHA-256, nonce="${nonce}"`] }, true);
  const f = await makeUploadFile(work.file('up-digest.bin'), 1024 * 1024 + 77);
  const url = `${g.url}/up/digest.bin`;
  const transport: TransportOptions = { proxy: viaSquid(), credentials: [PROXY_BASIC, SERVER_DIGEST] };
  const { session } = await uploadFile(uploadRequest(url, f, transport));
  await closeSession({ url, session, signal: new AbortController().signal, transport });
  assert.is(await sha256File(work.file('gated-uploads/digest.bin')), f.sha256);
  const seq = g.requests.map((r) => `${r.status} ${r.auth}`);
  // Create-Session challenged; then nonces last 3 requests: a Fragment meets stale=true and is re-sent.
  assert.is(seq[0], '401 none');
  assert.ok(seq.includes('200 Digest SHA-256 nc=00000002'), `preemptive answers count nc up: ${seq.join(' | ')}`);
  const staleAt = g.requests.findIndex((r, i) => i > 0 && r.status === 401);
  assert.ok(staleAt > 0, seq.join(' | '));
  assert.is(g.requests[staleAt + 1]!.status, 200, 'the challenged packet was re-sent and accepted');
  const wrong = await failure(uploadFile(uploadRequest(`${g.url}/up/wrong.bin`, f, { proxy: viaSquid(), credentials: [PROXY_BASIC, cred(AuthTarget.SERVER, AuthScheme.DIGEST, USER, WRONG)] })));
  assertAuthFailure(wrong, HTTP_401, /rejected the job's SERVER Digest credentials/);
});

test('no secret in any error: passwords, Basic tokens, Digest responses', () => {
  assert.ok(errors.length >= 15, `${errors.length} errors collected`);
  for (const e of errors) {
    const text = [e.message, e.stack ?? '', JSON.stringify(e.toJSON()), JSON.stringify(e.data ?? {})].join('\n');
    for (const s of SECRETS) assert.not.ok(text.includes(s), `secret in: ${e.message}`);
    assert.not.ok(/response=|cnonce=/.test(text), e.message);
  }
});

test.run();
