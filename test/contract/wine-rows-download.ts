// The Wine bodies of the download contract's rows (test/contract/contract-suite.ts): each runs the
// row's operations against Wine's BITS and asserts Wine's answers from wine-facts.ts where Wine is
// a stub or differs (see wine-aware.ts). Rows that Wine answers like Windows have no body here.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { JobPriority, JobState, JobType } from '../../module/api/enums.js';
import { LIMITS } from '../../module/api/limits.js';
import type { Backend } from '../../module/api/port.js';
import { rejectsWith, stateOf, waitJob, waitState } from '../helpers/assert-bits.js';
import { pseudoRandomBytes, startGateServer, type GateServer } from '../helpers/gate-server.js';
import type { ContractContext } from './contract-suite.js';
import { wineFixed, wineStub, wineUnavailable, type WineRow } from './wine-aware.js';

interface S { ctx: ContractContext; b: Backend; http: GateServer; dir: string }
let n = 0;
const local = (s: S) => join(s.dir, `w${++n}.bin`);
const body = pseudoRandomBytes(64 * 1024, 7); // the suite's /a.bin

/** A URL nothing listens on (Wine: ERROR at once, no error object). */
async function deadUrl(): Promise<string> {
  const closed = await startGateServer();
  await closed.close();
  return `${closed.url}/a.bin`;
}

