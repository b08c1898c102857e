// kill -9 of the service in the middle of a 37 MiB upload-reply (paced so the kill lands mid-upload):
// the next client restarts the service, the job resumes its BITS session from the persisted
// offset (Ping, then the next fragment — acknowledged bytes are not sent again), the server
// publishes byte-exact bytes once, and the reply arrives.
// The pacing proxy lives in scripts/ (the demo uses it too).
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobType } from '../module/api/enums.js';
import { startBitsServer } from '../module/server/index.js';
import { ServiceClient } from '../module/service/client.js';
import { startThrottleProxy } from '../scripts/demo-throttle.js';
import { waitJob, waitState } from './helpers/assert-bits.js';
import { isAlive, readLockPid, waitFor, withService } from './helpers/service.js';

const SIZE = 37 * 1024 * 1024;
const RATE = 10 * 1024 * 1024; // ~4 s of upload

test('kill -9 mid-upload: the session resumes where the server acknowledged, byte-exact, notified once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-upcrash-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const payload = randomBytes(SIZE);
  const src = join(dir, 'payload.bin');
  writeFileSync(src, payload);
  const digest = createHash('sha256').update(payload).digest('hex');
  let notified = 0;
  const server = await startBitsServer({
    root,
    replyHandler: ({ uploadPath }) => {
      notified++;
      return { reply: createHash('sha256').update(readFileSync(uploadPath)).digest('hex'), copyToDestination: true };
    },
  });
  const proxy = await startThrottleProxy(server.port, RATE);
  try {
    await withService(async (svc) => {
      const first = await ServiceClient.connect({ stateDir: svc.stateDir });
      const id = await first.createJob('upload crash', JobType.UPLOAD_REPLY);
      await first.addFiles(id, [{ remoteName: `http://127.0.0.1:${proxy.port}/payload.bin`, localName: src }]);
      await first.resume(id);
      const pid1 = readLockPid(svc.stateDir)!;
      svc.track(pid1);
      const before = await waitJob(first, id, (j) => j.progress.bytesTransferred >= SIZE * 0.6, '60% acknowledged', 60_000);
      assert.ok(before.progress.bytesTransferred < SIZE, 'killed mid-upload');
      process.kill(pid1, 'SIGKILL');
      await waitFor(() => !isAlive(pid1), 5000, 'the service to die');
      await first.close();

      const second = await ServiceClient.connect({ stateDir: svc.stateDir });
      svc.track(readLockPid(svc.stateDir)!);
      const resumed = await second.describeJob(id);
      assert.ok(resumed.progress.bytesTransferred >= before.progress.bytesTransferred, 'acknowledged bytes survive the crash');
      const done = await waitState(second, id, 'TRANSFERRED', 90_000);
      assert.is(done.progress.bytesTransferred, SIZE);
      const reply = Buffer.from(await second.getReplyData(id), 'base64').toString();
      assert.is(reply, digest, 'the server application saw exactly the uploaded bytes');
      assert.is(notified, 1, 'the application was notified once');
      // What crossed the wire beyond the file itself: the fragment in flight at the kill (≤ 13 MiB,
      // the largest fragment) plus headers. Starting over would have re-sent ≥ 60% (22 MiB).
      const resent = proxy.bytesUp() - SIZE;
      assert.ok(resent <= 13 * 1024 * 1024 + 1024 * 1024, `re-sent ${resent} bytes`);
      console.log(`    re-sent after kill -9: ${(resent / 1048576).toFixed(1)} MiB (killed at ${(before.progress.bytesTransferred / 1048576).toFixed(1)} MiB acknowledged)`);
      await second.complete(id);
      assert.is(createHash('sha256').update(readFileSync(join(root, 'payload.bin'))).digest('hex'), digest, 'published byte-exact');
      await second.close();
    });
  } finally {
    await proxy.close();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
