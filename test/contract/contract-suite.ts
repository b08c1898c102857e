// The contract suite (DESIGN §4): a function of the implementation. It encodes spec §4–§6 for
// download jobs — defaults (default, set, read back), limits and their codes, and each row of the
// state machine of §5.2 that does not need a clock — and runs unchanged against every backend.
// Rows that need time to pass (retry delay, no-progress timeout, time slices, 90-day cancel) are
// in test/engine-timers.test.ts with an injected clock.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobState, JobType } from '../../module/api/enums.js';
import { DEFAULTS, LIMITS } from '../../module/api/limits.js';
import { JOB_PROPERTIES } from '../../module/api/operations.js';
import type { Backend } from '../../module/api/port.js';
import { rejectsWith, stateOf, waitJob, waitState } from '../helpers/assert-bits.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from '../helpers/gate-server.js';
import { wineAware } from './wine-aware.js';
import type { WineFacts } from './wine-facts.js';
import { WINE_DOWNLOAD_ROWS } from './wine-rows-download.js';

/**
 * Where backends legitimately differ: details the spec leaves open (our engine's are [DECISION]s) and
 * limits that depend on who calls. Each value has its own real assertion in the rows that use it.
 */
export interface EngineFacts {
  /** The per-user job cap (the suite fills the queue up to it); BITS exempts elevated administrators (spec §4.3). */
  jobsPerUser: number | 'unlimited-for-admin';
  /** The per-job file cap; BITS exempts administrators here too (spec §4.1, §6). */
  filesPerJob: number | 'unlimited-for-admin';
  /** Names of the temporary download/reply files next to their destination (spec §5.4: undocumented). */
  tempFilePattern: RegExp;
  /** The reply file name generated when none is set: exact for our engine; BITS documents only its directory (spec §3.5). */
  generatedReplyName: ((uploadFile: string, jobId: string) => string) | 'in-upload-directory';
  /** Resumed GETs: `bytes=a-` (our engine) or `bytes=a-b` (BITS fragments, spec §8). */
  rangeRequests: 'open-ended' | 'bounded';
  /** Wine's BITS (the Wine lane): what it answers where it is a stub or differs; rows then run their Wine body (wine-aware.ts). */
  wine?: WineFacts;
}

export interface ContractContext extends EngineFacts {
  backend: Backend;
  cleanup(): Promise<void>;
}

interface State {
  ctx: ContractContext;
  b: Backend;
  http: GateServer;
  dir: string;
}

