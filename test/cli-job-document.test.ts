// module/api/job-document.ts builds what `list` prints straight from the wire snapshot; it must be
// the very JSON that jobJson(toJobInfo(snapshot)) gives, for ordinary and for odd snapshots
// (unknown enum values, times that are not in toISOString form or not valid dates, errors, replies).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobDocument } from '../module/api/job-document.js';
import { jobJson } from '../module/cli/output.js';
import { jobsTable } from '../module/cli/format.js';
import { toJobInfo } from '../module/core/job-info.js';
import type { JobSnapshotWire } from '../module/api/types.js';

const base: JobSnapshotWire = {
  id: '3f2c9a10-0000-4000-8000-000000000001',
  displayName: 'nightly "backup" ✓',
  description: 'line one\nline two',
  type: 0,
  state: 1,
  priority: 2,
  owner: 'alice',
  progress: { bytesTotal: null, bytesTransferred: 12, filesTotal: 2, filesTransferred: 1 },
  times: { creationTime: '2026-11-25T20:55:35.209Z', modificationTime: '2026-11-25T21:00:00.000Z', transferCompletionTime: null },
  errorCount: 3,
  minimumRetryDelay: 600,
  noProgressTimeout: 1209600,
  notifyFlags: 3,
  proxy: { usage: 0, proxyList: null, bypassList: null },
  notifyCmdLine: { program: '', parameters: '' },
  error: null,
  replyProgress: null,
  replyFileName: null,
  nextRetryTime: null,
};

const variants: [string, Partial<JobSnapshotWire>][] = [
  ['ordinary', {}],
  ['every enum value in range', { type: 2, state: 8, priority: 3, proxy: { usage: 4, proxyList: 'http://p:8080', bypassList: '<local>' } }],
  ['unknown enum values', { type: 99, state: -1, priority: 1.5, proxy: { usage: 77, proxyList: null, bypassList: null } }],
  ['waiting to retry', { state: 5, nextRetryTime: '2026-11-25T21:10:00.000Z' }],
  ['retry time not in toISOString form', { state: 5, nextRetryTime: '2026-11-25T21:10:00Z' }],
  ['completed, with a reply', { state: 6, times: { ...base.times, transferCompletionTime: '2026-02-28T23:59:59.999Z' }, replyProgress: { bytesTotal: 1048576, bytesTransferred: 1048576 }, replyFileName: '/tmp/reply.bin' }],
  ['times past the 28th, valid and not', { times: { creationTime: '2024-02-29T00:00:00.000Z', modificationTime: '2023-02-30T00:00:00.000Z', transferCompletionTime: '2026-04-31T12:00:00.000Z' } }],
  ['times not in toISOString form', { times: { creationTime: '2026-11-25T20:55:35Z', modificationTime: '2026-11-25T20:55:35.2+01:00', transferCompletionTime: 'yesterday' } }],
  ['times out of range', { times: { creationTime: '2026-13-01T00:00:00.000Z', modificationTime: '2026-01-01T24:00:00.000Z', transferCompletionTime: '0000-01-01T00:00:00.000Z' } }],
  [
    'an error',
    {
      state: 4,
      error: {
        hresult: 0x80190194, hresultHex: '0x80190194', name: 'BG_E_HTTP_ERROR_404', context: 5, contextName: 'REMOTE_FILE', message: 'Not found',
        contextDescription: 'The error occurred while the remote file was being processed.', protocol: 'http', file: { remoteName: 'http://x/a', localName: '/tmp/a' },
      },
    },
  ],
  ['an error with an unknown context', { state: 5, error: { hresult: 1, hresultHex: '0x00000001', name: 'S_FALSE', context: 42, contextName: '42', message: '', contextDescription: '', protocol: null, file: null } }],
];

/** The table, or how it failed (an unknown state has no name, and jobsTable fails on it either way). */
function table(render: () => string): string {
  try {
    return render();
  } catch (e) {
    return `threw: ${(e as Error).message}`;
  }
}

for (const [name, change] of variants) {
  test(`jobDocument = jobJson(toJobInfo(...)): ${name}`, () => {
    const w = { ...base, ...change } as JobSnapshotWire;
    assert.is(JSON.stringify(jobDocument(w), null, 2), JSON.stringify(jobJson(toJobInfo(w)), null, 2));
    assert.is(table(() => jobsTable([jobDocument(w)])), table(() => jobsTable([toJobInfo(w)])));
  });
}

test.run();
