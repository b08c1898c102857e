// `serve --auth` (issue 17 step 2): upload jobs in the background service with SERVER credentials
// against our server — Basic (bcrypt htpasswd, over HTTPS) and Digest (htdigest, SHA-256) — no
// credentials and a wrong password end in BG_E_HTTP_ERROR_401 with nothing written, the right ones
// in TRANSFERRED byte-exact, and the reply handler / notification URL learn the user. Then the
// refusals packet by packet: replayed Digest nonce count, stale nonce, another user's session,
// the allow-list, protected path prefixes that encoding cannot dodge.
import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import bcrypt from 'bcryptjs';
import { AuthScheme, AuthTarget, JobType } from '../module/api/enums.js';
import { digestAuthorization, readDigestChallenge } from '../module/engine/transport/auth/digest.js';
import { apr1, verifyPassword } from '../module/server/auth/password-hash.js';
import { startBitsServer } from '../module/server/serve.js';
import { ServiceClient } from '../module/service/client.js';
import { waitState } from './helpers/assert-bits.js';
import { fragment, packet, RawConnection, rawRequest } from './helpers/bits-server.js';
import { makeTestCertificates } from './helpers/nginx.js';
import { killServices } from './helpers/service.js';
import { makeTmpDir } from './helpers/tmp.js';

const USER = 'alice';
const PASSWORD = 'Wonderland-51';
const REALM = 'BITS uploads';
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const H = (alg: string, s: string) => createHash(alg).update(s).digest('hex');

const tmp = await makeTmpDir('bits-serve-auth');
const certs = await makeTestCertificates(tmp.file('certs'));
process.env.BITS_JOB2_CA_FILE = certs.caFile; // inherited by the service started below
await writeFile(tmp.file('htpasswd'), `# bcrypt, as htpasswd -B writes\n${USER}:${bcrypt.hashSync(PASSWORD, 10).replace(/^\$2b\$/, '$2y$')}\nbob:${bcrypt.hashSync('bobs-pw', 4)}\n`);
await writeFile(tmp.file('htdigest'), `${USER}:${REALM}:${H('sha256', `${USER}:${REALM}:${PASSWORD}`)}\n${USER}:${REALM}:${H('md5', `${USER}:${REALM}:${PASSWORD}`)}\nbob:${REALM}:${H('md5', `bob:${REALM}:bobs-pw`)}\nbob:other realm:${'0'.repeat(32)}\n`);
for (const d of ['basic-root/in', 'digest-root/in', 'prefix-root/public', 'prefix-root/secure']) await mkdir(tmp.file(d), { recursive: true });

// The application behind the Digest server's notification URL: records the user header.
const notified: (string | undefined)[] = [];
const app = http.createServer((req, res) => {
  notified.push(req.headers['bits-authenticated-user'] as string | undefined);
  req.resume();
  res.end(`hello ${decodeURIComponent(String(req.headers['bits-authenticated-user']))}`);
});
await new Promise<void>((r) => app.listen(0, '127.0.0.1', r));
const handlerUsers: (string | null)[] = [];
const basic = await startBitsServer({
  root: tmp.file('basic-root'),
  tls: { certFile: certs.certFile, keyFile: certs.keyFile },
  auth: { scheme: 'basic', usersFile: tmp.file('htpasswd') },
  replyHandler: (ctx) => {
    handlerUsers.push(ctx.user);
    return { reply: `user=${ctx.user} bytes=${ctx.size}` };
  },
});
let clock = Date.now();
const digest = await startBitsServer({
  root: tmp.file('digest-root'),
  auth: { scheme: 'digest', usersFile: tmp.file('htdigest'), nonceLifetimeSeconds: 60 },
  notification: { type: 'reference', url: `http://127.0.0.1:${(app.address() as AddressInfo).port}/app` },
  now: () => clock,
});
const prefixed = await startBitsServer({
  root: tmp.file('prefix-root'),
  auth: { scheme: 'basic', usersFile: tmp.file('htpasswd'), paths: ['/secure/'] },
  allowClients: ['127.0.0.0/8', '::1'],
});
const stateDir = tmp.file('state');
const b = await ServiceClient.connect({ stateDir });

test.after(async () => {
  await b.close();
  await killServices(stateDir);
  await Promise.all([basic.close(), digest.close(), prefixed.close()]);
  await new Promise((r) => app.close(r));
  delete process.env.BITS_JOB2_CA_FILE;
  await tmp.cleanup();
});

