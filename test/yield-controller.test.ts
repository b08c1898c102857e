// The yielding controller's arithmetic (module/engine/rate/yield-controller.ts) with fed delay
// samples: it grows while the queue is empty (but not far beyond what actually moved), cuts hard when
// queuing delay passes the target, never goes under the trickle, and is skipped for loopback servers.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { allPacers, TARGET_MS, TRICKLE_BYTES_PER_SECOND, YieldController, YieldControllers } from '../module/engine/rate/yield-controller.js';

const noProbe = async () => null;

test('grows on an empty queue, bounded by what moved; cuts above the target; floors at the trickle', () => {
  const c = new YieldController(noProbe);
  const start = c.bytesPerSecond;
  c.update(1, 10e6); // base delay 1 ms, queue empty
  c.update(1, 10e6);
  assert.ok(c.bytesPerSecond > start, 'grows while the queue is empty');
  const grown = c.bytesPerSecond;
  for (let i = 0; i < 50; i++) c.update(1, 100_000);
  assert.ok(c.bytesPerSecond <= Math.max(grown, 2 * 100_000) * 1.0001, 'no growth far beyond what actually moved');
  for (let i = 0; i < 10; i++) c.update(1, 1e9);
  c.update(1 + 2 * TARGET_MS, 1e9); // one high sample alone does not count: the filter takes the minimum of the last 2
  const high = c.bytesPerSecond;
  c.update(1 + 2 * TARGET_MS, high);
  assert.ok(c.bytesPerSecond <= high * 0.3 * 1.0001, `twice the target cuts to ×0.3: ${c.bytesPerSecond} of ${high}`);
  for (let i = 0; i < 100; i++) c.update(1 + 4 * TARGET_MS, 0);
  assert.is(c.bytesPerSecond, TRICKLE_BYTES_PER_SECOND, 'never below the trickle');
  assert.is(c.queuingDelayMs, 4 * TARGET_MS);
});

test('one controller per server; none for loopback; allPacers waits for the slowest', () => {
  const all = new YieldControllers(() => noProbe);
  assert.is(all.for('http://127.0.0.1:8080/x'), undefined);
  assert.is(all.for('http://localhost/x'), undefined);
  assert.is(all.for('http://[::1]:81/x'), undefined);
  const a = all.for('http://10.0.0.1/a');
  assert.ok(a);
  assert.is(all.for('http://10.0.0.1:80/b'), a, 'same host:port, same controller');
  assert.is.not(all.for('https://10.0.0.1/b'), a);
  const p = allPacers({ delayFor: () => 5 }, undefined, { delayFor: () => 9 })!;
  assert.is(p.delayFor(1), 9);
  assert.is(allPacers(undefined), undefined);
});

test.run();
