// End to end through the CLI: real downloads from a small HTTP server on 127.0.0.1 (ETag,
// Last-Modified, Range), carried out by the per-user service after the CLI process has exited.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { CLI_JS, CONTROL_CHARS, GUID_RE, cliEnv, json, jsonError, makeSandbox, type CliSandbox } from './helpers/cli.js';
import { sha256, sha256File } from './helpers/tmp.js';

// ── a tiny file server: HEAD/GET, ETag, Last-Modified, Range (single), If-Range; /slow/* trickles ──

interface Served {
  body: Buffer;
  etag: string;
  lastModified: string;
}

const files = new Map<string, Served>();
function serve(name: string, body: Buffer): Served {
  const f = { body, etag: `"${sha256(body).slice(0, 16)}"`, lastModified: new Date(Date.now() - 3600_000).toUTCString() };
  files.set(name, f);
  return f;
}

function handle(req: IncomingMessage, res: ServerResponse): void {
  const url = new URL(req.url ?? '/', 'http://x');
  const slow = url.pathname.startsWith('/slow/');
  const name = url.pathname.replace(/^\/(slow\/)?/, '');
  const f = files.get(name);
  if (!f || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(f ? 405 : 404, { 'Content-Length': '0' });
    res.end();
    return;
  }
  const size = f.body.length;
  let start = 0;
  let end = size - 1;
  let status = 200;
  const range = /^bytes=(\d*)-(\d*)$/.exec(String(req.headers.range ?? ''));
  const ifRange = req.headers['if-range'];
  if (range && (!ifRange || ifRange === f.etag || ifRange === f.lastModified)) {
    if (range[1] === '') {
      start = Math.max(0, size - Number(range[2]));
    } else {
      start = Number(range[1]);
      if (range[2] !== '') end = Math.min(size - 1, Number(range[2]));
    }
    if (start >= size || start > end) {
      res.writeHead(416, { 'Content-Range': `bytes */${size}`, 'Content-Length': '0' });
      res.end();
      return;
    }
    status = 206;
  }
  const headers: Record<string, string> = {
    'Content-Type': 'application/octet-stream',
    'Content-Length': String(end - start + 1),
    'Accept-Ranges': 'bytes',
    ETag: f.etag,
    'Last-Modified': f.lastModified,
  };
  if (status === 206) headers['Content-Range'] = `bytes ${start}-${end}/${size}`;
  res.writeHead(status, headers);
  if (req.method === 'HEAD') {
    res.end();
    return;
  }
  const chunk = f.body.subarray(start, end + 1);
  if (!slow) {
    res.end(chunk);
    return;
  }
  // 16 KiB every 50 ms: 512 KiB take about 1.6 s.
  let pos = 0;
  const timer = setInterval(() => {
    if (res.destroyed) return clearInterval(timer);
    const next = chunk.subarray(pos, pos + 16384);
    pos += next.length;
    if (pos >= chunk.length) {
      clearInterval(timer);
      res.end(next);
    } else res.write(next);
  }, 50);
  res.on('close', () => clearInterval(timer));
}

let server: Server;
let base = '';
let sb: CliSandbox;
const out = mkdtempSync('/tmp/bj2o-');

const small = serve('small.bin', randomBytes(200_000));
const second = serve('second.txt', Buffer.from('second file\n'.repeat(1000)));
const slowFile = serve('trickle.bin', randomBytes(512 * 1024));

test.before(async () => {
  server = createServer(handle);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  sb = makeSandbox();
});

test.after(async () => {
  await sb.cleanup();
  await new Promise<void>((r) => server.close(() => r()));
  server.closeAllConnections?.();
  rmSync(out, { recursive: true, force: true });
});

async function infoJson(id: string): Promise<any> {
  const r = await sb.run(['info', id, '--json']);
  assert.is(r.code, 0, r.stderr);
  return json(r);
}

