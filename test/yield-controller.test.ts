// The yielding controller's arithmetic (module/engine/rate/yield-controller.ts) with fed probe
// results: not paced until a probe answers, then it grows while the queue is empty (but not far
// beyond what actually moved), cuts hard when queuing delay passes the target, counts a lost probe
// as congestion, never goes under the trickle; it steps out of the way when no probe ever answers or
// the server is loopback.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allPacers, CURRENT_FILTER, CUT_HOLD_PROBES, KNEE_BAND, KNEE_CREEP, NO_SIGNAL_PROBES, TARGET_MS, TRICKLE_BYTES_PER_SECOND, YieldController, YieldControllers } from '../module/engine/rate/yield-controller.js';
import { yieldPacerFor } from '../module/engine/policy/yield-pacer.js';
import type { JobRecord } from '../module/engine/job-record.js';

const noProbe = async () => 'unreachable' as const;
const MB = 1e6;

test('unpaced until the first answer; grows on an empty queue, bounded by what moved; cuts above the target; floors at the trickle', () => {
  const c = new YieldController(noProbe);
  assert.is(c.bytesPerSecond, Infinity, 'no signal yet: not paced');
  assert.is(c.delayFor(10 * MB), 0);
  c.sample(1, 4 * MB); // base delay 1 ms, queue empty; the unpaced transfer moved 4 MB/s
  assert.ok(c.bytesPerSecond >= 4 * MB, `starts from what moved: ${c.bytesPerSecond}`);
  const start = c.bytesPerSecond;
  c.sample(1, 4 * MB);
  assert.ok(c.bytesPerSecond > start, 'grows while the queue is empty');
  for (let i = 0; i < 50; i++) c.sample(1, 100_000);
  assert.ok(c.bytesPerSecond < 1.5 * 100_000 + 70_000, `no growth far beyond what actually moved: ${c.bytesPerSecond}`);
  for (let i = 0; i < 20; i++) c.sample(1, 4 * MB);
  const high = c.bytesPerSecond;
  for (let i = 0; i < CURRENT_FILTER - 1; i++) c.sample(1 + 20 * TARGET_MS, 4 * MB); // high samples alone do not count: the filter takes the minimum of the last CURRENT_FILTER
  assert.ok(c.bytesPerSecond >= high, 'fewer high samples than the filter holds do not cut');
  const before = c.bytesPerSecond;
  c.sample(1 + 20 * TARGET_MS, 4 * MB);
  assert.ok(c.bytesPerSecond <= Math.min(before, 4 * MB) * 0.4 * 1.0001, `a full queue cuts to ×0.4 of what moved: ${c.bytesPerSecond}`);
  for (let i = 0; i < 100; i++) c.sample(1 + 4 * TARGET_MS, 0);
  assert.is(c.bytesPerSecond, TRICKLE_BYTES_PER_SECOND, 'never below the trickle');
  assert.is(c.queuingDelayMs, 4 * TARGET_MS);
  assert.ok(c.delayFor(TRICKLE_BYTES_PER_SECOND) > 500, 'paced at the trickle: a second of it waits');
});

/** A controller paced at about `bytesPerSecond`, which has never seen a queue. */
function pacedAt(bytesPerSecond: number): YieldController {
  const c = new YieldController(noProbe);
  c.sample(1, bytesPerSecond);
  return c;
}

