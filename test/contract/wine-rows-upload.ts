// The Wine bodies of the upload contract's rows (test/contract/upload-contract.ts). Wine's BITS has
// no BITS upload protocol: an upload or upload-reply job is transferred like a download — a GET of
// the upload URL, which our BITS upload server answers with 404 — so every row asserts that ending
// (ERROR, BG_E_HTTP_ERROR_404, REMOTE_FILE, nothing reached the server) and the IBackgroundCopyJob2
// reply methods' E_NOTIMPL; see wine-facts.ts.
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as assert from 'uvu/assert';
import { JobType } from '../../module/api/enums.js';
import type { Backend } from '../../module/api/port.js';
import { rejectsWith, waitState } from '../helpers/assert-bits.js';
import type { RunningBitsServer } from '../../module/server/index.js';
import { pseudoRandomBytes } from '../helpers/gate-server.js';
import type { ContractContext } from './contract-suite.js';
import type { WineFacts } from './wine-facts.js';
import { wineCancel, wineStub, type WineRow } from './wine-aware.js';

interface S { ctx: ContractContext; b: Backend; dir: string; plain: RunningBitsServer; replies: RunningBitsServer; notified: number }
let n = 0;

/** An upload(-reply) job of `size` bytes to `server`: Wine GETs the URL and ends in ERROR with the server's 404. */
async function uploadEndsIn404(s: S, w: WineFacts, type: number, server: RunningBitsServer, query = ''): Promise<string> {
  const root = join(s.dir, server === s.plain ? 'plain' : 'replies');
  const src = join(s.dir, `wsrc${++n}.bin`);
  writeFileSync(src, pseudoRandomBytes(1000, 11));
  const remote = `${server.url}wup${n}.bin${query}`;
  const id = await s.b.createJob(`wine upload ${n}`, type);
  await s.b.addFiles(id, [{ remoteName: remote, localName: src }]);
  assert.is((await s.b.getJob(id)).progress.bytesTotal, null, 'Wine: no size before the transfer, even for an upload');
  if (type === JobType.UPLOAD_REPLY) {
    await wineStub(w, 'getReplyFileName', s.b.getReplyFileName(id));
    await wineStub(w, 'setReplyFileName', s.b.setReplyFileName(id, join(s.dir, 'reply.txt')));
    await wineStub(w, 'getReplyProgress', s.b.getReplyProgress(id));
  }
  await s.b.resume(id);
  await waitState(s.b, id, w.uploadEndsIn.state);
  const e = await s.b.getError(id);
  assert.equal([e.name, e.contextName], [w.uploadEndsIn.name, w.uploadEndsIn.context], 'the upload server answered the GET with 404');
  assert.is(e.file?.remoteName, remote);
  assert.equal(readdirSync(root).filter((f) => f.startsWith('wup')), [], 'nothing was uploaded');
  assert.is(s.notified, 0, 'the server application never ran');
  return id;
}

const upload: WineRow<S> = async (s, w) => {
  const id = await uploadEndsIn404(s, w, JobType.UPLOAD, s.plain);
  await wineCancel(w, s.b, id);
};
const reply: WineRow<S> = async (s, w) => {
  const id = await uploadEndsIn404(s, w, JobType.UPLOAD_REPLY, s.replies);
  await wineStub(w, 'getReplyData', s.b.getReplyData(id));
  await wineCancel(w, s.b, id);
};

export const WINE_UPLOAD_ROWS: Record<string, WineRow<S>> = {
  ...Object.fromEntries([0, 1, 1024 * 1024].map((size) => [`UPLOAD of ${size} B → TRANSFERRED; the server has the exact bytes; Complete → ACKNOWLEDGED`, upload])),
  'UPLOAD_REPLY: generated reply name, reply progress, reply data, Complete publishes the reply file': reply,
  'SetReplyFileName: validation, explicit name used, "" / null back to the generated one': async (s, w) => {
    const id = await s.b.createJob('reply name', JobType.UPLOAD_REPLY);
    await wineStub(w, 'setReplyFileName', s.b.setReplyFileName(id, 'relative.txt'));
    await wineStub(w, 'setReplyFileName', s.b.setReplyFileName(id, null));
    await wineStub(w, 'getReplyFileName', s.b.getReplyFileName(id));
  },
  'a reply over 1 MiB: GetReplyData → BG_E_TOO_LARGE with the size; the reply file has it all': async (s, w) => {
    const id = await uploadEndsIn404(s, w, JobType.UPLOAD_REPLY, s.replies, '?big');
    await wineStub(w, 'getReplyData', s.b.getReplyData(id));
  },
  'no reply from the application → empty reply data and an empty reply file': async (s, w) => {
    const id = await uploadEndsIn404(s, w, JobType.UPLOAD_REPLY, s.replies, '?none');
    await wineStub(w, 'getReplyData', s.b.getReplyData(id));
  },
  'application 403 → ERROR, context REMOTE_APPLICATION; 503 → TRANSIENT_ERROR; reply URL 404 → ERROR after the upload': async (s, w) => {
    for (const q of ['?forbidden', '?busy', '?static404']) await uploadEndsIn404(s, w, JobType.UPLOAD_REPLY, s.replies, q);
  },
  'Cancel of an upload-reply job → CANCELLED, nothing left behind locally': reply,
  'local file changed during the upload → ERROR BG_E_LOCAL_FILE_CHANGED, context LOCAL_FILE': async (s, w) => {
    const id = await uploadEndsIn404(s, w, JobType.UPLOAD, s.plain);
    await rejectsWith(s.b.suspend(id), w.stubs.suspend!.code);
    assert.ok(!existsSync(join(s.dir, 'plain', `wup${n}.bin`)));
  },
};
