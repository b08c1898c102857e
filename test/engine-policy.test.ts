// The bandwidth policy in the engine (spec §5.2 retry exceptions, §5.3): a cap of 0 parks background
// jobs in TRANSIENT_ERROR with BG_E_BLOCKED_BY_POLICY — not counted in ErrorCount, no retry, the
// no-progress timeout does not run out — FOREGROUND jobs go on; lifting the policy (file edited, seen
// without a restart) or reaching a schedule boundary on the injected clock releases them; parked jobs
// stay parked across a restart. Against the in-process engine and a real local HTTP server.
import { mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { ManualClock } from '../module/engine/clock.js';
import { PortableEngine } from '../module/engine/engine.js';
import type { PolicyPaths } from '../module/common/policy/policy-file.js';
import { stateOf, waitJob, waitState } from './helpers/assert-bits.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from './helpers/gate-server.js';
import { startBitsServer } from '../module/server/index.js';
import { readFileSync } from 'node:fs';

interface Ctx { dir: string; clock: ManualClock; engine: PortableEngine; http: GateServer; paths: PolicyPaths }
const test = suite<Ctx>('engine bandwidth policy');
const body = pseudoRandomBytes(256 * 1024, 7);
// Monday 2026-01-05 08:59 UTC: one minute before the schedule used below begins.
const START = Date.UTC(2026, 0, 5, 8, 59);

async function open(c: Ctx): Promise<void> {
  c.engine = await PortableEngine.open({ stateDir: join(c.dir, 'state'), clock: c.clock, policyPaths: c.paths });
}

test.before.each(async (c) => {
  c.dir = mkdtempSync(join(tmpdir(), 'bj2-policy-engine-'));
  c.clock = new ManualClock(START);
  c.paths = { system: join(c.dir, 'system-policy.json'), user: join(c.dir, 'state', 'policy.json') };
  c.http = await startGateServer();
  // Slow enough to be caught TRANSFERRING, fast enough to finish in a second or two.
  c.http.set('/slow.bin', { body, drip: { chunk: 16 * 1024, delayMs: 60 } });
  c.http.set('/fast.bin', { body });
  c.http.set('/slower.bin', { body, drip: { chunk: 4 * 1024, delayMs: 100 } }); // ~6 s: outlasts the 1 s stat poll
  await open(c);
});
test.after.each(async (c) => {
  await c.engine.close();
  await c.http.close();
  rmSync(c.dir, { recursive: true, force: true });
});

async function job(c: Ctx, path: string, name: string, priority: number = JobPriority.NORMAL): Promise<string> {
  const id = await c.engine.createJob(name, JobType.DOWNLOAD);
  await c.engine.setProperty(id, 'priority', priority);
  await c.engine.addFiles(id, [{ remoteName: `${c.http.url}${path}`, localName: join(c.dir, `${name}.bin`) }]);
  return id;
}

function setPolicy(c: Ctx, which: 'system' | 'user', doc: unknown): void {
  writeFileSync(c.paths[which], JSON.stringify(doc));
  c.engine.reloadPolicy();
}

test('maxBackgroundKbps 0 parks background jobs uncounted, without retries; FOREGROUND runs; lifting resumes', async (c) => {
  const bg = await job(c, '/slow.bin', 'bg');
  await c.engine.setProperty(bg, 'noProgressTimeout', 60);
  await c.engine.resume(bg);
  await waitState(c.engine, bg, 'TRANSFERRING');
  setPolicy(c, 'system', { maxBackgroundKbps: 0 });
  const parked = await waitState(c.engine, bg, 'TRANSIENT_ERROR');
  assert.is(parked.error?.name, 'BG_E_BLOCKED_BY_POLICY');
  assert.match(parked.error!.message, /blocked \(maxBackgroundKbps 0\) at all times/);
  assert.match(parked.error!.message, /system-policy\.json/, 'says which file to edit');
  assert.is(parked.errorCount, 0, 'a policy block is not an error of the job (spec §4.1 GetErrorCount)');
  assert.is((await c.engine.getError(bg)).name, 'BG_E_BLOCKED_BY_POLICY');

  const fg = await job(c, '/fast.bin', 'fg', JobPriority.FOREGROUND);
  await c.engine.resume(fg);
  await waitState(c.engine, fg, 'TRANSFERRED');

  // Neither the retry delay nor the no-progress timeout (60 s) moves a parked job.
  c.clock.advance(3 * 24 * 3600_000);
  await new Promise((r) => setTimeout(r, 100));
  const still = await c.engine.getJob(bg);
  assert.is(stateOf(still), 'TRANSIENT_ERROR');
  assert.is(still.errorCount, 0);
  // Resume while blocked: queued, and parked again at once.
  await c.engine.resume(bg);
  assert.is(stateOf(await c.engine.getJob(bg)), 'TRANSIENT_ERROR');

  unlinkSync(c.paths.system);
  c.engine.reloadPolicy();
  const done = await waitState(c.engine, bg, 'TRANSFERRED');
  assert.is(done.errorCount, 0);
  assert.is(done.progress.bytesTransferred, body.length);
});

test('the file is re-read when it changes, without a restart or a reload call', async (c) => {
  const bg = await job(c, '/slower.bin', 'bg');
  writeFileSync(c.paths.user, JSON.stringify({ maxBackgroundKbps: 0 }));
  await c.engine.resume(bg);
  // The stat poll (1 s) sees the new file.
  await waitJob(c.engine, bg, (s) => s.error?.name === 'BG_E_BLOCKED_BY_POLICY', 'parked by the new user policy', 10_000);
  assert.match(c.engine.policyStatus().summary, /blocked/);
  writeFileSync(c.paths.user, JSON.stringify({ maxBackgroundKbps: 100000 }));
  await waitState(c.engine, bg, 'TRANSFERRED', 15_000);
  assert.is(c.engine.policyStatus().kbps, 100000);
});

test('a schedule boundary on the clock blocks and releases; the cap in force follows', async (c) => {
  setPolicy(c, 'user', { maxBackgroundKbps: 0, schedule: { from: 9, to: 10, timeZone: 'UTC' }, outsideSchedule: { maxBackgroundKbps: 50000 } });
  assert.is(c.engine.policyStatus().bytesPerSecond, 50000 * 125, 'outside the schedule at 08:59');
  const bg = await job(c, '/slow.bin', 'bg');
  await c.engine.resume(bg);
  await waitState(c.engine, bg, 'TRANSFERRING');
  c.clock.advance(60_000); // 09:00
  const parked = await waitState(c.engine, bg, 'TRANSIENT_ERROR');
  assert.match(parked.error!.message, /inside the schedule every day 09:00–10:00 UTC, until 2026-01-05T10:00:00.000Z/);
  c.clock.advance(3600_000); // 10:00
  await waitState(c.engine, bg, 'TRANSFERRED');
  assert.is(c.engine.policyStatus().onSchedule, false);
});

test('parked jobs stay parked across a restart and go on once the policy is lifted', async (c) => {
  setPolicy(c, 'user', { maxBackgroundKbps: 0 });
  const bg = await job(c, '/fast.bin', 'bg');
  await c.engine.resume(bg);
  await waitJob(c.engine, bg, (s) => s.error?.name === 'BG_E_BLOCKED_BY_POLICY', 'parked');
  await c.engine.close();
  await open(c);
  c.clock.advance(30 * 24 * 3600_000);
  await new Promise((r) => setTimeout(r, 100));
  const still = await c.engine.getJob(bg);
  assert.is(still.error?.name, 'BG_E_BLOCKED_BY_POLICY');
  assert.is(stateOf(still), 'TRANSIENT_ERROR');
  await c.engine.close();
  unlinkSync(c.paths.user);
  await open(c);
  await waitState(c.engine, bg, 'TRANSFERRED');
});

test('making a parked job FOREGROUND releases it', async (c) => {
  setPolicy(c, 'user', { maxBackgroundKbps: 0 });
  const bg = await job(c, '/fast.bin', 'bg', JobPriority.LOW);
  await c.engine.resume(bg);
  await waitJob(c.engine, bg, (s) => s.error?.name === 'BG_E_BLOCKED_BY_POLICY', 'parked');
  await c.engine.setProperty(bg, 'priority', JobPriority.FOREGROUND);
  await waitState(c.engine, bg, 'TRANSFERRED');
});

test('uploads are paced by the cap too: a 3 MiB upload to our BITS server at 4000 kbit/s moves at about the cap, byte-exact', async (c) => {
  const server = await startBitsServer({ root: join(c.dir, 'uploads') });
  try {
    const data = pseudoRandomBytes(3 * 1024 * 1024, 11);
    const local = join(c.dir, 'up.bin');
    writeFileSync(local, data);
    setPolicy(c, 'user', { maxBackgroundKbps: 4000 }); // 500 kB/s
    const id = await c.engine.createJob('up', JobType.UPLOAD);
    await c.engine.addFiles(id, [{ remoteName: `${server.url}up.bin`, localName: local }]);
    await c.engine.resume(id);
    await waitJob(c.engine, id, (s) => s.progress.bytesTransferred > 0, 'the first fragment acknowledged');
    const a = await c.engine.describeJob(id);
    const t0 = performance.now();
    await new Promise((r) => setTimeout(r, 2000));
    const b = await c.engine.describeJob(id);
    const rate = ((b.progress.bytesTransferred - a.progress.bytesTransferred) * 1000) / (performance.now() - t0);
    // Fragment acks are coarse (progress moves per acknowledged fragment): wide bounds around 500 kB/s.
    assert.ok(rate < 1.5 * 500_000, `upload at ${rate} B/s under a 500 kB/s cap`);
    await waitState(c.engine, id, 'TRANSFERRED', 20_000);
    assert.equal(readFileSync(join(c.dir, 'uploads', 'up.bin')), data);
  } finally {
    await server.close();
  }
});

test.run();
