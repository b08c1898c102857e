// The upload client against our real BITS upload server (module/server): plain uploads of 0 B,
// 1 B, 1 MiB and 37 MiB published byte-exact on Close-Session, a suspended upload resumed from
// the persisted session, and an upload-reply whose reply comes back through the reply URL.
import { existsSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { downloadFile } from '../module/engine/http/download.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest, type UploadSessionState } from '../module/engine/upload/upload-port.js';
import { echoReply } from '../module/server/echo-reply.js';
import { startBitsServer, type RunningBitsServer } from '../module/server/serve.js';
import { makeUploadFile, type UploadFileFixture } from './helpers/bits-fixture-server.js';
import { makeTmpDir, sha256File, type TmpDir } from './helpers/tmp.js';

const MiB = 1024 * 1024;

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const tmp: TmpDir = await makeTmpDir('bits-upload-server');
let plain: RunningBitsServer;
let replying: RunningBitsServer;
try {
  await mkdir(tmp.file('plain'));
  await mkdir(tmp.file('replying/orders'), { recursive: true }); // target folders must exist (spec §7.4)
  plain = await startBitsServer({ root: tmp.file('plain'), urlPrefix: '/up' });
  replying = await startBitsServer({ root: tmp.file('replying'), urlPrefix: '/app', replyHandler: echoReply });
} catch (e) {
  await tmp.cleanup();
  throw e;
}
test.after(async () => {
  await Promise.all([plain?.close(), replying?.close()]);
  await tmp.cleanup();
});

function request(url: string, f: UploadFileFixture, extra: Partial<UploadRequest> = {}): { req: UploadRequest; states: UploadSessionState[] } {
  const states: UploadSessionState[] = [];
  return {
    states,
    req: {
      url,
      signal: new AbortController().signal,
      localPath: f.path,
      expectedFile: f.expectedFile,
      wantReply: false,
      session: { ...NEW_SESSION },
      onSession: (s) => void states.push(s),
      ...extra,
    },
  };
}

test('plain uploads of 0 B, 1 B, 1 MiB and 37 MiB are published byte-exact on Close-Session', async () => {
  for (const size of [0, 1, MiB, 37 * MiB]) {
    const f = await makeUploadFile(tmp.file(`src-${size}.bin`), size);
    const url = `${plain.url}dir-${size}.bin`;
    const { req } = request(url, f);
    const { session } = await uploadFile(req);
    assert.is(session.uploadComplete, true, `${size}`);
    assert.is(session.offset, size);
    assert.match(session.sessionId!, /^\{[0-9a-fA-F-]{36}\}$/);
    const published = tmp.file(`plain/dir-${size}.bin`);
    assert.not.ok(existsSync(published), 'nothing is published before Close-Session');
    await closeSession({ url, session, signal: new AbortController().signal });
    assert.ok(existsSync(published), `published ${size}`);
    assert.is(await sha256File(published), f.sha256, `${size} bytes`);
  }
});

test('suspended mid-upload (abort), resumed from the persisted session: Ping, then the rest; byte-exact', async () => {
  const f = await makeUploadFile(tmp.file('src-resume.bin'), 20 * MiB);
  const url = `${plain.url}resumed.bin`;
  const ac = new AbortController();
  const first = request(url, f, {
    signal: ac.signal,
    onSession: (s) => {
      first.states.push(s);
      if (s.offset >= 3 * MiB) ac.abort();
    },
  });
  const err = await uploadFile(first.req).catch((e: Error) => e);
  assert.is((err as Error).name, 'AbortError');
  const saved = first.states.at(-1)!;
  assert.ok(saved.offset >= 3 * MiB && saved.offset < f.size, `offset ${saved.offset}`);
  assert.is(saved.uploadComplete, false);

  const second = request(url, f, { session: saved });
  const { session } = await uploadFile(second.req);
  assert.is(session.sessionId, saved.sessionId, 'the same session continued');
  assert.ok(second.states.every((s) => s.offset >= saved.offset), 'never went back');
  await closeSession({ url, session, signal: new AbortController().signal });
  assert.is(await sha256File(tmp.file('plain/resumed.bin')), f.sha256);
});

test('upload-reply: the reply URL from the final Ack downloads the application reply; Close-Session after', async () => {
  for (const size of [1, MiB]) {
    const f = await makeUploadFile(tmp.file(`src-reply-${size}.bin`), size);
    const url = `${replying.url}orders/upload-${size}.bin?ACCOUNT=86433`;
    const { req } = request(url, f, { wantReply: true });
    const { session } = await uploadFile(req);
    assert.is(session.uploadComplete, true);
    assert.ok(session.replyUrl, 'a reply URL');
    assert.ok(session.replyUrl!.startsWith(replying.url), session.replyUrl!);
    assert.not.match(session.replyUrl!, /[\\{}]/, 'backslashes turned into slashes, braces encoded');
    const replyPath = tmp.file(`reply-${size}.tmp`);
    await downloadFile({ url: session.replyUrl!, tempPath: replyPath, offset: 0, validator: null, signal: new AbortController().signal });
    assert.is(await readFile(replyPath, 'utf8'), `received ${size} bytes sha256 ${f.sha256}`);
    await closeSession({ url, session, signal: new AbortController().signal });
    // Closed: the server deletes the reply.
    const gone = await downloadFile({ url: session.replyUrl!, tempPath: tmp.file(`gone-${size}.tmp`), offset: 0, validator: null, signal: new AbortController().signal }).catch((e: Error) => e);
    assert.instance(gone, Error);
  }
});

test.run();
