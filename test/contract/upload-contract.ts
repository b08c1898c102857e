// Contract rows for upload and upload-reply jobs (spec §3.3–§3.6, §4.1 Complete/Cancel, §7), run
// against every backend with our real BITS upload server on loopback: one server publishing plain
// uploads (notification type 0) and one with a reply handler (the server application).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { JobState, JobType } from '../../module/api/enums.js';
import { LIMITS } from '../../module/api/limits.js';
import type { Backend } from '../../module/api/port.js';
import { BitsAppError, startBitsServer, type RunningBitsServer } from '../../module/server/index.js';
import { rejectsWith, stateOf, waitJob, waitState } from '../helpers/assert-bits.js';
import { pseudoRandomBytes } from '../helpers/gate-server.js';
import type { ContractContext } from './contract-suite.js';
import { wineAware } from './wine-aware.js';
import { WINE_UPLOAD_ROWS } from './wine-rows-upload.js';

interface State {
  ctx: ContractContext;
  b: Backend;
  dir: string;
  plain: RunningBitsServer;
  replies: RunningBitsServer;
  notified: number;
}

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export function uploadContractSuite(name: string, makeBackend: () => Promise<ContractContext>) {
  const test = wineAware(suite<State>(`upload contract: ${name}`), WINE_UPLOAD_ROWS);
  let n = 0;

  test.before.each(async (s) => {
    // A hook that throws after a failed before.each would make uvu drop the failure (and exit 0): start clean, clean up what exists.
    for (const k of ['ctx', 'b', 'dir', 'plain', 'replies'] as const) delete (s as Partial<State>)[k];
    s.ctx = await makeBackend();
    s.b = s.ctx.backend;
    s.dir = mkdtempSync(join(tmpdir(), 'bj2-up-'));
    mkdirSync(join(s.dir, 'plain'));
    mkdirSync(join(s.dir, 'replies'));
    s.notified = 0;
    s.plain = await startBitsServer({ root: join(s.dir, 'plain') });
    s.replies = await startBitsServer({
      root: join(s.dir, 'replies'),
      replyHandler: ({ uploadPath, query }) => {
        s.notified++;
        const data = readFileSync(uploadPath);
        if (query.includes('big')) return { reply: Buffer.alloc(LIMITS.replyDataMax + 1, 0x61) };
        if (query.includes('none')) return undefined;
        if (query.includes('forbidden')) throw new BitsAppError(403, 'not for you');
        if (query.includes('busy')) throw new BitsAppError(503, 'try later');
        if (query.includes('static404')) return { staticResponseUrl: `${s.plain.url}no-such-reply.bin` };
        return { reply: `got ${data.length} ${sha(data)}`, copyToDestination: true };
      },
    });
  });
  test.after.each(async (s) => {
    await s.ctx?.cleanup();
    await s.plain?.close();
    await s.replies?.close();
    if (s.dir) rmSync(s.dir, { recursive: true, force: true });
  });

  /** The generated reply file name, checked against what the backend documents about it (EngineFacts). */
  const generatedReplyName = async (s: State, src: string, id: string): Promise<string> => {
    const name = await s.b.getReplyFileName(id);
    assert.ok(name !== null, 'a reply file name once the upload file is known');
    if (s.ctx.generatedReplyName === 'in-upload-directory') {
      assert.is(dirname(name), dirname(src), `the generated reply file ${name} is in the upload file's directory`);
      assert.is.not(name, src, 'the reply file is not the upload file');
    } else {
      assert.is(name, s.ctx.generatedReplyName(src, id));
    }
    return name;
  };

  const source = (s: State, bytes: Buffer) => {
    const p = join(s.dir, `src${++n}.bin`);
    writeFileSync(p, bytes);
    return p;
  };

  for (const size of [0, 1, 1024 * 1024]) {
    test(`UPLOAD of ${size} B → TRANSFERRED; the server has the exact bytes; Complete → ACKNOWLEDGED`, async (s) => {
      const bytes = pseudoRandomBytes(size, 11);
      const id = await s.b.createJob(`up ${size}`, JobType.UPLOAD);
      await s.b.addFiles(id, [{ remoteName: `${s.plain.url}up${size}.bin`, localName: source(s, bytes) }]);
      const added = await s.b.getJob(id);
      assert.equal(added.progress, { bytesTotal: size, bytesTransferred: 0, filesTotal: 1, filesTransferred: 0 }, 'upload size known at AddFile');
      await rejectsWith(s.b.getReplyProgress(id), 'E_NOTIMPL');
      await rejectsWith(s.b.setReplyFileName(id, join(s.dir, 'r')), 'E_NOTIMPL');
      await s.b.resume(id);
      const done = await waitState(s.b, id, 'TRANSFERRED');
      assert.equal(done.progress, { bytesTotal: size, bytesTransferred: size, filesTotal: 1, filesTransferred: 1 });
      const published = join(s.dir, 'plain', `up${size}.bin`);
      assert.ok(existsSync(published), 'Close-Session published the upload before TRANSFERRED');
      assert.is(sha(readFileSync(published)), sha(bytes));
      assert.is((await s.b.complete(id)).name, 'S_OK');
      assert.is(stateOf(await s.b.describeJob(id)), 'ACKNOWLEDGED');
      assert.equal(readdirSync(join(s.dir, 'plain', 'BITS-Sessions', 'Requests')), [], 'no session left on the server');
    });
  }

  test('UPLOAD_REPLY: generated reply name, reply progress, reply data, Complete publishes the reply file', async (s) => {
    const bytes = pseudoRandomBytes(300_000, 12);
    const src = source(s, bytes);
    const id = await s.b.createJob('reply', JobType.UPLOAD_REPLY);
    assert.is(await s.b.getReplyFileName(id), null, 'no name and no file yet');
    assert.equal(await s.b.getReplyProgress(id), { bytesTotal: null, bytesTransferred: 0 });
    await rejectsWith(s.b.getReplyData(id), 'BG_E_INVALID_STATE', 'before TRANSFERRED');
    await s.b.addFiles(id, [{ remoteName: `${s.replies.url}inventory.bin`, localName: src }]);
    const replyName = await generatedReplyName(s, src, id);
    await s.b.resume(id);
    const done = await waitState(s.b, id, 'TRANSFERRED');
    const expected = Buffer.from(`got ${bytes.length} ${sha(bytes)}`);
    assert.equal(done.replyProgress, { bytesTotal: expected.length, bytesTransferred: expected.length });
    assert.is(done.replyFileName, replyName);
    assert.is(Buffer.from(await s.b.getReplyData(id), 'base64').toString(), expected.toString());
    await rejectsWith(s.b.setReplyFileName(id, join(s.dir, 'late.reply')), 'BG_E_INVALID_STATE', 'after the reply arrived');
    assert.not.ok(existsSync(replyName), 'the reply file appears only at Complete');
    assert.is(s.notified, 1, 'the application saw the upload once');
    await s.b.complete(id);
    assert.is(readFileSync(replyName).toString(), expected.toString());
    assert.is(Buffer.from(await s.b.getReplyData(id), 'base64').toString(), expected.toString(), 'readable after Complete too');
    assert.is(sha(readFileSync(join(s.dir, 'replies', 'inventory.bin'))), sha(bytes), 'copy-to-destination published the upload');
  });

  test('SetReplyFileName: validation, explicit name used, "" / null back to the generated one', async (s) => {
    const id = await s.b.createJob('reply name', JobType.UPLOAD_REPLY);
    await rejectsWith(s.b.setReplyFileName(id, 'relative.reply'), 'E_INVALIDARG');
    await rejectsWith(s.b.setReplyFileName(id, join(s.dir, 'missing-dir', 'r.reply')), 'E_INVALIDARG');
    await rejectsWith(s.b.setReplyFileName(id, join(s.dir, 'x'.repeat(LIMITS.MAX_PATH))), 'E_INVALIDARG');
    const explicit = join(s.dir, 'explicit.reply');
    await s.b.setReplyFileName(id, explicit);
    assert.is(await s.b.getReplyFileName(id), explicit);
    await s.b.setReplyFileName(id, '');
    assert.is(await s.b.getReplyFileName(id), null);
    await s.b.setReplyFileName(id, explicit);
    const src = source(s, Buffer.from('hello'));
    await s.b.addFiles(id, [{ remoteName: `${s.replies.url}hello.bin`, localName: src }]);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    await s.b.complete(id);
    assert.match(readFileSync(explicit, 'utf8'), /^got 5 /);
    assert.equal(readdirSync(s.dir).filter((f) => f !== 'explicit.reply' && f !== basename(src) && f !== 'plain' && f !== 'replies'), [], 'no generated reply file (or temp) beside the explicit one');
  });

  test('a reply over 1 MiB: GetReplyData → BG_E_TOO_LARGE with the size; the reply file has it all', async (s) => {
    const id = await s.b.createJob('big reply', JobType.UPLOAD_REPLY);
    const src = source(s, Buffer.from('x'));
    await s.b.addFiles(id, [{ remoteName: `${s.replies.url}big.bin?big=1`, localName: src }]);
    const replyName = await generatedReplyName(s, src, id);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    const e = await rejectsWith(s.b.getReplyData(id), 'BG_E_TOO_LARGE');
    assert.equal(e.data, { size: LIMITS.replyDataMax + 1 });
    await s.b.complete(id);
    assert.is(readFileSync(replyName).length, LIMITS.replyDataMax + 1);
  });

  test('no reply from the application → empty reply data and an empty reply file', async (s) => {
    const id = await s.b.createJob('no reply', JobType.UPLOAD_REPLY);
    const src = source(s, Buffer.from('quiet'));
    await s.b.addFiles(id, [{ remoteName: `${s.replies.url}quiet.bin?none=1`, localName: src }]);
    const replyName = await generatedReplyName(s, src, id);
    await s.b.resume(id);
    const j = await waitState(s.b, id, 'TRANSFERRED');
    assert.equal(j.replyProgress, { bytesTotal: 0, bytesTransferred: 0 });
    assert.is(await s.b.getReplyData(id), '');
    await s.b.complete(id);
    assert.is(readFileSync(replyName).length, 0);
  });

  test('application 403 → ERROR, context REMOTE_APPLICATION; 503 → TRANSIENT_ERROR; reply URL 404 → ERROR after the upload', async (s) => {
    const forbidden = await s.b.createJob('403', JobType.UPLOAD_REPLY);
    await s.b.addFiles(forbidden, [{ remoteName: `${s.replies.url}f.bin?forbidden=1`, localName: source(s, Buffer.from('a')) }]);
    await s.b.resume(forbidden);
    const e = (await waitState(s.b, forbidden, 'ERROR')).error!;
    assert.is(e.name, 'BG_E_HTTP_ERROR_403');
    assert.is(e.contextName, 'REMOTE_APPLICATION');
    assert.is((await s.b.getReplyProgress(forbidden)).bytesTotal, null, 'the upload part failed: reply total still unknown');

    const busy = await s.b.createJob('503', JobType.UPLOAD_REPLY);
    await s.b.addFiles(busy, [{ remoteName: `${s.replies.url}b.bin?busy=1`, localName: source(s, Buffer.from('b')) }]);
    await s.b.resume(busy);
    const t = (await waitState(s.b, busy, 'TRANSIENT_ERROR')).error!;
    assert.is(t.name, 'BG_E_HTTP_ERROR_503');

    const lost = await s.b.createJob('reply 404', JobType.UPLOAD_REPLY);
    await s.b.addFiles(lost, [{ remoteName: `${s.replies.url}l.bin?static404=1`, localName: source(s, Buffer.from('c')) }]);
    await s.b.resume(lost);
    const r = await waitState(s.b, lost, 'ERROR');
    assert.is(r.error!.name, 'BG_E_HTTP_ERROR_404');
    assert.is(r.progress.filesTransferred, 1, 'the upload itself finished');
  });

  test('Cancel of an upload-reply job → CANCELLED, nothing left behind locally', async (s) => {
    const id = await s.b.createJob('cancel reply', JobType.UPLOAD_REPLY);
    const src = source(s, pseudoRandomBytes(1000, 3));
    await s.b.addFiles(id, [{ remoteName: `${s.replies.url}c.bin`, localName: src }]);
    const replyName = await generatedReplyName(s, src, id);
    await s.b.resume(id);
    await waitState(s.b, id, 'TRANSFERRED');
    assert.is((await s.b.cancel(id)).name, 'S_OK');
    assert.equal(readdirSync(s.dir).filter((f) => f.includes('.reply') || f === basename(replyName) || s.ctx.tempFilePattern.test(f)), [], 'reply temp deleted');
    await rejectsWith(s.b.getReplyData(id), 'BG_E_INVALID_STATE');
    assert.ok(existsSync(src), 'the local upload file is never touched');
  });

  test('local file changed during the upload → ERROR BG_E_LOCAL_FILE_CHANGED, context LOCAL_FILE', async (s) => {
    // The source changes between the job's first start (which records size and time stamp) and its retry.
    const id2 = await s.b.createJob('changed 2', JobType.UPLOAD);
    const src2 = source(s, pseudoRandomBytes(4096, 6));
    const closed = await startBitsServer({ root: join(s.dir, 'plain') });
    const url = `${closed.url}changed2.bin`;
    await closed.close();
    await s.b.addFiles(id2, [{ remoteName: url, localName: src2 }]);
    await s.b.resume(id2);
    await waitState(s.b, id2, 'TRANSIENT_ERROR');
    writeFileSync(src2, pseudoRandomBytes(5000, 7));
    await s.b.resume(id2);
    const j = await waitJob(s.b, id2, (x) => x.state === JobState.ERROR, 'ERROR');
    assert.is(j.error!.name, 'BG_E_LOCAL_FILE_CHANGED');
    assert.is(j.error!.contextName, 'LOCAL_FILE');
  });

  return test;
}
