// Unit tests of the service's building blocks: line framing, request/response parsing, the socket
// address, and the single-instance lock (including the stale-lock takeover race across processes).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BitsError } from '../module/api/bits-error.js';
import { encodeMessage, LineReader, parseRequest, parseResponse, MAX_REQUEST_LINE_BYTES } from '../module/service/rpc.js';
import { socketPath, MAX_UNIX_SOCKET_PATH_BYTES } from '../module/service/socket-path.js';
import { acquireLock, bootTimeMs, lockOwnerGone, lockPath, processStartTicks, readLock } from '../module/service/lock.js';
import { REPO, runNode } from './helpers/service.js';

const E_INVALIDARG = 0x80070057;

function feedAll(reader: LineReader, chunks: Buffer[]): { lines: string[]; overflow: boolean } {
  const lines: string[] = [];
  for (const c of chunks) {
    const r = reader.push(c);
    lines.push(...r.lines);
    if (r.overflow) return { lines, overflow: true };
  }
  return { lines, overflow: false };
}

test('LineReader: byte-by-byte chunks, multi-byte UTF-8 split across chunks, CRLF', () => {
  const text = '{"a":"é😀"}\r\nsecond line ✓\n\nthird';
  const bytes = Buffer.from(text, 'utf8');
  const chunks = [...bytes].map((b) => Buffer.from([b]));
  const reader = new LineReader(1024);
  const r = feedAll(reader, chunks);
  assert.equal(r, { lines: ['{"a":"é😀"}', 'second line ✓', ''], overflow: false });
  assert.is(reader.pending, Buffer.byteLength('third'));
  assert.equal(reader.push(Buffer.from('!\n')).lines, ['third!']);
  assert.is(reader.pending, 0);
});

