// `serve` behind Debian's nginx with the documented configuration (docs/nginx/bits-upload.conf,
// issue 17 step 3): TLS ends at nginx, BITS_POST goes through, fragment bodies stream to serve
// as they arrive (bytes are on serve's disk before the client sent the whole fragment), the client
// keeps its connection, serve sees the client's scheme and address (--trust-proxy), Basic auth
// passes through, and bad input sent through nginx is refused with BITS error headers, nothing
// written outside the root, the server still serving.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync, symlinkSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import bcrypt from 'bcryptjs';
import { writeFileSync } from 'node:fs';
import { AuthScheme, AuthTarget, ProxyUsage } from '../module/api/enums.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest } from '../module/engine/upload/upload-port.js';
import { startBitsServer } from '../module/server/serve.js';
import { makeUploadFile } from './helpers/bits-fixture-server.js';
import { fragment, packet, RawConnection } from './helpers/bits-server.js';
import { startBitsNginx } from './helpers/nginx-bits.js';
import { makeTmpDir, sha256File } from './helpers/tmp.js';

const MiB = 1024 * 1024;
const tmp = await makeTmpDir('bits-behind-nginx');
const root = tmp.file('root');
await mkdir(`${root}/secure`, { recursive: true });
await mkdir(tmp.file('outside'));
symlinkSync(tmp.file('outside'), `${root}/link`);
writeFileSync(tmp.file('htpasswd'), `alice:${bcrypt.hashSync('pw-alice', 4)}\n`);
const serve = await startBitsServer({ root, trustedProxies: ['127.0.0.1'], auth: { scheme: 'basic', usersFile: tmp.file('htpasswd'), paths: ['/secure/'] } });
const nginx = await startBitsNginx({ upstreams: [`127.0.0.1:${serve.port}`] });
process.env.BITS_JOB2_CA_FILE = nginx.caFile;
const ca = await readFile(nginx.caFile);

test.after(async () => {
  await nginx.stop();
  await serve.close();
  delete process.env.BITS_JOB2_CA_FILE;
  await tmp.cleanup();
});

function req(url: string, f: { path: string; expectedFile: UploadRequest['expectedFile'] }, extra: Partial<UploadRequest> = {}): UploadRequest {
  return { url, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false, session: { ...NEW_SESSION }, onSession: () => undefined, ...extra };
}

test('our client uploads 40 MiB through nginx (TLS there), byte-exact; serve records the https URL the client used', async () => {
  const f = await makeUploadFile(tmp.file('src.bin'), 40 * MiB);
  const url = `${nginx.url}big.bin`;
  let remoteUrl = '';
  const { session } = await uploadFile(req(url, f, {
    onSession: async (s) => {
      if (!remoteUrl && s.sessionId) remoteUrl = JSON.parse(await readFile(`${root}/BITS-Sessions/Requests/${s.sessionId}/session.json`, 'utf8')).remoteUrl;
    },
  }));
  await closeSession({ url, session, signal: new AbortController().signal });
  assert.is(await sha256File(`${root}/big.bin`), f.sha256);
  assert.is(remoteUrl, `https://127.0.0.1:${nginx.port}/big.bin`, 'X-Forwarded-Proto and Host taken from the trusted proxy');
  assert.equal(readdirSync(`${nginx.dir}/client_body`), [], 'nginx spooled no request body to disk');
});

test('a fragment streams through: its first MiB is on serve\'s disk before the client sent the rest', async () => {
  const c = await RawConnection.openTls(nginx.port, ca);
  const cr = await c.send(packet('/streamed.bin', 'Create-Session'));
  assert.is(cr.status, 200, cr.rawHead);
  const id = cr.headers['bits-session-id']!;
  const body = Buffer.alloc(4 * MiB, 7);
  const whole = fragment('/streamed.bin', id, 0, body, body.length);
  const head = whole.length - body.length;
  const answer = c.send(whole.subarray(0, head + MiB));
  const file = `${root}/BITS-Sessions/Requests/${id}/requestfile.bin`;
  let size = 0;
  for (let i = 0; i < 200 && size < MiB; i++) {
    await new Promise((r) => setTimeout(r, 50));
    size = existsSync(file) ? statSync(file).size : 0;
  }
  assert.is(size, MiB, 'the first MiB reached serve while the fragment was incomplete (proxy_request_buffering off)');
  c.socket.write(whole.subarray(head + MiB));
  const ack = await answer;
  assert.is(ack.status, 200);
  assert.is(ack.headers['bits-received-content-range'], String(4 * MiB));
  assert.is((await c.send(packet('/streamed.bin', 'Cancel-Session', { sessionId: id }))).status, 200, 'same client connection kept alive');
  c.close();
});

