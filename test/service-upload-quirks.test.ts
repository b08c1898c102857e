// Through the service, as a user runs it: uploads to a server that keeps the session in the TCP
// connection (the case that ended in ERROR BG_E_HTTP_ERROR_400 although every byte had arrived) and
// to a single-threaded server with several jobs at once (an idle socket held by one job would block
// the others). Every job ends TRANSFERRED and the files are published byte-exact, once.
import { writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { ServiceClient } from '../module/service/client.js';
import { waitState } from './helpers/assert-bits.js';
import { contentOf } from './helpers/fault-server.js';
import { startQuirksServer, type Quirks } from './helpers/quirks-server.js';
import { withService } from './helpers/service.js';

const MiB = 1024 * 1024;

async function uploadAll(quirks: Quirks, sizes: number[]): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-svc-quirks-'));
  const server = await startQuirksServer(quirks);
  try {
    await withService(async (svc) => {
      const client = await ServiceClient.connect({ stateDir: svc.stateDir });
      const jobs = [];
      for (const [i, size] of sizes.entries()) {
        const data = contentOf(`svc-quirks:${i}`, size);
        const local = join(dir, `f${i}.bin`);
        writeFileSync(local, data);
        const id = await client.createJob(`f${i}`, JobType.UPLOAD);
        await client.setProperty(id, 'priority', JobPriority.FOREGROUND); // all at once
        await client.addFiles(id, [{ remoteName: server.url(`/f${i}.bin`), localName: local }]);
        jobs.push({ id, path: `/f${i}.bin`, data });
      }
      for (const j of jobs) await client.resume(j.id);
      for (const j of jobs) {
        await waitState(client, j.id, 'TRANSFERRED', 60_000);
        await client.complete(j.id);
        assert.ok(server.files.get(j.path)?.equals(j.data), `${j.path}: published byte-exact`);
        assert.is(server.publications.get(j.path), 1, `${j.path}: once`);
      }
      await client.close();
    });
    const closes = server.requests.filter((r) => r.packetType === 'close-session');
    assert.equal(closes.map((r) => r.status), sizes.map(() => 200), 'every Close-Session accepted');
  } finally {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

test('session kept in the connection: TRANSFERRED, Close-Session accepted on the session connection (0 B, 1 B, 3 MiB)', async () => {
  await uploadAll({ sessionPerConnection: true, lostSessionStatus: 400, errorBodies: 'html' }, [0, 1, 3 * MiB]);
});

test('single-threaded server, three jobs at once: each session closes its connection, so all finish', async () => {
  await uploadAll({ singleThreaded: true }, [2 * MiB, 1, 2 * MiB]);
});

test.run();