export function contractSuite(name: string, makeBackend: () => Promise<ContractContext>) {
  const test = wineAware(suite<State>(`contract: ${name}`), WINE_DOWNLOAD_ROWS);
  let n = 0;
  const local = (s: State, file = `f${++n}.bin`) => join(s.dir, file);
  const body = pseudoRandomBytes(64 * 1024, 7);

  test.before.each(async (s) => {
    // A hook that throws after a failed before.each would make uvu drop the failure (and exit 0): start clean, clean up what exists.
    for (const k of ['ctx', 'b', 'http', 'dir'] as const) delete (s as Partial<State>)[k];
    s.ctx = await makeBackend();
    s.b = s.ctx.backend;
    s.http = await startGateServer();
    s.http.set('/a.bin', { body });
    s.dir = mkdtempSync(join(tmpdir(), 'bj2-contract-'));
  });
  test.after.each(async (s) => {
    await s.ctx?.cleanup();
    await s.http?.close();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });

  // ── creation and defaults (spec §4.3, §6) ──────────────────────────────────────────────────
  test('CreateJob → SUSPENDED with every default of spec §6', async (s) => {
    const id = await s.b.createJob('defaults', JobType.DOWNLOAD);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    const j = await s.b.getJob(id);
    assert.is(stateOf(j), 'SUSPENDED');
    assert.is(j.displayName, 'defaults');
    assert.is(j.type, JobType.DOWNLOAD);
    for (const p of JOB_PROPERTIES) {
      if (p.default !== undefined) assert.is((j as unknown as Record<string, unknown>)[p.name], p.default, `default ${p.name}`);
    }
    assert.is(j.priority, JobPriority.NORMAL);
    assert.is(j.minimumRetryDelay, 600);
    assert.is(j.noProgressTimeout, 1209600);
    assert.is(j.notifyFlags, 3);
    assert.equal(j.proxy, { usage: 0, proxyList: null, bypassList: null });
    assert.equal(j.progress, { bytesTotal: 0, bytesTransferred: 0, filesTotal: 0, filesTransferred: 0 });
    assert.is(j.errorCount, 0);
    assert.is(j.error, null);
    assert.is(j.times.transferCompletionTime, null);
    assert.is(j.times.creationTime, j.times.modificationTime);
    assert.ok(j.owner.length > 0, 'owner SID');
    assert.equal(j.notifyCmdLine, { program: '', parameters: '' });
    assert.is(j.replyProgress, null);
    assert.ok((await s.b.listJobs()).some((x) => x.id === id), 'listed');
  });

  test('job ids: braces and upper case are accepted; unknown ids are BG_E_NOT_FOUND', async (s) => {
    const id = await s.b.createJob('ids', JobType.DOWNLOAD);
    assert.is((await s.b.getJob(`{${id.toUpperCase()}}`)).id, id);
    await rejectsWith(s.b.getJob('00000000-0000-0000-0000-000000000000'), 'BG_E_NOT_FOUND');
    await rejectsWith(s.b.resume('00000000-0000-0000-0000-000000000000'), 'BG_E_NOT_FOUND');
    await rejectsWith(s.b.getJob('not-a-guid'), 'BG_E_NOT_FOUND');
  });

  test('properties: set, read back; floors, limits and codes of spec §4.1', async (s) => {
    const id = await s.b.createJob('props', JobType.DOWNLOAD);
    const before = (await s.b.getJob(id)).times.modificationTime;
    await new Promise((r) => setTimeout(r, 5));
    await s.b.setProperty(id, 'displayName', 'x'.repeat(LIMITS.displayNameMax));
    await s.b.setProperty(id, 'description', 'd'.repeat(LIMITS.descriptionMax));
    await s.b.setProperty(id, 'priority', JobPriority.LOW);
    await s.b.setProperty(id, 'minimumRetryDelay', 1);
    await s.b.setProperty(id, 'noProgressTimeout', 0);
    await s.b.setProperty(id, 'notifyFlags', 0x3f);
    const j = await s.b.getJob(id);
    assert.is(j.displayName.length, LIMITS.displayNameMax);
    assert.is(j.description.length, LIMITS.descriptionMax);
    assert.is(j.priority, JobPriority.LOW);
    assert.is(j.minimumRetryDelay, LIMITS.minimumRetryDelayFloor, 'values below 5 s are raised to 5');
    assert.is(j.noProgressTimeout, 0);
    assert.is(j.notifyFlags, 0x3f);
    assert.ok(j.times.modificationTime > before, 'Set* changes ModificationTime');
    await s.b.setProperty(id, 'minimumRetryDelay', 7);
    assert.is((await s.b.getJob(id)).minimumRetryDelay, 7);

    await rejectsWith(s.b.setProperty(id, 'displayName', 'x'.repeat(LIMITS.displayNameMax + 1)), 'BG_E_STRING_TOO_LONG');
    await rejectsWith(s.b.setProperty(id, 'description', 'd'.repeat(LIMITS.descriptionMax + 1)), 'BG_E_STRING_TOO_LONG');
    await rejectsWith(s.b.setProperty(id, 'priority', 4), 'E_NOTIMPL');
    await rejectsWith(s.b.setProperty(id, 'notifyFlags', 0x40), 'E_NOTIMPL');
    await rejectsWith(s.b.setProperty(id, 'minimumRetryDelay', -1), 'E_INVALIDARG');
    await rejectsWith(s.b.setProperty(id, 'displayName', null as unknown as string), 'E_INVALIDARG');
    const after = await s.b.getJob(id);
    assert.is(after.priority, JobPriority.LOW, 'a refused set changes nothing');
    assert.is(after.notifyFlags, 0x3f);
  });

  test('CreateJob limits: name ≤ 256 (E_INVALIDARG), bad type, jobs per user', async (s) => {
    await rejectsWith(s.b.createJob('n'.repeat(LIMITS.displayNameMax + 1), JobType.DOWNLOAD), 'E_INVALIDARG');
    await rejectsWith(s.b.createJob('t', 9), 'E_INVALIDARG');
    const existing = (await s.b.listJobs()).length;
    const cap = s.ctx.jobsPerUser;
    if (cap === 'unlimited-for-admin') {
      // The caller is an elevated administrator: the non-admin cap of 60 does not apply to it.
      for (let i = existing; i <= LIMITS.jobsPerUser; i++) await s.b.createJob(`fill ${i}`, JobType.DOWNLOAD);
      assert.ok((await s.b.listJobs()).length > LIMITS.jobsPerUser, `an administrator holds more than ${LIMITS.jobsPerUser} jobs`);
      return;
    }
    for (let i = existing; i < cap; i++) await s.b.createJob(`fill ${i}`, JobType.DOWNLOAD);
    await rejectsWith(s.b.createJob('one too many', JobType.DOWNLOAD), 'BG_E_TOO_MANY_JOBS_PER_USER');
    const jobs = await s.b.listJobs();
    assert.is(jobs.length, cap);
    await s.b.cancel(jobs[0]!.id);
    await s.b.createJob('room again', JobType.DOWNLOAD); // final jobs do not count
  });

  test('AddFile: bad input gets E_INVALIDARG and adds nothing; 200 files per job; all-or-nothing', async (s) => {
    const id = await s.b.createJob('files', JobType.DOWNLOAD);
    const url = `${s.http.url}/a.bin`;
    await rejectsWith(s.b.addFiles(id, [{ remoteName: url, localName: 'relative/x.bin' }]), 'E_INVALIDARG', 'relative path');
    await rejectsWith(s.b.addFiles(id, [{ remoteName: 'ftp://127.0.0.1/x', localName: local(s) }]), 'E_INVALIDARG', 'ftp scheme');
    await rejectsWith(s.b.addFiles(id, [{ remoteName: `${s.http.url}/a b.bin`, localName: local(s) }]), 'E_INVALIDARG', 'space in URL');
    await rejectsWith(s.b.addFiles(id, [{ remoteName: `${s.http.url}/${'x'.repeat(LIMITS.remoteUrlMax)}`, localName: local(s) }]), 'E_INVALIDARG', 'long URL');
    await rejectsWith(s.b.addFiles(id, [{ remoteName: url, localName: join(s.dir, 'missing-dir', 'x') }]), 'E_INVALIDARG', 'missing dir');
    await rejectsWith(s.b.addFiles(id, [{ remoteName: url, localName: join(s.dir, 'p'.repeat(LIMITS.MAX_PATH)) }]), 'E_INVALIDARG', 'long path');
    await rejectsWith(
      s.b.addFiles(id, [{ remoteName: url, localName: local(s) }, { remoteName: url, localName: 'rel' }]),
      'E_INVALIDARG',
      'set with one bad file',
    );
    assert.is((await s.b.listFiles(id)).length, 0, 'AddFileSet is all-or-nothing');
    const many = Array.from({ length: LIMITS.filesPerJob }, (_, i) => ({ remoteName: `${url}?${i}`, localName: join(s.dir, `m${i}`) }));
    await s.b.addFiles(id, many);
    if (s.ctx.filesPerJob === 'unlimited-for-admin') {
      await s.b.addFiles(id, [{ remoteName: url, localName: local(s) }]); // the 200-file cap is for non-admins
      assert.is((await s.b.getJob(id)).progress.filesTotal, LIMITS.filesPerJob + 1);
    } else {
      assert.is(s.ctx.filesPerJob, LIMITS.filesPerJob, 'the suite adds LIMITS.filesPerJob files');
      await rejectsWith(s.b.addFiles(id, [{ remoteName: url, localName: local(s) }]), 'BG_E_TOO_MANY_FILES_IN_JOB');
      assert.is((await s.b.getJob(id)).progress.filesTotal, LIMITS.filesPerJob);
    }
    const j = await s.b.getJob(id);
    assert.is(j.progress.bytesTotal, null, 'sizes unknown before the transfer: BG_SIZE_UNKNOWN');
  });

  test('upload jobs hold exactly one file (BG_E_TOO_MANY_FILES); reply methods are E_NOTIMPL on downloads', async (s) => {
    const up = await s.b.createJob('up', JobType.UPLOAD);
    const src = join(s.dir, 'src.bin');
    (await import('node:fs')).writeFileSync(src, 'payload');
    await s.b.addFiles(up, [{ remoteName: `${s.http.url}/upload`, localName: src }]);
    await rejectsWith(s.b.addFiles(up, [{ remoteName: `${s.http.url}/upload2`, localName: src }]), 'BG_E_TOO_MANY_FILES');
    const down = await s.b.createJob('down', JobType.DOWNLOAD);
    await rejectsWith(s.b.getReplyProgress(down), 'E_NOTIMPL');
    await rejectsWith(s.b.getReplyData(down), 'E_NOTIMPL');
    await rejectsWith(s.b.getReplyFileName(down), 'E_NOTIMPL');
  });

  // ── state machine rows (spec §5.2) ─────────────────────────────────────────────────────────
  test('SUSPENDED + Resume with 0 files → BG_E_EMPTY, stays SUSPENDED', async (s) => {
    const id = await s.b.createJob('empty', JobType.DOWNLOAD);
    await rejectsWith(s.b.resume(id), 'BG_E_EMPTY');
    assert.is(stateOf(await s.b.getJob(id)), 'SUSPENDED');
  });

  test('SUSPENDED → QUEUED → CONNECTING → TRANSFERRING → TRANSFERRED → Complete → ACKNOWLEDGED', async (s) => {
    s.http.set('/gate.bin', { body, hold: true, drip: { chunk: 4096, delayMs: 20 } });
    const id = await s.b.createJob('lifecycle', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/gate.bin`, localName: dest }]);
    await s.b.resume(id);
    await waitJob(s.b, id, (j) => j.state === JobState.CONNECTING && s.http.held('/gate.bin') === 1, 'CONNECTING while the server holds the request');
    await s.b.resume(id); // Resume in an active state: unchanged, S_OK
    assert.is(stateOf(await s.b.getJob(id)), 'CONNECTING');
    s.http.release('/gate.bin');
    const t = await waitState(s.b, id, 'TRANSFERRING');
    assert.is(t.progress.bytesTotal, body.length, 'size known once the response arrived');
    const done = await waitState(s.b, id, 'TRANSFERRED');
    assert.equal(done.progress, { bytesTotal: body.length, bytesTransferred: body.length, filesTotal: 1, filesTransferred: 1 });
    assert.ok(done.times.transferCompletionTime !== null, 'TransferCompletionTime set on entering TRANSFERRED');
    assert.not.ok(existsSync(dest), 'not published before Complete');
    const files = await s.b.listFiles(id);
    assert.is(files[0]!.progress.completed, false);
    await rejectsWith(s.b.getError(id), 'BG_E_ERROR_INFORMATION_UNAVAILABLE');
    const r = await s.b.complete(id);
    assert.is(r.name, 'S_OK');
    assert.ok(readFileSync(dest).equals(body), 'published bytes are the server bytes');
    assert.is(stateOf(await s.b.describeJob(id)), 'ACKNOWLEDGED');
    assert.is((await s.b.listFiles(id))[0]!.progress.completed, true);
    await rejectsWith(s.b.getJob(id), 'BG_E_NOT_FOUND', 'final jobs leave the queue');
    assert.not.ok((await s.b.listJobs()).some((j) => j.id === id), 'final jobs are not listed');
    await rejectsWith(s.b.complete(id), 'BG_E_INVALID_STATE', 'second Complete');
  });

  test('any non-final → Suspend → SUSPENDED (QUEUED/CONNECTING, TRANSFERRING, ERROR); Resume continues from the bytes already there', async (s) => {
    s.http.set('/slow.bin', { body, drip: { chunk: 2048, delayMs: 30 } });
    const id = await s.b.createJob('suspend', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/slow.bin`, localName: dest }]);
    await s.b.suspend(id); // already suspended: S_OK
    await s.b.resume(id);
    await waitJob(s.b, id, (j) => j.state === JobState.TRANSFERRING && j.progress.bytesTransferred > 0, 'bytes flowing');
    await s.b.suspend(id);
    const susp = await s.b.getJob(id);
    assert.is(stateOf(susp), 'SUSPENDED');
    await new Promise((r) => setTimeout(r, 150));
    assert.is(stateOf(await s.b.getJob(id)), 'SUSPENDED', 'nothing moves while suspended');
    s.http.set('/slow.bin', { body });
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    assert.ok(s.http.log.some((l) => l.path === '/slow.bin' && l.range && !l.range.startsWith('bytes=0-')), 'resumed with a Range request');
    await s.b.complete(id);
    assert.ok(readFileSync(dest).equals(body));

    const bad = await s.b.createJob('suspend from error', JobType.DOWNLOAD);
    await s.b.addFiles(bad, [{ remoteName: `${s.http.url}/missing.bin`, localName: local(s) }]);
    await s.b.resume(bad);
    await waitState(s.b, bad, 'ERROR');
    await s.b.suspend(bad);
    assert.is(stateOf(await s.b.getJob(bad)), 'SUSPENDED');
  });

  test('fatal error (404) → ERROR with BG_E_HTTP_ERROR_404, context REMOTE_FILE, the file; fix + Resume → TRANSFERRED', async (s) => {
    const id = await s.b.createJob('404', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/later.bin`, localName: dest }]);
    await s.b.resume(id);
    const j = await waitState(s.b, id, 'ERROR');
    assert.is(j.errorCount, 1);
    const e = await s.b.getError(id);
    assert.is(e.name, 'BG_E_HTTP_ERROR_404');
    assert.is(e.hresult, 0x80190194);
    assert.is(e.contextName, 'REMOTE_FILE');
    assert.is(e.protocol, 'http');
    assert.equal(e.file, { remoteName: `${s.http.url}/later.bin`, localName: dest });
    assert.ok(e.message.length > 10 && e.contextDescription.length > 10, 'descriptions');
    s.http.set('/later.bin', { body });
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    assert.is((await s.b.getJob(id)).errorCount, 1, 'ErrorCount is never reset');
    await rejectsWith(s.b.getError(id), 'BG_E_ERROR_INFORMATION_UNAVAILABLE', 'no error after TRANSFERRED');
  });

  test('CONNECTING → TRANSIENT_ERROR on a refused connection; Resume retries at once (→ QUEUED)', async (s) => {
    const closed = await startGateServer();
    const deadUrl = `${closed.url}/a.bin`;
    await closed.close();
    const id = await s.b.createJob('refused', JobType.DOWNLOAD);
    await s.b.addFiles(id, [{ remoteName: deadUrl, localName: local(s) }]);
    await s.b.resume(id);
    const j = await waitState(s.b, id, 'TRANSIENT_ERROR');
    assert.is(j.errorCount, 1);
    assert.is(j.error!.contextName, 'GENERAL_TRANSPORT');
    assert.is(j.error!.hresultHex, '0x80072EFD');
    await s.b.resume(id); // skips the 600 s retry delay
    await waitJob(s.b, id, (x) => x.errorCount === 2, 'the immediate retry failed again');
    assert.is(stateOf(await s.b.getJob(id)), 'TRANSIENT_ERROR');
  });

  test('TRANSFERRING → TRANSIENT_ERROR on a reset mid-body; bytes kept, Resume finishes with a Range request', async (s) => {
    s.http.set('/reset.bin', { body, resetAfter: 20000 });
    const id = await s.b.createJob('reset', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/reset.bin`, localName: dest }]);
    await s.b.resume(id);
    const j = await waitState(s.b, id, 'TRANSIENT_ERROR');
    assert.is(j.progress.bytesTransferred, 20000, 'the bytes that arrived are kept');
    s.http.set('/reset.bin', { body });
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    const resumedAt = s.ctx.rangeRequests === 'open-ended'
      ? (r: string | undefined) => r === 'bytes=20000-'
      : (r: string | undefined) => r !== undefined && /^bytes=20000-\d+$/.test(r) && Number(r.split('-')[1]) <= body.length - 1;
    assert.ok(s.http.log.some((l) => l.path === '/reset.bin' && resumedAt(l.range)), `resumed at byte 20000 (${s.ctx.rangeRequests} range): ${JSON.stringify(s.http.log.map((l) => l.range))}`);
    await s.b.complete(id);
    assert.ok(readFileSync(dest).equals(body));
  });

  test('TRANSIENT_ERROR → ERROR at once when NoProgressTimeout is 0, or the retry delay exceeds it', async (s) => {
    const closed = await startGateServer();
    const deadUrl = `${closed.url}/a.bin`;
    await closed.close();
    const zero = await s.b.createJob('timeout 0', JobType.DOWNLOAD);
    await s.b.setProperty(zero, 'noProgressTimeout', 0);
    await s.b.addFiles(zero, [{ remoteName: deadUrl, localName: local(s) }]);
    await s.b.resume(zero);
    const j = await waitState(s.b, zero, 'ERROR');
    assert.is(j.error!.hresultHex, '0x80072EFD');
    const longDelay = await s.b.createJob('delay > timeout', JobType.DOWNLOAD);
    await s.b.setProperty(longDelay, 'noProgressTimeout', 10);
    await s.b.setProperty(longDelay, 'minimumRetryDelay', 60);
    await s.b.addFiles(longDelay, [{ remoteName: deadUrl, localName: local(s) }]);
    await s.b.resume(longDelay);
    await waitState(s.b, longDelay, 'ERROR');
  });

  test('TRANSFERRED + AddFile + Resume → QUEUED → TRANSFERRED; files in order', async (s) => {
    s.http.set('/b.bin', { body: pseudoRandomBytes(3000, 9) });
    const id = await s.b.createJob('more files', JobType.DOWNLOAD);
    const d1 = local(s);
    const d2 = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: d1 }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/b.bin`, localName: d2 }]);
    const added = await s.b.getJob(id);
    assert.is(added.progress.filesTotal, 2);
    await s.b.resume(id);
    const done = await waitJob(s.b, id, (j) => j.state === JobState.TRANSFERRED && j.progress.filesTransferred === 2, 'second file');
    assert.is(done.progress.bytesTotal, body.length + 3000);
    const gets = s.http.log.filter((l) => l.method === 'GET').map((l) => l.path);
    assert.equal(gets, ['/a.bin', '/b.bin'], 'each file fetched once, in order');
    await s.b.complete(id);
    assert.ok(existsSync(d1) && existsSync(d2));
  });

  test('Complete of an unfinished download → BG_S_PARTIAL_COMPLETE: finished files published, the rest deleted', async (s) => {
    s.http.set('/slow.bin', { body, drip: { chunk: 1024, delayMs: 50 } });
    const id = await s.b.createJob('partial', JobType.DOWNLOAD);
    const d1 = local(s);
    const d2 = local(s);
    await s.b.addFiles(id, [
      { remoteName: `${s.http.url}/a.bin`, localName: d1 },
      { remoteName: `${s.http.url}/slow.bin`, localName: d2 },
    ]);
    await s.b.resume(id);
    await waitJob(s.b, id, (j) => j.progress.filesTransferred === 1 && j.progress.bytesTransferred > body.length, 'first file done, second flowing');
    const r = await s.b.complete(id);
    assert.is(r.name, 'BG_S_PARTIAL_COMPLETE');
    assert.ok(readFileSync(d1).equals(body));
    assert.not.ok(existsSync(d2), 'unfinished file not published');
    const leftovers = (await import('node:fs')).readdirSync(s.dir).filter((f) => s.ctx.tempFilePattern.test(f));
    assert.equal(leftovers, [], 'no temp files left');
    const files = await s.b.listFiles(id);
    assert.equal(files.map((f) => f.progress.completed), [true, false]);
  });

  test('Cancel → CANCELLED from any non-final state; temp files deleted; final jobs refuse every change', async (s) => {
    s.http.set('/slow.bin', { body, drip: { chunk: 1024, delayMs: 50 } });
    const id = await s.b.createJob('cancel', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/slow.bin`, localName: dest }]);
    await s.b.resume(id);
    await waitJob(s.b, id, (j) => j.progress.bytesTransferred > 0, 'bytes flowing');
    const r = await s.b.cancel(id);
    assert.is(r.name, 'S_OK');
    assert.is(stateOf(await s.b.describeJob(id)), 'CANCELLED');
    const leftovers = (await import('node:fs')).readdirSync(s.dir);
    assert.equal(leftovers, [], 'temp file deleted, nothing published');
    await rejectsWith(s.b.cancel(id), 'BG_E_INVALID_STATE', 'second Cancel');
    await rejectsWith(s.b.complete(id), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.resume(id), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.suspend(id), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: local(s) }]), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.setProperty(id, 'description', 'x'), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.getJob(id), 'BG_E_NOT_FOUND');

    const fresh = await s.b.createJob('cancel suspended', JobType.DOWNLOAD);
    assert.is((await s.b.cancel(fresh)).name, 'S_OK');
    const done = await s.b.createJob('complete suspended', JobType.DOWNLOAD);
    assert.is((await s.b.complete(done)).name, 'S_OK', 'Complete allowed in any non-final state for downloads');
    await rejectsWith(s.b.complete(done), 'BG_E_INVALID_STATE');
  });

  test('Complete whose rename fails → error, job stays TRANSFERRED, renamed files stay; Complete again succeeds', async (s) => {
    s.http.set('/b.bin', { body: pseudoRandomBytes(1000, 4) });
    const id = await s.b.createJob('rename fails', JobType.DOWNLOAD);
    const d1 = local(s);
    const d2 = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: d1 }, { remoteName: `${s.http.url}/b.bin`, localName: d2 }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    const fs = await import('node:fs');
    fs.mkdirSync(d2); // something in the way of the second rename
    fs.writeFileSync(join(d2, 'occupied'), 'x');
    const err = await rejectsWith(s.b.complete(id), 'E_ACCESSDENIED', 'Complete reports the failed rename');
    assert.is(err.contextName, 'LOCAL_FILE');
    const j = await s.b.getJob(id);
    assert.is(stateOf(j), 'TRANSFERRED', 'the job stays TRANSFERRED');
    assert.ok(readFileSync(d1).equals(body), 'the first file is published');
    assert.equal((await s.b.listFiles(id)).map((f) => f.progress.completed), [true, false]);
    fs.rmSync(d2, { recursive: true });
    assert.is((await s.b.complete(id)).name, 'S_OK');
    assert.is(readFileSync(d2).length, 1000);
  });

  test('Suspend from TRANSIENT_ERROR and from TRANSFERRED → SUSPENDED; Resume of a finished job → TRANSFERRED', async (s) => {
    const closed = await startGateServer();
    const deadUrl = `${closed.url}/a.bin`;
    await closed.close();
    const t = await s.b.createJob('suspend transient', JobType.DOWNLOAD);
    await s.b.addFiles(t, [{ remoteName: deadUrl, localName: local(s) }]);
    await s.b.resume(t);
    await waitState(s.b, t, 'TRANSIENT_ERROR');
    await s.b.suspend(t);
    const st = await s.b.getJob(t);
    assert.is(stateOf(st), 'SUSPENDED');
    assert.is(st.error, null, 'no error object outside ERROR/TRANSIENT_ERROR');
    const done = await s.b.createJob('suspend transferred', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(done, [{ remoteName: `${s.http.url}/a.bin`, localName: dest }]);
    await s.b.resume(done);
    await waitState(s.b, done, 'TRANSFERRED');
    await s.b.suspend(done);
    assert.is(stateOf(await s.b.getJob(done)), 'SUSPENDED');
    await s.b.resume(done);
    await waitState(s.b, done, 'TRANSFERRED');
    assert.is(s.http.log.filter((l) => l.path === '/a.bin').length, 1, 'nothing downloaded twice');
    await s.b.complete(done);
    assert.ok(readFileSync(dest).equals(body));
  });

  test('upload jobs: Complete only in TRANSFERRED (BG_E_INVALID_STATE otherwise)', async (s) => {
    const up = await s.b.createJob('up', JobType.UPLOAD);
    await rejectsWith(s.b.complete(up), 'BG_E_INVALID_STATE');
    assert.is(stateOf(await s.b.getJob(up)), 'SUSPENDED');
  });

  // ── scheduling (spec §5.3) ─────────────────────────────────────────────────────────────────
  test('scheduler: every FOREGROUND job at once, one background job at a time, higher priority first', async (s) => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      s.http.set(`/fg${i}.bin`, { body, hold: true });
      const id = await s.b.createJob(`fg${i}`, JobType.DOWNLOAD);
      await s.b.setProperty(id, 'priority', JobPriority.FOREGROUND);
      await s.b.addFiles(id, [{ remoteName: `${s.http.url}/fg${i}.bin`, localName: local(s) }]);
      ids.push(id);
    }
    const bg: string[] = [];
    for (const [i, prio] of [JobPriority.LOW, JobPriority.HIGH].entries()) {
      s.http.set(`/bg${i}.bin`, { body, hold: true });
      const id = await s.b.createJob(`bg${i}`, JobType.DOWNLOAD);
      await s.b.setProperty(id, 'priority', prio);
      await s.b.addFiles(id, [{ remoteName: `${s.http.url}/bg${i}.bin`, localName: local(s) }]);
      bg.push(id);
    }
    for (const id of [...ids, ...bg]) await s.b.resume(id);
    // LOW is resumed first and may start before HIGH arrives; HIGH then takes its place. Wait for
    // that settled state (a LOW request being torn down still counts as held for a moment).
    await waitJob(s.b, ids[2]!, () => s.http.held() === 4 && s.http.held('/bg1.bin') === 1 && s.http.held('/bg0.bin') === 0, 'three foreground + the HIGH background request');
    for (const id of ids) assert.is(stateOf(await s.b.getJob(id)), 'CONNECTING');
    assert.is(s.http.held('/bg1.bin'), 1, 'the HIGH background job runs');
    assert.is(s.http.held('/bg0.bin'), 0, 'the LOW one waits');
    assert.is(stateOf(await s.b.getJob(bg[0]!)), 'QUEUED');
    s.http.release('/bg1.bin');
    await waitState(s.b, bg[1]!, 'TRANSFERRED');
    await waitState(s.b, bg[0]!, 'CONNECTING');
    s.http.release('/bg0.bin');
    for (let i = 0; i < 3; i++) s.http.release(`/fg${i}.bin`);
    for (const id of [...ids, bg[0]!]) await waitState(s.b, id, 'TRANSFERRED');
  });

  return test;
}
