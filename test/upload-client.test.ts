// BITS Upload Protocol client against the raw-socket fixture server: packets on the wire, bytes
// that arrive exactly (also across resets, lost Acks, 416/413 and lost sessions), web-farm host ids,
// upload-reply URLs and the persisted session state a later call resumes from.
import { appendFile, utimes } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext, nameOf } from '../module/api/enums.js';
import { hresultName } from '../module/api/hresult.js';
import { downloadFile } from '../module/engine/http/download.js';
import { HttpTransferError } from '../module/engine/http/errors.js';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION, type UploadRequest, type UploadSessionState } from '../module/engine/upload/upload-port.js';
import { makeUploadFile, sha256Of, startBitsFixture, type BitsFixture, type FixtureRequest, type UploadFileFixture } from './helpers/bits-fixture-server.js';
import { makeTmpDir, type TmpDir } from './helpers/tmp.js';
import { transferFailure } from './helpers/assert-bits.js';

const MiB = 1024 * 1024;

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const tmp: TmpDir = await makeTmpDir('bits-upload-client');
let fx: BitsFixture;
try {
  fx = await startBitsFixture();
} catch (e) {
  await tmp.cleanup();
  throw e;
}
test.after(async () => {
  await fx.close();
  await tmp.cleanup();
});

let fileNo = 0;
function file(size: number): Promise<UploadFileFixture> {
  return makeUploadFile(tmp.file(`up${++fileNo}.bin`), size);
}

/** Clears the faults a previous test left and returns the request-log mark for this test. */
function fresh(): number {
  for (const k of Object.keys(fx.faults)) delete (fx.faults as Record<string, unknown>)[k];
  return fx.requests.length;
}
const since = (mark: number): FixtureRequest[] => fx.requests.slice(mark);
const fragments = (rs: FixtureRequest[]): FixtureRequest[] => rs.filter((r) => r.packetType === 'Fragment');

interface Recorded {
  states: UploadSessionState[];
  connected: number;
}

function request(f: UploadFileFixture, extra: Partial<UploadRequest> = {}): { req: UploadRequest; rec: Recorded } {
  const rec: Recorded = { states: [], connected: 0 };
  const req: UploadRequest = {
    url: fx.url(),
    signal: new AbortController().signal,
    localPath: f.path,
    expectedFile: f.expectedFile,
    wantReply: false,
    session: { ...NEW_SESSION },
    onSession: (s) => {
      rec.states.push(s);
    },
    onConnected: () => rec.connected++,
    ...extra,
  };
  return { req, rec };
}

const failure = (p: Promise<unknown>) => transferFailure(p, 'the upload');

function assertFailure(e: HttpTransferError, name: string, transient: boolean, context: keyof typeof ErrorContext): void {
  assert.is(hresultName(e.hresult), name, e.message);
  assert.is(e.transient, transient, `transient for ${name}: ${e.message}`);
  assert.is(String(nameOf(ErrorContext, e.context)), context, e.message);
}

function headerNamed(r: FixtureRequest, name: string): [string, string] | undefined {
  return r.rawHeaders.find(([k]) => k.toLowerCase() === name.toLowerCase());
}

