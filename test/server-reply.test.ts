// Upload-reply on the BITS upload server (spec §7.4 steps 4–7, §7.6, §7.7): an in-process
// replyHandler (reply bytes, reply file, static URL, copy to destination, BitsAppError statuses with
// context 0x7, retries that notify again, timeouts) and a notification URL served by a small
// node:http application this test runs (by reference and by value: headers, the query appended, a
// relative URL resolved), the Windows-style reply URL and the reply's GET/HEAD with Range.
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import http, { type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptBitsPost, BitsAppError, createBitsUploadHandler, type ReplyContext, type ReplyHandler } from '../module/server/index.js';
import { fragment, getRequest, packet, rawRequest, startTestServer, type RawResponse, type TestServer } from './helpers/bits-server.js';

const servers: TestServer[] = [];
async function server(opts: Parameters<typeof startTestServer>[0]): Promise<TestServer> {
  const s = await startTestServer({ maxSessionsPerClient: 0, ...opts });
  servers.push(s);
  await mkdir(join(s.root, 'up'), { recursive: true });
  return s;
}

function assertAck(r: RawResponse, status: number): void {
  assert.is(r.status, status, r.rawHead);
  assert.is(r.headers['bits-packet-type'], 'Ack');
  assert.is(r.headers['content-length'], '0');
}

function assertAppError(r: RawResponse, status: number, code: string): void {
  assertAck(r, status);
  assert.is(r.headers['bits-error-code'], code, r.rawHead);
  assert.is(r.headers['bits-error-context'], '0x7', 'a server application error has context 0x7');
}

async function create(s: TestServer, path: string, headers: Record<string, string> = {}): Promise<string> {
  const r = await rawRequest(s.port, packet(path, 'Create-Session', { headers }));
  assertAck(r, 200);
  return r.headers['bits-session-id']!;
}

/** The reply URL resolved the way a BITS client does: against the upload URL's directory, \ → /, braces encoded. */
function replyPath(uploadPath: string, replyUrl: string): string {
  const dir = uploadPath.slice(0, uploadPath.lastIndexOf('/') + 1);
  return dir + replyUrl.replace(/\\/g, '/').replace(/\{/g, '%7B').replace(/\}/g, '%7D');
}

/** A handler whose behaviour the test switches, counting its calls. */
function scripted(): { handler: ReplyHandler; calls: ReplyContext[]; next: (fn: ReplyHandler) => void } {
  const calls: ReplyContext[] = [];
  let impl: ReplyHandler = () => ({ reply: 'default reply' });
  return {
    calls,
    next: (fn) => (impl = fn),
    handler: async (ctx) => {
      calls.push(ctx);
      return impl(ctx);
    },
  };
}

const app = scripted();
const s = await server({ replyHandler: app.handler, notificationTimeoutMs: 300 });