function requestFiles(root: string): string[] {
  const dir = `${root}/BITS-Sessions/Requests`;
  return existsSync(dir) ? readdirSync(dir) : [];
}

for (const [scheme, server, root] of [['BASIC', () => basic, 'basic-root'], ['DIGEST', () => digest, 'digest-root']] as const) {
  test(`upload-reply job, ${scheme}: none / wrong → ERROR BG_E_HTTP_ERROR_401 with nothing written; right → TRANSFERRED byte-exact, the application knows the user`, async () => {
    const body = randomBytes(3 * 1024 * 1024 + 17);
    const src = tmp.file(`src-${scheme}.bin`);
    await writeFile(src, body);
    const id = await b.createJob(`auth ${scheme}`, JobType.UPLOAD_REPLY);
    await b.addFiles(id, [{ remoteName: `${server().url}in/${scheme}.bin`, localName: src }]);
    await b.resume(id);
    const none = await waitState(b, id, 'ERROR');
    assert.is(none.error!.name, 'BG_E_HTTP_ERROR_401');
    await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme[scheme], userName: USER, password: 'wrong' });
    await b.resume(id);
    const wrong = await waitState(b, id, 'ERROR');
    assert.is(wrong.error!.name, 'BG_E_HTTP_ERROR_401', 'wrong password: 401');
    assert.equal(requestFiles(tmp.file(root)), [], 'no session, no byte on disk before authentication');
    await b.setCredentials(id, { target: AuthTarget.SERVER, scheme: AuthScheme[scheme], userName: USER, password: PASSWORD });
    await b.resume(id);
    await waitState(b, id, 'TRANSFERRED');
    const reply = Buffer.from(await b.getReplyData(id), 'base64').toString();
    if (scheme === 'BASIC') {
      assert.is(reply, `user=${USER} bytes=${body.length}`);
      assert.equal(handlerUsers, [USER]);
    } else {
      assert.is(reply, `hello ${USER}`);
      assert.equal(notified, [USER], 'BITS-Authenticated-User on the notification');
    }
    await b.complete(id);
    assert.not.match(JSON.stringify(none) + JSON.stringify(wrong), new RegExp(PASSWORD));
  });
}

test('password hashes: $apr1$ matches openssl, {SHA} and bcrypt verify; wrong passwords do not', async () => {
  const openssl = execFileSync('openssl', ['passwd', '-apr1', '-salt', 'Xy7.zQ/1', '-stdin'], { input: PASSWORD }).toString().trim();
  assert.is(apr1(PASSWORD, 'Xy7.zQ/1'), openssl);
  assert.ok(await verifyPassword(PASSWORD, openssl));
  assert.not.ok(await verifyPassword('x', openssl));
  const shaHash = `{SHA}${createHash('sha1').update(PASSWORD).digest('base64')}`;
  assert.ok(await verifyPassword(PASSWORD, shaHash));
  assert.not.ok(await verifyPassword(PASSWORD + '!', shaHash));
  assert.ok(await verifyPassword('bobs-pw', bcrypt.hashSync('bobs-pw', 4)));
});

