// Operations endpoints of the upload server (issue 17 step 6, part): the load balancer's health
// probe (answered without credentials even with --auth) and the /metrics counters of limits and
// refusals by reason.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import bcrypt from 'bcryptjs';
import { writeFile } from 'node:fs/promises';
import { fragment, getRequest, packet, rawRequest } from './helpers/bits-server.js';
import { startBitsServer } from '../module/server/serve.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-serve-ops');
await writeFile(tmp.file('htpasswd'), `alice:${bcrypt.hashSync('pw', 4)}\n`);
const s = await startBitsServer({
  root: tmp.path, urlPrefix: '/up', maxUploadSize: 100, maxFragmentBytes: 50, maxSessionsPerClient: 2,
  auth: { scheme: 'basic', usersFile: tmp.file('htpasswd'), paths: ['/up/secure/'] },
});
test.after(async () => {
  await s.close();
  await tmp.cleanup();
});

test('health answers without credentials; metrics count each limit and refusal by reason', async () => {
  const health = await rawRequest(s.port, getRequest('/up/BITS-Sessions/health'));
  assert.is(health.status, 200);
  assert.equal(JSON.parse(health.body.toString()), { status: 'ok', sessions: 0 });
  const a = await rawRequest(s.port, packet('/up/a.bin', 'Create-Session'));
  const id = a.headers['bits-session-id']!;
  assert.is((await rawRequest(s.port, fragment('/up/a.bin', id, 0, Buffer.alloc(10), 101))).status, 500, 'over the upload size');
  assert.is((await rawRequest(s.port, fragment('/up/a.bin', id, 0, Buffer.alloc(60), 100))).status, 413, 'over the fragment size');
  assert.is((await rawRequest(s.port, fragment('/up/a.bin', id, 40, Buffer.alloc(10), 100))).status, 416, 'a gap');
  assert.is((await rawRequest(s.port, fragment('/up/a.bin', id, 0, Buffer.alloc(40), 100))).status, 200);
  await rawRequest(s.port, packet('/up/b.bin', 'Create-Session'));
  assert.is((await rawRequest(s.port, packet('/up/c.bin', 'Create-Session'))).status, 503, 'third session of this client');
  assert.is((await rawRequest(s.port, packet('/up/secure/x.bin', 'Create-Session'))).status, 401);
  assert.is((await rawRequest(s.port, fragment('/up/a.bin', '{00000000-0000-0000-0000-000000000000}', 0, Buffer.alloc(1), 1))).status, 500);
  const m = (await rawRequest(s.port, getRequest('/up/BITS-Sessions/metrics'))).body.toString();
  for (const line of [
    'bits_refusals_total{reason="upload_too_large"} 1',
    'bits_refusals_total{reason="fragment_too_large"} 1',
    'bits_refusals_total{reason="range_gap"} 1',
    'bits_refusals_total{reason="sessions_per_client"} 1',
    'bits_refusals_total{reason="unauthenticated"} 1',
    'bits_refusals_total{reason="session_not_found"} 1',
    'bits_received_bytes_total 40',
    'bits_open_sessions 2',
    'bits_requests_total{packet="create-session",status="200"} 2',
  ]) assert.ok(m.split('\n').includes(line), `${line}\n${m}`);
  const h2 = JSON.parse((await rawRequest(s.port, getRequest('/up/BITS-Sessions/health'))).body.toString());
  assert.is(h2.sessions, 2);
});

test.run();