test('Create-Session and Fragment are spelled the way Windows sends them', async () => {
  const mark = fresh();
  const f = await file(3 * MiB - 5);
  const { req } = request(f);
  await uploadFile(req);
  const rs = since(mark);
  const create = rs[0]!;
  assert.is(create.method, 'BITS_POST');
  assert.equal(headerNamed(create, 'BITS-Packet-Type'), ['BITS-Packet-Type', 'Create-Session']);
  assert.equal(headerNamed(create, 'BITS-Supported-Protocols'), ['BITS-Supported-Protocols', '{7df0354d-249b-430f-820d-3d2a9bef4931}']);
  assert.is(create.headers['content-length'], '0');
  assert.is(create.headers['accept'], '*/*');
  assert.match(create.headers['user-agent']!, /^bits-job2\/\d+\.\d+\.\d+\S* \(Microsoft BITS\/7\.8 compatible\)$/);
  assert.is(create.headers['connection']?.toLowerCase(), 'keep-alive');
  assert.is(create.headers['bits-session-id'], undefined);
  assert.is(create.bodyLength, 0);

  const frags = fragments(rs);
  assert.is(frags.length, 2, 'a 1 MiB fragment, then (fast acks) a 2 MiB one');
  const [a, b] = frags as [FixtureRequest, FixtureRequest];
  assert.equal(headerNamed(a, 'Content-Range'), ['Content-Range', `bytes 0-${MiB - 1}/${3 * MiB - 5}`]);
  assert.equal(headerNamed(b, 'Content-Range'), ['Content-Range', `bytes ${MiB}-${3 * MiB - 6}/${3 * MiB - 5}`]);
  assert.is(a.headers['content-length'], String(MiB));
  assert.is(a.bodyLength, MiB);
  assert.equal(headerNamed(a, 'Content-Name'), ['Content-Name', f.path.split('/').pop()]);
  assert.equal(headerNamed(a, 'BITS-Packet-Type'), ['BITS-Packet-Type', 'Fragment']);
  assert.is(a.headers['transfer-encoding'], undefined, 'never chunked');
  assert.is(a.headers['content-encoding'], undefined);
  assert.ok(rs.every((r) => r.target === '/uploads/file.bin'));
});

test('an odd session id is echoed byte for byte; one connection carries the whole session', async () => {
  const mark = fresh();
  const odd = `{odd} ~!#$%&'*+-.^_\`|~ (x)[y]<z>@"q" ;=?/\\ ${'s'.repeat(40)} end`.slice(0, 100);
  assert.ok(odd.length <= 100);
  fx.faults.sessionId = () => odd;
  const f = await file(4 * MiB);
  const { req, rec } = request(f);
  const { session } = await uploadFile(req);
  assert.is(session.sessionId, odd);
  const packets = fx.packetsOf(odd);
  assert.is(packets.length, since(mark).length);
  assert.ok(fragments(packets).length >= 2);
  for (const p of fragments(packets)) assert.equal(headerNamed(p, 'BITS-Session-Id'), ['BITS-Session-Id', odd]);
  assert.equal(new Set(packets.map((p) => p.socket)).size, 1, 'every packet of the session on one keep-alive connection');
  assert.is(sha256Of(fx.uploaded(odd)), f.sha256);
  assert.is(rec.connected, 1);
  // The call's connection is gone once it returns.
  await waitFor(() => fx.openSockets() === 0, 'client closed its connection');
});

test('0-byte file: Create-Session and no Fragment; complete with no reply, even for upload-reply', async () => {
  for (const wantReply of [false, true]) {
    const mark = fresh();
    const f = await file(0);
    const { req, rec } = request(f, { wantReply });
    const { session } = await uploadFile(req);
    assert.equal(since(mark).map((r) => r.packetType), ['Create-Session']);
    assert.is(session.uploadComplete, true);
    assert.is(session.replyUrl, null);
    assert.is(session.offset, 0);
    assert.equal(rec.states.at(-1), session);
  }
});

test('1 B, 1 MiB and 37 MiB arrive byte-exact; fragments grow from 1 MiB up to 13 MiB, never beyond', async () => {
  for (const size of [1, MiB, 37 * MiB]) {
    const mark = fresh();
    const f = await file(size);
    const { req, rec } = request(f);
    const { session } = await uploadFile(req);
    assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256, `${size} bytes`);
    assert.is(session.offset, size);
    assert.is(session.uploadComplete, true);
    const frags = fragments(since(mark));
    const lengths = frags.map((r) => r.bodyLength);
    assert.is(lengths.reduce((a, b) => a + b, 0), size, 'each byte sent once');
    // Every Ack was reported, in order, before the next packet.
    assert.equal(rec.states.slice(1).map((s) => s.offset), frags.map((r) => r.range!.last + 1));
    if (size === 37 * MiB) {
      assert.is(lengths[0], MiB);
      assert.is(Math.max(...lengths), 13 * MiB, `lengths ${lengths}`);
      assert.ok(lengths.every((l) => l <= 13 * MiB));
    }
  }
});