/** A Digest Authorization for `method uri` answering the 401 `res`, nc as given. */
function digestHeader(challengeHeader: string, user: string, password: string, method: string, uri: string, nc: number, algorithm = 'SHA-256'): string {
  const first = challengeHeader.split(/,\s*(?=Digest )/).find((c) => c.includes(`algorithm=${algorithm},`))!;
  const params: Record<string, string> = {};
  for (const m of first.replace(/^Digest /, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) params[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  const ch = readDigestChallenge({ name: 'digest', scheme: 'Digest', params } as never);
  if ('unusable' in ch) throw new Error(ch.unusable);
  return digestAuthorization({ challenge: ch, userName: user, password, method, uri, nc });
}

test('Digest: SHA-256 offered first; a replayed nonce count, a wrong password and an old nonce (stale=true) are refused before the body', async () => {
  const c = await RawConnection.open(digest.port);
  const path = '/in/raw.bin';
  const first = await c.send(packet(path, 'Create-Session'));
  assert.is(first.status, 401);
  assert.match(first.headers['www-authenticate']!, /^Digest realm="BITS uploads", qop="auth", algorithm=SHA-256, nonce=.*Digest .*algorithm=MD5/);
  const ch = first.headers['www-authenticate']!;
  const a1 = digestHeader(ch, USER, PASSWORD, 'BITS_POST', path, 1);
  const cr = await c.send(packet(path, 'Create-Session', { headers: { Authorization: a1 } }));
  assert.is(cr.status, 200, cr.rawHead);
  const id = cr.headers['bits-session-id']!;
  const replay = await c.send(packet(path, 'Create-Session', { headers: { Authorization: a1 } }));
  assert.is(replay.status, 401, 'the same nonce count again is a replay');
  const wrong = await c.send(fragment(path, id, 0, Buffer.alloc(4096, 1), 8192, { Authorization: digestHeader(ch, USER, 'nope', 'BITS_POST', path, 2) }));
  assert.is(wrong.status, 401);
  const ok = await c.send(fragment(path, id, 0, Buffer.alloc(4096, 2), 8192, { Authorization: digestHeader(ch, USER, PASSWORD, 'BITS_POST', path, 3) }));
  assert.is(ok.status, 200, ok.rawHead);
  assert.is(ok.headers['bits-received-content-range'], '4096', 'the refused fragment wrote nothing');
  clock += 61_000;
  const old = await c.send(fragment(path, id, 4096, Buffer.alloc(4096, 3), 8192, { Authorization: digestHeader(ch, USER, PASSWORD, 'BITS_POST', path, 4) }));
  assert.is(old.status, 401);
  assert.match(old.headers['www-authenticate']!, /stale=true/);
  const again = await c.send(fragment(path, id, 4096, Buffer.alloc(4096, 3), 8192, { Authorization: digestHeader(old.headers['www-authenticate']!, USER, PASSWORD, 'BITS_POST', path, 1) }));
  assert.is(again.status, 200, 'the fresh nonce works: the session went on');
  // bob may authenticate, but alice's session does not exist for him.
  const bobs = await c.send(packet(path, 'Cancel-Session', { sessionId: id, headers: { Authorization: digestHeader(old.headers['www-authenticate']!, 'bob', 'bobs-pw', 'BITS_POST', path, 2, 'MD5') } }));
  assert.is(bobs.status, 500);
  assert.is(bobs.headers['bits-error-code'], '0x8020001F');
  c.close();
  const onDisk = await readFile(`${tmp.file('digest-root')}/BITS-Sessions/Requests/${id}/requestfile.bin`).catch(() => null);
  assert.ok(onDisk === null || onDisk.length === 8192, 'alice\'s upload is untouched by bob');
});

test('--auth-path: /public/ is open, /secure/ and every spelling that resolves into it need a user; the allow-list admits loopback only', async () => {
  const open = await rawRequest(prefixed.port, packet('/public/a.bin', 'Create-Session'));
  assert.is(open.status, 200);
  for (const p of ['/secure/a.bin', '/SECURE/a.bin', '/public/../secure/a.bin', '/public/%2e%2e/secure/a.bin', '/%73ecure/a.bin', '/public\\..\\secure/a.bin']) {
    const r = await rawRequest(prefixed.port, packet(p, 'Create-Session'));
    assert.ok(r.status === 401 || r.status === 400, `${p}: ${r.status}`);
    if (r.status === 401) assert.match(r.headers['www-authenticate']!, /^Basic realm="BITS uploads"/);
  }
  // Decoded once only (as IIS does): %252e%252e is a directory named "%2e%2e" below /public/, which does not exist.
  const twice = await rawRequest(prefixed.port, packet('/public/%252e%252e/secure/a.bin', 'Create-Session'));
  assert.is(twice.status, 404);
  assert.not.ok(existsSync(tmp.file('prefix-root/public/%2e%2e')));
  const auth = `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
  const ok = await rawRequest(prefixed.port, packet('/secure/a.bin', 'Create-Session', { headers: { Authorization: auth } }));
  assert.is(ok.status, 200);
  // A second server that admits only 10.0.0.0/8: loopback gets 403 E_ACCESSDENIED.
  const fenced = await startBitsServer({ root: tmp.file('prefix-root'), allowClients: ['10.0.0.0/8'], sessionsDir: tmp.file('fenced-sessions') });
  const r = await rawRequest(fenced.port, packet('/public/b.bin', 'Create-Session'));
  await fenced.close();
  assert.is(r.status, 403);
  assert.is(r.headers['bits-error-code'], '0x80070005');
  assert.is(sha(Buffer.alloc(0)).length, 64);
});

test.run();
