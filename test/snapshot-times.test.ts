// snapshot() keeps a record's ISO times between calls (module/engine/snapshot.ts, isoTimes); a time
// that changes on the record must show at once, on the next snapshot.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobState, JobType } from '../module/api/enums.js';
import type { JobRecord } from '../module/engine/job-record.js';
import { snapshot } from '../module/engine/snapshot.js';

const record = (): JobRecord => ({
  id: 'a', owner: 'S-1-22-1-0', type: JobType.DOWNLOAD, state: JobState.SUSPENDED, displayName: 'n', description: '', priority: 2,
  minimumRetryDelay: 600, noProgressTimeout: 1209600, notifyFlags: 3, proxyUsage: 0, proxyList: null, bypassList: null,
  notifyProgram: null, notifyParameters: null, createdAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6), modifiedAt: Date.UTC(2026, 0, 2, 3, 4, 5, 6),
  transferCompletedAt: null, errorCount: 0, error: null, firstTransientAt: null, retryAt: null, queuedAt: 0, replyFileName: null,
  upload: null, reply: null, credentials: [], notify: null, files: [],
});
const times = (job: JobRecord) => snapshot(job, () => 0, null).times;

test('times are the ISO strings of the record, and follow it when it changes', () => {
  const job = record();
  assert.equal(times(job), { creationTime: '2026-01-02T03:04:05.006Z', modificationTime: '2026-01-02T03:04:05.006Z', transferCompletionTime: null });
  job.modifiedAt = Date.UTC(2026, 11, 31, 23, 59, 59, 999);
  assert.is(times(job).modificationTime, '2026-12-31T23:59:59.999Z');
  job.createdAt = Date.UTC(2025, 5, 6);
  job.transferCompletedAt = Date.UTC(2027, 0, 1);
  assert.equal(times(job), { creationTime: '2025-06-06T00:00:00.000Z', modificationTime: '2026-12-31T23:59:59.999Z', transferCompletionTime: '2027-01-01T00:00:00.000Z' });
  // Another record with the same times: its own strings (nothing shared by value that could go stale).
  const other = record();
  assert.is(times(other).modificationTime, '2026-01-02T03:04:05.006Z');
});

test.run();
