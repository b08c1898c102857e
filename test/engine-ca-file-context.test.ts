// BITS_JOB2_CA_FILE in the engine's transport (issue 17, client TLS cost): the trusted store plus the
// file's CA is built once as a SecureContext and shared by every upload session's connections (a
// `ca` list was parsed again for each connection: ~3 s of CPU for 200 sessions), and a CA file that
// is replaced — same path, new content — is picked up by the next session without a restart. Node's
// own store is shared the same way (tls.connect built a context per connection). NODE_EXTRA_CA_CERTS
// through that shared context: nginx.test.ts, in a fresh process. Real
// HTTPS server with certificates of two real test CAs; the requests go through TransportSession.
import { copyFile, readFile } from 'node:fs/promises';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { TransportSession } from '../module/engine/transport/connector.js';
import { makeTestCertificates } from './helpers/nginx.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-ca-context');
const caOfServer = await makeTestCertificates(tmp.file('server-ca'));
const otherCa = await makeTestCertificates(tmp.file('other-ca'));
const caFile = tmp.file('trusted-ca.pem');
const server = https.createServer({ cert: await readFile(caOfServer.certFile), key: await readFile(caOfServer.keyFile) }, (_req, res) => res.end('hello'));
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const url = new URL(`https://127.0.0.1:${(server.address() as AddressInfo).port}/`);
const saved = process.env.BITS_JOB2_CA_FILE;

test.after(async () => {
  if (saved === undefined) delete process.env.BITS_JOB2_CA_FILE;
  else process.env.BITS_JOB2_CA_FILE = saved;
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await tmp.cleanup();
});

/** One upload-style session (kept-alive agent), one GET; the body, or the TLS error code. */
async function get(): Promise<{ body?: string; error?: string; context: unknown }> {
  const session = new TransportSession({ keepAlive: true, connectTimeoutMs: 10_000 });
  const p = session.prepare(url, 'GET', {});
  const context = (p.options.agent as https.Agent).options.secureContext;
  try {
    const body = await new Promise<string>((resolve, reject) => {
      const req = (p.lib as typeof https).request(url, p.options, (res) => {
        let b = '';
        res.on('data', (d) => (b += d));
        res.on('end', () => resolve(b));
      });
      req.on('error', reject);
      req.end();
    });
    return { body, context };
  } catch (e) {
    return { error: (e as NodeJS.ErrnoException).code ?? String(e), context };
  } finally {
    session.close();
  }
}

test('sessions share one secure context per CA file; a replaced CA file is picked up', async () => {
  await copyFile(otherCa.caFile, caFile);
  process.env.BITS_JOB2_CA_FILE = caFile;
  const wrong = await get();
  assert.ok(wrong.error, 'a server of another CA is refused');
  assert.match(wrong.error!, /UNABLE_TO_VERIFY|SELF_SIGNED|CERT/);
  const wrongAgain = await get();
  assert.ok(wrongAgain.context !== undefined && wrongAgain.context === wrong.context, 'the second session reuses the first one\'s secure context');

  // The administrator replaces the CA file in place (cp over it: same path, same inode).
  await copyFile(caOfServer.caFile, caFile);
  const right = await get();
  assert.is(right.body, 'hello', `the new CA is trusted: ${right.error}`);
  assert.ok(right.context !== wrong.context, 'a new secure context for the new file');
  assert.ok((await get()).context === right.context, 'and it is reused in turn');
});

test('without BITS_JOB2_CA_FILE Node\'s own store, built once: every session shares one context', async () => {
  delete process.env.BITS_JOB2_CA_FILE;
  const r = await get();
  assert.ok(r.context !== undefined, 'a context of ours (tls.connect would build one per connection)');
  assert.ok(r.error, 'the test CA is not in Node\'s store');
  const again = await get();
  assert.ok(again.context === r.context, 'the next session reuses it');
  process.env.BITS_JOB2_CA_FILE = caFile;
  try {
    assert.ok((await get()).context !== r.context, 'a CA file still gets a context of its own');
  } finally {
    delete process.env.BITS_JOB2_CA_FILE;
  }
});

test.run();
