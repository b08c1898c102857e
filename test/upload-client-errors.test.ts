// How the upload client turns every kind of server answer into the job's error (spec §7.3 step 6,
// §7.7): HRESULT, context and transient/fatal; broken servers; Close/Cancel retry rules; TLS.
import { readFileSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext, nameOf } from '../module/api/enums.js';
import { hex, hresultName } from '../module/api/hresult.js';
import { HttpTransferError } from '../module/engine/http/errors.js';
import { cancelSession, closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { RangeUnusableError, SessionRestartLimitError } from '../module/engine/upload/resume-errors.js';
import { NEW_SESSION, type SessionEndRequest, type UploadRequest, type UploadSessionState } from '../module/engine/upload/upload-port.js';
import { makeUploadFile, sha256Of, startBitsFixture, type BitsFixture, type FixtureRequest, type UploadFileFixture } from './helpers/bits-fixture-server.js';
import { makeTestCertificates } from './helpers/nginx.js';
import { makeTmpDir, type TmpDir } from './helpers/tmp.js';
import { transferFailure } from './helpers/assert-bits.js';

const MiB = 1024 * 1024;

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const tmp: TmpDir = await makeTmpDir('bits-upload-errors');
let fx: BitsFixture;
let small: UploadFileFixture;
try {
  fx = await startBitsFixture();
  small = await makeUploadFile(tmp.file('small.bin'), 5000);
} catch (e) {
  await tmp.cleanup();
  throw e;
}
test.after(async () => {
  await fx.close();
  await tmp.cleanup();
});

function fresh(): number {
  for (const k of Object.keys(fx.faults)) delete (fx.faults as Record<string, unknown>)[k];
  return fx.requests.length;
}
const since = (mark: number): FixtureRequest[] => fx.requests.slice(mark);

function request(extra: Partial<UploadRequest> = {}, f: UploadFileFixture = small): UploadRequest {
  return {
    url: fx.url(),
    signal: new AbortController().signal,
    localPath: f.path,
    expectedFile: f.expectedFile,
    wantReply: false,
    session: { ...NEW_SESSION },
    onSession: () => undefined,
    ...extra,
  };
}

const failure = (p: Promise<unknown>) => transferFailure(p, 'the call');

function assertFailure(e: HttpTransferError, hresult: number | string, transient: boolean, context: keyof typeof ErrorContext, what = ''): void {
  if (typeof hresult === 'number') assert.is(hex(e.hresult), hex(hresult), `${what} ${e.message}`);
  else assert.is(hresultName(e.hresult), hresult, `${what} ${e.message}`);
  assert.is(e.transient, transient, `${what} transient: ${e.message}`);
  assert.is(String(nameOf(ErrorContext, e.context)), context, `${what} ${e.message}`);
}

const isFragment = (r: FixtureRequest) => r.packetType === 'Fragment';

test('§7.7 table: 300–305/307 fatal, other 3xx transient; 4xx fatal but 408/409; 5xx transient but 501/505; others transient', async () => {
  const fatal = [300, 301, 302, 303, 304, 305, 307, 400, 402, 404, 405, 410, 411, 412, 414, 415, 417, 451, 501, 505];
  const transient = [202, 306, 308, 408, 409, 500, 502, 503, 504, 507, 599];
  for (const status of [...fatal, ...transient]) {
    fresh();
    fx.faults.canned = [{ match: isFragment, status, headers: status >= 300 && status < 400 ? { Location: '/elsewhere' } : {} }];
    // reconnects 0: a bare 502/504 is otherwise taken for a proxy's dropped upstream and re-tried at once.
    const e = await failure(uploadFile(request({ reconnects: 0 })));
    assertFailure(e, 0x80190000 + status, transient.includes(status), 'REMOTE_FILE', `HTTP ${status}`);
    assert.is(e.data?.status, status);
    assert.ok(e.message.includes(`HTTP ${status}`), e.message);
    assert.match(e.message, transient.includes(status) ? /retries/ : /Resume|final URL/);
  }
});

test('401/407/403 are fatal with BG_E_HTTP_ERROR_*; 409 on Create-Session is fatal; 404 on Create-Session fatal', async () => {
  for (const [status, packet] of [
    [401, 'Fragment'],
    [407, 'Fragment'],
    [403, 'Fragment'],
    [403, 'Create-Session'],
    [409, 'Create-Session'],
    [404, 'Create-Session'],
  ] as const) {
    const mark = fresh();
    fx.faults.canned = [{ match: (r) => r.packetType === packet, status, headers: { 'BITS-Packet-Type': 'Ack' } }];
    const e = await failure(uploadFile(request()));
    assertFailure(e, 0x80190000 + status, false, 'REMOTE_FILE', `${status} on ${packet}`);
    assert.is(since(mark).filter((r) => r.status === status).length, 1, 'never re-sent');
  }
  fresh();
  fx.faults.canned = [{ match: (r) => r.packetType === 'Create-Session', status: 401, headers: { 'WWW-Authenticate': 'Basic realm="x"' } }];
  const e = await failure(uploadFile(request()));
  assert.match(e.message, /credentials/);
});

test('BITS error code and context become the job error (either header name, any spelling)', async () => {
  const cases: Array<{ status: number; headers: Record<string, string>; hr: number | string; transient: boolean; ctx: keyof typeof ErrorContext }> = [
    { status: 500, headers: { 'BITS-Error-Code': '0x80070070', 'BITS-Error-Context': '0x7' }, hr: 0x80070070, transient: true, ctx: 'REMOTE_APPLICATION' },
    { status: 500, headers: { 'BITS-Error': '80070070', 'BITS-Error-Context': '0x5' }, hr: 0x80070070, transient: true, ctx: 'REMOTE_FILE' },
    { status: 500, headers: { 'bits-error-code': '0X80070070 ', 'bits-error-context': '7' }, hr: 0x80070070, transient: true, ctx: 'REMOTE_APPLICATION' },
    { status: 408, headers: { 'BITS-Error-Code': '0x80004005', 'BITS-Error-Context': '0x7' }, hr: 'E_FAIL', transient: true, ctx: 'REMOTE_APPLICATION' },
    { status: 400, headers: { 'BITS-Error-Code': '0x80070057', 'BITS-Error-Context': '0x5' }, hr: 'E_INVALIDARG', transient: false, ctx: 'REMOTE_FILE' },
    // E_INVALIDARG is fatal whatever the status (§7.3 step 6).
    { status: 503, headers: { 'BITS-Error-Code': '0x80070057' }, hr: 'E_INVALIDARG', transient: false, ctx: 'REMOTE_FILE' },
    { status: 500, headers: { 'BITS-Error-Code': '0x80200020', 'BITS-Error-Context': '0x5' }, hr: 'BG_E_TOO_LARGE', transient: false, ctx: 'REMOTE_FILE' },
    { status: 501, headers: { 'BITS-Error-Code': '0x80070005', 'BITS-Error-Context': '0x5' }, hr: 'E_ACCESSDENIED', transient: false, ctx: 'REMOTE_FILE' },
    { status: 403, headers: { 'BITS-Error-Code': '0x80070005' }, hr: 'E_ACCESSDENIED', transient: false, ctx: 'REMOTE_FILE' },
    { status: 500, headers: { 'BITS-Error-Code': '-2147024784', 'BITS-Error-Context': '0x7' }, hr: 0x80070070, transient: true, ctx: 'REMOTE_APPLICATION' },
    // An unreadable or success code falls back to the HTTP status.
    { status: 503, headers: { 'BITS-Error-Code': 'banana' }, hr: 'BG_E_HTTP_ERROR_503', transient: true, ctx: 'REMOTE_FILE' },
    { status: 502, headers: { 'BITS-Error-Code': '0x0' }, hr: 'BG_E_HTTP_ERROR_502', transient: true, ctx: 'REMOTE_FILE' },
  ];
  for (const c of cases) {
    fresh();
    fx.faults.canned = [{ match: isFragment, status: c.status, headers: { 'BITS-Packet-Type': 'Ack', ...c.headers } }];
    const e = await failure(uploadFile(request()));
    assertFailure(e, c.hr, c.transient, c.ctx, `${c.status} ${JSON.stringify(c.headers)}`);
  }
  fresh();
  fx.faults.canned = [{ match: isFragment, status: 500, headers: { 'BITS-Error-Code': '0x80200020' } }];
  const e = await failure(uploadFile(request()));
  assert.match(e.message, /larger than the server accepts/);
  assert.is(e.data?.bitsErrorCode, '0x80200020');
});

test('a server that keeps losing the session: 4 sessions without a byte taken, then fatal SessionRestartLimitError (BG_E_SESSION_NOT_FOUND)', async () => {
  const mark = fresh();
  fx.faults.canned = [{ match: isFragment, status: 500, headers: { 'BITS-Error-Code': '0x8020001F', 'BITS-Error-Context': '0x5' }, times: 100 }];
  let saved: UploadSessionState | null = null;
  const e = await failure(uploadFile(request({ onSession: (st) => void (saved = st) })));
  assertFailure(e, 'BG_E_SESSION_NOT_FOUND', false, 'REMOTE_FILE');
  assert.instance(e, SessionRestartLimitError);
  assert.match(e.message, /lost or refused 4 upload sessions in a row/);
  assert.is(since(mark).filter((r) => r.packetType === 'Create-Session').length, 4);
  // The count is persisted: a later call (the engine's retry) does not start the count over.
  assert.is(saved!.sessionsWithoutProgress, 3);
  const again = fresh();
  fx.faults.canned = [{ match: isFragment, status: 500, headers: { 'BITS-Error-Code': '0x8020001F', 'BITS-Error-Context': '0x5' }, times: 100 }];
  assertFailure(await failure(uploadFile(request({ session: saved! }))), 'BG_E_SESSION_NOT_FOUND', false, 'REMOTE_FILE');
  assert.is(since(again).filter((r) => r.packetType === 'Create-Session').length, 0, 'the bound was already reached');
});

test('broken servers: garbage, no BITS-Received-Content-Range, not an Ack, range beyond the file → transient BG_E_INVALID_SERVER_RESPONSE', async () => {
  fresh();
  fx.faults.garbage = 1;
  assertFailure(await failure(uploadFile(request())), 'BG_E_INVALID_SERVER_RESPONSE', true, 'REMOTE_FILE', 'garbage');

  // A 200 Ack without any received range means the fragment was taken (servers that keep no range).
  fresh();
  fx.faults.omitReceivedRange = 1;
  const { session: noRange } = await uploadFile(request());
  assert.is(sha256Of(fx.uploaded(noRange.sessionId!)), small.sha256);

  fresh();
  fx.faults.canned = [{ match: isFragment, status: 200, headers: { 'BITS-Received-Content-Range': '5000' } }];
  assertFailure(await failure(uploadFile(request())), 'BG_E_INVALID_SERVER_RESPONSE', true, 'REMOTE_FILE', 'no Ack header');

  fresh();
  fx.faults.canned = [{ status: 200, body: '<html>hello</html>' }];
  assertFailure(await failure(uploadFile(request())), 'BG_E_INVALID_SERVER_RESPONSE', true, 'REMOTE_FILE', 'plain web page');

  for (const value of ['5001', '-1', '12abc', '']) {
    fresh();
    fx.faults.canned = [{ match: isFragment, status: 200, headers: { 'BITS-Packet-Type': 'Ack', 'BITS-Received-Content-Range': value } }];
    const e = await failure(uploadFile(request()));
    assertFailure(e, 'BG_E_INVALID_SERVER_RESPONSE', true, 'REMOTE_FILE', `range "${value}"`);
    assert.instance(e, RangeUnusableError);
  }

  // A server that answers 416 with the offset just sent, over and over: the same answer twice
  // abandons the session (Cancel-Session, new session); four sessions like that end in a fatal error.
  const mark = fresh();
  fx.faults.canned = [{ match: isFragment, status: 416, headers: { 'BITS-Packet-Type': 'Ack', 'BITS-Received-Content-Range': '0' }, times: 100 }];
  const loop = await failure(uploadFile(request()));
  assertFailure(loop, 'BG_E_INVALID_SERVER_RESPONSE', false, 'REMOTE_FILE', '416 loop');
  assert.instance(loop, SessionRestartLimitError);
  assert.match(loop.message, /twice with HTTP 416 and offset 0/);
  const sent = since(mark);
  assert.is(sent.filter(isFragment).length, 8, 'two per session');
  assert.is(sent.filter((r) => r.packetType === 'Create-Session').length, 4);
  assert.is(sent.filter((r) => r.packetType === 'Cancel-Session').length, 3, 'abandoned sessions are cancelled');
});

test('Create-Session Ack: no session id → transient; another protocol → fatal BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH', async () => {
  fresh();
  fx.faults.canned = [{ status: 200, headers: { 'BITS-Packet-Type': 'Ack', 'BITS-Protocol': '{7df0354d-249b-430f-820d-3d2a9bef4931}' } }];
  assertFailure(await failure(uploadFile(request())), 'BG_E_INVALID_SERVER_RESPONSE', true, 'REMOTE_FILE');
  fresh();
  fx.faults.canned = [{ status: 200, headers: { 'BITS-Packet-Type': 'Ack', 'BITS-Protocol': '{00000000-0000-0000-0000-000000000000}', 'BITS-Session-Id': '{x}' } }];
  assertFailure(await failure(uploadFile(request())), 'BG_E_CLIENT_SERVER_PROTOCOL_MISMATCH', false, 'REMOTE_FILE');
  // Upper-case GUID, "ACK" and a 201 are fine; the odd session id is used as given.
  const mark = fresh();
  fx.faults.canned = [{ match: (r) => r.packetType === 'Create-Session', status: 201, headers: { 'BITS-Packet-Type': 'ACK', 'BITS-Protocol': '{7DF0354D-249B-430F-820D-3D2A9BEF4931}', 'BITS-Session-Id': '{made-up}' } }];
  const { session } = await uploadFile(request());
  const rs = since(mark);
  assert.equal(rs.map((r) => [r.packetType, r.sessionId, r.status]), [
    ['Create-Session', undefined, 201],
    ['Fragment', '{made-up}', 500], // the fixture never heard of it: SESSION_NOT_FOUND → start over
    ['Create-Session', undefined, 200],
    ['Fragment', session.sessionId, 200],
  ]);
});

test('upload-reply: an unusable BITS-Reply-URL is fatal BG_E_INVALID_SERVER_RESPONSE', async () => {
  for (const value of ['ftp://example.com/reply', 'x'.repeat(2201), 'http://[bad']) {
    fresh();
    fx.faults.replyUrl = () => value;
    const e = await failure(uploadFile(request({ wantReply: true })));
    assertFailure(e, 'BG_E_INVALID_SERVER_RESPONSE', false, 'REMOTE_FILE', value.slice(0, 30));
  }
});

test('sending stalls (server stops reading) → transient ERROR_INTERNET_TIMEOUT after the send limit', async () => {
  fresh();
  const big = await makeUploadFile(tmp.file('big.bin'), 13 * MiB);
  // Answers Create-Session, then reads nothing more: a 13 MiB fragment cannot fit in socket buffers.
  const stopReading = await stallingServer();
  try {
    const t = Date.now();
    const e = await failure(uploadFile(request({ url: stopReading.url, requestTimeoutMs: 400, responseTimeoutMs: 60_000, initialFragment: 13 * MiB, maxFragment: 13 * MiB }, big)));
    assertFailure(e, 'ERROR_INTERNET_TIMEOUT', true, 'GENERAL_TRANSPORT');
    assert.match(e.message, /stalled/);
    assert.ok(Date.now() - t < 10_000);
  } finally {
    await stopReading.close();
  }
});

// ---- Close-Session / Cancel-Session ----

function endRequest(session: UploadSessionState, extra: Partial<SessionEndRequest> = {}): SessionEndRequest {
  return { url: fx.url(), signal: new AbortController().signal, session, retryDelayMs: 5, ...extra };
}

async function finishedSession(): Promise<UploadSessionState> {
  return (await uploadFile(request())).session;
}

const ack = (status: number, headers: Record<string, string> = {}) => ({ status, headers: { 'BITS-Packet-Type': 'Ack', ...headers } });
const SNF = { 'BITS-Error-Code': '0x8020001F', 'BITS-Error-Context': '0x5' };

test('closeSession: 200 closes; 5xx re-sent (at most `retries` times); after the final Ack any 100–499 but 401/407 counts as delivered, never re-sent', async () => {
  fresh();
  let s = await finishedSession();
  let mark = fx.requests.length;
  await closeSession(endRequest(s));
  const [close] = since(mark);
  assert.is(close!.packetType, 'Close-Session');
  assert.is(close!.headers['bits-session-id'], s.sessionId!);
  assert.is(close!.headers['content-length'], '0');
  assert.is(fx.sessions.get(s.sessionId!)!.closed, true);

  // 503 twice, then the real answer.
  s = await finishedSession();
  mark = fx.requests.length;
  fx.faults.canned = [{ match: (r) => r.packetType === 'Close-Session', ...ack(503), times: 2 }];
  await closeSession(endRequest(s));
  assert.equal(since(mark).map((r) => r.status), [503, 503, 200]);

  // Always 500: retries + 1 sends, then the transient error.
  s = await finishedSession();
  mark = fx.requests.length;
  fx.faults.canned = [{ match: (r) => r.packetType === 'Close-Session', ...ack(500), times: 100 }];
  const e = await failure(closeSession(endRequest(s, { retries: 2 })));
  assertFailure(e, 'BG_E_HTTP_ERROR_500', true, 'REMOTE_FILE');
  assert.is(since(mark).length, 3);

  // SESSION_NOT_FOUND and 404 after the final Ack: closed (a lost Close Ack looks like this).
  for (const answer of [ack(500, SNF), ack(404)]) {
    fresh();
    s = await finishedSession();
    mark = fx.requests.length;
    fx.faults.canned = [{ match: (r) => r.packetType === 'Close-Session', ...answer, times: 100 }];
    await closeSession(endRequest(s));
    assert.is(since(mark).length, 1, `${answer.status} not re-sent`);
  }

  // 100–499 after every byte was acknowledged: never re-sent (§7.2), and not a job error — the
  // server has the upload, and no Resume could change its answer. 401 stays an error (credentials).
  for (const status of [400, 403, 408, 409]) {
    fresh();
    s = await finishedSession();
    mark = fx.requests.length;
    fx.faults.canned = [{ match: (r) => r.packetType === 'Close-Session', status, headers: {}, body: '<html>Bad Request</html>', times: 100 }];
    assert.is(await closeSession(endRequest(s)), 'refused-after-upload', `close ${status}`);
    assert.is(since(mark).length, 1, `${status} not re-sent`);
  }
  fresh();
  s = await finishedSession();
  fx.faults.canned = [{ match: (r) => r.packetType === 'Close-Session', ...ack(401), times: 100 }];
  assertFailure(await failure(closeSession(endRequest(s))), 'BG_E_HTTP_ERROR_401', false, 'REMOTE_FILE', 'close 401');

  // SESSION_NOT_FOUND before the upload finished: not re-sent, transient (the next attempt starts over).
  fresh();
  mark = fx.requests.length;
  fx.faults.canned = [{ match: (r) => r.packetType === 'Close-Session', ...ack(500, SNF) }];
  const incomplete: UploadSessionState = { ...NEW_SESSION, sessionId: '{half-done}', offset: 10 };
  assertFailure(await failure(closeSession(endRequest(incomplete))), 'BG_E_SESSION_NOT_FOUND', true, 'REMOTE_FILE');
  assert.is(since(mark).length, 1);

  // No session: nothing to send.
  mark = fx.requests.length;
  await closeSession(endRequest({ ...NEW_SESSION }));
  assert.is(since(mark).length, 0);
});

test('cancelSession: 5xx re-sent; SESSION_NOT_FOUND/404/4xx = gone, not re-sent; 401 an error; host id honoured', async () => {
  fresh();
  fx.faults.resetFragment = { afterBytes: 1, times: 1 };
  const half = await makeUploadFile(tmp.file('half.bin'), 2 * MiB);
  let saved: UploadSessionState | null = null;
  fx.faults.hostId = fx.secondHost;
  await failure(uploadFile(request({ onSession: (st) => void (saved = st), reconnects: 0 }, half)));
  const s = saved!;
  assert.is(s.hostId, fx.secondHost);

  let mark = fx.requests.length;
  fx.faults.canned = [{ match: (r) => r.packetType === 'Cancel-Session', ...ack(502), times: 1 }];
  await cancelSession(endRequest(s));
  assert.equal(since(mark).map((r) => [r.packetType, r.status, r.listener]), [
    ['Cancel-Session', 502, 'second'],
    ['Cancel-Session', 200, 'second'],
  ]);
  assert.is(fx.sessions.get(s.sessionId!)!.cancelled, true);

  // Already gone: done, no retry.
  mark = fx.requests.length;
  await cancelSession(endRequest(s));
  assert.equal(since(mark).map((r) => r.status), [500]);
  fx.faults.canned = [{ match: (r) => r.packetType === 'Cancel-Session', ...ack(404) }];
  mark = fx.requests.length;
  await cancelSession(endRequest(s));
  assert.equal(since(mark).map((r) => r.status), [404]);

  // Any other 4xx: the session is unusable, which is all Cancel wants; not re-sent. 401 stays an error.
  fx.faults.canned = [{ match: (r) => r.packetType === 'Cancel-Session', ...ack(403), times: 5 }];
  mark = fx.requests.length;
  assert.is(await cancelSession(endRequest(s)), 'refused-after-upload');
  assert.is(since(mark).length, 1);
  fx.faults.canned = [{ match: (r) => r.packetType === 'Cancel-Session', ...ack(401), times: 5 }];
  assertFailure(await failure(cancelSession(endRequest(s))), 'BG_E_HTTP_ERROR_401', false, 'REMOTE_FILE');

  // Abort while waiting to re-send.
  fx.faults.canned = [{ match: (r) => r.packetType === 'Cancel-Session', ...ack(503), times: 5 }];
  const ac = new AbortController();
  const p = cancelSession(endRequest(s, { retryDelayMs: 10_000, signal: ac.signal }));
  setTimeout(() => ac.abort(), 100);
  const err = await p.catch((x: Error) => x);
  assert.is((err as Error).name, 'AbortError');
});

test('HTTPS: extra CA from tls.ca is trusted for the keep-alive session connection', async () => {
  const certs = await makeTestCertificates(tmp.file('tls'));
  const secure = await startBitsFixture({ tls: certs });
  try {
    const f = await makeUploadFile(tmp.file('tls.bin'), 2 * MiB);
    const base = { ...request({}, f), url: secure.url() };
    const untrusted = await failure(uploadFile(base));
    assertFailure(untrusted, 'ERROR_INTERNET_SECURE_FAILURE', false, 'GENERAL_TRANSPORT');
    const { session } = await uploadFile({ ...base, tls: { ca: readFileSync(certs.caFile, 'utf8') } });
    assert.is(sha256Of(secure.uploaded(session.sessionId!)), f.sha256);
    const packets = secure.packetsOf(session.sessionId!);
    assert.equal(new Set(packets.map((p) => p.socket)).size, 1);
  } finally {
    await secure.close();
  }
});

/** A TCP server that acknowledges Create-Session, then never reads from the connection again. */
async function stallingServer(): Promise<{ url: string; close(): Promise<void> }> {
  const net = await import('node:net');
  const socks = new Set<import('node:net').Socket>();
  const srv = net.createServer((sock) => {
    socks.add(sock);
    sock.on('error', () => undefined);
    let head = '';
    const onData = (d: Buffer) => {
      head += d.toString('latin1');
      if (!head.includes('\r\n\r\n')) return;
      sock.off('data', onData);
      sock.pause();
      sock.write('HTTP/1.1 200 OK\r\nBITS-Packet-Type: Ack\r\nBITS-Session-Id: {stall}\r\nContent-Length: 0\r\n\r\n');
    };
    sock.on('data', onData);
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/up/x`,
    close: async () => {
      for (const s of socks) s.destroy();
      await new Promise<void>((r) => srv.close(() => r()));
    },
  };
}

test.run();
