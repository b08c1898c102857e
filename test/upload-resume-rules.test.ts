// The resume rules of module/engine/upload/resume-rules.ts and the Ack readers they rely on, one
// rule at a time (no I/O): where the next fragment starts, when a session is given up, and which
// error says why.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { receivedRangeOf } from '../module/engine/upload/packets.js';
import { NoProgressError, RangeMissingError, RangeUnusableError, RepeatedAnswerError } from '../module/engine/upload/resume-errors.js';
import { ResumeTracker, RestartSession, sessionGone, type FragmentAnswer } from '../module/engine/upload/resume-rules.js';

const URL_ = 'http://u:secret@h/up.bin';
const answer = (start: number, status: number, named: number | null, raw: string | undefined = named === null ? undefined : String(named), length = 100): FragmentAnswer => ({ start, length, status, named, raw, url: URL_ });
const restartReason = (f: () => unknown): Error => {
  try {
    f();
  } catch (e) {
    assert.instance(e, RestartSession);
    return (e as RestartSession).reason;
  }
  throw new Error('expected RestartSession');
};

test('receivedRangeOf: the correct spelling, else the misspelled one; the first usable wins', () => {
  assert.equal(receivedRangeOf({ 'bits-received-content-range': '10' }, 100), { next: 10, raw: '10' });
  assert.equal(receivedRangeOf({ 'bits-recieved-content-range': '20' }, 100), { next: 20, raw: '20' });
  assert.equal(receivedRangeOf({ 'bits-received-content-range': 'x', 'bits-recieved-content-range': '30' }, 100), { next: 30, raw: '30' });
  assert.equal(receivedRangeOf({ 'bits-received-content-range': '101' }, 100), { next: null, raw: '101' });
  assert.equal(receivedRangeOf({}, 100), { next: null, raw: undefined });
});

test('a named range moves the offset forward or backward; a 200 without a range means the fragment was taken', () => {
  const t = new ResumeTracker(URL_, 1000);
  assert.is(t.next(answer(0, 416, 500)), 500, 'forward past what the server has');
  assert.is(t.next(answer(500, 416, 200)), 200, 'backward to what it lost');
  assert.is(t.next(answer(200, 200, null)), 300, 'no range on a 200');
  assert.throws(() => new ResumeTracker(URL_, 1000).next(answer(0, 200, null, '2000')), (e: unknown) => e instanceof RangeUnusableError && !(e as Error).message.includes('secret'));
});

test('a 416 without a range: retried once (past a fragment whose answer was lost), then RangeMissingError restarts the session', () => {
  const t = new ResumeTracker(URL_, 1000);
  assert.is(t.next(answer(100, 416, null)), null, 'first time: the same fragment once more');
  assert.instance(restartReason(() => t.next(answer(100, 416, null))), RangeMissingError);
  const after = new ResumeTracker(URL_, 1000);
  after.lost(100, 300);
  assert.is(after.next(answer(100, 416, null, undefined, 300)), 400, 'after a drop: past the lost fragment');
  const end = new ResumeTracker(URL_, 400);
  end.lost(100, 300);
  assert.is(end.next(answer(100, 416, null, undefined, 300)), null, 'never "complete" by guess');
});

test('the same answer to the same request twice restarts the session (RepeatedAnswerError); bouncing offsets end in NoProgressError', () => {
  const t = new ResumeTracker(URL_, 1000);
  assert.is(t.next(answer(0, 416, 0)), 0);
  assert.instance(restartReason(() => t.next(answer(0, 416, 0))), RepeatedAnswerError);
  const b = new ResumeTracker(URL_, 1000);
  const offsets = [300, 100, 300, 100, 300];
  let start = 0;
  const reason = restartReason(() => {
    for (const n of offsets) start = b.next(answer(start, 416, n))!;
  });
  assert.instance(reason, NoProgressError);
});

test('sessionGone: SESSION_NOT_FOUND anywhere; bare 400/404/409/410/500 only on another connection than the creating one', () => {
  const snf = { 'bits-error-code': '0x8020001F' };
  assert.ok(sessionGone({ status: 500, headers: snf, connection: 1 }, 1));
  for (const status of [400, 404, 409, 410, 500]) {
    assert.is(sessionGone({ status, headers: {}, connection: 2 }, 1), true, `${status} elsewhere`);
    assert.is(sessionGone({ status, headers: {}, connection: 1 }, 1), false, `${status} on its own connection`);
    assert.is(sessionGone({ status, headers: {}, connection: 1 }, null), true, `${status} after a resume`);
  }
  assert.is(sessionGone({ status: 403, headers: {}, connection: 2 }, 1), false);
  assert.is(sessionGone({ status: 500, headers: { 'bits-error-code': '0x80070070' }, connection: 2 }, 1), false, 'disk full is not a lost session');
  assert.is(sessionGone({ status: 400, headers: { 'bits-error-code': '80070057' }, connection: 2 }, 1), true, 'E_INVALIDARG without 0x');
});

test.run();
