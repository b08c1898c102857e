// The bandwidth policy file (module/engine/policy): parsing with errors that say what to fix, the
// system file winning over the user's, the schedule's meaning at instants around its boundaries
// (UTC, past midnight, days), and the shared token bucket's arithmetic with an injected time source.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { BitsError } from '../module/api/bits-error.js';
import { evaluatePolicy } from '../module/common/policy/policy-eval.js';
import { loadPolicy, parsePolicy, policyPaths } from '../module/common/policy/policy-file.js';
import { TokenBucket } from '../module/engine/rate/token-bucket.js';

const test = suite('bandwidth policy file');

const workday = JSON.stringify({ maxBackgroundKbps: 800, schedule: { days: ['Mon', 'Tue', 'Wed', 'Thu', 'Fri'], from: 8, to: 17, timeZone: 'UTC' }, outsideSchedule: { useAllAvailableBandwidth: true } });
// 2026-01-05 is a Monday.
const at = (day: number, h: number, m = 0) => Date.UTC(2026, 0, 4 + day, h, m);

test('a schedule: the cap inside, all bandwidth outside, boundaries at the hours', () => {
  const p = parsePolicy(workday);
  const monNine = evaluatePolicy(p, at(1, 9));
  assert.is(monNine.kbps, 800);
  assert.is(monNine.bytesPerSecond, 100_000);
  assert.is(monNine.onSchedule, true);
  assert.is(monNine.nextChangeAt, at(1, 17), 'the cap ends at 17:00');
  const monSeven = evaluatePolicy(p, at(1, 7, 59));
  assert.is(monSeven.bytesPerSecond, null);
  assert.is(monSeven.nextChangeAt, at(1, 8));
  const fri = evaluatePolicy(p, at(5, 18));
  assert.is(fri.nextChangeAt, at(8, 8), 'after Friday 17:00 the next cap is Monday 08:00');
  assert.is(evaluatePolicy(p, at(6, 10)).bytesPerSecond, null, 'Saturday is outside');
  assert.match(monNine.summary, /capped at 800 kbit\/s inside the schedule Mon,Tue,Wed,Thu,Fri 08:00–17:00 UTC/);
});

test('past midnight belongs to the start day; 0 blocks; no schedule = always', () => {
  const night = parsePolicy(JSON.stringify({ maxBackgroundKbps: 0, schedule: { days: ['Fri'], from: 22, to: 6, timeZone: 'UTC' }, outsideSchedule: { maxBackgroundKbps: 4000 } }));
  assert.is(evaluatePolicy(night, at(5, 23)).blocked, true);
  assert.is(evaluatePolicy(night, at(6, 5)).blocked, true, 'Saturday 05:00 is in Friday night');
  assert.is(evaluatePolicy(night, at(6, 23)).blocked, false, 'Saturday 23:00 is not');
  assert.is(evaluatePolicy(night, at(6, 6)).bytesPerSecond, 500_000);
  const always = parsePolicy('{"maxBackgroundKbps": 2000}');
  const s = evaluatePolicy(always, at(3, 3));
  assert.is(s.bytesPerSecond, 250_000);
  assert.is(s.nextChangeAt, null);
  assert.is(evaluatePolicy(null, 0).bytesPerSecond, null);
});

test('bad files are refused with what to fix', () => {
  const cases: [string, RegExp][] = [
    ['not json', /is not JSON/],
    ['{"maxBackgroundKbps": 1}', /0 \(block background transfers\) or 2–4294967200/],
    ['{"maxBackgroundKbps": -5}', /whole number of kilobits/],
    ['{"maxBackgroundKbps": 100, "maxBandwith": 3}', /unknown key\(s\) "maxBandwith"/],
    ['{"maxBackgroundKbps": 100, "schedule": {"from": 8, "to": 17}}', /needs "outsideSchedule"/],
    ['{"maxBackgroundKbps": 100, "schedule": {"from": 8, "to": 25}, "outsideSchedule": {"useAllAvailableBandwidth": true}}', /schedule.to must be a whole hour/],
    ['{"maxBackgroundKbps": 100, "schedule": {"days": ["Funday"], "from": 8, "to": 9}, "outsideSchedule": {"useAllAvailableBandwidth": true}}', /"Funday" is not a day name/],
    ['{"maxBackgroundKbps": 100, "schedule": {"from": 8, "to": 9}, "outsideSchedule": {"useAllAvailableBandwidth": true, "maxBackgroundKbps": 5}}', /exactly one of/],
  ];
  for (const [text, re] of cases) {
    try {
      parsePolicy(text, '/x/policy.json');
      assert.unreachable(text);
    } catch (e) {
      assert.instance(e, BitsError);
      assert.is((e as BitsError).code, 'E_INVALIDARG');
      assert.match((e as Error).message, /\/x\/policy.json/);
      assert.match((e as Error).message, re, text);
    }
  }
});

test('the system file wins; an invalid one is reported and the user file applies', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-policy-'));
  try {
    const paths = policyPaths(dir, { BITS_JOB2_SYSTEM_POLICY_FILE: join(dir, 'system.json') });
    assert.is(paths.user, join(dir, 'policy.json'));
    assert.equal(loadPolicy(paths), { policy: null, source: null, problems: [] });
    writeFileSync(paths.user, '{"maxBackgroundKbps": 5000}');
    assert.is(loadPolicy(paths).policy?.maxBackgroundKbps, 5000);
    writeFileSync(paths.system, '{"maxBackgroundKbps": 0}');
    const sys = loadPolicy(paths);
    assert.is(sys.source, paths.system);
    assert.is(sys.policy?.maxBackgroundKbps, 0);
    writeFileSync(paths.system, '{"maxBackgroundKbps": "fast"}');
    const broken = loadPolicy(paths);
    assert.is(broken.source, paths.user);
    assert.is(broken.problems.length, 1);
    assert.match(broken.problems[0]!, /system.json: maxBackgroundKbps must be/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('token bucket: a burst, then debt paid back at the rate; a new rate applies at once', () => {
  let t = 0;
  const b = new TokenBucket(() => t);
  assert.is(b.take(10_000_000), 0, 'no rate: never waits');
  b.setRate(100_000);
  assert.is(b.take(50_000), 500, 'nothing saved up yet: 50 kB at 100 kB/s = 500 ms');
  t += 500;
  assert.is(b.take(0), 0);
  t += 10_000; // idle: the saved-up burst is bounded (0.2 s worth, at least 16 KiB)
  assert.is(b.take(20_000), 0);
  assert.ok(b.take(10_000) > 0, 'the burst is spent');
  b.setRate(null);
  assert.is(b.take(1e9), 0);
});

test.run();
