// Yielding on the sending side (issue 19, spec §5.3): a background upload job to `bits-job2 serve`
// over the 40 Mbit/s link of test/helpers/bottleneck.ts (its queues in a router namespace between
// the client and server namespaces; reno in both end namespaces) steps aside
// for a bulk TCP upload of another application and takes the link back after it; a FOREGROUND
// upload competes. The same connect-time delay signal: the probe's SYN waits behind our own bytes in
// the uplink queue. Rates on the wire: the competitor's from its sink, ours from the server side's
// link counter minus the competitor's. Wide, physical bounds only; figures: scripts/bench-yield.ts.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { BITS_PORT, SERVER_IP, serveBitsInServerNamespace, startBottleneck, tcpUploadRate, uplinkRate } from './helpers/bottleneck.js';
import { running, stopProcess } from './helpers/nginx.js';
import { RemoteEngine } from './helpers/remote-engine.js';
import { waitFor } from './helpers/service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Between "TCP shares" (0.25 with yielding off, 0.38 beside FOREGROUND) and "the background job stepped aside" (≈ 0.9). */
const YIELDED_SHARE = 0.75;

test('40 Mbit/s uplink: a background upload steps aside for a bulk TCP upload and takes the link back; a FOREGROUND one competes', async () => {
  const link = await startBottleneck({ rateMbit: 40, congestionControl: 'reno' });
  const dir = mkdtempSync(join(tmpdir(), 'bj2-bn-yield-up-'));
  const root = join(dir, 'root');
  mkdirSync(root);
  const policyPaths = { system: join(dir, 'system-policy.json'), user: join(dir, 'user-policy.json') };
  const engine = new RemoteEngine({ stateDir: join(dir, 'state'), policyPaths, clockStart: Date.now(), wrap: link.inClient });
  const linkBytes = (link.rateMbit * 1e6) / 8;
  let server: ChildProcess | null = null;
  const upload = async (name: string, priority: number): Promise<string> => {
    const local = join(dir, `${name}.bin`);
    writeFileSync(local, '');
    truncateSync(local, 2 * 1024 ** 3); // sparse: read as zeros, no disk used
    const id = await engine.call<string>('createJob', name, JobType.UPLOAD);
    await engine.call('setProperty', id, 'priority', priority);
    await engine.call('addFiles', id, [{ remoteName: `http://${SERVER_IP}:${BITS_PORT}/${name}.bin`, localName: local }]);
    await engine.call('resume', id);
    return id;
  };
  try {
    server = await serveBitsInServerNamespace(link, root);
    const otherAlone = await tcpUploadRate(link, 5);
    assert.ok(otherAlone > 0.5 * linkBytes, `bulk upload alone: ${otherAlone} B/s of a ${linkBytes} B/s link`);

    const bg = await upload('background', JobPriority.NORMAL);
    await sleep(3000);
    const bgAlone = await uplinkRate(link, 4000);
    assert.ok(bgAlone > 0.3 * linkBytes, `background upload alone: ${bgAlone} B/s on the wire of a ${linkBytes} B/s link`);

    const otherBesideBg = await tcpUploadRate(link, 8);
    assert.ok(otherBesideBg > YIELDED_SHARE * otherAlone, `bulk upload beside a background upload: ${otherBesideBg} B/s, alone ${otherAlone} B/s`);
    await waitFor(async () => (await uplinkRate(link, 1000)) > 0.4 * linkBytes, 20_000, 'the background upload to take the link back');
    await engine.call('cancel', bg);

    const fg = await upload('foreground', JobPriority.FOREGROUND);
    await sleep(3000);
    const otherBesideFg = await tcpUploadRate(link, 8);
    console.log(`bulk upload share beside background ${(otherBesideBg / otherAlone).toFixed(2)}, beside FOREGROUND ${(otherBesideFg / otherAlone).toFixed(2)} (alone ${(otherAlone / 125_000).toFixed(1)} Mbit/s)`);
    assert.ok(otherBesideFg < YIELDED_SHARE * otherAlone, `bulk upload beside a FOREGROUND upload: ${otherBesideFg} B/s, alone ${otherAlone} B/s (FOREGROUND must compete)`);
    await engine.call('cancel', fg);
  } finally {
    await engine.close();
    if (server) {
      await stopProcess(server);
      running.delete(server.pid!);
    }
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
