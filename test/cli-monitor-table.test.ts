// The live `monitor` table: speed and ETA from two refreshes, 80 columns however long the names.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { jobsTable, visibleLength } from '../module/cli/format.js';
import { jobDocument } from '../module/api/job-document.js';
import { JobRates, monitorTable } from '../module/cli/monitor-table.js';

const job = (id: string, bytes: number, total: number | null, displayName: string) => ({
  id, state: 'TRANSFERRING' as const, displayName, progress: { bytesTransferred: bytes, bytesTotal: total, filesTransferred: 0, filesTotal: 1 },
});

test('speed and ETA after two refreshes; a row per job never wider than 80 columns', () => {
  const rates = new JobRates();
  const a = '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0';
  const b = '11111111-2222-3333-4444-555555555555';
  const long = 'nightly inventory upload of every workstation in the building '.repeat(3);
  rates.observe([job(a, 0, 10 * 1024 * 1024, long), job(b, 0, null, 'unknown size')], 0);
  const first = monitorTable([job(a, 0, 10 * 1024 * 1024, long), job(b, 0, null, 'unknown size')], rates);
  assert.match(first, /\n0f1e2d3c\s+TRANSFERRING\s+0% 0 B\/10 MiB\s+-\s+-\s+nightly/);
  const later = [job(a, 2 * 1024 * 1024, 10 * 1024 * 1024, long), job(b, 512 * 1024, null, 'unknown size')];
  rates.observe(later, 2000);
  const text = monitorTable(later, rates);
  assert.match(text, /0f1e2d3c\s+TRANSFERRING\s+20% 2\.0 MiB\/10 MiB\s+1\.0 MiB\/s\s+0:08\s+nightly/);
  assert.match(text, /11111111\s+TRANSFERRING\s+\?% 512 KiB\/\?\s+256 KiB\/s\s+-\s+unknown size/);
  for (const line of text.split('\n')) assert.ok(visibleLength(line) <= 80, `${visibleLength(line)} columns: ${line}`);
  assert.match(text, /…$/m, 'the long name is cut, not wrapped');
  // Wider terminals show more of the name.
  assert.ok(monitorTable(later, rates, 160).split('\n')[1]!.length > 80);
});

test('jobs that left the list are forgotten; no jobs reads as such', () => {
  const rates = new JobRates();
  rates.observe([job('aaaaaaaa-0000-0000-0000-000000000000', 0, 100, 'x')], 0);
  rates.observe([], 1000);
  assert.is(rates.of('aaaaaaaa-0000-0000-0000-000000000000'), undefined);
  assert.is(monitorTable([], rates), 'no jobs in the queue');
});

test('list and monitor tables name a state this version does not know UNKNOWN (they threw before)', () => {
  const snapshot = {
    id: '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', displayName: 'from a newer BITS', description: '', type: 0, state: 9, priority: 2, owner: 'me',
    progress: { bytesTransferred: 0, bytesTotal: 10, filesTransferred: 0, filesTotal: 1 }, times: null, errorCount: 0, minimumRetryDelay: 600,
    noProgressTimeout: 1209600, notifyFlags: 3, proxy: null, notifyCmdLine: null, error: null, replyProgress: null, replyFileName: null,
  } as unknown as Parameters<typeof jobDocument>[0];
  const doc = jobDocument(snapshot);
  assert.is(doc.state, undefined, 'the JSON document leaves the unknown state out, as before');
  const list = jobsTable([doc]);
  assert.match(list, /\n0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0\s+UNKNOWN\s+DOWNLOAD\s+/);
  assert.match(monitorTable([{ ...job(doc.id, 0, 10, 'from a newer BITS'), state: undefined as never }], new JobRates()), /\n0f1e2d3c\s+UNKNOWN\s+/);
});

test.run();
