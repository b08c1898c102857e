// `serve` over HTTPS (issue 17 step 1): our upload client (CA from BITS_JOB2_CA_FILE) uploads
// byte-exact over one keep-alive TLS connection; curl reuses its connection for two packets; SIGHUP
// re-reads the certificate for new connections while a session on an open connection goes on; a
// bad pair on SIGHUP keeps the old one; mismatched files are refused at start.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import tls from 'node:tls';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION } from '../module/engine/upload/upload-port.js';
import { startBitsServer } from '../module/server/serve.js';
import { makeUploadFile } from './helpers/bits-fixture-server.js';
import { fragment, packet, RawConnection, startChildServer, type ChildServer } from './helpers/bits-server.js';
import { makeTestCertificates } from './helpers/nginx.js';
import { makeTmpDir, sha256File } from './helpers/tmp.js';

const MiB = 1024 * 1024;
const tmp = await makeTmpDir('bits-serve-https');
const certs = await makeTestCertificates(tmp.file('certs-a'));
await mkdir(tmp.file('root'));
const server = await startBitsServer({ root: tmp.file('root'), tls: { certFile: certs.certFile, keyFile: certs.keyFile } });
let tlsConnections = 0;
server.server.on('secureConnection', () => tlsConnections++);
const children: ChildServer[] = [];

test.after(async () => {
  await server.close();
  for (const c of children) await c.stop();
  delete process.env.BITS_JOB2_CA_FILE;
  await tmp.cleanup();
});

test('our upload client (CA from BITS_JOB2_CA_FILE) uploads 30 MiB over one keep-alive TLS connection, byte-exact', async () => {
  assert.match(server.url, /^https:\/\/127\.0\.0\.1:\d+\/$/);
  process.env.BITS_JOB2_CA_FILE = certs.caFile;
  const f = await makeUploadFile(tmp.file('src.bin'), 30 * MiB);
  const url = `${server.url}tls.bin`;
  const before = tlsConnections;
  const fragments: number[] = [];
  const { session } = await uploadFile({
    url, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false,
    session: { ...NEW_SESSION }, onSession: (s) => void fragments.push(s.offset),
  });
  assert.ok(new Set(fragments).size >= 3, `several fragments: ${fragments.join(',')}`);
  assert.is(tlsConnections - before, 1, 'Create-Session and every Fragment on one TLS connection');
  await closeSession({ url, session, signal: new AbortController().signal });
  assert.is(await sha256File(tmp.file('root/tls.bin')), f.sha256);
});

test('without the CA the client refuses the server (certificate not trusted)', async () => {
  delete process.env.BITS_JOB2_CA_FILE;
  const f = await makeUploadFile(tmp.file('src-untrusted.bin'), 10);
  const e = await uploadFile({
    url: `${server.url}untrusted.bin`, signal: new AbortController().signal, localPath: f.path, expectedFile: f.expectedFile, wantReply: false,
    session: { ...NEW_SESSION }, onSession: () => undefined,
  }).then(() => null, (err: Error) => err);
  assert.ok(e, 'the upload failed');
  assert.match(e!.message, /certificate|TLS/i);
  assert.not.ok(existsSync(tmp.file('root/untrusted.bin')));
});

test('curl: two BITS_POST packets on one kept-alive TLS connection (num_connects 1, then 0)', async () => {
  // Asynchronous: the server runs in this process.
  const { stdout: out } = await promisify(execFile)('curl', [
    '-sS', '--cacert', certs.caFile, '-X', 'BITS_POST', '-H', 'BITS-Packet-Type: Ping', '-H', 'Content-Length: 0',
    '-o', '/dev/null', '-w', '%{http_code} %{num_connects}\\n', server.url, server.url,
  ]);
  assert.equal(out.trim().split('\n'), ['200 1', '200 0']);
});

test('serve --tls-cert/--tls-key: SIGHUP takes a renewed certificate for new connections; the open session goes on', async () => {
  const live = { certFile: tmp.file('live.pem'), keyFile: tmp.file('live.key') };
  await copyFile(certs.certFile, live.certFile);
  await copyFile(certs.keyFile, live.keyFile);
  await mkdir(tmp.file('cli-root'));
  const s = await startChildServer(['--root', tmp.file('cli-root'), '--tls-cert', live.certFile, '--tls-key', live.keyFile]);
  children.push(s);
  assert.match(s.url, /^https:/);
  const caA = await readFile(certs.caFile);
  const old = await RawConnection.openTls(s.port, caA);
  const cr = await old.send(packet('/renewed.bin', 'Create-Session'));
  assert.is(cr.status, 200);
  const id = cr.headers['bits-session-id']!;
  assert.is((await old.send(fragment('/renewed.bin', id, 0, Buffer.from('first half,'), 22))).status, 200);

  // Renew: a certificate from another CA; SIGHUP.
  const b = await makeTestCertificates(tmp.file('certs-b'));
  await copyFile(b.certFile, live.certFile);
  await copyFile(b.keyFile, live.keyFile);
  process.kill(s.pid, 'SIGHUP');
  await waitFor(() => s.stderr().includes('TLS certificate reloaded'), 'reload logged');

  const caB = await readFile(b.caFile);
  const fresh = await RawConnection.openTls(s.port, caB);
  assert.is((await fresh.send(packet('/', 'Ping'))).status, 200, 'new connections get the new certificate');
  fresh.close();
  const refused = await new Promise<Error | null>((resolve) => {
    const c = tls.connect({ port: s.port, host: '127.0.0.1', ca: caA }, () => {
      c.destroy();
      resolve(null);
    });
    c.once('error', resolve);
  });
  assert.ok(refused, 'the old CA no longer verifies a new connection');

  // The connection opened before the reload still carries its session to the end.
  const last = await old.send(fragment('/renewed.bin', id, 11, Buffer.from(' 2nd half.'), 22));
  assert.is(last.status, 200, last.rawHead);
  assert.is((await old.send(fragment('/renewed.bin', id, 21, Buffer.from('!'), 22))).status, 200);
  assert.is((await old.send(packet('/renewed.bin', 'Close-Session', { sessionId: id }))).status, 200);
  old.close();
  assert.is(await readFile(tmp.file('cli-root/renewed.bin'), 'utf8'), 'first half, 2nd half.!');

  // A broken pair on SIGHUP: reported, the working certificate stays.
  await writeFile(live.keyFile, 'not a key\n');
  process.kill(s.pid, 'SIGHUP');
  await waitFor(() => s.stderr().includes('TLS reload failed'), 'failed reload logged');
  const still = await RawConnection.openTls(s.port, caB);
  assert.is((await still.send(packet('/', 'Ping'))).status, 200);
  still.close();
  assert.is(await s.stop(), 0);
});

test('serve refuses a certificate and key that are not a pair, and --tls-cert without --tls-key', async () => {
  const other = await makeTestCertificates(tmp.file('certs-c'));
  const e = await startChildServer(['--root', tmp.file('root'), '--tls-cert', certs.certFile, '--tls-key', other.keyFile]).then(
    (c) => (children.push(c), null),
    (err: Error) => err,
  );
  assert.ok(e);
  assert.match(e!.message, /not a usable PEM pair/);
  const half = await startChildServer(['--root', tmp.file('root'), '--tls-cert', certs.certFile]).then((c) => (children.push(c), null), (err: Error) => err);
  assert.match(half!.message, /both --tls-cert and --tls-key/);
});

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting: ${what}`);
}

test.run();
