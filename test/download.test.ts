// HTTP downloader against a misbehaving fixture server: every fault maps to the HRESULT, transient
// flag and error context BITS reports, and resumes/restarts leave exactly the right bytes.
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, stat, truncate, writeFile } from 'node:fs/promises';
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { ErrorContext } from '../module/api/enums.js';
import type { DownloadRequest, RemoteValidator } from '../module/engine/http/download-port.js';
import { downloadFile, headFile, HttpTransferError } from '../module/engine/http/download.js';
import {
  contentOf,
  contentSha256,
  etagOf,
  lastModifiedOf,
  startFaultServer,
  versionSeed,
  type FaultServer,
} from './helpers/fault-server.js';
import { localFileError, transportError } from '../module/engine/http/errors.js';
import { findFreePort, makeTestCertificates } from './helpers/nginx.js';
import { makeTmpDir, sha256File, type TmpDir } from './helpers/tmp.js';
import { transferFailure } from './helpers/assert-bits.js';

// Setup at top level, not in test.before: uvu reports a suite whose before-hook throws as passed.
const tmp: TmpDir = await makeTmpDir('bits-download-test');
let server: FaultServer;
let caPem: string;
try {
  const certs = await makeTestCertificates(tmp.file('tls'));
  caPem = readFileSync(certs.caFile, 'utf8');
  server = await startFaultServer({ tls: certs });
} catch (e) {
  await tmp.cleanup();
  throw e;
}
let fileNo = 0;

test.after(async () => {
  await server.close();
  await tmp.cleanup();
});

interface Recorded {
  responses: Array<{ validator: RemoteValidator; finalUrl: string; restarted: boolean; offset: number }>;
  checkpoints: Array<{ position: number; validator: RemoteValidator }>;
  progress: number[];
}

/** A request for `path` on the fixture into a fresh temp file, recording every callback. */
function request(path: string, extra: Partial<DownloadRequest> = {}): { req: DownloadRequest; rec: Recorded } {
  const rec: Recorded = { responses: [], checkpoints: [], progress: [] };
  const req: DownloadRequest = {
    url: /^[a-z]+:\/\//.test(path) ? path : server.url + path,
    tempPath: tmp.file(`f${++fileNo}.tmp`),
    offset: 0,
    validator: null,
    signal: new AbortController().signal,
    onResponse: (info) => rec.responses.push(info),
    onCheckpoint: (position, validator) => rec.checkpoints.push({ position, validator }),
    onProgress: (position) => rec.progress.push(position),
    ...extra,
  };
  return { req, rec };
}

const failure = (p: Promise<unknown>) => transferFailure(p, 'the download');

function assertFailure(e: HttpTransferError, hresult: number, transient: boolean, context: number): void {
  assert.is(e.hresultHex, '0x' + hresult.toString(16).toUpperCase().padStart(8, '0'), e.message);
  assert.is(e.transient, transient, `transient for ${e.hresultHex}: ${e.message}`);
  assert.is(e.contextName, Object.keys(ErrorContext).find((k) => ErrorContext[k as keyof typeof ErrorContext] === context));
}

function lastCheckpoint(rec: Recorded): number {
  return rec.checkpoints.at(-1)?.position ?? 0;
}

test('well-behaved file: right bytes, validator, server mtime, final checkpoint', async () => {
  const size = 300_000;
  const { req, rec } = request(`/file/plain?size=${size}`);
  const result = await downloadFile(req);
  assert.is(result.size, size);
  assert.is(await sha256File(req.tempPath), contentSha256('plain', size));
  assert.equal(result.validator, { etag: etagOf('plain', 1), lastModified: lastModifiedOf(1), totalSize: size });
  assert.is((await stat(req.tempPath)).mtime.getTime(), Date.parse(lastModifiedOf(1)));
  assert.equal(rec.responses, [{ validator: result.validator, finalUrl: req.url, restarted: false, offset: 0 }]);
  assert.equal(rec.checkpoints.at(-1), { position: size, validator: result.validator });
  assert.is(rec.progress.at(-1), size);
});