test('replyHandler reply: the final Ack carries BITS-Reply-URL (Windows backslash form); GET/HEAD/Range serve it until Close', async () => {
  const data = randomBytes(3000);
  let seen: Buffer | undefined;
  app.next(async (ctx) => {
    seen = await readFile(ctx.uploadPath);
    return { reply: Buffer.from('the reply: ' + ctx.size) };
  });
  const path = '/up/reply.bin';
  const id = await create(s, `${path}?acct=86433`, { Host: 'bits.example:8080' });
  const before = app.calls.length;
  let r = await rawRequest(s.port, fragment(`${path}?acct=86433`, id, 0, data.subarray(0, 1000), 3000));
  assertAck(r, 200);
  assert.not.ok(r.headers['bits-reply-url'], 'no reply URL before the last byte');
  assert.is(app.calls.length, before, 'the application is not called before the upload is complete');
  r = await rawRequest(s.port, fragment(`${path}?acct=86433`, id, 1000, data.subarray(1000), 3000));
  assertAck(r, 200);
  assert.is(r.headers['bits-received-content-range'], '3000');
  assert.is(r.headers['bits-session-id'], id);
  assert.is(r.headers['bits-reply-url'], `BITS-Sessions\\Replies\\${id}\\responsefile.bin`);

  const ctx = app.calls[app.calls.length - 1]!;
  assert.equal(seen, data, 'the handler read the complete upload');
  assert.is(ctx.sessionId, id);
  assert.is(ctx.size, 3000);
  assert.is(ctx.query, '?acct=86433');
  assert.is(ctx.remoteUrl, 'http://bits.example:8080/up/reply.bin?acct=86433');
  assert.match(ctx.clientAddress, /127\.0\.0\.1/);

  const url = replyPath(path, r.headers['bits-reply-url']!);
  const reply = Buffer.from('the reply: 3000');
  const head = await rawRequest(s.port, getRequest(url, {}, 'HEAD'), { head: true });
  assert.is(head.status, 200);
  assert.is(head.headers['content-length'], String(reply.length));
  assert.ok(head.headers.etag && head.headers['last-modified'] && head.headers['accept-ranges'] === 'bytes');
  const get = await rawRequest(s.port, getRequest(url));
  assert.equal(get.body, reply);
  const part = await rawRequest(s.port, getRequest(url, { Range: 'bytes=4-8' }));
  assert.is(part.status, 206);
  assert.is(part.headers['content-range'], `bytes 4-8/${reply.length}`);
  assert.is(part.body.toString(), 'reply');
  assert.is((await rawRequest(s.port, getRequest(url, { Range: 'bytes=500-' }))).status, 416);
  // Any directory before BITS-Sessions works, and segment case does not matter (IIS is case-insensitive).
  assert.equal((await rawRequest(s.port, getRequest(url.replace('/up/BITS-Sessions/Replies/', '/bits-sessions/replies/')))).body, reply);

  assertAck(await rawRequest(s.port, packet(path, 'Close-Session', { sessionId: id })), 200);
  assert.is((await rawRequest(s.port, getRequest(url))).status, 404, 'the reply is gone after Close-Session');
  assert.not.ok(existsSync(join(s.root, 'up', 'reply.bin')), 'types 1/2 do not publish without copy-to-destination');
  assert.not.ok(existsSync(join(s.root, 'BITS-Sessions', 'Replies', id)));
  assert.not.ok(existsSync(join(s.root, 'BITS-Sessions', 'Requests', id)));
});

test('a repeated final fragment gets the cached final Ack (same reply URL) and never notifies twice, even after a restart', async () => {
  app.next(() => ({ reply: 'once' }));
  const path = '/up/twice.bin';
  const data = randomBytes(100);
  const id = await create(s, path);
  const before = app.calls.length;
  const first = await rawRequest(s.port, fragment(path, id, 0, data, 100));
  const second = await rawRequest(s.port, fragment(path, id, 0, data, 100));
  const third = await rawRequest(s.port, fragment(path, id, 50, data.subarray(50), 100));
  for (const r of [first, second, third]) {
    assertAck(r, 200);
    assert.is(r.headers['bits-reply-url'], first.headers['bits-reply-url']);
    assert.is(r.headers['bits-received-content-range'], '100');
  }
  assert.is(app.calls.length, before + 1, 'notified exactly once');

  // Restart on the same directories: the cache (NotifyCache) is persisted with the session.
  const other = scripted();
  const again = await startTestServer({ root: s.root, replyHandler: other.handler, maxSessionsPerClient: 0 });
  try {
    const r = await rawRequest(again.port, fragment(path, id, 0, data, 100));
    assertAck(r, 200);
    assert.is(r.headers['bits-reply-url'], first.headers['bits-reply-url']);
    assert.is(other.calls.length, 0, 'no second notification after a restart either');
    assert.equal((await rawRequest(again.port, getRequest(replyPath(path, r.headers['bits-reply-url']!)))).body, Buffer.from('once'));
  } finally {
    await again.close();
  }
});

test('replyFile: the reply is a copy of the application\'s file, which is never deleted', async () => {
  const appFile = join(s.root, 'app-reply.txt');
  await writeFile(appFile, 'reply from a file\n');
  app.next(() => ({ replyFile: appFile }));
  const id = await create(s, '/up/rf.bin');
  const r = await rawRequest(s.port, fragment('/up/rf.bin', id, 0, Buffer.from('abc'), 3));
  assertAck(r, 200);
  assert.equal((await rawRequest(s.port, getRequest(replyPath('/up/rf.bin', r.headers['bits-reply-url']!)))).body.toString(), 'reply from a file\n');
  assertAck(await rawRequest(s.port, packet('/up/rf.bin', 'Close-Session', { sessionId: id })), 200);
  assert.ok(existsSync(appFile));
});