test('Basic auth on /secure/ through nginx: without credentials BG_E_HTTP_ERROR_401, with them published', async () => {
  const f = await makeUploadFile(tmp.file('src-secure.bin'), 2 * MiB);
  const url = `${nginx.url}secure/s.bin`;
  const e = await uploadFile(req(url, f)).then(() => null, (err: Error & { hresult?: number }) => err);
  assert.ok(e);
  assert.is((e as { hresult?: number }).hresult! >>> 0, 0x80190191, e!.message);
  const transport = { proxy: { usage: ProxyUsage.NO_PROXY, proxyList: null, bypassList: null }, credentials: [{ target: AuthTarget.SERVER, scheme: AuthScheme.BASIC, userName: 'alice', password: 'pw-alice' }] };
  const { session } = await uploadFile(req(url, f, { transport }));
  await closeSession({ url, session, signal: new AbortController().signal, transport });
  assert.is(await sha256File(`${root}/secure/s.bin`), f.sha256);
});

test('curl keeps one TLS connection to nginx for two packets', async () => {
  const { stdout } = await promisify(execFile)('curl', ['-sS', '--cacert', nginx.caFile, '-X', 'BITS_POST', '-H', 'BITS-Packet-Type: Ping', '-H', 'Content-Length: 0',
    '-o', '/dev/null', '-w', '%{http_code} %{num_connects}\\n', nginx.url, nginx.url]);
  assert.equal(stdout.trim().split('\n'), ['200 1', '200 0']);
});

test('bad input through nginx: refused with BITS error headers (or nginx\'s own 400/413), nothing outside the root, serve keeps serving', async () => {
  const c = await RawConnection.openTls(nginx.port, ca);
  const cr = await c.send(packet('/ok.bin', 'Create-Session'));
  const id = cr.headers['bits-session-id']!;
  c.close();
  // nginx itself refuses some traversals (a URI above its root) with a plain 400 before serve
  // sees them: marked "nginx may"; the client reports BG_E_HTTP_ERROR_400 then, equally fatal.
  const NGINX_MAY = new Set(['encoded traversal', 'encoded slash', 'backslashes']);
  const cases: [string, Buffer, number[], string | null][] = [
    ['encoded traversal', packet('/%2e%2e/escape.bin', 'Create-Session'), [400], '0x80070057'],
    ['encoded slash', packet('/..%2fescape.bin', 'Create-Session'), [400], '0x80070057'],
    ['backslashes', packet('/a\\..\\..\\escape.bin', 'Create-Session'), [400], '0x80070057'],
    ['device name', packet('/CON.txt', 'Create-Session'), [400], '0x80070057'],
    ['double-encoded', packet('/%252e%252e/escape.bin', 'Create-Session'), [404], '0x80070003'],
    ['symlink out of the root', packet('/link/escape.bin', 'Create-Session'), [403], '0x80070005'],
    ['unknown session', fragment('/ok.bin', '{00000000-0000-0000-0000-000000000000}', 0, Buffer.alloc(10), 10), [500], '0x8020001F'],
    ['garbage session id', fragment('/ok.bin', "'; rm -rf /", 0, Buffer.alloc(10), 10), [500], '0x8020001F'],
    ['session of another URL', fragment('/other.bin', id, 0, Buffer.alloc(10), 10), [500], '0x8020001F'],
    ['reversed Content-Range', fragment('/ok.bin', id, 0, Buffer.alloc(10), 10, { 'Content-Range': 'bytes 9-0/10' }), [400], '0x80070057'],
    ['header value over 4 KB', packet('/ok.bin', 'Ping', { headers: { 'X-Long': 'x'.repeat(5000) } }), [400], '0x80070057'],
    ['unknown packet type', packet('/ok.bin', 'Explode'), [400], '0x80070057'],
    ['fragment over client_max_body_size', packet('/ok.bin', 'Fragment', { sessionId: id, headers: { 'Content-Length': 257 * MiB, 'Content-Range': `bytes 0-${257 * MiB - 1}/${257 * MiB}` } }), [413], null],
    ['request line junk', Buffer.from('BITS_POST /ok.bin HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n'), [400], null],
  ];
  for (const [name, bytes, statuses, code] of cases) {
    const conn = await RawConnection.openTls(nginx.port, ca);
    const r = await conn.send(bytes).catch((e: Error) => ({ status: 0, headers: {} as Record<string, string>, rawHead: e.message }));
    conn.close();
    assert.ok(statuses.includes(r.status), `${name}: ${r.status} ${r.rawHead}`);
    const fromNginx = !r.headers['bits-packet-type'] && /^nginx/.test(r.headers.server ?? '');
    if (code && !(fromNginx && NGINX_MAY.has(name))) {
      assert.is(r.headers['bits-error-code'], code, `${name}: ${r.rawHead}`);
      assert.is(r.headers['bits-packet-type'], 'Ack', name);
    }
  }
  assert.equal(readdirSync(tmp.file('outside')), [], 'nothing in the symlink target');
  assert.not.ok(existsSync(tmp.file('escape.bin')));
  const still = await RawConnection.openTls(nginx.port, ca);
  assert.is((await still.send(packet('/', 'Ping'))).status, 200);
  still.close();
});

test.run();
