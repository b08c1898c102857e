// Yielding on a real bottleneck link (issue 19, spec §5.3): server and client network namespaces with
// a router namespace between them whose HTB queues shape 40 Mbit/s with a 500 kB queue
// (test/helpers/bottleneck.ts), nginx on the server side, the engine (in its own process) and curl
// on the client side; server and client use reno, which like CUBIC fills the queue until it
// drops (the BBR case is measured by the bench). Asserted with wide, physical bounds only: alone, a
// background job fills a good part of the link (> 0.3); beside it curl keeps more than three
// quarters of its alone rate (with yielding off: 4 %, TCP gives the engine's larger window the larger
// share); the job takes the link back after curl; beside a FOREGROUND job, which is never
// throttled, curl keeps less than three quarters. Exact figures:
// `npm run bench` (scripts/bench-yield.ts, BENCHMARKS.md §9).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { curlRate, startBottleneck, type Bottleneck } from './helpers/bottleneck.js';
import { RemoteEngine } from './helpers/remote-engine.js';
import { waitFor } from './helpers/service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
/** Between "TCP shares" (curl ≈ 0.04–0.5 of its alone rate) and "the background job stepped aside" (curl ≈ 0.95). */
const YIELDED_SHARE = 0.75;

async function download(engine: RemoteEngine, link: Bottleneck, dir: string, name: string, priority: number): Promise<string> {
  const id = await engine.call<string>('createJob', name, JobType.DOWNLOAD);
  await engine.call('setProperty', id, 'priority', priority);
  await engine.call('addFiles', id, [{ remoteName: `${link.url}/big.bin`, localName: join(dir, `${name}.bin`) }]);
  await engine.call('resume', id);
  return id;
}

test('40 Mbit/s link: a background download fills it alone, steps aside for curl, takes it back after; a FOREGROUND one competes', async () => {
  const link = await startBottleneck({ rateMbit: 40, congestionControl: 'reno' });
  const dir = mkdtempSync(join(tmpdir(), 'bj2-bn-yield-'));
  const policyPaths = { system: join(dir, 'system-policy.json'), user: join(dir, 'user-policy.json') };
  const engine = new RemoteEngine({ stateDir: join(dir, 'state'), policyPaths, clockStart: Date.now(), wrap: link.inClient });
  const linkBytes = (link.rateMbit * 1e6) / 8;
  try {
    assert.is(link.congestionControl, 'reno');
    const curlAlone = await curlRate(link, 5);
    assert.ok(curlAlone > 0.5 * linkBytes, `curl alone: ${curlAlone} B/s of a ${linkBytes} B/s link`);

    const bg = await download(engine, link, dir, 'background', JobPriority.NORMAL);
    await sleep(3000);
    const bgAlone = await engine.rate(bg, 4000);
    assert.ok(bgAlone > 0.3 * linkBytes, `background job alone: ${bgAlone} B/s of a ${linkBytes} B/s link`);

    const curlBesideBg = await curlRate(link, 8);
    assert.ok(curlBesideBg > YIELDED_SHARE * curlAlone, `curl beside a background job: ${curlBesideBg} B/s, alone ${curlAlone} B/s`);
    await waitFor(async () => (await engine.rate(bg, 1000)) > 0.4 * linkBytes, 20_000, 'the background job to take the link back after curl');
    await engine.call('cancel', bg);

    const fg = await download(engine, link, dir, 'foreground', JobPriority.FOREGROUND);
    await sleep(3000);
    const [curlBesideFg, fgBesideCurl] = await Promise.all([curlRate(link, 8), sleep(1000).then(() => engine.rate(fg, 6000))]);
    console.log(`curl share beside background ${(curlBesideBg / curlAlone).toFixed(2)}, beside FOREGROUND ${(curlBesideFg / curlAlone).toFixed(2)} (alone ${(curlAlone / 125_000).toFixed(1)} Mbit/s)`);
    assert.ok(curlBesideFg < YIELDED_SHARE * curlAlone, `curl beside a FOREGROUND job: ${curlBesideFg} B/s, alone ${curlAlone} B/s (FOREGROUND must compete)`);
    assert.ok(fgBesideCurl > 0.2 * linkBytes, `the FOREGROUND job beside curl: ${fgBesideCurl} B/s`);
    await engine.call('cancel', fg);
  } finally {
    await engine.close();
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