test('the first cut is not repeated on the queue it answered (which is still draining); a rising or lasting queue cuts every probe', () => {
  const c = pacedAt(4 * MB);
  for (let i = 0; i < CURRENT_FILTER; i++) c.sample(1 + 6 * TARGET_MS, 4 * MB); // our own overshoot: a 30 ms queue
  const afterCut = c.bytesPerSecond;
  assert.ok(afterCut < 4 * MB * 0.9, `the queue cuts: ${afterCut}`);
  assert.ok(CUT_HOLD_PROBES >= 1);
  for (let i = 0; i < CUT_HOLD_PROBES; i++) {
    c.sample(1 + 5 * TARGET_MS, afterCut); // the same queue, draining
    assert.is(c.bytesPerSecond, afterCut, `held while the queue the cut answered drains (probe ${i + 1})`);
  }
  c.sample(1 + 5 * TARGET_MS, afterCut); // the queue outlasted the hold: not our overshoot
  assert.ok(c.bytesPerSecond < afterCut, `cuts again after the hold: ${c.bytesPerSecond} of ${afterCut}`);
  const second = c.bytesPerSecond;
  c.sample(1 + 5 * TARGET_MS, second);
  assert.ok(c.bytesPerSecond < second, 'then every probe, as long as the queue stays');
  for (let i = 0; i < CURRENT_FILTER; i++) c.sample(1, c.bytesPerSecond); // the queue is gone: the episode ends
  for (let i = 0; i < CURRENT_FILTER; i++) c.sample(1 + 6 * TARGET_MS, c.bytesPerSecond); // a new overshoot
  const newEpisode = c.bytesPerSecond;
  c.sample(1 + 5 * TARGET_MS, newEpisode);
  assert.is(c.bytesPerSecond, newEpisode, "a new episode's first cut is held again");

  const rising = pacedAt(4 * MB);
  // Queues of 10, 20, 20, 20 ms: the filter (the minimum of the last CURRENT_FILTER) cuts on 10 ms.
  for (const queue of [2 * TARGET_MS, 4 * TARGET_MS, 4 * TARGET_MS, 4 * TARGET_MS]) rising.sample(1 + queue, 4 * MB);
  const cut = rising.bytesPerSecond;
  assert.ok(cut < 4 * MB, `the 10 ms queue cuts: ${cut}`);
  rising.sample(1 + 20 * TARGET_MS, cut); // the 10 ms sample leaves the filter: 20 ms, a queue growing past the one we cut for
  assert.ok(rising.bytesPerSecond <= cut * 0.7 * 1.0001, `a rising queue cuts during the hold (×0.7 for 20 ms): ${rising.bytesPerSecond} of ${cut}`);
});

test('near the rate that last built a queue growth creeps (additive); away from it growth is multiplicative', () => {
  const c = pacedAt(10 * MB);
  for (let i = 0; i < CURRENT_FILTER; i++) c.sample(1 + 2 * TARGET_MS, 10 * MB); // the knee: 10 MB/s built a queue
  for (let i = 0; i < CURRENT_FILTER; i++) c.sample(1, 10 * MB); // the queue is gone
  // Walk up to the band, then one probe inside it grows by KNEE_CREEP of the knee, not by GAIN_UP.
  while (c.bytesPerSecond < KNEE_BAND * 10 * MB) c.sample(1, 10 * MB);
  const near = c.bytesPerSecond;
  c.sample(1, 10 * MB);
  assert.ok(Math.abs(c.bytesPerSecond - near - KNEE_CREEP * 10 * MB) < 1, `creeps by ${KNEE_CREEP} of the knee: +${c.bytesPerSecond - near}`);

  // A knee that what moves has clearly passed is forgotten: growth is multiplicative again, also
  // where the rate sits within the band of what moves now.
  const passed = pacedAt(1 * MB);
  for (let i = 0; i < CURRENT_FILTER; i++) passed.sample(1 + 2 * TARGET_MS, 1 * MB); // the knee: 1 MB/s
  for (let i = 0; i < CURRENT_FILTER; i++) passed.sample(1, 3 * MB); // the other traffic left: 3 MB/s moves
  while (passed.bytesPerSecond < KNEE_BAND * 3 * MB) passed.sample(1, 3 * MB);
  const before = passed.bytesPerSecond;
  passed.sample(1, 3 * MB);
  assert.ok(passed.bytesPerSecond > before * 1.1, `no creep on a stale knee: ${before} → ${passed.bytesPerSecond}`);

  // Recovery: the job yielded to a full queue (down to the trickle), which is gone; the transfer moves
  // what it is allowed. Multiplicative growth away from the knee brings it back to 4 MB/s in about
  // 2 s of probes; creeping all the way (64 KiB/s a probe) would take over 6 s.
  const back = pacedAt(5 * MB);
  for (let i = 0; i < CURRENT_FILTER; i++) back.sample(1 + 20 * TARGET_MS, 5 * MB);
  for (let i = 0; i < 30; i++) back.sample(1 + 20 * TARGET_MS, 0);
  assert.is(back.bytesPerSecond, TRICKLE_BYTES_PER_SECOND);
  let probes = 0;
  while (back.bytesPerSecond < 4 * MB && probes < 100) {
    back.sample(1, back.bytesPerSecond);
    probes++;
  }
  assert.ok(probes <= 30, `back at 4 MB/s after ${probes} probes (${probes * 100} ms)`);
});

