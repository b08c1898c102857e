// A snapshot from a partial BITS (Wine's: GetTimes, GetOwner, GetPriority, ... answer E_NOTIMPL)
// has those fields null and `unavailable` naming each with its HRESULT and COM method
// (module/native/bridge/SnapshotReader.cs). The Node API (toJobInfo), `list --json` (jobDocument),
// `list` (jobsTable) and `info` (jobText) show such fields as unavailable instead of crashing, and the
// native adapter names the codes the bridge leaves unnamed. The snapshot as Wine's BITS produced it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobDocument } from '../module/api/job-document.js';
import { jobsTable } from '../module/cli/format.js';
import { jobJson, jobText } from '../module/cli/output.js';
import { toJobInfo } from '../module/core/job-info.js';
import type { JobSnapshotWire } from '../module/api/types.js';
import { NativeBackend } from '../module/native/native-backend.js';

const u = (hresult: number, method: string, name: string | null) => ({ hresult, hresultHex: `0x${hresult.toString(16).toUpperCase()}`, name, method });
const E_NOTIMPL = 0x80004001;
/** What Wine 8.0's BITS gives for a fresh download job (dist/test/wine/probe.js), as the bridge sends it. */
const wine = {
  id: 'f17a03c0-39d3-46c4-89fb-f5f0e1838801', displayName: 'probe', description: null, type: 0, state: 3,
  priority: null, owner: null, progress: { bytesTotal: 0, bytesTransferred: 0, filesTotal: 0, filesTransferred: 0 },
  times: null, errorCount: null, minimumRetryDelay: 30, noProgressTimeout: 900, notifyFlags: 3, proxy: null, notifyCmdLine: null,
  error: null, replyProgress: null, replyFileName: null,
  unavailable: {
    description: u(0x800703e6, 'IBackgroundCopyJob.GetDescription', null),
    priority: u(E_NOTIMPL, 'IBackgroundCopyJob.GetPriority', 'E_NOTIMPL'),
    owner: u(E_NOTIMPL, 'IBackgroundCopyJob.GetOwner', 'E_NOTIMPL'),
    times: u(E_NOTIMPL, 'IBackgroundCopyJob.GetTimes', 'E_NOTIMPL'),
    errorCount: u(E_NOTIMPL, 'IBackgroundCopyJob.GetErrorCount', 'E_NOTIMPL'),
    proxy: u(E_NOTIMPL, 'IBackgroundCopyJob.GetProxySettings', 'E_NOTIMPL'),
    notifyCmdLine: u(E_NOTIMPL, 'IBackgroundCopyJob2.GetNotifyCmdLine', 'E_NOTIMPL'),
  },
} as unknown as JobSnapshotWire;

test('the native adapter names the codes the bridge left unnamed, and keeps the rest', async () => {
  const b = new NativeBackend(async () => ({ ok: true, result: wine }));
  const s = await b.getJob(wine.id);
  assert.is(s.unavailable?.description?.name, '0x800703E6', 'an HRESULT the table does not know is named by its hex');
  assert.equal(s.unavailable?.times, u(E_NOTIMPL, 'IBackgroundCopyJob.GetTimes', 'E_NOTIMPL'));
  assert.is(s.times, null);
});

test('Node API: toJobInfo keeps the unavailable fields null and carries `unavailable`', () => {
  const info = toJobInfo(wine);
  assert.is(info.times, null);
  assert.is(info.priority, null);
  assert.is(info.proxy, null);
  assert.equal(info.unavailable, wine.unavailable);
  assert.is(info.minimumRetryDelay, 30);
});

test('`list --json` (jobDocument) is jobJson(toJobInfo(snapshot)), `unavailable` included', () => {
  assert.is(JSON.stringify(jobDocument(wine)), JSON.stringify(jobJson(toJobInfo(wine))));
  assert.ok(JSON.stringify(jobDocument(wine)).includes('"unavailable":{"description"'));
});

test('`info` prints why each missing field is missing; `list` prints ? for a missing priority', () => {
  const text = jobText(toJobInfo(wine));
  assert.match(text, /Priority:\s+unavailable: E_NOTIMPL \(0x80004001\) from IBackgroundCopyJob\.GetPriority/);
  assert.match(text, /Created:\s+unavailable: E_NOTIMPL \(0x80004001\) from IBackgroundCopyJob\.GetTimes/);
  assert.match(text, /Description:\s+unavailable: 0x800703E6 \(0x800703E6\) from IBackgroundCopyJob\.GetDescription/);
  assert.match(text, /Proxy:\s+unavailable: E_NOTIMPL/);
  assert.match(text, /Retry delay:\s+30 s/);
  const table = jobsTable([toJobInfo(wine)]);
  assert.match(table, new RegExp(`${wine.id}\\s+SUSPENDED\\s+DOWNLOAD\\s+\\?\\s+0 B/0 B\\s+0/0\\s+probe`));
});

test('a snapshot with every field read has no `unavailable` anywhere (the portable engine\'s shape)', () => {
  const full = { ...wine, description: '', priority: 2, owner: 'S-1-5-21', times: { creationTime: '2026-01-01T00:00:00.000Z', modificationTime: '2026-01-01T00:00:00.000Z', transferCompletionTime: null }, errorCount: 0, proxy: { usage: 0, proxyList: null, bypassList: null }, notifyCmdLine: { program: '', parameters: '' } } as JobSnapshotWire;
  delete (full as { unavailable?: unknown }).unavailable;
  assert.not.ok('unavailable' in toJobInfo(full));
  assert.not.ok('unavailable' in jobDocument(full));
  assert.not.match(jobText(toJobInfo(full)), /unavailable/);
});

test.run();
