// The session's connection (issue 13): what the upload worker and client do when the server keeps
// the session in the TCP connection, when that connection drops, when an error answer has no
// Content-Length, when Close-Session is refused after every byte was acknowledged, and when a job
// is cancelled — each against the fixture whose quirk it is about.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import type { JobRecord } from '../module/engine/job-record.js';
import { CANCEL_REASON, runUploadJob, type UploadHost } from '../module/engine/upload-worker.js';
import { SessionRestartLimitError } from '../module/engine/upload/resume-errors.js';
import type { SessionConnection } from '../module/engine/upload/session-connection.js';
import { cancelSession } from '../module/engine/upload/upload-client.js';
import { makeUploadFile, startBitsFixture, type UploadFileFixture } from './helpers/bits-fixture-server.js';
import { startQuirksServer } from './helpers/quirks-server.js';
import { makeTmpDir } from './helpers/tmp.js';
import { driveUpload } from './helpers/upload-driver.js';

const MiB = 1024 * 1024;
const tmp = await makeTmpDir('bits-session-conn');
const six: UploadFileFixture = await makeUploadFile(tmp.file('six.bin'), 6 * MiB);
const empty: UploadFileFixture = await makeUploadFile(tmp.file('empty.bin'), 0);
test.after(() => tmp.cleanup());

const bytesOf = (f: UploadFileFixture) => readFileSync(f.path);

test('session in the connection, connection dropped mid-upload: reconnect, Ping, 400 HTML = session gone, new session finishes on one connection', async () => {
  const server = await startQuirksServer({ sessionPerConnection: true, lostSessionStatus: 400, errorBodies: 'html', resetAt: [2] });
  try {
    const r = await driveUpload({ url: server.url('/six.bin'), localPath: six.path, maxAttempts: 1 });
    assert.is(r.attempts, 1, 'recovered within the call');
    assert.ok(server.files.get('/six.bin')!.equals(bytesOf(six)), 'byte-exact');
    assert.is(server.publications.get('/six.bin'), 1);
    assert.is(server.issuedIds.length, 2, 'a second session');
    const second = server.requests.filter((q) => q.connection === 2).map((q) => [q.packetType, q.status]);
    assert.equal(second.slice(0, 3), [['ping', 200], ['fragment', 400], ['create-session', 200]]);
    assert.equal(second.at(-1), ['close-session', 200]);
  } finally {
    await server.close();
  }
});

test('416 without Content-Length on keep-alive: not read to EOF, the connection (and the session in it) carries on', async () => {
  const server = await startQuirksServer({ sessionPerConnection: true, spurious416: true, noContentLengthOnErrors: true });
  try {
    const t = Date.now();
    await driveUpload({ url: server.url('/six.bin'), localPath: six.path, maxAttempts: 1, responseTimeoutMs: 5000 });
    assert.ok(Date.now() - t < 4000, 'no wait for a close');
    assert.is(server.issuedIds.length, 1, 'one session');
    assert.equal(new Set(server.requests.map((q) => q.connection)), new Set([1]), 'one connection');
    assert.is(server.requests.filter((q) => q.status === 416).length, 1);
    assert.ok(server.files.get('/six.bin')!.equals(bytesOf(six)));
  } finally {
    await server.close();
  }
});

test('a server that drops every fragment it gets: bounded new sessions, then fatal SessionRestartLimitError saying what to check', async () => {
  const server = await startQuirksServer({ sessionPerConnection: true, lostSessionStatus: 400, resetEvery: 1 });
  try {
    const e = await driveUpload({ url: server.url('/six.bin'), localPath: six.path, maxAttempts: 10 }).catch((x: Error) => x);
    assert.instance(e, SessionRestartLimitError);
    assert.is((e as SessionRestartLimitError).transient, false);
    assert.match((e as Error).message, /lost or refused 4 upload sessions in a row before taking a single byte/);
    assert.match((e as Error).message, /then Resume the job/);
    assert.is(server.issuedIds.length, 4);
  } finally {
    await server.close();
  }
});

