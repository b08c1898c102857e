// State-machine rows of spec §5.2/§5.3 that need time to pass, against the in-process engine with an
// injected clock: retry delay, no-progress timeout (and its reset by progress), time slices,
// preemption, the 90-day inactivity cancel, and recovery of timers and transfers across a restart.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobState, JobType } from '../module/api/enums.js';
import { ManualClock } from '../module/engine/clock.js';
import { PortableEngine } from '../module/engine/engine.js';
import { stateOf, waitJob, waitState } from './helpers/assert-bits.js';
import { waitFor } from './helpers/service.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from './helpers/gate-server.js';

interface Ctx { dir: string; clock: ManualClock; engine: PortableEngine; http: GateServer; dead: string }
const test = suite<Ctx>('engine timers (injected clock)');
const body = pseudoRandomBytes(64 * 1024, 3);

test.before.each(async (c) => {
  c.dir = mkdtempSync(join(tmpdir(), 'bj2-timers-'));
  c.clock = new ManualClock();
  c.engine = await PortableEngine.open({ stateDir: join(c.dir, 'state'), clock: c.clock, timeSliceMs: 60_000 });
  c.http = await startGateServer();
  const closed = await startGateServer();
  c.dead = `${closed.url}/x.bin`;
  await closed.close();
});
test.after.each(async (c) => {
  await c.engine.close();
  await c.http.close();
  rmSync(c.dir, { recursive: true, force: true });
});

async function job(c: Ctx, url: string, name = 'j', priority?: number): Promise<string> {
  const id = await c.engine.createJob(name, JobType.DOWNLOAD);
  if (priority !== undefined) await c.engine.setProperty(id, 'priority', priority);
  await c.engine.addFiles(id, [{ remoteName: url, localName: join(c.dir, `${name}.bin`) }]);
  return id;
}

test('TRANSIENT_ERROR → QUEUED only after MinimumRetryDelay', async (c) => {
  const id = await job(c, c.dead);
  await c.engine.setProperty(id, 'minimumRetryDelay', 600);
  await c.engine.resume(id);
  await waitState(c.engine, id, 'TRANSIENT_ERROR');
  c.clock.advance(599_000);
  await new Promise((r) => setTimeout(r, 100));
  const still = await c.engine.getJob(id);
  assert.is(stateOf(still), 'TRANSIENT_ERROR');
  assert.is(still.errorCount, 1);
  c.clock.advance(1_000);
  const again = await waitJob(c.engine, id, (j) => j.errorCount === 2, 'the retry ran and failed');
  assert.is(stateOf(again), 'TRANSIENT_ERROR', 'GetErrorCount counts failed retries');
});

test('TRANSIENT_ERROR → ERROR when NoProgressTimeout passes without progress', async (c) => {
  const id = await job(c, c.dead);
  await c.engine.setProperty(id, 'minimumRetryDelay', 10);
  await c.engine.setProperty(id, 'noProgressTimeout', 30);
  await c.engine.resume(id);
  for (let n = 1; n <= 3; n++) {
    await waitJob(c.engine, id, (j) => j.errorCount === n && j.state === JobState.TRANSIENT_ERROR, `failure ${n}`);
    c.clock.advance(10_000);
  }
  const j = await waitState(c.engine, id, 'ERROR');
  assert.is(j.errorCount, 3);
  assert.is(j.error!.hresultHex, '0x80072EFD', 'the last transfer error is kept');
});

test('progress resets the no-progress clock: a flaky server that makes progress each time finishes', async (c) => {
  c.http.set('/flaky.bin', { body, resetAfter: 20_000 });
  const id = await job(c, `${c.http.url}/flaky.bin`, 'flaky');
  await c.engine.setProperty(id, 'minimumRetryDelay', 10);
  await c.engine.setProperty(id, 'noProgressTimeout', 25);
  await c.engine.resume(id);
  for (let n = 1; n <= 3; n++) {
    await waitJob(c.engine, id, (j) => j.errorCount === n && j.state === JobState.TRANSIENT_ERROR, `reset ${n}`);
    c.clock.advance(10_000); // 30 s in total: past the 25 s timeout, but each attempt moved bytes
  }
  await waitState(c.engine, id, 'TRANSFERRED');
  await c.engine.complete(id);
  assert.ok(readFileSync(join(c.dir, 'flaky.bin')).equals(body));
});

test('equal background priorities share time round-robin in slices', async (c) => {
  c.http.set('/a.bin', { body, hold: true });
  c.http.set('/b.bin', { body, hold: true });
  const a = await job(c, `${c.http.url}/a.bin`, 'a');
  const b = await job(c, `${c.http.url}/b.bin`, 'b');
  await c.engine.resume(a);
  await c.engine.resume(b);
  await waitJob(c.engine, a, () => c.http.held('/a.bin') === 1, 'a runs');
  assert.is(stateOf(await c.engine.getJob(b)), 'QUEUED');
  c.clock.advance(60_000);
  await waitJob(c.engine, b, (j) => j.state === JobState.CONNECTING && c.http.held('/b.bin') === 1, 'b gets the next slice');
  assert.is(stateOf(await c.engine.getJob(a)), 'QUEUED', 'a went back to the queue');
  c.clock.advance(60_000);
  await waitJob(c.engine, a, (j) => j.state === JobState.CONNECTING, 'a again');
  assert.is(stateOf(await c.engine.getJob(b)), 'QUEUED');
});