test('checkpoints are monotonic, never ahead of the bytes on disk, and respect checkpointBytes', async () => {
  const size = 1_000_000;
  const seen: number[] = [];
  const { req } = request(`/file/chk?size=${size}`, {
    checkpointBytes: 100_000,
    checkpointIntervalMs: 60_000,
    onCheckpoint: (position) => {
      assert.ok(statSync(req.tempPath).size >= position, 'checkpoint ahead of the file');
      seen.push(position);
    },
  });
  await downloadFile(req);
  assert.ok(seen.length >= 5, `checkpoints: ${seen.length}`);
  for (let i = 1; i < seen.length - 1; i++) assert.ok(seen[i] - seen[i - 1] >= 100_000, `gap ${seen[i] - seen[i - 1]}`);
  assert.is(seen.at(-1), size);
});

test('zero-byte file completes', async () => {
  const { req } = request('/file/empty?size=0');
  const result = await downloadFile(req);
  assert.is(result.size, 0);
  assert.is((await stat(req.tempPath)).size, 0);
});

test('reset mid-body: transient 0x80072EFF REMOTE_FILE, checkpointed, then a second call resumes and completes', async () => {
  const size = 400_000;
  const path = `/reset/rs?size=${size}&after=150000`;
  const first = request(path, { checkpointIntervalMs: 60_000 });
  const e = await failure(downloadFile(first.req));
  assertFailure(e, 0x80072eff, true, ErrorContext.REMOTE_FILE);
  const cp = lastCheckpoint(first.rec);
  assert.ok(cp > 0 && cp <= 150_000, `checkpoint ${cp}`);
  assert.is((await stat(first.req.tempPath)).size, cp);
  const validator = first.rec.checkpoints.at(-1)!.validator;

  const second = request(path, { tempPath: first.req.tempPath, offset: cp, validator });
  const result = await downloadFile(second.req);
  assert.is(result.size, size);
  assert.equal(second.rec.responses.map((r) => [r.offset, r.restarted]), [[cp, false]]);
  assert.is(await sha256File(first.req.tempPath), contentSha256('rs', size));
  const gets = server.requestsTo('/reset/rs');
  assert.is(gets.length, 2);
  assert.is(gets[1].range, `bytes=${cp}-`);
  assert.is(gets[1].ifRange, etagOf('rs', 1));
});

test('truncated body (clean close before Content-Length): transient 0x80072EFF REMOTE_FILE, checkpoint = bytes written; resumable', async () => {
  const path = '/truncated/tr?size=200000&after=70000';
  const { req, rec } = request(path, { checkpointIntervalMs: 60_000 });
  const e = await failure(downloadFile(req));
  assertFailure(e, 0x80072eff, true, ErrorContext.REMOTE_FILE);
  // Node drops what was still buffered in the response stream when the connection ends early, so
  // the checkpoint is what reached the disk: up to the 70000 bytes sent, and exactly the file size.
  const cp = lastCheckpoint(rec);
  assert.ok(cp > 0 && cp <= 70_000, `checkpoint ${cp}`);
  assert.is((await stat(req.tempPath)).size, cp);
  const second = request(path, { tempPath: req.tempPath, offset: cp, validator: rec.checkpoints.at(-1)!.validator });
  await downloadFile(second.req);
  assert.equal(second.rec.responses.map((r) => r.offset), [cp]);
  assert.is(await sha256File(req.tempPath), contentSha256('tr', 200_000));
});

test('503 twice then success: transient 0x801901F7 REMOTE_FILE each time, then the file', async () => {
  const path = '/unavailable/un?size=5000&count=2';
  for (let i = 0; i < 2; i++) {
    const e = await failure(downloadFile(request(path).req));
    assertFailure(e, 0x801901f7, true, ErrorContext.REMOTE_FILE);
  }
  const { req } = request(path);
  assert.is((await downloadFile(req)).size, 5000);
});

test('HTTP statuses: 0x80190000+status, REMOTE_FILE; 408/429/5xx transient, others fatal; message says what to do', async () => {
  const transient = [408, 429, 500, 502, 503, 504];
  const fatal = [400, 401, 403, 404, 405, 407, 410, 416, 501, 505];
  for (const status of [...transient, ...fatal]) {
    const e = await failure(downloadFile(request(`/status/${status}/s`).req));
    assertFailure(e, 0x80190000 + status, transient.includes(status), ErrorContext.REMOTE_FILE);
  }
  const e404 = await failure(downloadFile(request('/status/404/missing').req));
  assert.is(e404.code, 'BG_E_HTTP_ERROR_404');
  assert.match(e404.message, /does not exist\. Check the URL http:\/\/127\.0\.0\.1:\d+\/status\/404\/missing/);
});