test('reset mid-fragment: transient, state persisted; the next call pings and re-sends no acknowledged byte', async () => {
  const mark = fresh();
  const f = await file(6 * MiB);
  fx.faults.resetFragment = { afterBytes: 100_000, times: 1, skip: 2 };
  const first = request(f, { reconnects: 0 }); // the engine's next attempt, as after a kill
  const e = await failure(uploadFile(first.req));
  assertFailure(e, 'ERROR_INTERNET_CONNECTION_RESET', true, 'GENERAL_TRANSPORT');
  const saved = first.rec.states.at(-1)!;
  assert.is(saved.offset, 3 * MiB, 'two fragments (1 + 2 MiB) were acknowledged');
  assert.is(saved.uploadComplete, false);

  const resumeMark = fx.requests.length;
  const second = request(f, { session: saved });
  const { session } = await uploadFile(second.req);
  const resumed = since(resumeMark);
  assert.is(resumed[0]!.packetType, 'Ping', 'resume starts with Ping');
  assert.is(resumed[0]!.headers['bits-session-id'], undefined);
  assert.is(fragments(resumed)[0]!.range!.first, saved.offset);
  assert.is(session.sessionId, saved.sessionId);
  // Acknowledged fragments tile the file exactly: nothing acknowledged was sent twice.
  const acked = fragments(since(mark)).filter((r) => r.status === 200);
  let next = 0;
  for (const r of acked) {
    assert.is(r.range!.first, next);
    next = r.range!.last + 1;
  }
  assert.is(next, f.size);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('lost Ack: the server kept the fragment; the resumed re-send is answered 200 with the new offset', async () => {
  const mark = fresh();
  const f = await file(2 * MiB);
  fx.faults.dropAck = 1;
  const first = request(f, { reconnects: 0 }); // the engine's next attempt, as after a kill
  await failure(uploadFile(first.req));
  const saved = first.rec.states.at(-1)!;
  assert.is(saved.offset, 0, 'the client never saw the Ack');
  const second = request(f, { session: saved });
  const { session } = await uploadFile(second.req);
  const frags = fragments(since(mark));
  assert.equal(frags.map((r) => [r.range!.first, r.bodyLength, r.status]), [
    [0, MiB, undefined],
    [0, MiB, 200],
    [MiB, MiB, 200],
  ]);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('416 moves the offset backward (server lost data) and forward (server has more)', async () => {
  // Backward: the server lost the bytes after 100 000.
  let mark = fresh();
  const f = await file(3 * MiB);
  fx.faults.resetFragment = { afterBytes: 10, times: 1, skip: 1 };
  const first = request(f, { reconnects: 0 }); // the engine's next attempt, as after a kill
  await failure(uploadFile(first.req));
  const saved = first.rec.states.at(-1)!;
  assert.is(saved.offset, MiB);
  fx.truncateSession(saved.sessionId!, 100_000);
  const second = request(f, { session: saved });
  const { session } = await uploadFile(second.req);
  const after = fragments(since(mark)).slice(2);
  assert.equal(after.slice(0, 2).map((r) => [r.range!.first, r.status]), [
    [MiB, 416],
    [100_000, 200],
  ]);
  assert.ok(second.rec.states.some((s) => s.offset === 100_000), 'the 416 offset was persisted');
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);

  // Forward: another connection already delivered up to 2 MiB + 7.
  mark = fresh();
  const g = await file(3 * MiB);
  const content = readFileSync(g.path);
  fx.faults.forwardJump = { to: 2 * MiB + 7, content: (start, length) => content.subarray(start, start + length) };
  const third = request(g);
  const result = await uploadFile(third.req);
  const frags = fragments(since(mark));
  assert.equal(frags.map((r) => [r.range!.first, r.status]), [
    [0, 416],
    [2 * MiB + 7, 200],
  ]);
  assert.is(sha256Of(fx.uploaded(result.session.sessionId!)), g.sha256);
});

test('413 halves the fragment and it never grows back above that size', async () => {
  const mark = fresh();
  fx.faults.maxFragment = 300_000;
  const f = await file(2 * MiB);
  const { req } = request(f);
  const { session } = await uploadFile(req);
  const frags = fragments(since(mark));
  assert.equal(frags.slice(0, 3).map((r) => [r.bodyLength, r.status]), [
    [MiB, 413],
    [MiB / 2, 413],
    [MiB / 4, 200],
  ]);
  assert.ok(frags.slice(2).every((r) => r.status === 200 && r.bodyLength <= MiB / 4));
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('413 at the minimum fragment size is fatal BG_E_HTTP_ERROR_413', async () => {
  const mark = fresh();
  fx.faults.maxFragment = 1000;
  const f = await file(100_000);
  const { req } = request(f, { minFragment: 5120, initialFragment: 40_000 });
  const e = await failure(uploadFile(req));
  assertFailure(e, 'BG_E_HTTP_ERROR_413', false, 'REMOTE_FILE');
  assert.match(e.message, /5120 bytes/);
  assert.equal(fragments(since(mark)).map((r) => r.bodyLength), [40_000, 20_000, 10_000, 5120]);
});

test('session not found mid-upload: new Create-Session and the upload starts over from 0', async () => {
  const mark = fresh();
  const f = await file(3 * MiB);
  fx.faults.canned = [{ match: (r) => r.packetType === 'Fragment' && r.range!.first > 0, status: 500, headers: { 'BITS-Packet-Type': 'Ack', 'BITS-Error-Code': '0x8020001F', 'BITS-Error-Context': '0x5' } }];
  const { req, rec } = request(f);
  const { session } = await uploadFile(req);
  const rs = since(mark);
  assert.equal(rs.map((r) => r.packetType), ['Create-Session', 'Fragment', 'Fragment', 'Create-Session', 'Fragment', 'Fragment']);
  const firstId = rec.states[0]!.sessionId;
  assert.is.not(session.sessionId, firstId);
  assert.ok(rec.states.some((s) => s.sessionId === null && s.offset === 0), 'the reset was persisted');
  assert.is(fragments(rs)[2]!.range!.first, 0);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('session lost while suspended (server restart): Ping, Fragment → 500 0x8020001F, then a new session', async () => {
  const mark = fresh();
  const f = await file(2 * MiB);
  fx.faults.resetFragment = { afterBytes: 10, times: 1, skip: 1 };
  const first = request(f, { reconnects: 0 }); // the engine's next attempt, as after a kill
  await failure(uploadFile(first.req));
  const saved = first.rec.states.at(-1)!;
  fx.forgetSessions();
  const second = request(f, { session: saved });
  const { session } = await uploadFile(second.req);
  const resumed = since(mark).slice(3);
  assert.equal(resumed.map((r) => [r.packetType, r.status]), [
    ['Ping', 200],
    ['Fragment', 500],
    ['Create-Session', 200],
    ['Fragment', 200],
    ['Fragment', 200],
  ]);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('local file changed between fragments (size, then time stamp) → fatal BG_E_LOCAL_FILE_CHANGED, LOCAL_FILE', async () => {
  for (const change of ['size', 'mtime', 'before-start'] as const) {
    const mark = fresh();
    const f = await file(3 * MiB);
    if (change === 'before-start') await appendFile(f.path, 'x');
    const { req } = request(f, {
      onSession: async (s) => {
        if (s.offset === 0) return;
        if (change === 'size') await appendFile(f.path, 'more');
        if (change === 'mtime') await utimes(f.path, new Date(), new Date(f.expectedFile.mtimeMs + 5000));
      },
    });
    const e = await failure(uploadFile(req));
    assertFailure(e, 'BG_E_LOCAL_FILE_CHANGED', false, 'LOCAL_FILE');
    assert.ok(e.message.includes(f.path), e.message);
    assert.is(fragments(since(mark)).length, change === 'before-start' ? 0 : 1, change);
  }
});

test('onSession is awaited: nothing is sent while the engine persists', async () => {
  const mark = fresh();
  const f = await file(3 * MiB);
  const seen: Array<[number, number]> = [];
  const { req } = request(f, {
    onSession: async (s) => {
      const before = fx.requests.length;
      await new Promise((r) => setTimeout(r, 30));
      assert.is(fx.requests.length, before, 'a packet went out before the state was persisted');
      seen.push([s.offset, fx.requests.length - mark]);
    },
  });
  await uploadFile(req);
  assert.equal(seen, [
    [0, 1],
    [MiB, 2],
    [3 * MiB, 3],
  ]);
});

test('BITS-Host-Id: Create-Session on the origin, then Ping and every later packet on the host-id host', async () => {
  const mark = fresh();
  fx.faults.hostId = fx.secondHost;
  fx.faults.hostIdFallbackTimeout = 600;
  const f = await file(3 * MiB);
  const { req, rec } = request(f);
  const { session } = await uploadFile(req);
  const rs = since(mark);
  assert.equal(rs.map((r) => [r.packetType, r.listener]), [
    ['Create-Session', 'origin'],
    ['Ping', 'second'],
    ['Fragment', 'second'],
    ['Fragment', 'second'],
  ]);
  assert.equal(rec.states[0], { ...NEW_SESSION, sessionId: session.sessionId, hostId: fx.secondHost, hostIdFallbackTimeout: 600 });
  assert.is(session.hostId, fx.secondHost);
  assert.ok(rs.slice(1).every((r) => r.headers['host'] === fx.secondHost), 'Host header names the host-id host');
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('host-id host unreachable: timer starts, reset by success; after the fallback timeout the origin takes over', async () => {
  fresh();
  const dead = await deadPort();
  fx.faults.hostId = `127.0.0.1:${dead}`;
  fx.faults.hostIdFallbackTimeout = 60;
  const f = await file(2 * MiB);
  const T0 = 1_700_000_000_000;

  const first = request(f, { now: () => T0 });
  const e1 = await failure(uploadFile(first.req));
  assertFailure(e1, 'ERROR_INTERNET_CANNOT_CONNECT', true, 'GENERAL_TRANSPORT');
  const s1 = first.rec.states.at(-1)!;
  assert.is(s1.hostId, `127.0.0.1:${dead}`);
  assert.is(s1.hostIdFailingSince, T0);

  // Within the timeout: still the host-id host, and the timer keeps its start.
  const second = request(f, { now: () => T0 + 30_000, session: s1 });
  await failure(uploadFile(second.req));
  assert.is(second.rec.states.length, 0, 'nothing changed');

  // Past it: back to the origin with the same session (the origin shares storage here).
  const mark = fx.requests.length;
  const third = request(f, { now: () => T0 + 61_000, session: s1 });
  const { session } = await uploadFile(third.req);
  assert.equal(third.rec.states[0], { ...s1, hostId: null, hostIdFallbackTimeout: null, hostIdFailingSince: null });
  const rs = since(mark);
  assert.equal(rs.map((r) => [r.packetType, r.listener]), [
    ['Ping', 'origin'],
    ['Fragment', 'origin'],
    ['Fragment', 'origin'],
  ]);
  assert.is(session.sessionId, s1.sessionId);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);

  // A connection reset on the host-id host starts the timer too; a host-id host that answers
  // again clears it.
  fresh();
  fx.faults.hostId = fx.secondHost;
  fx.faults.hostIdFallbackTimeout = 60;
  fx.faults.resetFragment = { afterBytes: 10, times: 1, skip: 1 };
  const g = await file(2 * MiB);
  const part = request(g, { now: () => T0, reconnects: 0 }); // the failing-since stamp is what this checks
  await failure(uploadFile(part.req));
  const s2 = part.rec.states.at(-1)!;
  assert.equal([s2.hostId, s2.hostIdFailingSince, s2.offset], [fx.secondHost, T0, MiB]);
  const live = request(g, { session: s2, now: () => T0 + 1000 });
  const done = await uploadFile(live.req);
  assert.equal(live.rec.states[0], { ...s2, hostIdFailingSince: null });
  assert.is(sha256Of(fx.uploaded(done.session.sessionId!)), g.sha256);
});

test('Close-Session to a host-id host that died after the final Ack: the failure starts the timer; past the timeout the Close goes to the origin', async () => {
  fresh();
  fx.faults.hostId = fx.secondHost;
  fx.faults.hostIdFallbackTimeout = 60;
  const f = await file(MiB + 7);
  const { session: done } = await uploadFile(request(f).req);
  assert.is(done.uploadComplete, true);
  // The instance that took every fragment is gone before the Close (a farm instance killed there).
  const gone: UploadSessionState = { ...done, hostId: `127.0.0.1:${await deadPort()}` };
  const T0 = 1_700_000_000_000;
  const states: UploadSessionState[] = [];
  const end = (session: UploadSessionState, at: number) =>
    closeSession({ url: fx.url(), signal: new AbortController().signal, session, now: () => at, retries: 0, onSession: (s) => void states.push(s) });

  const e = await failure(end(gone, T0));
  assertFailure(e, 'ERROR_INTERNET_CANNOT_CONNECT', true, 'GENERAL_TRANSPORT');
  assert.equal(states, [{ ...gone, hostIdFailingSince: T0 }], 'the timer starts, and the engine is told');
  assert.is(fx.sessions.get(done.sessionId!)!.closed, false);

  // Within the timeout: the dead host again, and the timer keeps its start.
  await failure(end(states[0]!, T0 + 30_000));
  assert.is(states.length, 1);

  const mark = fx.requests.length;
  assert.is(await end(states[0]!, T0 + 61_000), 'closed');
  assert.equal(since(mark).map((r) => [r.packetType, r.listener, r.status]), [['Close-Session', 'origin', 200]]);
  assert.is(fx.sessions.get(done.sessionId!)!.closed, true);
  assert.is(sha256Of(fx.uploaded(done.sessionId!)), f.sha256);
});

test('fallback due when the call starts and the origin does not know the session: upload restarts there', async () => {
  fresh();
  const f = await file(MiB + 1);
  const stale: UploadSessionState = { ...NEW_SESSION, sessionId: '{not-known-anywhere}', hostId: '127.0.0.1:9', hostIdFallbackTimeout: 10, hostIdFailingSince: 0, offset: 4096 };
  const mark = fx.requests.length;
  const { req, rec } = request(f, { session: stale, now: () => 11_000 });
  const { session } = await uploadFile(req);
  assert.equal(since(mark).map((r) => [r.packetType, r.listener, r.status]), [
    ['Ping', 'origin', 200],
    ['Fragment', 'origin', 500],
    ['Create-Session', 'origin', 200],
    ['Fragment', 'origin', 200],
    ['Fragment', 'origin', 200],
  ]);
  assert.is(rec.states[0]!.hostId, null);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
});

test('upload-reply: the Windows relative reply URL is resolved (backslashes, braces) and downloads the reply', async () => {
  fresh();
  const f = await file(300_000);
  const { req } = request(f, { wantReply: true });
  const { session } = await uploadFile(req);
  const id = session.sessionId!;
  assert.match(id, /^\{[0-9a-f-]{36}\}$/);
  const encoded = id.replace('{', '%7B').replace('}', '%7D');
  assert.is(session.replyUrl, `${fx.originBase}/uploads/BITS-Sessions/Replies/${encoded}/responsefile.bin`);
  const tempPath = tmp.file('reply.tmp');
  await downloadFile({ url: session.replyUrl!, tempPath, offset: 0, validator: null, signal: new AbortController().signal });
  assert.is(readFileSync(tempPath, 'utf8'), `reply:${f.sha256}`);
});

test('upload-reply: an absolute static reply URL is used as it is; plain uploads ignore reply URLs', async () => {
  fresh();
  const staticUrl = 'http://static.example:8080/replies/r.bin?account=86433';
  fx.faults.replyUrl = () => staticUrl;
  const f = await file(1000);
  const { session } = await uploadFile(request(f, { wantReply: true }).req);
  assert.is(session.replyUrl, staticUrl);
  const plain = await uploadFile(request(f).req);
  assert.is(plain.session.replyUrl, null);
});

test('upload-reply without BITS-Reply-URL: fatal BG_E_INVALID_SERVER_RESPONSE; Resume re-sends only the last byte', async () => {
  const mark = fresh();
  fx.faults.replyUrl = null;
  const f = await file(MiB + 10);
  const first = request(f, { wantReply: true });
  const e = await failure(uploadFile(first.req));
  assertFailure(e, 'BG_E_INVALID_SERVER_RESPONSE', false, 'REMOTE_FILE');
  const saved = first.rec.states.at(-1)!;
  assert.equal([saved.offset, saved.uploadComplete, saved.replyUrl], [f.size, false, null]);

  fx.faults.replyUrl = undefined; // the server application got fixed
  const resumeMark = fx.requests.length;
  const { session } = await uploadFile(request(f, { wantReply: true, session: saved }).req);
  assert.equal(since(resumeMark).map((r) => [r.packetType, r.range ? `${r.range.first}-${r.range.last}` : '']), [
    ['Ping', ''],
    ['Fragment', `${f.size - 1}-${f.size - 1}`],
  ]);
  assert.is(session.uploadComplete, true);
  assert.match(session.replyUrl!, /\/uploads\/BITS-Sessions\/Replies\/%7B/);
  assert.is(sha256Of(fx.uploaded(session.sessionId!)), f.sha256);
  assert.ok(since(mark).length > 0);
});

test('abort: rejects promptly with AbortError and drops the connection', async () => {
  fresh();
  const f = await file(2 * MiB);
  fx.faults.stall = 1;
  const ac = new AbortController();
  const { req } = request(f, { signal: ac.signal });
  const p = uploadFile(req);
  await waitFor(() => fx.requests.length > 0 && fx.openSockets() > 0, 'request sent');
  await new Promise((r) => setTimeout(r, 50));
  const t = Date.now();
  ac.abort();
  const err = await p.then(
    () => null,
    (e: Error) => e,
  );
  assert.is(err?.name, 'AbortError');
  assert.ok(Date.now() - t < 1000);
  await waitFor(() => fx.openSockets() === 0, 'connection closed');
  // Already aborted: nothing is sent.
  const mark = fresh();
  const e2 = await uploadFile(request(f, { signal: AbortSignal.abort() }).req).catch((e: Error) => e);
  assert.is((e2 as Error).name, 'AbortError');
  assert.is(since(mark).length, 0);
});

test('no answer within the response limit → transient ERROR_INTERNET_TIMEOUT', async () => {
  fresh();
  fx.faults.stall = 1;
  const f = await file(10);
  const t = Date.now();
  const e = await failure(uploadFile(request(f, { responseTimeoutMs: 300 }).req));
  assertFailure(e, 'ERROR_INTERNET_TIMEOUT', true, 'GENERAL_TRANSPORT');
  assert.ok(Date.now() - t < 3000);
});

test('nothing listening at the origin → transient ERROR_INTERNET_CANNOT_CONNECT, no host-id timer', async () => {
  const f = await file(10);
  const { req, rec } = request(f, { url: `http://127.0.0.1:${await deadPort()}/up/x` });
  const e = await failure(uploadFile(req));
  assertFailure(e, 'ERROR_INTERNET_CANNOT_CONNECT', true, 'GENERAL_TRANSPORT');
  assert.is(rec.states.length, 0);
});

async function waitFor(pred: () => boolean, what: string, ms = 5000): Promise<void> {
  const until = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > until) assert.unreachable(`timed out waiting: ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

async function deadPort(): Promise<number> {
  const net = await import('node:net');
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

test.run();