test('staticResponseUrl is sent as BITS-Reply-URL as is; copyToDestination publishes the upload on Close-Session', async () => {
  app.next(() => ({ staticResponseUrl: 'https://cdn.example.com/replies/42?sig=abc', copyToDestination: true }));
  const data = randomBytes(2048);
  const id = await create(s, '/up/static.bin');
  const r = await rawRequest(s.port, fragment('/up/static.bin', id, 0, data, 2048));
  assertAck(r, 200);
  assert.is(r.headers['bits-reply-url'], 'https://cdn.example.com/replies/42?sig=abc');
  assert.is((await rawRequest(s.port, getRequest(`/up/BITS-Sessions/Replies/${encodeURIComponent(id)}/responsefile.bin`))).status, 404, 'no reply file of ours');
  assert.not.ok(existsSync(join(s.root, 'up', 'static.bin')));
  assertAck(await rawRequest(s.port, packet('/up/static.bin', 'Close-Session', { sessionId: id })), 200);
  assert.equal(await readFile(join(s.root, 'up', 'static.bin')), data);

  app.next(() => ({ staticResponseUrl: 'not a url' }));
  const id2 = await create(s, '/up/badstatic.bin');
  const bad = await rawRequest(s.port, fragment('/up/badstatic.bin', id2, 0, data, 2048));
  assertAppError(bad, 400, '0x80070057');
});

test('BitsAppError(403) → 403 + BG_E_HTTP_ERROR_403 context 0x7; the session stays and a retried final fragment notifies again', async () => {
  app.next(() => {
    throw new BitsAppError(403, 'account closed');
  });
  const data = randomBytes(500);
  const path = '/up/denied.bin';
  const id = await create(s, path);
  const before = app.calls.length;
  const r = await rawRequest(s.port, fragment(path, id, 0, data, 500));
  assertAppError(r, 403, '0x80190193');
  assert.is(r.headers['bits-received-content-range'], '500', 'the bytes are kept');
  assert.not.ok(r.headers['bits-reply-url']);
  // 503 next time: transient for the client, which retries the last fragment.
  app.next(() => {
    throw new BitsAppError(503);
  });
  assertAppError(await rawRequest(s.port, fragment(path, id, 0, data, 500)), 503, '0x801901F7');
  app.next(() => ({ reply: 'third time lucky' }));
  const ok = await rawRequest(s.port, fragment(path, id, 400, data.subarray(400), 500));
  assertAck(ok, 200);
  assert.is(ok.headers['bits-reply-url'], `BITS-Sessions\\Replies\\${id}\\responsefile.bin`);
  assert.is(app.calls.length, before + 3);
  assert.equal((await rawRequest(s.port, getRequest(replyPath(path, ok.headers['bits-reply-url']!)))).body.toString(), 'third time lucky');
});

test('any other exception → 500 E_FAIL context 0x7; an application slower than the timeout → 408 E_FAIL context 0x7 and its signal aborts', async () => {
  app.next(() => {
    throw new Error('bug in the application');
  });
  const id = await create(s, '/up/boom.bin');
  assertAppError(await rawRequest(s.port, fragment('/up/boom.bin', id, 0, Buffer.alloc(10), 10)), 500, '0x80004005');

  let aborted = false;
  app.next((ctx) => new Promise((resolve) => {
    ctx.signal.addEventListener('abort', () => {
      aborted = true;
      resolve({ reply: 'too late' });
    });
  }));
  const id2 = await create(s, '/up/slow.bin');
  const started = Date.now();
  assertAppError(await rawRequest(s.port, fragment('/up/slow.bin', id2, 0, Buffer.alloc(10), 10)), 408, '0x80004005');
  assert.ok(Date.now() - started < 5000);
  assert.ok(aborted, 'the handler was told to stop');
});

test('an empty upload-reply upload: one body-less fragment "bytes */0" completes it and notifies', async () => {
  app.next((ctx) => ({ reply: `size ${ctx.size}` }));
  const id = await create(s, '/up/zero.bin');
  const r = await rawRequest(s.port, packet('/up/zero.bin', 'Fragment', { sessionId: id, headers: { 'Content-Range': 'bytes */0' } }));
  assertAck(r, 200);
  assert.is(r.headers['bits-received-content-range'], '0');
  assert.equal((await rawRequest(s.port, getRequest(replyPath('/up/zero.bin', r.headers['bits-reply-url']!)))).body.toString(), 'size 0');
});

// ── notification URL ─────────────────────────────────────────────────────────────────────────────

interface Notified {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
  requestFileAtNotify?: Buffer;
}