test('remote file changed between calls: restart from 0 with the 200 body (restarted:true), final content = new version', async () => {
  const size = 300_000;
  const path = `/changing/ch?size=${size}&after=100000`;
  const first = request(path, { checkpointIntervalMs: 60_000 });
  await failure(downloadFile(first.req));
  const cp = lastCheckpoint(first.rec);
  assert.ok(cp > 0);
  const v1 = first.rec.checkpoints.at(-1)!.validator;
  assert.is(v1.etag, etagOf('ch', 1));

  const second = request(path, { tempPath: first.req.tempPath, offset: cp, validator: v1 });
  const result = await downloadFile(second.req);
  assert.is(second.rec.responses.length, 1);
  assert.is(second.rec.responses[0].restarted, true);
  assert.is(second.rec.responses[0].offset, 0);
  assert.is(second.rec.responses[0].validator.etag, etagOf('ch', 2));
  assert.equal(second.rec.checkpoints[0], { position: 0, validator: result.validator }, 'offset reset is checkpointed first');
  assert.is(result.validator.etag, etagOf('ch', 2));
  assert.is(await sha256File(first.req.tempPath), contentSha256(versionSeed('ch', 2), size));
  assert.is(server.requestsTo('/changing/ch').length, 2, 'the 200 body was used, no extra request');
});

/** A temp file holding the first `offset` bytes of version 1 of `name`, plus its validator. */
async function partialFile(name: string, size: number, offset: number): Promise<{ tempPath: string; validator: RemoteValidator }> {
  const tempPath = tmp.file(`partial-${name}.tmp`);
  await writeFile(tempPath, contentOf(name, size).subarray(0, offset));
  return { tempPath, validator: { etag: etagOf(name, 1), lastModified: lastModifiedOf(1), totalSize: size } };
}

test('file changes again during the restart: transient BG_E_REMOTE_FILE_CHANGED', async () => {
  const p = await partialFile('fl', 50_000, 10_000);
  // The first response (206 of a new version, ignoring If-Range) is one change; the whole-file
  // request that follows sees yet another version.
  const { req } = request('/flapping/fl?size=50000', { ...p, offset: 10_000, validator: { ...p.validator, etag: etagOf('fl', 0) } });
  const e = await failure(downloadFile(req));
  assertFailure(e, 0x80200073, true, ErrorContext.REMOTE_FILE);
  assert.is(e.code, 'BG_E_REMOTE_FILE_CHANGED');
});

test('server ignores Range (same validator, 200): fatal BG_E_INSUFFICIENT_RANGE_SUPPORT', async () => {
  const p = await partialFile('ir', 60_000, 20_000);
  const { req } = request('/ignores-range/ir?size=60000', { ...p, offset: 20_000 });
  const e = await failure(downloadFile(req));
  assertFailure(e, 0x80200013, false, ErrorContext.REMOTE_FILE);
  assert.is(server.requestsTo('/ignores-range/ir')[0].range, 'bytes=20000-');
});

test('206 with a wrong Content-Range start or total: transient BG_E_INVALID_SERVER_RESPONSE', async () => {
  for (const query of ['', '&wrongTotal=1']) {
    const p = await partialFile('br', 60_000, 20_000);
    const { req } = request(`/bad-range/br?size=60000${query}`, { ...p, offset: 20_000 });
    const e = await failure(downloadFile(req));
    assertFailure(e, 0x8020001b, true, ErrorContext.REMOTE_FILE);
  }
});

test('no Content-Length: fatal BG_E_MISSING_FILE_SIZE (GET and HEAD)', async () => {
  const e = await failure(downloadFile(request('/no-length/nl?size=10000').req));
  assertFailure(e, 0x80200011, false, ErrorContext.REMOTE_FILE);
  const h = await failure(headFile(`${server.url}/no-length/nl?size=10000`));
  assertFailure(h, 0x80200011, false, ErrorContext.REMOTE_FILE);
});

test('body stalls longer than idleTimeoutMs: transient 0x80072EE2, bytes so far checkpointed', async () => {
  const { req, rec } = request('/slow/sl?size=100000&after=30000&stallMs=10000', { idleTimeoutMs: 300, checkpointIntervalMs: 60_000 });
  const started = Date.now();
  const e = await failure(downloadFile(req));
  assertFailure(e, 0x80072ee2, true, ErrorContext.GENERAL_TRANSPORT);
  assert.ok(Date.now() - started < 5000, 'gave up long before the stall ended');
  assert.is(lastCheckpoint(rec), 30_000);
});