async function pollState(id: string, wanted: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snap = await infoJson(id);
    if (snap.state === wanted) return snap;
    if (snap.state === 'ERROR' && wanted !== 'ERROR') throw new Error(`job went to ERROR: ${JSON.stringify(snap.error)}`);
    if (Date.now() > deadline) throw new Error(`job ${id} is ${snap.state}, not ${wanted}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test('create → add-file → resume (CLI exits) → the service downloads → complete: the file is there, byte for byte', async () => {
  const dest = join(out, 'async.bin');
  const c = await sb.run(['create', 'e2e async']);
  assert.is(c.code, 0, c.stderr);
  const id = c.stdout.trim();
  assert.match(id, GUID_RE);
  assert.is((await sb.run(['add-file', id, `${base}/small.bin`, dest])).code, 0);
  const r = await sb.run(['resume', id]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout.trim(), `resumed ${id}`);

  const done = await pollState(id, 'TRANSFERRED');
  assert.equal(done.progress, { bytesTotal: small.body.length, bytesTransferred: small.body.length, filesTotal: 1, filesTransferred: 1 });
  assert.match(done.times.transferCompletionTime, /Z$/);
  // BG_FILE_PROGRESS.Completed: a download file is available to the user only after Complete.
  assert.is(done.files[0].progress.completed, false);
  assert.not.ok(existsSync(dest), 'the file must not be visible before Complete');

  const comp = await sb.run(['complete', id]);
  assert.is(comp.code, 0, comp.stderr);
  assert.is(await sha256File(dest), sha256(small.body));
  assert.equal(readdirSync(out).filter((n) => n.startsWith('async')), ['async.bin'], 'temporary files left behind');
  const after = await infoJson(id);
  assert.is(after.state, 'ACKNOWLEDGED');
  assert.is(after.files[0].progress.completed, true);
});

test('transfer, piped: no control characters, exit 0, files in place, job gone from the queue', async () => {
  const d1 = join(out, 'piped-1.bin');
  const d2 = join(out, 'piped-2.txt');
  const r = await sb.run(['transfer', 'e2e piped', `${base}/small.bin`, d1, `${base}/second.txt`, d2]);
  assert.is(r.code, 0, r.stderr);
  assert.not.match(r.stdout + r.stderr, CONTROL_CHARS);
  assert.match(r.stdout, /^transferred [0-9a-f-]{36}\n/);
  assert.ok(r.stdout.includes(d1) && r.stdout.includes(d2));
  assert.is(await sha256File(d1), sha256(small.body));
  assert.is(await sha256File(d2), sha256(second.body));
  const id = /^transferred ([0-9a-f-]{36})/.exec(r.stdout)![1]!;
  const listed = json(await sb.run(['list', '--json'])) as any[];
  assert.not.ok(listed.some((j) => j.id === id));
});

test('transfer --json: exactly one JSON document with the completed job; nothing on stderr', async () => {
  const dest = join(out, 'json.bin');
  const r = await sb.run(['transfer', 'e2e json', `${base}/small.bin`, dest, '--json', '--priority', 'foreground']);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  const j = json(r);
  assert.is(j.state, 'ACKNOWLEDGED');
  assert.is(j.priority, 'FOREGROUND');
  assert.equal(j.complete, { hresult: 0, hresultHex: '0x00000000', name: 'S_OK' });
  assert.equal(j.files, [{ remoteName: `${base}/small.bin`, localName: dest }]);
  assert.is(await sha256File(dest), sha256(small.body));
});

test('transfer of a missing file: exit 5, the job error on stderr, the job left in ERROR', async () => {
  const dest = join(out, 'missing.bin');
  const r = await sb.run(['transfer', 'e2e 404', `${base}/nope.bin`, dest]);
  assert.is(r.code, 5, r.stderr);
  assert.ok(r.stderr.includes('BG_E_HTTP_ERROR_404 (0x80190194)'), r.stderr);
  assert.ok(r.stderr.includes('left in ERROR'), r.stderr);
  assert.not.match(r.stderr, CONTROL_CHARS);

  const j = await sb.run(['transfer', 'e2e 404 json', `${base}/nope.bin`, dest, '--json']);
  assert.is(j.code, 5);
  assert.is(j.stdout, '');
  const e = jsonError(j);
  assert.is(e.name, 'BG_E_HTTP_ERROR_404');
  assert.is(e.exitCode, 5);
  assert.is(e.jobId, e.data.jobId);
  assert.is(e.contextName, 'REMOTE_FILE');
  assert.match(e.data.jobId, GUID_RE);
  const snap = await infoJson(e.data.jobId);
  assert.is(snap.state, 'ERROR');
  assert.is(snap.error.name, 'BG_E_HTTP_ERROR_404');
  assert.is((await sb.run(['cancel', e.data.jobId])).code, 0);
});

test('transfer with a URL BITS refuses: E_INVALIDARG with a hint, and the half-built job is cancelled', async () => {
  const r = await sb.run(['transfer', 'e2e refused job', 'ftp://127.0.0.1/small.bin', join(out, 'refused.bin')]);
  assert.is(r.code, 1, r.stderr);
  assert.ok(r.stderr.includes('E_INVALIDARG'));
  assert.ok(r.stderr.includes('http:// or https:// URL'), r.stderr);
  assert.ok(r.stderr.includes('the job was cancelled'), r.stderr);
  const listed = json(await sb.run(['list', '--json'])) as any[];
  assert.not.ok(listed.some((j) => j.displayName === 'e2e refused job'));
});

test('transfer with a relative local path downloads to the working directory', async () => {
  const cwd = mkdtempSync('/tmp/bj2cwd-');
  try {
    const r = await sb.run(['transfer', 'e2e relative job', `${base}/small.bin`, 'relative.bin'], { cwd });
    assert.is(r.code, 0, r.stderr);
    assert.ok(r.stdout.includes(join(cwd, 'relative.bin')), r.stdout);
    assert.ok(existsSync(join(cwd, 'relative.bin')));
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
});

test('transfer --no-wait prints the id after Resume; the service finishes the job', async () => {
  const dest = join(out, 'nowait.bin');
  const r = await sb.run(['transfer', 'e2e no wait', `${base}/slow/trickle.bin`, dest, '--no-wait']);
  assert.is(r.code, 0, r.stderr);
  const id = r.stdout.trim();
  assert.match(id, GUID_RE);
  await pollState(id, 'TRANSFERRED');
  assert.is((await sb.run(['complete', id])).code, 0);
  assert.is(await sha256File(dest), sha256(slowFile.body));
});

test('transfer: Ctrl-C detaches (exit 130) and the job keeps running in the service', async () => {
  const dest = join(out, 'detached.bin');
  let stderr = '';
  const r = await sb.run(['transfer', 'e2e detach', `${base}/slow/trickle.bin`, dest], {
    onSpawn(child) {
      child.stderr!.on('data', (c: Buffer) => {
        const first = stderr === '';
        stderr += c.toString();
        // The first progress line is printed once the job is resumed and the wait has begun.
        if (first && stderr.includes('\n')) child.kill('SIGINT');
      });
    },
  });
  assert.is(r.code, 130, r.stderr);
  const m = /detached from ([0-9a-f-]{36}): the job keeps running in the background service/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const id = m![1]!;
  assert.not.ok(r.stdout.includes('transferred'), 'it did not detach before the end');
  await pollState(id, 'TRANSFERRED');
  assert.is((await sb.run(['complete', id])).code, 0);
  assert.is(await sha256File(dest), sha256(slowFile.body));
});

test('transfer on a terminal draws a progress bar on stderr (through script(1))', async () => {
  const dest = join(out, 'tty.bin');
  const cmd = [process.execPath, CLI_JS, 'transfer', 'e2e tty', `${base}/slow/trickle.bin`, dest].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  // Asynchronously: this process serves the file, so it must not block in spawnSync.
  const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: cliEnv(sb.stateDir, { COLUMNS: '100' }), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stdout += c.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
  const status = await new Promise<number | null>((res) => child.on('close', (code) => res(code)));
  clearTimeout(timer);
  const r = { status, stdout };
  assert.is(r.status, 0, r.stdout);
  assert.ok(r.stdout.includes('\r\x1b[2K['), 'no redrawn progress bar');
  assert.match(r.stdout, /\[#*\.*\]\s+\d+%/);
  assert.ok(r.stdout.includes('transferred '), r.stdout);
  assert.is(await sha256File(dest), sha256(slowFile.body));
});

test('monitor --once lists a running job with its progress columns', async () => {
  const dest = join(out, 'monitor.bin');
  const c = await sb.run(['transfer', 'e2e monitor', `${base}/slow/trickle.bin`, dest, '--no-wait']);
  const id = c.stdout.trim();
  const r = await sb.run(['monitor', '--once']);
  assert.is(r.code, 0, r.stderr);
  const line = r.stdout.split('\n').find((l) => l.startsWith(id));
  assert.ok(line, r.stdout);
  assert.match(line!, /(QUEUED|CONNECTING|TRANSFERRING|TRANSFERRED)\s+DOWNLOAD\s+NORMAL\s+\d+(\.\d)? [KMG]?i?B\/(\?|\d+(\.\d)? [KMG]?i?B)\s+[01]\/1\s+e2e monitor$/);
  await pollState(id, 'TRANSFERRED');
  assert.is((await sb.run(['complete', id])).code, 0);
});

test.run();