test('Close-Session refused (400 HTML, no BITS headers) after the final Ack: delivered, never re-sent, the job is done', async () => {
  const fx = await startBitsFixture();
  try {
    fx.faults.canned = [{ match: (q) => q.packetType === 'Close-Session', status: 400, body: '<html>Bad Request</html>', times: 10 }];
    const r = await driveUpload({ url: fx.url('/six.bin'), localPath: six.path, maxAttempts: 1 });
    assert.is(r.job.upload!.closed, true);
    assert.match(r.log.join('\n'), /Close-Session answered as refused-after-upload/);
    const closes = fx.requests.filter((q) => q.packetType === 'Close-Session');
    assert.is(closes.length, 1, 'not re-sent (spec §7.2: never on 100–499)');
    assert.is(new Set(fx.requests.map((q) => q.socket)).size, 1, 'Create-Session to Close-Session on one connection');
  } finally {
    await fx.close();
  }
});

test('Close-Session 503: re-sent on the same connection (§7.2), then closed', async () => {
  const fx = await startBitsFixture();
  try {
    fx.faults.canned = [{ match: (q) => q.packetType === 'Close-Session', status: 503, headers: { 'BITS-Packet-Type': 'Ack' }, times: 2 }];
    const r = await driveUpload({ url: fx.url('/six.bin'), localPath: six.path, maxAttempts: 1 });
    assert.is(r.job.upload!.closed, true);
    assert.equal(fx.requests.filter((q) => q.packetType === 'Close-Session').map((q) => q.status), [503, 503, 200]);
    assert.is(new Set(fx.requests.map((q) => q.socket)).size, 1);
  } finally {
    await fx.close();
  }
});

test('0 bytes, Close refused once: the empty upload is sent again as Create-Session + Close-Session on one connection', async () => {
  const fx = await startBitsFixture();
  try {
    fx.faults.canned = [{ match: (q) => q.packetType === 'Close-Session', status: 400 }];
    const r = await driveUpload({ url: fx.url('/empty.bin'), localPath: empty.path, maxAttempts: 1 });
    assert.is(r.job.upload!.closed, true);
    const packets = fx.requests.map((q) => [q.packetType, q.status, q.socket]);
    assert.equal(packets.map((p) => p.slice(0, 2)), [['Create-Session', 200], ['Close-Session', 400], ['Create-Session', 200], ['Close-Session', 200]]);
    assert.is(packets[2]![2], packets[3]![2], 'the second session on one connection');
    assert.is(fx.requests.filter((q) => q.packetType === 'Fragment').length, 0, 'never an empty Fragment');
  } finally {
    await fx.close();
  }
});

test('Cancel between packets: the worker hands its idle connection over, Cancel-Session goes on it and closes it', async () => {
  const server = await startQuirksServer({ sessionPerConnection: true, lostSessionStatus: 400 });
  try {
    const ac = new AbortController();
    let handed = null as SessionConnection | null;
    const job = {
      id: 'cancel-job', type: 1, modifiedAt: 0, reply: null, upload: null,
      files: [{ index: 0, remoteName: server.url('/six.bin'), localName: six.path, tempName: '', bytesTotal: null, bytesTransferred: 0, transferred: false, completed: false, etag: null, lastModified: null, finalUrl: null }],
    } as unknown as JobRecord;
    const host: UploadHost = {
      connected: () => undefined,
      persist: (j) => {
        if (j.upload!.session.offset > 0) ac.abort(CANCEL_REASON); // the user cancels right after an Ack
      },
      replyProgress: () => undefined,
      replyPath: () => '',
      transport: () => undefined as never,
      now: () => Date.now(),
      handOver: (_j, c) => void (handed = c),
      // Progress is committed at the checkpoint rate: a checkpoint per byte makes every Ack a persist.
      options: { checkpointBytes: 1 },
    };
    const e = await runUploadJob(job, host, ac.signal).catch((x: Error) => x);
    assert.is((e as Error).name, 'AbortError');
    assert.ok(handed, 'the connection was handed over');
    const ended = await cancelSession({ url: server.url('/six.bin'), session: job.upload!.session, signal: AbortSignal.timeout(5000), connection: handed! });
    assert.is(ended, 'closed');
    const cancel = server.requests.find((q) => q.packetType === 'cancel-session')!;
    assert.is(cancel.status, 200, 'the server knew the session: same connection');
    assert.is(new Set(server.requests.map((q) => q.connection)).size, 1);
    assert.is(handed!.isClosed, true, 'closed after Cancel-Session');
    assert.is(server.files.has('/six.bin'), false, 'nothing published');
  } finally {
    await server.close();
  }
});

test.run();