test('headers, then no body at all for idleTimeoutMs: transient 0x80072EE2', async () => {
  const { req, rec } = request('/slow/sl0?size=100000&after=0&stallMs=10000', { idleTimeoutMs: 300 });
  const e = await failure(downloadFile(req));
  assertFailure(e, 0x80072ee2, true, ErrorContext.GENERAL_TRANSPORT);
  assert.is(rec.responses.length, 1);
  assert.is(rec.checkpoints.length, 0);
});

test('no response headers within requestTimeoutMs: transient 0x80072EE2 GENERAL_TRANSPORT', async () => {
  const sockets: net.Socket[] = [];
  const silent = net.createServer((s) => sockets.push(s));
  await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
  try {
    const port = (silent.address() as net.AddressInfo).port;
    const e = await failure(downloadFile(request(`http://127.0.0.1:${port}/x`, { requestTimeoutMs: 300 }).req));
    assertFailure(e, 0x80072ee2, true, ErrorContext.GENERAL_TRANSPORT);
  } finally {
    sockets.forEach((s) => s.destroy());
    silent.close();
  }
});

test('connection refused: transient 0x80072EFD GENERAL_TRANSPORT', async () => {
  const port = await findFreePort();
  const e = await failure(downloadFile(request(`http://127.0.0.1:${port}/x`).req));
  assertFailure(e, 0x80072efd, true, ErrorContext.GENERAL_TRANSPORT);
});

test('unresolvable host: transient 0x80072EE7 GENERAL_TRANSPORT', async () => {
  const e = await failure(downloadFile(request('http://no-such-host.invalid/x').req));
  assertFailure(e, 0x80072ee7, true, ErrorContext.GENERAL_TRANSPORT);
});

test('only http: and https: — ftp: URL and a redirect to ftp: are refused (fatal 0x80072EE6)', async () => {
  const e = await failure(downloadFile(request('ftp://127.0.0.1/x').req));
  assertFailure(e, 0x80072ee6, false, ErrorContext.REMOTE_FILE);
  const r = await failure(downloadFile(request(`/redirect-to/ftp?location=${encodeURIComponent('ftp://127.0.0.1/x')}`).req));
  assertFailure(r, 0x80072ee6, false, ErrorContext.REMOTE_FILE);
});

test('relative redirect followed; finalUrl reported; redirect loop → fatal BG_E_HTTP_ERROR_302 after maxRedirects', async () => {
  const { req, rec } = request(`/redirect-to/rd?location=${encodeURIComponent('../file/rd?size=1234')}`);
  const result = await downloadFile(req);
  assert.is(result.size, 1234);
  assert.is(result.finalUrl, `${server.url}/file/rd?size=1234`);
  assert.is(rec.responses[0].finalUrl, result.finalUrl);

  const loop = `/redirect-to/loop?location=${encodeURIComponent('/redirect-to/loop?location=x')}`;
  const e = await failure(downloadFile(request(`/redirect-to/loop0?location=${encodeURIComponent(loop)}`, { maxRedirects: 3 }).req));
  assertFailure(e, 0x8019012e, false, ErrorContext.REMOTE_FILE);
  assert.match(e.message, /More than 3 redirects/);
});

test('HTTPS → HTTP redirect refused: fatal, HRESULT of the 3xx, message explains', async () => {
  const { req } = request(`${server.httpsUrl}/downgrade/dg?size=100`, { tls: { ca: caPem } });
  const e = await failure(downloadFile(req));
  assertFailure(e, 0x8019012e, false, ErrorContext.REMOTE_FILE);
  assert.match(e.message, /downgrade/i);
  assert.is(server.requestsTo('/file/dg').length, 0, 'the HTTP URL was never requested');
});

test('HTTPS with the test CA passed as tls.ca works; without it: fatal 0x80072F8F', async () => {
  const ok = request(`${server.httpsUrl}/file/tls?size=77777`, { tls: { ca: caPem } });
  await downloadFile(ok.req);
  assert.is(await sha256File(ok.req.tempPath), contentSha256('tls', 77_777));
  const e = await failure(downloadFile(request(`${server.httpsUrl}/file/tls?size=77777`).req));
  assertFailure(e, 0x80072f8f, false, ErrorContext.GENERAL_TRANSPORT);
});

