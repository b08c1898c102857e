// The bandwidth policy on a real bottleneck link (issue 19): server and client network namespaces with
// a router namespace between them whose HTB queues shape 40 Mbit/s with a 500 kB queue, nginx on the server side, the engine (in its own
// process, ManualClock driven by the test) on the client side. Asserted with wide, physical bounds
// only — a background job alone fills a good part of the link (it yields, so not all of it); a cap
// holds (between half and 1.25× of it, far below the link); the cap switches at a schedule boundary of the injected clock; a cap of 0
// parks the job (no byte moves) and lifting it resumes. Exact figures: `npm run bench` (bench-yield).
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobState, JobType } from '../module/api/enums.js';
import { startBottleneck } from './helpers/bottleneck.js';
import { RemoteEngine } from './helpers/remote-engine.js';
import { waitFor } from './helpers/service.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
// Monday 2026-01-05 08:59 UTC: one minute before the schedule below begins.
const CLOCK_START = Date.UTC(2026, 0, 5, 8, 59);

test('background download on a 40 Mbit/s link: fills it alone, a cap holds, switches at a schedule boundary, 0 parks, lifting resumes', async () => {
  const link = await startBottleneck({ rateMbit: 40 });
  const dir = mkdtempSync(join(tmpdir(), 'bj2-bn-policy-'));
  const policyPaths = { system: join(dir, 'system-policy.json'), user: join(dir, 'user-policy.json') };
  const engine = new RemoteEngine({ stateDir: join(dir, 'state'), policyPaths, clockStart: CLOCK_START, wrap: link.inClient });
  const linkBytes = (link.rateMbit * 1e6) / 8;
  const setPolicy = async (doc: unknown | null) => {
    if (doc === null) unlinkSync(policyPaths.user);
    else writeFileSync(policyPaths.user, JSON.stringify(doc));
    await engine.call('reloadPolicy');
  };
  try {
    const id = await engine.call<string>('createJob', 'bottleneck', JobType.DOWNLOAD);
    await engine.call('setProperty', id, 'priority', JobPriority.NORMAL);
    await engine.call('addFiles', id, [{ remoteName: `${link.url}/big.bin`, localName: join(dir, 'big.bin') }]);
    await engine.call('resume', id);
    await sleep(3000);
    const alone = await engine.rate(id, 4000);
    // Alone, the yielding controller keeps a background job under the link (its rate oscillates
    // around it, ≈ 70 % in BENCHMARKS §9, less while the machine is loaded: event-loop lag reads
    // partly as delay; a run beside two other namespace tests gave < 40 %). This test is about the
    // policy: the bound only says the link is in use, well above the trickle.
    assert.ok(alone > 0.25 * linkBytes, `alone: ${alone} B/s of a ${linkBytes} B/s link`);
    assert.ok(alone < 1.1 * linkBytes, `alone: ${alone} B/s cannot beat the link`);

    await setPolicy({ maxBackgroundKbps: 8000, schedule: { from: 9, to: 10, timeZone: 'UTC' }, outsideSchedule: { maxBackgroundKbps: 16000 } });
    await sleep(1500);
    const outside = await engine.rate(id, 5000);
    const outsideCap = 16000 * 125;
    assert.ok(outside > 0.5 * outsideCap && outside < 1.25 * outsideCap, `outside the schedule: ${outside} B/s, cap ${outsideCap}`);

    await engine.call('advance', 60_000); // 09:00: inside the schedule
    await sleep(1500);
    const inside = await engine.rate(id, 5000);
    const insideCap = 8000 * 125;
    assert.ok(inside > 0.5 * insideCap && inside < 1.25 * insideCap, `inside the schedule: ${inside} B/s, cap ${insideCap}`);
    assert.ok(inside < outside, 'the boundary lowered the rate');

    await setPolicy({ maxBackgroundKbps: 0 });
    await waitFor(async () => (await engine.describe(id)).error?.name === 'BG_E_BLOCKED_BY_POLICY', 10_000, 'parked by policy 0');
    const parked = await engine.describe(id);
    assert.is(parked.state, JobState.TRANSIENT_ERROR);
    assert.is(parked.errorCount, 0);
    await sleep(500);
    assert.is(await engine.rate(id, 1500), 0, 'no byte moves while blocked');

    await setPolicy(null);
    await waitFor(async () => (await engine.describe(id)).state === JobState.TRANSFERRING, 10_000, 'resumed after the block was lifted');
    await sleep(3000);
    const lifted = await engine.rate(id, 3000);
    assert.ok(lifted > 0.25 * linkBytes, `after lifting: ${lifted} B/s`);
    await engine.call('cancel', id);
  } finally {
    await engine.close();
    await link.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
