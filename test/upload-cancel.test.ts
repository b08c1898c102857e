// Cancel of an unfinished upload sends Cancel-Session: the server forgets the session and its
// partial data, and nothing is published (spec §4.1 Cancel, §7.2).
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobType } from '../module/api/enums.js';
import { PortableEngine } from '../module/engine/engine.js';
import { startBitsServer } from '../module/server/index.js';
import { startThrottleProxy } from '../scripts/demo-throttle.js';
import { waitJob } from './helpers/assert-bits.js';
import { waitFor } from './helpers/service.js';

test('Cancel mid-upload → Cancel-Session reaches the server, its session data is deleted, nothing published', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-upcancel-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const src = join(dir, 'big.bin');
  writeFileSync(src, randomBytes(16 * 1024 * 1024));
  const packets: string[] = [];
  const server = await startBitsServer({ root, log: (l) => packets.push(l) });
  const proxy = await startThrottleProxy(server.port, 4 * 1024 * 1024);
  const engine = await PortableEngine.open({ stateDir: join(dir, 'state') });
  try {
    const id = await engine.createJob('cancel me', JobType.UPLOAD);
    await engine.addFiles(id, [{ remoteName: `http://127.0.0.1:${proxy.port}/big.bin`, localName: src }]);
    await engine.resume(id);
    await waitJob(engine, id, (j) => j.progress.bytesTransferred > 0, 'a fragment acknowledged');
    const requests = join(root, 'BITS-Sessions', 'Requests');
    assert.is(readdirSync(requests).length, 1, 'the server holds one session');
    assert.is((await engine.cancel(id)).name, 'S_OK');
    await waitFor(() => packets.some((l) => /Cancel-Session .* 200/i.test(l)), 10_000, 'Cancel-Session acknowledged');
    assert.equal(readdirSync(requests), [], 'session data deleted on the server');
    assert.not.ok(existsSync(join(root, 'big.bin')), 'nothing published');
    assert.ok(existsSync(src), 'the local file is untouched');
  } finally {
    await engine.close();
    await proxy.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