export const WINE_DOWNLOAD_ROWS: Record<string, WineRow<S>> = {
  'CreateJob → SUSPENDED with every default of spec §6': async (s, w) => {
    const id = await s.b.createJob('defaults', JobType.DOWNLOAD);
    const j = await s.b.getJob(id);
    assert.is(stateOf(j), 'SUSPENDED');
    assert.is(j.displayName, 'defaults');
    assert.is(j.type, JobType.DOWNLOAD);
    wineUnavailable(w, j);
    wineFixed(w, j);
    assert.equal(j.progress, { bytesTotal: 0, bytesTransferred: 0, filesTotal: 0, filesTransferred: 0 });
    assert.is(j.error, null);
    assert.is(j.replyProgress, null);
    assert.ok((await s.b.listJobs()).some((x) => x.id === id), 'listed');
  },

  'properties: set, read back; floors, limits and codes of spec §4.1': async (s, w) => {
    const id = await s.b.createJob('props', JobType.DOWNLOAD);
    await wineStub(w, 'setProperty(displayName)', s.b.setProperty(id, 'displayName', 'x'));
    await s.b.setProperty(id, 'description', 'd'.repeat(LIMITS.descriptionMax));
    await rejectsWith(s.b.setProperty(id, 'description', 'd'.repeat(LIMITS.descriptionMax + 1)), 'BG_E_STRING_TOO_LONG');
    for (const p of w.storesNothing) await s.b.setProperty(id, p as 'priority', p === 'priority' ? JobPriority.LOW : 7); // S_OK
    await wineStub(w, 'setProperty(notifyFlags)', s.b.setProperty(id, 'notifyFlags', 0x3f));
    await rejectsWith(s.b.setProperty(id, 'minimumRetryDelay', -1), 'E_INVALIDARG'); // the bridge's own check
    await rejectsWith(s.b.setProperty(id, 'displayName', null as unknown as string), 'E_INVALIDARG');
    const j = await s.b.getJob(id);
    assert.is(j.description.length, LIMITS.descriptionMax, 'the description Wine stores');
    wineUnavailable(w, j, ['description']);
    wineFixed(w, j);
  },

  'CreateJob limits: name ≤ 256 (E_INVALIDARG), bad type, jobs per user': async (s) => {
    // Wine validates neither the name's length nor the type, and has no per-user cap.
    const long = await s.b.createJob('n'.repeat(LIMITS.displayNameMax + 1), JobType.DOWNLOAD);
    assert.is((await s.b.getJob(long)).displayName.length, LIMITS.displayNameMax + 1);
    const typed = await s.b.createJob('t', 9);
    assert.is((await s.b.getJob(typed)).type, 9);
    for (let i = (await s.b.listJobs()).length; i <= LIMITS.jobsPerUser; i++) await s.b.createJob(`fill ${i}`, JobType.DOWNLOAD);
    assert.ok((await s.b.listJobs()).length > LIMITS.jobsPerUser, `more than ${LIMITS.jobsPerUser} jobs`);
  },

  'AddFile: bad input gets E_INVALIDARG and adds nothing; 200 files per job; all-or-nothing': async (s) => {
    // Wine's AddFile validates nothing: a relative path and an ftp:// URL are accepted and listed.
    const id = await s.b.createJob('files', JobType.DOWNLOAD);
    const url = `${s.http.url}/a.bin`;
    await s.b.addFiles(id, [{ remoteName: url, localName: 'relative/x.bin' }]);
    await s.b.addFiles(id, [{ remoteName: 'ftp://127.0.0.1/x', localName: local(s) }]);
    assert.equal((await s.b.listFiles(id)).map((f) => f.remoteName), ['ftp://127.0.0.1/x', url], 'Wine lists the newest file first');
    await s.b.addFiles(id, Array.from({ length: LIMITS.filesPerJob }, (_, i) => ({ remoteName: `${url}?${i}`, localName: join(s.dir, `m${i}`) })));
    const j = await s.b.getJob(id);
    assert.is(j.progress.filesTotal, LIMITS.filesPerJob + 2, 'no 200-file cap');
    assert.is(j.progress.bytesTotal, null, 'sizes unknown before the transfer: BG_SIZE_UNKNOWN');
  },

  'upload jobs hold exactly one file (BG_E_TOO_MANY_FILES); reply methods are E_NOTIMPL on downloads': async (s, w) => {
    const up = await s.b.createJob('up', JobType.UPLOAD);
    const src = join(s.dir, 'src.bin');
    (await import('node:fs')).writeFileSync(src, 'payload');
    await s.b.addFiles(up, [{ remoteName: `${s.http.url}/upload`, localName: src }]);
    await s.b.addFiles(up, [{ remoteName: `${s.http.url}/upload2`, localName: src }]); // Wine: no one-file rule
    assert.is((await s.b.listFiles(up)).length, 2);
    const down = await s.b.createJob('down', JobType.DOWNLOAD);
    await wineStub(w, 'getReplyProgress', s.b.getReplyProgress(down));
    await wineStub(w, 'getReplyData', s.b.getReplyData(down));
    await wineStub(w, 'getReplyFileName', s.b.getReplyFileName(down));
  },

  'SUSPENDED → QUEUED → CONNECTING → TRANSFERRING → TRANSFERRED → Complete → ACKNOWLEDGED': async (s, w) => {
    s.http.set('/gate.bin', { body, hold: true, drip: { chunk: 4096, delayMs: 20 } });
    const id = await s.b.createJob('lifecycle', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/gate.bin`, localName: dest }]);
    await s.b.resume(id);
    await waitJob(s.b, id, (j) => j.state === JobState.CONNECTING && s.http.held('/gate.bin') === 1, 'CONNECTING while the server holds the request');
    await s.b.resume(id);
    assert.is(stateOf(await s.b.getJob(id)), 'CONNECTING');
    s.http.release('/gate.bin');
    const t = await waitState(s.b, id, 'TRANSFERRING');
    assert.is(t.progress.bytesTotal, w.jobBytesTotalAfterAdd, "Wine's job BytesTotal stays BG_SIZE_UNKNOWN");
    const done = await waitState(s.b, id, 'TRANSFERRED');
    assert.equal(done.progress, { bytesTotal: w.jobBytesTotalAfterAdd, bytesTransferred: body.length, filesTotal: 1, filesTransferred: 1 });
    assert.not.ok(existsSync(dest), 'not published before Complete');
    assert.equal((await s.b.listFiles(id))[0]!.progress, { bytesTotal: body.length, bytesTransferred: body.length, completed: true }, 'the file knows its size');
    await rejectsWith(s.b.getError(id), 'BG_E_ERROR_INFORMATION_UNAVAILABLE');
    assert.is((await s.b.complete(id)).name, 'S_OK');
    assert.ok(readFileSync(dest).equals(body), 'published bytes are the server bytes');
    assert.is(stateOf(await s.b.describeJob(id)), 'ACKNOWLEDGED');
    assert.is(stateOf(await s.b.getJob(id)), 'ACKNOWLEDGED', 'Wine: GetJob still finds a final job');
    await rejectsWith(s.b.complete(id), 'BG_E_INVALID_STATE', 'second Complete');
  },

  'any non-final → Suspend → SUSPENDED (QUEUED/CONNECTING, TRANSFERRING, ERROR); Resume continues from the bytes already there': async (s, w) => {
    const id = await s.b.createJob('suspend', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: dest }]);
    await wineStub(w, 'suspend', s.b.suspend(id));
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    await wineStub(w, 'suspend', s.b.suspend(id));
    await s.b.complete(id);
    assert.ok(readFileSync(dest).equals(body));
    const bad = await s.b.createJob('suspend from error', JobType.DOWNLOAD);
    await s.b.addFiles(bad, [{ remoteName: `${s.http.url}/missing.bin`, localName: local(s) }]);
    await s.b.resume(bad);
    await waitState(s.b, bad, 'ERROR');
    await wineStub(w, 'suspend', s.b.suspend(bad));
    assert.is(stateOf(await s.b.getJob(bad)), 'ERROR');
  },

  'fatal error (404) → ERROR with BG_E_HTTP_ERROR_404, context REMOTE_FILE, the file; fix + Resume → TRANSFERRED': async (s, w) => {
    const id = await s.b.createJob('404', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/later.bin`, localName: dest }]);
    await s.b.resume(id);
    const j = await waitState(s.b, id, 'ERROR');
    assert.is(j.error?.name, 'BG_E_HTTP_ERROR_404', 'the snapshot carries the error');
    const e = await s.b.getError(id);
    assert.is(e.name, 'BG_E_HTTP_ERROR_404');
    assert.is(e.hresult, 0x80190194);
    assert.is(e.contextName, 'REMOTE_FILE');
    assert.equal(e.file, { remoteName: `${s.http.url}/later.bin`, localName: dest });
    assert.equal([e.message, e.contextDescription, e.protocol], ['', '', null], 'Wine gives no texts');
    for (const [field, method] of Object.entries(w.errorTextsUnavailable.methods)) {
      assert.is(e.unavailable?.[field as 'message']?.method, method, `${field} unavailable`);
      assert.is(e.unavailable?.[field as 'message']?.hresultHex, w.errorTextsUnavailable.code);
    }
    s.http.set('/later.bin', { body });
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    await rejectsWith(s.b.getError(id), 'BG_E_ERROR_INFORMATION_UNAVAILABLE', 'no error after TRANSFERRED');
  },

  'CONNECTING → TRANSIENT_ERROR on a refused connection; Resume retries at once (→ QUEUED)': async (s, w) => {
    const id = await s.b.createJob('refused', JobType.DOWNLOAD);
    await s.b.addFiles(id, [{ remoteName: await deadUrl(), localName: local(s) }]);
    await s.b.resume(id);
    const j = await waitState(s.b, id, w.refused.state);
    assert.is(j.error, null, 'Wine keeps no error object for it');
    await rejectsWith(s.b.getError(id), w.refused.getError);
    await s.b.resume(id);
    await waitState(s.b, id, w.refused.state);
  },

  'TRANSFERRING → TRANSIENT_ERROR on a reset mid-body; bytes kept, Resume finishes with a Range request': async (s, w) => {
    // Wine takes a connection reset after 20000 bytes for the end of the body: TRANSFERRED with 20000 bytes.
    s.http.set('/reset.bin', { body, resetAfter: 20000 });
    const id = await s.b.createJob('reset', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/reset.bin`, localName: dest }]);
    await s.b.resume(id);
    const j = await waitState(s.b, id, 'TRANSFERRED');
    assert.is(j.progress.bytesTransferred, 20000);
    assert.is(j.progress.bytesTotal, w.jobBytesTotalAfterAdd);
    await s.b.complete(id);
    assert.ok(readFileSync(dest).equals(body.subarray(0, 20000)), 'the truncated body is published');
  },

  'TRANSIENT_ERROR → ERROR at once when NoProgressTimeout is 0, or the retry delay exceeds it': async (s, w) => {
    const zero = await s.b.createJob('no-progress 0', JobType.DOWNLOAD);
    await s.b.setProperty(zero, 'noProgressTimeout', 0); // S_OK, stored nowhere
    await s.b.addFiles(zero, [{ remoteName: await deadUrl(), localName: local(s) }]);
    await s.b.resume(zero);
    const j = await waitState(s.b, zero, w.refused.state);
    assert.is(j.error, null);
    assert.is(j.noProgressTimeout, w.fixed.noProgressTimeout);
  },

  'TRANSFERRED + AddFile + Resume → QUEUED → TRANSFERRED; files in order': async (s, w) => {
    s.http.set('/b.bin', { body: pseudoRandomBytes(3000, 9) });
    const id = await s.b.createJob('more files', JobType.DOWNLOAD);
    const d1 = local(s);
    const d2 = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: d1 }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/b.bin`, localName: d2 }]);
    assert.is((await s.b.getJob(id)).progress.filesTotal, 2);
    await s.b.resume(id);
    const done = await waitJob(s.b, id, (j) => j.state === JobState.TRANSFERRED && j.progress.filesTransferred === 2, 'second file');
    assert.is(done.progress.bytesTotal, w.jobBytesTotalAfterAdd);
    assert.is(done.progress.bytesTransferred, body.length + 3000);
    assert.equal(s.http.log.filter((l) => l.method === 'GET').map((l) => l.path), ['/a.bin', '/b.bin'], 'each file fetched once, in order');
    await s.b.complete(id);
    assert.ok(existsSync(d1) && existsSync(d2));
  },

  'Complete of an unfinished download → BG_S_PARTIAL_COMPLETE: finished files published, the rest deleted': async (s) => {
    // Wine transfers a job's files newest first: the second file (held by the server) blocks the first.
    s.http.set('/slow.bin', { body, hold: true });
    const id = await s.b.createJob('partial', JobType.DOWNLOAD);
    const d1 = local(s);
    const d2 = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: d1 }, { remoteName: `${s.http.url}/slow.bin`, localName: d2 }]);
    await s.b.resume(id);
    await waitJob(s.b, id, () => s.http.held('/slow.bin') === 1, 'the second file is fetched first');
    assert.equal((await s.b.listFiles(id)).map((f) => f.progress.completed), [false, false]);
    const r = await s.b.complete(id);
    assert.is(r.name, 'BG_S_PARTIAL_COMPLETE');
    assert.not.ok(existsSync(d1) || existsSync(d2), 'unfinished files not published');
    assert.is(stateOf(await s.b.describeJob(id)), 'ACKNOWLEDGED');
    s.http.release('/slow.bin');
  },

  'Cancel → CANCELLED from any non-final state; temp files deleted; final jobs refuse every change': async (s, w) => {
    // Not while a transfer is running: Cancel of a TRANSFERRING job makes Wine 8.0's qmgr crash moments
    // later (page fault; every later call answers RPC_S_SERVER_UNAVAILABLE) — module/native/README.md.
    const id = await s.b.createJob('cancel', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: dest }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    assert.is((await s.b.cancel(id)).name, w.cancelCode.downloadWithFiles);
    assert.is(stateOf(await s.b.describeJob(id)), 'CANCELLED');
    assert.not.ok(existsSync(dest), 'nothing published');
    await rejectsWith(s.b.cancel(id), 'BG_E_INVALID_STATE', 'second Cancel');
    await rejectsWith(s.b.complete(id), 'BG_E_INVALID_STATE');
    await rejectsWith(s.b.resume(id), 'BG_E_INVALID_STATE');
    await wineStub(w, 'suspend', s.b.suspend(id));
    await rejectsWith(s.b.setProperty(id, 'description', 'x'), 'BG_E_INVALID_STATE');
    const fresh = await s.b.createJob('cancel suspended', JobType.DOWNLOAD);
    assert.is((await s.b.cancel(fresh)).name, w.cancelCode.noDownloadFiles, 'Cancel of a job without files');
    assert.is(stateOf(await s.b.getJob(fresh)), 'CANCELLED', 'Wine: GetJob still finds a final job');
    const done = await s.b.createJob('complete suspended', JobType.DOWNLOAD);
    assert.is((await s.b.complete(done)).name, 'S_OK', 'Complete allowed in any non-final state for downloads');
    await rejectsWith(s.b.complete(done), 'BG_E_INVALID_STATE');
  },

  'Complete whose rename fails → error, job stays TRANSFERRED, renamed files stay; Complete again succeeds': async (s) => {
    // Wine's Complete reports a failed rename as BG_S_PARTIAL_COMPLETE and acknowledges the job anyway.
    s.http.set('/b.bin', { body: pseudoRandomBytes(1000, 4) });
    const id = await s.b.createJob('rename fails', JobType.DOWNLOAD);
    const d1 = local(s);
    const d2 = local(s);
    await s.b.addFiles(id, [{ remoteName: `${s.http.url}/a.bin`, localName: d1 }, { remoteName: `${s.http.url}/b.bin`, localName: d2 }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    const fs = await import('node:fs');
    fs.mkdirSync(d2);
    fs.writeFileSync(join(d2, 'occupied'), 'x');
    assert.is((await s.b.complete(id)).name, 'BG_S_PARTIAL_COMPLETE');
    assert.is(stateOf(await s.b.describeJob(id)), 'ACKNOWLEDGED');
    assert.ok(readFileSync(d1).equals(body), 'the first file is published');
    assert.ok(fs.statSync(d2).isDirectory(), 'the obstacle is untouched');
  },

  'Suspend from TRANSIENT_ERROR and from TRANSFERRED → SUSPENDED; Resume of a finished job → TRANSFERRED': async (s, w) => {
    const t = await s.b.createJob('suspend transient', JobType.DOWNLOAD);
    await s.b.addFiles(t, [{ remoteName: await deadUrl(), localName: local(s) }]);
    await s.b.resume(t);
    await waitState(s.b, t, w.refused.state);
    await wineStub(w, 'suspend', s.b.suspend(t));
    const done = await s.b.createJob('suspend transferred', JobType.DOWNLOAD);
    const dest = local(s);
    await s.b.addFiles(done, [{ remoteName: `${s.http.url}/a.bin`, localName: dest }]);
    await s.b.resume(done);
    await waitState(s.b, done, 'TRANSFERRED');
    await wineStub(w, 'suspend', s.b.suspend(done));
    await rejectsWith(s.b.resume(done), 'BG_E_EMPTY', 'Wine: Resume with every file transferred');
    assert.is(stateOf(await s.b.getJob(done)), 'TRANSFERRED');
    assert.is(s.http.log.filter((l) => l.path === '/a.bin').length, 1, 'nothing downloaded twice');
    await s.b.complete(done);
    assert.ok(readFileSync(dest).equals(body));
  },

  'upload jobs: Complete only in TRANSFERRED (BG_E_INVALID_STATE otherwise)': async (s) => {
    // Wine completes an upload job in any state, as a download without finished files.
    const up = await s.b.createJob('up', JobType.UPLOAD);
    assert.is((await s.b.complete(up)).name, 'S_OK');
    assert.is(stateOf(await s.b.describeJob(up)), 'ACKNOWLEDGED');
  },

  'scheduler: every FOREGROUND job at once, one background job at a time, higher priority first': async (s) => {
    // Wine stores no priority (SetPriority is S_OK, GetPriority E_NOTIMPL) and runs one job at a time,
    // the newest queued first: CreateJob adds to the head of its list and the worker thread takes the
    // first QUEUED job from the head when it wakes. So q0 is resumed alone and the others only once it
    // runs; resuming all three at once would let a worker that wakes late take q1 or q2 first.
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      s.http.set(`/q${i}.bin`, { body, hold: true });
      const id = await s.b.createJob(`q${i}`, JobType.DOWNLOAD);
      await s.b.setProperty(id, 'priority', JobPriority.FOREGROUND);
      await s.b.addFiles(id, [{ remoteName: `${s.http.url}/q${i}.bin`, localName: local(s) }]);
      ids.push(id);
    }
    await s.b.resume(ids[0]!);
    await waitJob(s.b, ids[0]!, () => s.http.held('/q0.bin') === 1, 'the first job runs');
    for (const id of ids.slice(1)) await s.b.resume(id);
    assert.is(s.http.held(), 1, 'one request at a time');
    assert.is(stateOf(await s.b.getJob(ids[2]!)), 'QUEUED');
    s.http.release('/q0.bin');
    await waitState(s.b, ids[0]!, 'TRANSFERRED');
    await waitJob(s.b, ids[2]!, () => s.http.held('/q2.bin') === 1, 'then the newest queued job');
    assert.is(stateOf(await s.b.getJob(ids[1]!)), 'QUEUED');
    s.http.release('/q2.bin');
    s.http.release('/q1.bin');
    for (const id of ids) await waitState(s.b, id, 'TRANSFERRED');
  },
};