test('BITS_JOB2_CA_FILE adds a trusted CA for every request', async () => {
  process.env.BITS_JOB2_CA_FILE = tmp.file('tls/ca.pem');
  try {
    const { req } = request(`${server.httpsUrl}/file/envca?size=1000`);
    assert.is((await downloadFile(req)).size, 1000);
  } finally {
    delete process.env.BITS_JOB2_CA_FILE;
  }
});

test('local file errors: missing directory and a file as parent → fatal 0x80070003 LOCAL_FILE, nothing requested', async () => {
  const before = server.requests.length;
  const missing = await failure(downloadFile(request('/file/l1?size=10', { tempPath: tmp.file('no/such/dir/x.tmp') }).req));
  assertFailure(missing, 0x80070003, false, ErrorContext.LOCAL_FILE);
  await writeFile(tmp.file('plain-file'), 'x');
  const notDir = await failure(downloadFile(request('/file/l2?size=10', { tempPath: tmp.file('plain-file/x.tmp') }).req));
  assertFailure(notDir, 0x80070003, false, ErrorContext.LOCAL_FILE);
  assert.is(server.requests.length, before);
});

test('temp path is a directory → fatal E_ACCESSDENIED LOCAL_FILE', async () => {
  await mkdir(tmp.file('a-dir'));
  const e = await failure(downloadFile(request('/file/l3?size=10', { tempPath: tmp.file('a-dir') }).req));
  assertFailure(e, 0x80070005, false, ErrorContext.LOCAL_FILE);
});

test('offset > 0 but no validator recorded: restart from 0 without Range (cannot resume safely)', async () => {
  const p = await partialFile('nv', 40_000, 10_000);
  const { req, rec } = request('/file/nv?size=40000', { tempPath: p.tempPath, offset: 10_000, validator: null });
  await downloadFile(req);
  assert.equal(rec.responses.map((r) => [r.offset, r.restarted]), [[0, true]]);
  assert.is(server.requestsTo('/file/nv')[0].range, undefined);
  assert.is(await sha256File(p.tempPath), contentSha256('nv', 40_000));
});

test('temp file shorter than the recorded offset: restart from 0 instead of resuming into a hole', async () => {
  const p = await partialFile('sh', 40_000, 10_000);
  await truncate(p.tempPath, 5000);
  const { req, rec } = request('/file/sh?size=40000', { ...p, offset: 10_000 });
  await downloadFile(req);
  assert.equal(rec.responses.map((r) => [r.offset, r.restarted]), [[0, true]]);
  assert.is(await sha256File(p.tempPath), contentSha256('sh', 40_000));
});

test('resume truncates extra bytes beyond the durable offset and sends Range/If-Range', async () => {
  const p = await partialFile('tx', 40_000, 10_000);
  // Junk past the durable offset, reaching beyond the end of the remote file.
  await writeFile(p.tempPath, Buffer.concat([contentOf('tx', 40_000).subarray(0, 10_000), Buffer.alloc(35_000, 0xee)]));
  const { req, rec } = request('/file/tx?size=40000', { ...p, offset: 10_000 });
  await downloadFile(req);
  assert.equal(rec.responses.map((r) => [r.offset, r.restarted]), [[10_000, false]]);
  assert.is(rec.progress[0] > 10_000, true);
  assert.is(server.requestsTo('/file/tx')[0].range, 'bytes=10000-');
  assert.is(await sha256File(p.tempPath), contentSha256('tx', 40_000));
});

test('offset already at the end (416 with bytes */total): completes without a body', async () => {
  const p = await partialFile('done', 20_000, 20_000);
  const { req, rec } = request('/file/done?size=20000', { ...p, offset: 20_000 });
  const result = await downloadFile(req);
  assert.is(result.size, 20_000);
  assert.equal(rec.checkpoints.at(-1)?.position, 20_000);
  assert.is(await sha256File(p.tempPath), contentSha256('done', 20_000));
});

test('abort mid-body: AbortError promptly, file kept, no checkpoint after the abort', async () => {
  const controller = new AbortController();
  let checkpointsAtAbort = -1;
  const { req, rec } = request('/slow/ab?size=100000&after=40000&stallMs=20000', {
    signal: controller.signal,
    checkpointIntervalMs: 0,
    onProgress: (position) => {
      if (position >= 40_000 && checkpointsAtAbort < 0) {
        setTimeout(() => {
          checkpointsAtAbort = rec.checkpoints.length;
          controller.abort();
        }, 50);
      }
    },
  });
  const started = Date.now();
  let error: unknown;
  try {
    await downloadFile(req);
  } catch (e) {
    error = e;
  }
  assert.is((error as Error)?.name, 'AbortError');
  assert.ok(Date.now() - started < 5000);
  assert.is(rec.checkpoints.length, checkpointsAtAbort, 'no checkpoint after abort');
  assert.is((await stat(req.tempPath)).size, 40_000);
});

