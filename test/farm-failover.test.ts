// A farm (issue 17 step 4): three real `bits-job2 serve` processes on one upload root and session
// directory behind Debian's nginx with the documented docs/nginx/bits-farm.conf, six upload jobs
// in the real service. Each session is created through the farm name and continued on its
// instance's BITS-Host-Id. In the middle of the uploads one instance is killed with SIGKILL; its
// clients find the host gone, wait out the fallback timer (1 s here) and go back to the farm name
// with the same session id, and another instance carries on from the shared directory.
// Then: every file is published byte-exact, once; no session was started again (a new session
// would mean the acknowledged bytes were thrown away); the first Ack a surviving instance gave a
// session of the dead one is at or past the dead one's last Ack (no acknowledged byte lost).
// A pacing proxy between nginx and each instance (scripts/demo-throttle.ts) makes the uploads last
// long enough on loopback for the kill to land in the middle; it is the only fixture.
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { ServiceClient } from '../module/service/client.js';
import { startThrottleProxy } from '../scripts/demo-throttle.js';
import { waitState } from './helpers/assert-bits.js';
import { startChildServer, type ChildServer } from './helpers/bits-server.js';
import { FARM_SIZE, reserveFarmPort, startFarmNginx } from './helpers/nginx-farm.js';
import { isAlive, killServices, waitFor } from './helpers/service.js';
import { makeTmpDir, sha256, sha256File } from './helpers/tmp.js';

const MiB = 1024 * 1024;
const JOBS = 6;
const SIZE = 6 * MiB;
const PACE = 1 * MiB; // bytes/s per connection between nginx and an instance
const VICTIM = 1;

interface LogLine {
  event: string;
  action?: string;
  packet?: string | null;
  session?: string | null;
  status?: number;
  received?: number;
  total?: number | null;
  destination?: string;
}

function events(s: ChildServer): LogLine[] {
  return s.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as LogLine);
}

test('kill -9 of one of three instances mid-upload: every upload completes byte-exact, published once, no acknowledged byte lost', async () => {
  const tmp = await makeTmpDir('bits-farm');
  const root = tmp.file('root');
  await mkdir(`${root}/farm`, { recursive: true });
  const nginxPort = await reserveFarmPort();
  const instances: ChildServer[] = [];
  const proxies: Awaited<ReturnType<typeof startThrottleProxy>>[] = [];
  const stateDir = tmp.file('state');
  let client: ServiceClient | undefined;
  let nginx: Awaited<ReturnType<typeof startFarmNginx>> | undefined;
  try {
    for (let i = 0; i < FARM_SIZE; i++) {
      instances.push(await startChildServer(['--root', root, '--sessions-dir', tmp.file('sessions'), '--farm', '--trust-proxy', '127.0.0.1',
        '--host-id', `127.0.0.${i + 2}:${nginxPort}`, '--host-id-fallback-timeout', '1', '--log-format', 'json']));
      proxies.push(await startThrottleProxy(instances[i]!.port, PACE));
    }
    nginx = await startFarmNginx(nginxPort, proxies.map((p) => p.port));
    process.env.BITS_JOB2_CA_FILE = nginx.caFile; // inherited by the service
    client = await ServiceClient.connect({ stateDir });
    const jobs: { id: string; sha: string; name: string }[] = [];
    for (let j = 0; j < JOBS; j++) {
      const body = randomBytes(SIZE + j * 4099);
      const src = tmp.file(`src-${j}.bin`);
      await writeFile(src, body);
      const id = await client.createJob(`farm ${j}`, JobType.UPLOAD);
      await client.addFiles(id, [{ remoteName: `${nginx.url}farm/upload-${j}.bin`, localName: src }]);
      // Foreground jobs run at once, all of them; background ones one at a time.
      await client.setProperty(id, 'priority', JobPriority.FOREGROUND);
      await client.setProperty(id, 'minimumRetryDelay', 5);
      jobs.push({ id, sha: sha256(body), name: `upload-${j}.bin` });
    }
    for (const j of jobs) await client.resume(j.id);

    const victim = instances[VICTIM]!;
    // The kill lands once the victim has acknowledged part of a session it holds, not all of it.
    await waitFor(() => events(victim).some((e) => e.packet === 'Fragment' && e.status === 200 && e.received! > 0 && e.received! < SIZE), 60_000, 'a partly acknowledged session on the victim');
    const victimSessions = new Set(events(victim).filter((e) => e.action === 'created').map((e) => e.session!));
    process.kill(victim.pid, 'SIGKILL');
    await waitFor(() => !isAlive(victim.pid), 5000, 'the victim to die');
    const lastAckByVictim = new Map<string, number>();
    for (const e of events(victim)) if (e.packet === 'Fragment' && e.status === 200 && e.session) lastAckByVictim.set(e.session.toUpperCase(), e.received!);

    for (const j of jobs) await waitState(client, j.id, 'TRANSFERRED', 120_000);
    for (const j of jobs) await client.complete(j.id);

    for (const j of jobs) assert.is(await sha256File(`${root}/farm/${j.name}`), j.sha, `${j.name} byte-exact`);
    const all = instances.flatMap((s) => events(s));
    const created = all.filter((e) => e.action === 'created');
    assert.is(created.length, JOBS, 'one session per job: none was started again after the kill');
    const published = all.filter((e) => e.action === 'published' || e.action === 'published-before');
    assert.is(published.filter((e) => e.action === 'published').length, JOBS, 'each file published once');
    assert.is(new Set(published.map((e) => e.destination)).size, JOBS);

    // Sessions of the victim moved: a survivor answered for them, starting at or past the victim's last Ack.
    const moved = [...victimSessions].filter((id) => lastAckByVictim.has(id) && lastAckByVictim.get(id)! < SIZE);
    assert.ok(moved.length > 0, 'the victim held a session in the middle of its upload');
    for (const id of moved) {
      const survivorAcks = instances.filter((_, i) => i !== VICTIM).flatMap((s) => events(s)).filter((e) => e.session?.toUpperCase() === id && e.packet === 'Fragment' && e.received !== undefined);
      assert.ok(survivorAcks.length > 0, `a surviving instance continued ${id}`);
      assert.ok(survivorAcks[0]!.received! >= lastAckByVictim.get(id)!, `${id}: survivor's first Ack ${survivorAcks[0]!.received} is not behind the victim's last ${lastAckByVictim.get(id)}`);
    }
    assert.equal(readdirSync(`${tmp.file('sessions')}/Requests`), [], 'no session left behind');
    assert.equal(readdirSync(`${root}/farm`).sort(), jobs.map((j) => j.name).sort(), 'no temporary or duplicate files');
  } finally {
    await client?.close();
    await killServices(stateDir);
    delete process.env.BITS_JOB2_CA_FILE;
    await nginx?.stop();
    for (const p of proxies) await p.close();
    for (const s of instances) await s.stop();
    if (existsSync(tmp.path)) await tmp.cleanup();
  }
});

test.run();
