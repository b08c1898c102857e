// When an upload's session state is committed (module/engine/upload/progress-checkpoint.ts): a
// forward move of the offset waits for the checkpoint interval or byte count, like a download's
// progress; every other change — a new session, the host id, the final Ack, the reply URL, the
// fallback timer, the restart count — and an offset behind the committed one are committed at once, so a
// crash never resumes into a session the store does not know.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { UploadProgressCheckpoints } from '../module/engine/upload/progress-checkpoint.js';
import { NEW_SESSION, type UploadSessionState } from '../module/engine/upload/upload-port.js';

const HOUR = 3_600_000;
const base: UploadSessionState = { ...NEW_SESSION, sessionId: '{S1}', offset: 1000 };

test('forward progress waits for the byte count; reaching it commits and counts from there', () => {
  const c = new UploadProgressCheckpoints(base, HOUR, 10_000);
  let prev = base;
  const step = (offset: number) => {
    const next = { ...prev, offset };
    const due = c.due(prev, next);
    prev = next;
    return due;
  };
  assert.not.ok(step(5000));
  assert.not.ok(step(10_999));
  assert.ok(step(11_000), '10,000 bytes past the last commit');
  assert.not.ok(step(20_000), 'counted from the new checkpoint');
  assert.not.ok(step(15_000), 'back, but still ahead of what is committed: a crash resumes from 11,000 either way');
  assert.ok(step(10_500), 'behind what is committed (the server has less) is committed at once');
});

test('the interval commits forward progress too (0 ms: every time)', () => {
  const c = new UploadProgressCheckpoints(base, 0, Number.MAX_SAFE_INTEGER);
  assert.ok(c.due(base, { ...base, offset: 1001 }));
});

test('anything but the offset is committed at once', () => {
  const changes: Partial<UploadSessionState>[] = [
    { sessionId: '{S2}' }, { sessionId: null }, { hostId: 'h' }, { hostIdFallbackTimeout: 30 }, { hostIdFailingSince: 5 },
    { uploadComplete: true }, { replyUrl: 'http://r/' }, { sessionsWithoutProgress: 2 },
  ];
  for (const change of changes) {
    const c = new UploadProgressCheckpoints(base, HOUR, Number.MAX_SAFE_INTEGER);
    assert.ok(c.due(base, { ...base, offset: base.offset + 1, ...change }), JSON.stringify(change));
  }
  const c = new UploadProgressCheckpoints(base, HOUR, Number.MAX_SAFE_INTEGER);
  assert.not.ok(c.due(base, { ...base, offset: base.offset + 1, sessionsWithoutProgress: 0 }), 'absent and 0 are the same count');
});

test.run();