test('LineReader: several lines in one chunk, and lines split at every position give the same result', () => {
  const text = 'one\ntwo\nthree ünï\nfour\n';
  const bytes = Buffer.from(text);
  for (let cut = 0; cut <= bytes.length; cut++) {
    const r = feedAll(new LineReader(100), [bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.equal(r.lines, ['one', 'two', 'three ünï', 'four'], `cut at ${cut}`);
  }
});

test('LineReader: overflow without a newline, and a complete line over the limit; earlier lines still returned', () => {
  const a = new LineReader(10);
  assert.is(a.push(Buffer.from('12345')).overflow, false);
  assert.is(a.push(Buffer.from('678901')).overflow, true);

  const b = new LineReader(10);
  const r = b.push(Buffer.from('short\n0123456789ABC\nnext\n'));
  assert.equal(r.lines, ['short']);
  assert.is(r.overflow, true);

  const c = new LineReader(10);
  assert.equal(c.push(Buffer.from('0123456789\n')), { lines: ['0123456789'], overflow: false }, 'exactly the limit is fine');
  assert.ok(MAX_REQUEST_LINE_BYTES >= 8 * 1024 * 1024);
});

test('encodeMessage: strings with newlines and U+2028 stay on one line and round-trip', () => {
  const params = ['a\nb\r\nc', 'x\u2028y\u2029z', { deep: ['\n'] }];
  const line = encodeMessage({ id: 7, method: 'createJob', params });
  assert.ok(line.endsWith('\n'));
  assert.is(line.indexOf('\n'), line.length - 1);
  const back = parseRequest(line.slice(0, -1));
  assert.ok('request' in back);
  if ('request' in back) assert.equal(back.request, { id: 7, method: 'createJob', params });
});

test('parseRequest: malformed input becomes an error response, with the id when it could be read', () => {
  const cases: [string, number | string | null][] = [
    ['not json', null],
    ['{"id":1,"method":', null],
    ['[1,2,3]', null],
    ['null', null],
    ['42', null],
    ['"text"', null],
    ['{"method":"getJob","params":[]}', null],
    ['{"id":{},"method":"getJob"}', null],
    ['{"id":1e999,"method":"getJob"}', null],
    ['{"id":3,"params":[]}', 3],
    ['{"id":4,"method":7}', 4],
    ['{"id":5,"method":""}', 5],
    ['{"id":6,"method":"getJob","params":{"0":"x"}}', 6],
    ['{"id":"abc","method":"getJob","params":"x"}', 'abc'],
  ];
  for (const [line, id] of cases) {
    const r = parseRequest(line);
    assert.ok('invalid' in r, line);
    if (!('invalid' in r)) continue;
    assert.is(r.invalid.id, id, line);
    assert.is(r.invalid.error.hresult, E_INVALIDARG, line);
    assert.is(r.invalid.error.name, 'E_INVALIDARG', line);
    assert.type(r.invalid.error.message, 'string');
  }
  const ok = parseRequest('{"id":9,"method":"listJobs"}');
  assert.equal(ok, { request: { id: 9, method: 'listJobs', params: [] } });
  // Deep nesting is either parsed or refused — never thrown out of parseRequest.
  const deep = '{"id":1,"method":"getJob","params":' + '['.repeat(200_000) + ']'.repeat(200_000) + '}';
  const r = parseRequest(deep);
  assert.ok('request' in r || 'invalid' in r);
});

test('parseResponse: results, errors, and anything else rejected', () => {
  assert.equal(parseResponse('{"id":1,"result":{"a":null}}'), { id: 1, result: { a: null } });
  assert.equal(parseResponse('{"id":2}'), { id: 2, result: undefined });
  const err = new BitsError(0x80200001, 'gone', 5, { size: 3 }).toJSON();
  const r = parseResponse(JSON.stringify({ id: 3, error: err }));
  assert.equal(r, { id: 3, error: err });
  assert.equal(parseResponse(JSON.stringify({ id: null, error: err })), { id: null, error: err });
  for (const bad of ['', 'x', '[]', '{"result":1}', '{"id":1,"error":{"message":"no hresult"}}', '{"id":null,"result":1}']) {
    assert.is(parseResponse(bad), undefined, bad);
  }
});

test('socketPath: <stateDir>/service.sock, length limit in bytes with the fix named', () => {
  assert.is(socketPath('/tmp/x', 'linux'), '/tmp/x/service.sock');
  assert.is(socketPath('/tmp/x/', 'darwin'), '/tmp/x/service.sock');
  const suffix = '/service.sock'.length;
  const fits = '/' + 'a'.repeat(MAX_UNIX_SOCKET_PATH_BYTES - suffix - 1);
  assert.is(Buffer.byteLength(socketPath(fits, 'linux')), MAX_UNIX_SOCKET_PATH_BYTES);
  const tooLong = fits + 'b';
  try {
    socketPath(tooLong, 'linux');
    assert.unreachable('a 108-byte socket path was accepted');
  } catch (e) {
    assert.instance(e, BitsError);
    assert.is((e as BitsError).hresult, E_INVALIDARG);
    assert.match((e as BitsError).message, 'BITS_JOB2_STATE_DIR');
    assert.match((e as BitsError).message, '108 bytes');
  }
  // Bytes, not characters: 'é' is two bytes in UTF-8.
  const multi = '/' + 'é'.repeat(47); // 95 bytes + 13 = 108
  assert.throws(() => socketPath(multi, 'linux'), /BITS_JOB2_STATE_DIR/);
});

test('socketPath on win32: a named pipe per state dir, case-insensitive, no length limit', () => {
  const a = socketPath('C:\\Users\\Ann\\AppData\\Local\\bits-job2', 'win32');
  const b = socketPath('c:\\users\\ann\\appdata\\local\\BITS-JOB2', 'win32');
  const c = socketPath('C:\\Users\\Bob\\AppData\\Local\\bits-job2', 'win32');
  assert.match(a, /^\\\\\.\\pipe\\bits-job2-[0-9a-f]{24}$/);
  assert.is(a, b);
  assert.is.not(a, c);
  assert.match(socketPath('C:\\' + 'x'.repeat(300), 'win32'), /^\\\\\.\\pipe\\/);
});

function tempDir(): string {
  return mkdtempSync('/tmp/bj2l-');
}

test('lock: taken once; a second taker in a live process is refused with the pid; release removes only our lock', async () => {
  const dir = tempDir();
  try {
    const lock = await acquireLock(dir);
    const text = readFileSync(lockPath(dir), 'utf8');
    assert.is(text.split('\n')[0], String(process.pid));
    assert.ok(readLock(dir)!.bootMs !== undefined);
    try {
      await acquireLock(dir);
      assert.unreachable('second lock granted');
    } catch (e) {
      assert.instance(e, BitsError);
      assert.match((e as BitsError).message, `pid ${process.pid}`);
      assert.is((e as BitsError).data?.pid, process.pid);
    }
    // Someone else's lock (a live service elsewhere) is never removed by our release().
    writeFileSync(lockPath(dir), `${process.pid}\nother\n`);
    lock.release();
    assert.ok(existsSync(lockPath(dir)), 'release removed a lock that was not ours');
    rmSync(lockPath(dir));
    const again = await acquireLock(dir);
    again.release();
    assert.not.ok(existsSync(lockPath(dir)));
    assert.equal(readdirSync(dir), [], 'no temp files left behind');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lock: stale when the pid is dead, when the machine rebooted since, or when the pid was reused', async () => {
  const done = await runNode('process.stdout.write(String(process.pid))');
  const deadPid = Number(done.stdout);
  assert.ok(deadPid > 0);
  const base = { text: '', ageMs: 60_000 };
  assert.ok(lockOwnerGone({ ...base, pid: deadPid }), 'dead pid');
  assert.not.ok(lockOwnerGone({ ...base, pid: process.pid, bootMs: bootTimeMs() }), 'our own live process');
  assert.ok(lockOwnerGone({ ...base, pid: process.pid, bootMs: bootTimeMs() - 3_600_000 }), 'rebooted since');
  assert.ok(lockOwnerGone({ ...base, pid: NaN }), 'unreadable and old');
  assert.not.ok(lockOwnerGone({ ...base, pid: NaN, ageMs: 100 }), 'unreadable but fresh (being written)');
  if (process.platform === 'linux') {
    const ticks = processStartTicks(process.pid);
    assert.match(ticks ?? '', /^\d+$/);
    assert.not.ok(lockOwnerGone({ ...base, pid: process.pid, startTicks: ticks }));
    assert.ok(lockOwnerGone({ ...base, pid: process.pid, startTicks: String(Number(ticks) + 1) }), 'pid reused by another process');
  }

  const dir = tempDir();
  try {
    writeFileSync(lockPath(dir), `${deadPid}\n2020-01-01T00:00:00.000Z\n`);
    const lock = await acquireLock(dir);
    assert.is(readLock(dir)!.pid, process.pid);
    lock.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('lock: 8 processes racing over a stale lock — exactly one wins', async () => {
  const done = await runNode('process.stdout.write(String(process.pid))');
  const dir = tempDir();
  try {
    writeFileSync(lockPath(dir), `${done.stdout}\nstale\n`);
    const lockUrl = pathToFileURL(join(REPO, 'dist/module/service/lock.js')).href;
    const script = `
      import { acquireLock, lockOwnerGone } from ${JSON.stringify(lockUrl)};
      const start = Number(process.argv[2]);
      while (Date.now() < start) {}
      // A slow staleness check (the server's probes the socket) widens the window between judging a
      // lock stale and taking it over: every racer judges the same stale lock before anyone acts.
      const isStale = async (info) => { await new Promise((r) => setTimeout(r, 30 + Math.random() * 40)); return lockOwnerGone(info); };
      try { const l = await acquireLock(process.argv[1], { isStale }); process.stdout.write('won'); setTimeout(() => l.release(), 1500); }
      catch (e) { process.stdout.write('lost:' + e.message); }`;
    const start = String(Date.now() + 600);
    const results = await Promise.all(Array.from({ length: 8 }, () => runNode(script, [dir, start])));
    const won = results.filter((r) => r.stdout === 'won').length;
    assert.is(won, 1, results.map((r) => r.stdout + r.stderr).join('\n'));
    for (const r of results) if (r.stdout !== 'won') assert.match(r.stdout, /^lost:.*already running/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