test('a higher background priority preempts a lower one', async (c) => {
  c.http.set('/low.bin', { body, hold: true });
  c.http.set('/high.bin', { body, hold: true });
  const low = await job(c, `${c.http.url}/low.bin`, 'low', JobPriority.LOW);
  await c.engine.resume(low);
  await waitJob(c.engine, low, () => c.http.held('/low.bin') === 1, 'low runs');
  const high = await job(c, `${c.http.url}/high.bin`, 'high', JobPriority.HIGH);
  await c.engine.resume(high);
  await waitJob(c.engine, high, (j) => j.state === JobState.CONNECTING && c.http.held('/high.bin') === 1, 'high runs');
  assert.is(stateOf(await c.engine.getJob(low)), 'QUEUED');
});

test('no activity for 90 days → CANCELLED, temp files deleted', async (c) => {
  const id = await job(c, `${c.http.url}/none.bin`, 'idle');
  c.clock.advance(89 * 24 * 3600_000);
  assert.is(stateOf(await c.engine.getJob(id)), 'SUSPENDED');
  c.clock.advance(1 * 24 * 3600_000);
  await waitJob(c.engine, id, (j) => j.state === JobState.CANCELLED, 'auto-cancel');
});

test('a property change resets the inactivity clock', async (c) => {
  const id = await job(c, `${c.http.url}/none.bin`, 'busy');
  c.clock.advance(60 * 24 * 3600_000);
  await c.engine.setProperty(id, 'description', 'still wanted');
  c.clock.advance(60 * 24 * 3600_000);
  assert.is(stateOf(await c.engine.getJob(id)), 'SUSPENDED');
});

test('restart: a transfer in flight resumes; a pending retry timer is re-armed', async (c) => {
  c.http.set('/slow.bin', { body, drip: { chunk: 4096, delayMs: 20 } });
  const slow = await job(c, `${c.http.url}/slow.bin`, 'slow');
  const retry = await job(c, c.dead, 'retry');
  await c.engine.setProperty(retry, 'minimumRetryDelay', 60);
  await c.engine.resume(retry);
  await waitState(c.engine, retry, 'TRANSIENT_ERROR');
  await c.engine.resume(slow);
  await waitJob(c.engine, slow, (j) => j.progress.bytesTransferred > 8192, 'bytes flowing');
  await c.engine.close();
  c.http.set('/slow.bin', { body });
  c.engine = await PortableEngine.open({ stateDir: join(c.dir, 'state'), clock: c.clock });
  await waitState(c.engine, slow, 'TRANSFERRED');
  assert.ok(c.http.log.some((l) => l.path === '/slow.bin' && l.range && l.range !== 'bytes=0-'), 'resumed with Range after the restart');
  await c.engine.complete(slow);
  assert.ok(readFileSync(join(c.dir, 'slow.bin')).equals(body));
  assert.is(stateOf(await c.engine.getJob(retry)), 'TRANSIENT_ERROR');
  c.clock.advance(60_000);
  await waitJob(c.engine, retry, (j) => j.errorCount === 2, 'the re-armed retry ran');
});

test('notify program exiting non-zero runs again after MinimumRetryDelay, until the job is completed', async (c) => {
  c.http.set('/n.bin', { body });
  const marker = join(c.dir, 'runs.txt');
  const id = await job(c, `${c.http.url}/n.bin`, 'notify retry');
  await c.engine.setProperty(id, 'minimumRetryDelay', 30);
  const script = `require('fs').appendFileSync(${JSON.stringify(marker)}, 'run\\n'); process.exit(3)`;
  await c.engine.setNotifyCmdLine(id, process.execPath, `"${process.execPath}" -e "${script.replace(/"/g, '\\"')}"`);
  await c.engine.resume(id);
  await waitState(c.engine, id, 'TRANSFERRED');
  const runs = () => (existsSync(marker) ? readFileSync(marker, 'utf8').split('\n').filter(Boolean).length : 0);
  await waitFor(() => runs() === 1, 10_000, 'the first run');
  await new Promise((r) => setTimeout(r, 300));
  c.clock.advance(29_000);
  await new Promise((r) => setTimeout(r, 300));
  assert.is(runs(), 1, 'not before the retry delay');
  c.clock.advance(1_000);
  await waitFor(() => runs() === 2, 10_000, 'the second run after the retry delay');
  await new Promise((r) => setTimeout(r, 300));
  await c.engine.complete(id);
  c.clock.advance(60_000);
  await new Promise((r) => setTimeout(r, 500));
  assert.is(runs(), 2, 'no run after the job was completed');
});

test.run();
