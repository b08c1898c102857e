// Done-when of issue 2: `kill -9` of the service in the middle of a 200 MB download from a real
// nginx → the next client restarts the service, the job resumes from its checkpoint, finishes with
// the right sha256, and re-downloads no more than one checkpoint interval.
import { randomBytes, createHash } from 'node:crypto';
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobType } from '../module/api/enums.js';
import { DEFAULT_CHECKPOINT_BYTES } from '../module/engine/http/download.js';
import { ServiceClient } from '../module/service/client.js';
import { stateOf, waitJob, waitState } from './helpers/assert-bits.js';
import { startNginx } from './helpers/nginx.js';
import { isAlive, readLockPid, waitFor, withService } from './helpers/service.js';
import { sha256File } from './helpers/tmp.js';

const SIZE = 200 * 1024 * 1024;
/** Slow enough that the kill lands mid-transfer, fast enough for CI: 200 MB in ~4 s. */
const RATE = '50m';

async function writeRandomFile(path: string, size: number): Promise<string> {
  const hash = createHash('sha256');
  const out = createWriteStream(path);
  for (let left = size; left > 0; ) {
    const chunk = randomBytes(Math.min(left, 1 << 20));
    hash.update(chunk);
    left -= chunk.length;
    if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())));
  return hash.digest('hex');
}

test('kill -9 of the service mid-download: restarted by the next call, resumes from the checkpoint, byte-exact', async () => {
  const www = mkdtempSync(join(tmpdir(), 'bj2-www-'));
  const dest = mkdtempSync(join(tmpdir(), 'bj2-dest-'));
  const nginx = await startNginx({ root: www, extraConfig: `limit_rate ${RATE};` });
  try {
    const expected = await writeRandomFile(join(www, 'big.bin'), SIZE);
    await withService(async (svc) => {
      const first = await ServiceClient.connect({ stateDir: svc.stateDir });
      const id = await first.createJob('crash test', JobType.DOWNLOAD);
      await first.addFiles(id, [{ remoteName: `${nginx.url}/big.bin`, localName: join(dest, 'big.bin') }]);
      await first.resume(id);
      const pid1 = readLockPid(svc.stateDir)!;
      svc.track(pid1);
      const before = await waitJob(first, id, (j) => j.progress.bytesTransferred >= SIZE * 0.35, '35% transferred', 60_000);
      assert.ok(before.progress.bytesTransferred < SIZE, 'still transferring when killed');
      process.kill(pid1, 'SIGKILL');
      await waitFor(() => !isAlive(pid1), 5000, 'the service to die');
      await first.close();

      const second = await ServiceClient.connect({ stateDir: svc.stateDir });
      const pid2 = readLockPid(svc.stateDir)!;
      svc.track(pid2);
      assert.is.not(pid2, pid1, 'a new service was started');
      const after = await second.describeJob(id);
      assert.ok(['QUEUED', 'CONNECTING', 'TRANSFERRING'].includes(stateOf(after)), `resumes by itself (${stateOf(after)})`);
      await waitState(second, id, 'TRANSFERRED', 90_000);
      await second.complete(id);
      assert.is(await sha256File(join(dest, 'big.bin')), expected, 'byte-identical');

      const gets = (await nginx.readAccessLog()).filter((l) => l.startsWith('GET /big.bin'));
      const sent = gets.reduce((n, l) => n + Number(/sent=(\d+)/.exec(l)?.[1] ?? 0), 0);
      const redownloaded = sent - SIZE;
      assert.ok(gets.length >= 2, 'a second, ranged request after the restart');
      assert.match(gets[gets.length - 1]!, /range="bytes=\d+-"/);
      // One checkpoint interval: at most DEFAULT_CHECKPOINT_BYTES (or one second of transfer), plus
      // what the kernel had buffered on the dead socket.
      const slack = 8 * 1024 * 1024;
      assert.ok(redownloaded <= DEFAULT_CHECKPOINT_BYTES + slack, `re-downloaded ${redownloaded} bytes`);
      console.log(`    re-downloaded after kill -9: ${(redownloaded / 1048576).toFixed(1)} MiB of ${SIZE / 1048576} MiB (killed at ${(before.progress.bytesTransferred / 1048576).toFixed(1)} MiB)`);
      await second.close();
    });
  } finally {
    await nginx.stop();
    rmSync(www, { recursive: true, force: true });
    rmSync(dest, { recursive: true, force: true });
  }
});

test.run();