test('already-aborted signal rejects with AbortError before any request', async () => {
  const controller = new AbortController();
  controller.abort();
  const before = server.requests.length;
  const e = await downloadFile(request('/file/pre?size=10', { signal: controller.signal }).req).catch((x) => x);
  assert.is(e.name, 'AbortError');
  assert.is(server.requests.length, before);
});

test('headFile: size and validators, redirects followed, 404 mapped', async () => {
  const head = await headFile(`${server.url}/redirect-to/hd?location=${encodeURIComponent('/file/hd?size=4321')}`);
  assert.equal(head.validator, { etag: etagOf('hd', 1), lastModified: lastModifiedOf(1), totalSize: 4321 });
  assert.is(head.finalUrl, `${server.url}/file/hd?size=4321`);
  const e = await failure(headFile(`${server.url}/status/404/hd`));
  assertFailure(e, 0x80190194, false, ErrorContext.REMOTE_FILE);
});

test('reset before the response headers: transient 0x80072EFF GENERAL_TRANSPORT', async () => {
  const e = await failure(downloadFile(request('/hangup/hu').req));
  assertFailure(e, 0x80072eff, true, ErrorContext.GENERAL_TRANSPORT);
});

test('301/302/303/307/308 are all followed silently', async () => {
  for (const status of [301, 302, 303, 307, 308]) {
    const { req } = request(`/redirect-to/st${status}?status=${status}&location=${encodeURIComponent('/file/st?size=999')}`);
    const result = await downloadFile(req);
    assert.is(result.size, 999, `status ${status}`);
  }
});

test('disk full while writing (/dev/full): fatal ERROR_DISK_FULL 0x80070070 LOCAL_FILE', async () => {
  assert.ok(existsSync('/dev/full'), '/dev/full is part of every Linux /dev');
  const e = await failure(downloadFile(request('/file/full?size=100000', { tempPath: '/dev/full' }).req));
  assertFailure(e, 0x80070070, false, ErrorContext.LOCAL_FILE);
  assert.match(e.message, /free disk space/);
});

test('errno → HRESULT tables for failures the fixtures cannot produce (running as root, no real quota)', () => {
  const local: Array<[string, number]> = [
    ['ENOSPC', 0x80070070], ['EFBIG', 0x80070070], ['EDQUOT', 0x80070070],
    ['EACCES', 0x80070005], ['EPERM', 0x80070005], ['EROFS', 0x80070005],
    ['ENOENT', 0x80070003], ['ENOTDIR', 0x80070003],
  ];
  for (const [code, hr] of local) {
    const e = localFileError(Object.assign(new Error(code), { code }), '/x/y.tmp');
    assertFailure(e, hr, false, ErrorContext.LOCAL_FILE);
  }
  const transport: Array<[string, number, boolean]> = [
    ['ECONNREFUSED', 0x80072efd, true], ['ENOTFOUND', 0x80072ee7, true], ['EAI_AGAIN', 0x80072ee7, true],
    ['ECONNRESET', 0x80072eff, true], ['EPIPE', 0x80072eff, true], ['ERR_STREAM_PREMATURE_CLOSE', 0x80072eff, true],
    ['ETIMEDOUT', 0x80072ee2, true],
    ['DEPTH_ZERO_SELF_SIGNED_CERT', 0x80072f8f, false], ['CERT_HAS_EXPIRED', 0x80072f8f, false],
    ['ERR_TLS_CERT_ALTNAME_INVALID', 0x80072f8f, false], ['UNABLE_TO_VERIFY_LEAF_SIGNATURE', 0x80072f8f, false],
  ];
  for (const [code, hr, transient] of transport) {
    const e = transportError(Object.assign(new Error(code), { code }), 'http://h/x');
    assertFailure(e, hr, transient, ErrorContext.GENERAL_TRANSPORT);
  }
});

test('errors serialise without credentials from the URL', async () => {
  const port = await findFreePort();
  const e = await failure(downloadFile(request(`http://user:secret@127.0.0.1:${port}/x`).req));
  assert.not.match(JSON.stringify(e.toJSON()), /secret/);
  assert.not.match(e.message, /secret/);
});

test.run();