/** A server application: records each notification and answers with `respond`. */
const notified: Notified[] = [];
let respond: (n: Notified, res: http.ServerResponse) => Promise<void> | void = (_n, res) => {
  res.end();
};
const appServer = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    const n: Notified = { method: req.method!, url: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
    const reqFile = req.headers['bits-request-datafile-name'] as string | undefined;
    if (reqFile) n.requestFileAtNotify = await readFile(reqFile);
    notified.push(n);
    await respond(n, res);
  });
});
await new Promise<void>((r) => appServer.listen(0, '127.0.0.1', r));
const appPort = (appServer.address() as AddressInfo).port;

test('embedded in an app\'s own http server: by reference, relative URL resolved on this server (never the client\'s Host), query appended, DataFile headers', async () => {
  // The application and the BITS handler share one node:http server, as in IIS where the
  // notification URL is usually a page of the same site; acceptBitsPost lets that server see BITS_POST.
  const root = await mkdtemp(join(tmpdir(), 'bits-embedded-'));
  await mkdir(join(root, 'up'));
  const bits = createBitsUploadHandler({ root, notification: { type: 'reference', url: 'notify.asp' }, maxSessionsPerClient: 0 });
  const site = http.createServer(async (req, res) => {
    if (await bits.handle(req, res)) return;
    if (req.method === 'POST' && req.url!.startsWith('/up/notify.asp')) {
      req.resume();
      await once(req, 'end');
      const n: Notified = { method: req.method, url: req.url!, headers: req.headers, body: Buffer.alloc(0) };
      n.requestFileAtNotify = await readFile(req.headers['bits-request-datafile-name'] as string);
      notified.push(n);
      await writeFile(req.headers['bits-response-datafile-name'] as string, 'reply written by the app');
      res.writeHead(200, { 'Content-Type': 'text/html' });
      res.end();
      return;
    }
    res.writeHead(404);
    res.end();
  });
  acceptBitsPost(site);
  site.listen(0, '127.0.0.1');
  await once(site, 'listening');
  const sitePort = (site.address() as AddressInfo).port;
  try {
    const data = randomBytes(4000);
    // A hostile Host: it shows in BITS-Original-Request-URL but must not decide where the server posts.
    const cr = await rawRequest(sitePort, packet('/up/ref.bin?ACCOUNT=86433', 'Create-Session', { headers: { Host: `127.0.0.1:${appPort}` } }));
    assertAck(cr, 200);
    const id = cr.headers['bits-session-id']!;
    const count = notified.length;
    const r = await rawRequest(sitePort, fragment('/up/ref.bin?ACCOUNT=86433', id, 0, data, 4000));
    assertAck(r, 200);
    assert.is(notified.length, count + 1, 'the application of this site was notified (not the Host the client named)');
    const n = notified[notified.length - 1]!;
    assert.is(n.method, 'POST');
    assert.is(n.url, '/up/notify.asp?ACCOUNT=86433');
    assert.is(n.headers.host, `127.0.0.1:${sitePort}`);
    assert.is(n.headers['bits-original-request-url'], `http://127.0.0.1:${appPort}/up/ref.bin?ACCOUNT=86433`);
    assert.is(n.headers['bits-request-datafile-name'], join(root, 'BITS-Sessions', 'Requests', id, 'requestfile.bin'));
    assert.is(n.headers['bits-response-datafile-name'], join(root, 'BITS-Sessions', 'Replies', id, 'responsefile.bin'));
    assert.is(n.headers['content-length'], '0');
    assert.is(n.headers['user-agent'], 'BITSExts 1.5');
    assert.equal(n.requestFileAtNotify, data, 'the request file is complete when the app is notified');
    assert.is(r.headers['bits-reply-url'], `BITS-Sessions\\Replies\\${id}\\responsefile.bin`);
    const url = replyPath('/up/ref.bin', r.headers['bits-reply-url']!);
    const part = await rawRequest(sitePort, getRequest(url, { Range: 'bytes=0-4' }));
    assert.is(part.status, 206);
    assert.is(part.body.toString(), 'reply');
    assert.is(part.headers['content-range'], 'bytes 0-4/24');
    assertAck(await rawRequest(sitePort, packet('/up/ref.bin', 'Close-Session', { sessionId: id })), 200);
    assert.not.ok(existsSync(n.headers['bits-response-datafile-name'] as string), 'the reply file is deleted after Close-Session');
    assert.not.ok(existsSync(join(root, 'up', 'ref.bin')));
    // The site's other routes are untouched by the handler.
    assert.is((await rawRequest(sitePort, 'POST /elsewhere HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n')).status, 404);
  } finally {
    site.closeAllConnections();
    await new Promise<void>((r) => site.close(() => r()));
    await bits.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('notification by value, absolute URL with its own query: body = the upload, Content-Length = its size; the response body is the reply', async () => {
  const val = await server({ notification: { type: 'value', url: `http://127.0.0.1:${appPort}/app/receive?mode=v` } });
  respond = (n, res) => {
    res.writeHead(200);
    res.end(`got ${n.body.length} bytes`);
  };
  const data = randomBytes(70_000);
  const id = await create(val, '/up/val.bin?user=7');
  const count = notified.length;
  assertAck(await rawRequest(val.port, fragment('/up/val.bin?user=7', id, 0, data.subarray(0, 30_000), 70_000)), 200);
  const r = await rawRequest(val.port, fragment('/up/val.bin?user=7', id, 30_000, data.subarray(30_000), 70_000));
  assertAck(r, 200);
  assert.is(notified.length, count + 1);
  const n = notified[notified.length - 1]!;
  assert.is(n.url, '/app/receive?mode=v&user=7');
  assert.is(n.headers['content-length'], '70000');
  assert.equal(n.body, data);
  assert.not.ok(n.headers['bits-request-datafile-name']);
  assert.not.ok(n.headers['bits-response-datafile-name']);
  assert.is(n.headers['bits-original-request-url'], 'http://bits.test/up/val.bin?user=7');
  assert.equal((await rawRequest(val.port, getRequest(replyPath('/up/val.bin', r.headers['bits-reply-url']!)))).body.toString(), 'got 70000 bytes');
});

test('the application\'s answer: non-2xx → that status with its BITS-Error-Code (or BG_E_HTTP_ERROR_n) and context 0x7; static URL + copy header honoured', async () => {
  const val = await server({ notification: { type: 'value', url: `http://127.0.0.1:${appPort}/app` } });
  const data = randomBytes(100);
  respond = (_n, res) => {
    res.writeHead(500, { 'BITS-Error-Code': '0x80070005' });
    res.end('nope');
  };
  const id = await create(val, '/up/answers.bin');
  const r500 = await rawRequest(val.port, fragment('/up/answers.bin', id, 0, data, 100));
  assertAppError(r500, 500, '0x80070005');
  respond = (_n, res) => {
    res.writeHead(404);
    res.end();
  };
  assertAppError(await rawRequest(val.port, fragment('/up/answers.bin', id, 0, data, 100)), 404, '0x80190194');
  respond = (_n, res) => {
    res.writeHead(200, { 'BITS-Static-Response-URL': 'http://replies.example/r/1', 'BITS-Copy-File-To-Destination': 'true' });
    res.end();
  };
  const ok = await rawRequest(val.port, fragment('/up/answers.bin', id, 0, data, 100));
  assertAck(ok, 200);
  assert.is(ok.headers['bits-reply-url'], 'http://replies.example/r/1');
  assertAck(await rawRequest(val.port, packet('/up/answers.bin', 'Close-Session', { sessionId: id })), 200);
  assert.equal(await readFile(join(val.root, 'up', 'answers.bin')), data, 'BITS-Copy-File-To-Destination publishes the upload');
});

test('an unreachable notification URL → 502 with ERROR_INTERNET_CANNOT_CONNECT, context 0x7; a silent one → 408', async () => {
  const dead = http.createServer();
  await new Promise<void>((r) => dead.listen(0, '127.0.0.1', r));
  const deadPort = (dead.address() as AddressInfo).port;
  await new Promise<void>((r) => dead.close(() => r()));
  const down = await server({ notification: { type: 'reference', url: `http://127.0.0.1:${deadPort}/app` } });
  const id = await create(down, '/up/down.bin');
  assertAppError(await rawRequest(down.port, fragment('/up/down.bin', id, 0, Buffer.alloc(5), 5)), 502, '0x80072EFD');

  const slow = await server({ notification: { type: 'reference', url: `http://127.0.0.1:${appPort}/app` }, notificationTimeoutMs: 300 });
  respond = () => undefined; // never answers
  const id2 = await create(slow, '/up/slowapp.bin');
  assertAppError(await rawRequest(slow.port, fragment('/up/slowapp.bin', id2, 0, Buffer.alloc(5), 5)), 408, '0x80004005');
});

test.after(async () => {
  appServer.closeAllConnections();
  await new Promise<void>((r) => appServer.close(() => r()));
  for (const srv of servers) await srv.cleanup();
});

test.run();
