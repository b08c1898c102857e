// A session continued after our own interruption, against a server that names no range and keeps
// the bytes of a cut-off Fragment (issue 13's quirky servers; the case reliability/
// kill-upload-quirks hit at random when several kills in a row each landed in a session's first
// Fragment): the server refuses the recorded offset with 416 twice, so the client starts a new
// session — but that session took bytes, so the restart must not count towards the "sessions in a
// row without progress" bound. Sessions the call makes itself still count (upload-client-errors'
// 416 loop stays fatal after four).
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { SessionRestartLimitError } from '../module/engine/upload/resume-errors.js';
import { closeSession } from '../module/engine/upload/session-end.js';
import { uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest, type UploadSessionState } from '../module/engine/upload/upload-port.js';
import { makeUploadFile, startBitsFixture, type UploadFileFixture } from './helpers/bits-fixture-server.js';
import { startQuirksServer } from './helpers/quirks-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const MiB = 1024 * 1024;
const tmp = await makeTmpDir('bits-continued-session');
const file: UploadFileFixture = await makeUploadFile(tmp.file('three.bin'), 1.5 * MiB);
test.after(() => tmp.cleanup());

function request(url: string, session: UploadSessionState, signal: AbortSignal, states: UploadSessionState[]): UploadRequest {
  return { url, signal, localPath: file.path, expectedFile: file.expectedFile, wantReply: false, session, onSession: (s) => void states.push(s) };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

test('a continued session a no-range server refuses after it kept unacknowledged bytes: a new session, not counted; the upload completes', async () => {
  // 256 KiB/s: the first 1 MiB Fragment is still on the wire when the call is cut off.
  const server = await startQuirksServer({ noRange: true, strict416: true, keepPartial: true, bytesPerSecond: 256 * 1024 });
  try {
    const url = server.url('/three.bin');
    const cut = new AbortController();
    const before: UploadSessionState[] = [];
    const first = uploadFile(request(url, { ...NEW_SESSION }, cut.signal, before)).catch((e: unknown) => e);
    while (!before.some((s) => s.sessionId !== null)) await sleep(10);
    await sleep(600); // ~150 KiB of the Fragment reach the server
    cut.abort(new Error('the service was killed'));
    assert.instance(await first, Error);
    const recorded = before.at(-1)!;
    assert.equal([recorded.offset, recorded.uploadComplete], [0, false], 'no Fragment was acknowledged');
    await sleep(200); // the server sees the connection end and keeps what it read

    // Three earlier sessions were lost the same way (as after three kills): the old rule made this
    // restart the fourth in a row, and the job ERROR.
    const states: UploadSessionState[] = [];
    const { session } = await uploadFile(request(url, { ...recorded, sessionsWithoutProgress: 3 }, new AbortController().signal, states));
    const restart = states.find((s) => s.sessionId === null)!;
    assert.ok(restart, 'the refused session was given up for a new one');
    assert.is(restart.sessionsWithoutProgress, 3, 'that restart is not counted');
    const forRecorded = server.requests.filter((r) => r.sessionId === recorded.sessionId && r.packetType === 'fragment').map((r) => r.status);
    assert.equal(forRecorded.slice(-2), [416, 416], 'the server refused offset 0 of the continued session twice');
    assert.is(session.uploadComplete, true);
    assert.is(session.sessionsWithoutProgress, undefined, 'bytes taken: the count starts again');
    assert.is(await closeSession({ url, session, signal: new AbortController().signal }), 'closed');
    assert.ok(server.files.get('/three.bin')?.equals(readFileSync(file.path)), 'published byte-exact at Close-Session');
  } finally {
    await server.close();
  }
});

test('the same refusal of sessions this call made is counted: a server that always answers 416 without a range still ends', async () => {
  const fx = await startBitsFixture();
  try {
    fx.faults.canned = [{ match: (r) => r.packetType === 'Fragment', status: 416, headers: { 'BITS-Packet-Type': 'Ack' }, times: 1000 }];
    // A fresh upload: four sessions of its own, each refused twice, then fatal.
    const fresh = await uploadFile(request(fx.url(), { ...NEW_SESSION }, new AbortController().signal, [])).catch((x: unknown) => x);
    assert.instance(fresh, SessionRestartLimitError);
    // A continued session (uncounted) and then one of the call's own (the fourth): fatal as well.
    const states: UploadSessionState[] = [];
    const created = (await uploadFile(request(fx.url(), { ...NEW_SESSION }, new AbortController().signal, states)).catch(() => undefined), states.find((s) => s.sessionId !== null)!);
    const continued = await uploadFile(request(fx.url(), { ...created, sessionsWithoutProgress: 3 }, new AbortController().signal, [])).catch((x: unknown) => x);
    assert.instance(continued, SessionRestartLimitError);
    assert.match((continued as Error).message, /4 upload sessions in a row/);
  } finally {
    await fx.close();
  }
});

test.run();