test('a lost probe is congestion once paced; no answer at all steps out of the way; loopback is never paced', () => {
  const c = new YieldController(noProbe);
  c.sample(1, 4 * MB);
  for (let i = 0; i < 5; i++) c.sample(1, 4 * MB);
  const rate = c.bytesPerSecond;
  for (let i = 0; i < CURRENT_FILTER; i++) c.sample('timeout', 4 * MB);
  assert.ok(c.bytesPerSecond < rate * 0.5, `lost probes cut: ${c.bytesPerSecond} of ${rate}`);

  const silent = new YieldController(noProbe);
  for (let i = 0; i < NO_SIGNAL_PROBES; i++) silent.sample('timeout', 4 * MB);
  assert.is(silent.state, 'no-signal');
  assert.is(silent.delayFor(100 * MB), 0, 'no signal: never held back');

  const loop = new YieldController(noProbe);
  loop.sample('loopback', 0);
  assert.is(loop.unlimited(), true);
  assert.is(loop.delayFor(100 * MB), 0);
});

test('one controller per server; none for loopback; allPacers waits for the slowest; a job follows its current file', () => {
  const all = new YieldControllers(() => noProbe);
  assert.is(all.for('http://127.0.0.1:8080/x'), undefined);
  assert.is(all.for('http://localhost/x'), undefined);
  assert.is(all.for('http://[::1]:81/x'), undefined);
  const a = all.for('http://10.0.0.1/a')!;
  assert.ok(a);
  assert.is(all.for('http://10.0.0.1:80/b'), a, 'same host:port, same controller');
  assert.is.not(all.for('https://10.0.0.1/b'), a);
  const p = allPacers({ delayFor: () => 5 }, undefined, { delayFor: () => 9 })!;
  assert.is(p.delayFor(1), 9);
  assert.is(allPacers(undefined), undefined);

  const b = all.for('http://10.0.0.2/b')!;
  for (const c of [a, b]) c.sample(1, 4 * MB);
  for (let i = 0; i < 20; i++) b.sample(1 + 20 * TARGET_MS, 0); // b's path is congested: b trickles
  const files = [{ remoteName: 'http://10.0.0.1/a', transferred: false }, { remoteName: 'http://10.0.0.2/b', transferred: false }];
  const job = { files } as unknown as JobRecord;
  const pacer = yieldPacerFor(job, all);
  assert.ok(pacer.delayFor(1000) < 5, 'file 1: server a, which has room (1000 B at 4 MB/s)');
  files[0]!.transferred = true;
  assert.ok(pacer.delayFor(TRICKLE_BYTES_PER_SECOND) > 500, 'file 2: server b, which trickles');
  assert.is(yieldPacerFor({ files: [{ remoteName: 'http://127.0.0.1/x', transferred: false }] } as unknown as JobRecord, all).unlimited(), true);
});

test.run();
