// Upload-reply jobs end to end through the CLI (service backend, private state dir) against the
// real BITS upload server in this process: set-reply-file / get-reply-file, get-reply-progress,
// get-reply-data (text, hex, --out, --json base64, BG_E_TOO_LARGE, empty reply), state and type
// errors with their exit codes, Complete publishing the reply file, and `transfer --type UPLOAD_REPLY`.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBitsServer, type RunningBitsServer } from '../module/server/index.js';
import { GUID_RE, json, jsonError, makeSandbox, type CliResult } from './helpers/cli.js';
import { isAlive, readLockPid } from './helpers/service.js';

const REPLY_DATA_MAX = 1024 * 1024;
const TEXT_REPLY = 'inventory accepted: 3 items, ref Ω-42\nthank you';
const BIN_REPLY = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
const BIG_REPLY = Buffer.alloc(REPLY_DATA_MAX + 1, 0x62);

// ── setup (top-level await: uvu hides errors thrown in test.before) ──

const dir = mkdtempSync('/tmp/bj2r-');
const notified: string[] = [];
const server: RunningBitsServer = await startBitsServer({
  root: join(dir, 'server'),
  replyHandler: ({ query }) => {
    notified.push(query);
    const q = new URLSearchParams(query);
    if (q.has('bin')) return { reply: BIN_REPLY };
    if (q.has('big')) return { reply: BIG_REPLY };
    if (q.has('none')) return undefined;
    return { reply: TEXT_REPLY };
  },
});
const sb = makeSandbox('bj2r-');

// Last resort if the process ends without test.after (e.g. a crash): stop the service by its PID.
process.on('exit', () => {
  const pid = readLockPid(sb.stateDir);
  if (pid !== undefined && pid !== process.pid && isAlive(pid)) {
    try {
      process.kill(pid, 'SIGTERM');
    } catch {
      /* gone */
    }
  }
});

test.after(async () => {
  await sb.cleanup().catch(() => undefined);
  await server.close().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
});

// ── helpers ──

let n = 0;
function source(bytes?: Buffer | string): string {
  const p = join(dir, `src-${++n}.txt`);
  writeFileSync(p, bytes ?? `upload ${n}\n`);
  return p;
}

function show(r: CliResult): string {
  return `exit ${r.code}\nstdout:\n${r.stdout}\nstderr:\n${r.stderr}`;
}

async function ok(args: string[], opts: { cwd?: string } = {}): Promise<CliResult> {
  const r = await sb.run(args, opts);
  assert.is(r.code, 0, `bits-job2 ${args.join(' ')}\n${show(r)}`);
  return r;
}

async function createReplyJob(name: string): Promise<string> {
  const id = (await ok(['create', name, '--type', 'UPLOAD_REPLY'])).stdout.trim();
  assert.match(id, GUID_RE);
  return id;
}

async function infoJson(id: string): Promise<any> {
  return json(await ok(['info', id, '--json']));
}

async function pollState(id: string, wanted: string, timeoutMs = 30_000): Promise<any> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const snap = await infoJson(id);
    if (snap.state === wanted) return snap;
    if (snap.state === 'ERROR' || snap.state === 'TRANSIENT_ERROR') throw new Error(`job ${id} went to ${snap.state}: ${JSON.stringify(snap.error)}`);
    if (Date.now() > deadline) throw new Error(`job ${id} is ${snap.state}, not ${wanted}, after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

/** Exit code, HRESULT name on stderr (human), and the same error as JSON with --json. */
async function fails(args: string[], code: number, name: string, opts: { cwd?: string } = {}): Promise<{ human: CliResult; err: any }> {
  const human = await sb.run(args, opts);
  assert.is(human.code, code, `bits-job2 ${args.join(' ')}\n${show(human)}`);
  assert.is(human.stdout, '', 'nothing on stdout on failure');
  assert.match(human.stderr, new RegExp(`^error: ${name} \\(0x[0-9A-Fa-f]{8}\\): `), show(human));
  const j = await sb.run([...args, '--json'], opts);
  assert.is(j.code, code, show(j));
  assert.is(j.stdout, '');
  const err = jsonError(j);
  assert.is(err.name, name);
  assert.is(err.exitCode, code);
  return { human, err };
}

const hexOf = (b: Buffer) => b.toString('hex').match(/.{1,64}/g)!.join('\n') + '\n';

// Jobs shared by the tests below (the CLI exits after every command; the service carries them).
const jobs = {} as Record<'text' | 'bin' | 'big' | 'none', { id: string; src: string }>;
let textReplyPath = '';
const reported: Record<string, string> = {};

// ── SetReplyFileName / GetReplyFileName before the transfer ──

test('get-reply-file before add-file: nothing on stdout, a note on stderr; --json gives null', async () => {
  const id = await createReplyJob('reply text');
  jobs.text = { id, src: '' };
  const r = await ok(['get-reply-file', id]);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /no reply file/);
  const j = json(await ok(['get-reply-file', id, '--json']));
  assert.equal(j, { jobId: id, replyFileName: null });
  // The snapshot agrees.
  assert.is((await infoJson(id)).replyFileName, null);
});

test('set-reply-file: a relative path is taken from the working directory; a missing directory is E_INVALIDARG (exit 1) and changes nothing', async () => {
  const id = jobs.text.id;
  assert.equal(json(await ok(['set-reply-file', id, 'relative.reply', '--json'], { cwd: dir })), { jobId: id, replyFileName: join(dir, 'relative.reply') });
  assert.is(json(await ok(['get-reply-file', id, '--json'])).replyFileName, join(dir, 'relative.reply'));
  assert.equal(json(await ok(['set-reply-file', id, '--json'])), { jobId: id, replyFileName: null });
  const missing = await fails(['set-reply-file', id, join(dir, 'no-such-dir', 'r.reply')], 1, 'E_INVALIDARG');
  assert.match(missing.err.message, /no-such-dir/);
  assert.is(json(await ok(['get-reply-file', id, '--json'])).replyFileName, null, 'a refused name is not kept');
});

test('set-reply-file with "" or no path: NULL (the engine chooses), reported as null like get-reply-file', async () => {
  const id = jobs.text.id;
  assert.equal(json(await ok(['set-reply-file', id, '', '--json'])), { jobId: id, replyFileName: null });
  assert.equal(json(await ok(['set-reply-file', id, '--json'])), { jobId: id, replyFileName: null });
  assert.is((await ok(['set-reply-file', id, ''])).stdout, `the engine chooses the reply file name of ${id}\n`);
  assert.is(json(await ok(['get-reply-file', id, '--json'])).replyFileName, null);
});

test('set-reply-file with a good absolute path: accepted and shown by get-reply-file (before add-file too)', async () => {
  const id = jobs.text.id;
  textReplyPath = join(dir, 'text.reply');
  const r = await ok(['set-reply-file', id, textReplyPath]);
  assert.ok(r.stdout.includes(textReplyPath), r.stdout);
  assert.equal(json(await ok(['set-reply-file', id, textReplyPath, '--json'])), { jobId: id, replyFileName: textReplyPath });
  assert.is((await ok(['get-reply-file', id])).stdout, textReplyPath + '\n');
  assert.equal(json(await ok(['get-reply-file', id, '--json'])), { jobId: id, replyFileName: textReplyPath });
  assert.not.ok(existsSync(textReplyPath), 'setting the name creates no file');
});

test('before the transfer: get-reply-progress has an unknown total; get-reply-data is BG_E_INVALID_STATE (exit 4)', async () => {
  const id = jobs.text.id;
  jobs.text.src = source();
  await ok(['add-file', id, `${server.url}text.bin`, jobs.text.src]);
  assert.is((await ok(['get-reply-file', id])).stdout, textReplyPath + '\n', 'the explicit name survives add-file');

  assert.equal(json(await ok(['get-reply-progress', id, '--json'])), { jobId: id, bytesTotal: null, bytesTransferred: 0 });
  assert.is((await ok(['get-reply-progress', id])).stdout, '0 B / ? (?%)\n');

  const { human, err } = await fails(['get-reply-data', id], 4, 'BG_E_INVALID_STATE');
  assert.match(human.stderr, /SUSPENDED/);
  assert.is(err.jobId, id);
  // --out must not create the file when there is nothing to write.
  const out = join(dir, 'early.out');
  assert.is((await sb.run(['get-reply-data', id, '--out', out])).code, 4);
  assert.not.ok(existsSync(out));
});

test('get-reply-data / get-reply-progress on a DOWNLOAD job: E_NOTIMPL, exit 1', async () => {
  const id = (await ok(['create', 'a download'])).stdout.trim();
  assert.match(id, GUID_RE);
  const { err } = await fails(['get-reply-data', id], 1, 'E_NOTIMPL');
  assert.is(err.hresultHex.toLowerCase(), '0x80004001');
  await fails(['get-reply-progress', id], 1, 'E_NOTIMPL');
  await fails(['get-reply-file', id], 1, 'E_NOTIMPL');
  await ok(['cancel', id]);
});

// ── the transfers ──

test('resume (the CLI exits, the service uploads) → TRANSFERRED for text, binary, big and empty replies', async () => {
  for (const kind of ['bin', 'big', 'none'] as const) {
    const id = await createReplyJob(`reply ${kind}`);
    jobs[kind] = { id, src: source() };
    await ok(['add-file', id, `${server.url}${kind}.bin?${kind}=1`, jobs[kind].src]);
  }
  for (const kind of ['text', 'bin', 'big', 'none'] as const) {
    const r = await ok(['resume', jobs[kind].id]);
    assert.is(r.stdout, `resumed ${jobs[kind].id}\n`);
  }
  for (const kind of ['text', 'bin', 'big', 'none'] as const) {
    const snap = await pollState(jobs[kind].id, 'TRANSFERRED');
    assert.is(snap.type, 'UPLOAD_REPLY');
  }
  assert.is(notified.length, 4, `the application saw each upload once: ${notified.join(' ')}`);
});

test('get-reply-progress after TRANSFERRED: the totals are the reply sizes (human and --json)', async () => {
  const sizes = { text: Buffer.byteLength(TEXT_REPLY), bin: 256, big: BIG_REPLY.length, none: 0 };
  for (const kind of ['text', 'bin', 'big', 'none'] as const) {
    const id = jobs[kind].id;
    const size = sizes[kind];
    const j = json(await ok(['get-reply-progress', id, '--json']));
    assert.equal(j, { jobId: id, bytesTotal: size, bytesTransferred: size }, kind);
    const human = (await ok(['get-reply-progress', id])).stdout;
    const fmt = size < 1024 ? `${size} B` : '1.0 MiB';
    assert.is(human, `${fmt} / ${fmt} (100%)\n`, kind);
    assert.equal((await infoJson(id)).replyProgress, { bytesTotal: size, bytesTransferred: size }, `${kind}: info agrees`);
  }
});

test('get-reply-data of a text reply prints the text exactly; --json gives base64 of the bytes', async () => {
  const id = jobs.text.id;
  const r = await ok(['get-reply-data', id]);
  assert.is(r.stdout, TEXT_REPLY, 'piped: the text as is, no newline added');
  assert.is(r.stderr, '');
  const j = json(await ok(['get-reply-data', id, '--json']));
  assert.is(j.jobId, id);
  assert.is(j.size, Buffer.byteLength(TEXT_REPLY));
  assert.is(Buffer.from(j.base64, 'base64').toString('utf8'), TEXT_REPLY);
});

test('get-reply-data of a binary reply prints hex; --out writes the exact bytes; --json base64 decodes to them', async () => {
  const id = jobs.bin.id;
  const r = await ok(['get-reply-data', id]);
  assert.is(r.stdout, hexOf(BIN_REPLY));
  assert.ok(Buffer.from(r.stdout.replace(/\s+/g, ''), 'hex').equals(BIN_REPLY), 'the hex decodes to the reply');

  const out = join(dir, 'bin.out');
  const w = await ok(['get-reply-data', id, '--out', out]);
  assert.is(w.stdout, `wrote 256 bytes to ${out}\n`);
  assert.ok(readFileSync(out).equals(BIN_REPLY), '--out wrote the exact bytes');

  const out2 = join(dir, 'bin-json.out');
  assert.equal(json(await ok(['get-reply-data', id, '--out', out2, '--json'])), { jobId: id, size: 256, out: out2 });
  assert.ok(readFileSync(out2).equals(BIN_REPLY));

  const j = json(await ok(['get-reply-data', id, '--json']));
  assert.is(j.size, 256);
  assert.ok(Buffer.from(j.base64, 'base64').equals(BIN_REPLY), 'base64 decodes to the exact bytes');

  // --out into a directory that does not exist: a failure naming the file, not a crash.
  const bad = join(dir, 'missing', 'x.out');
  const f = await sb.run(['get-reply-data', id, '--out', bad]);
  assert.is(f.code, 1, show(f));
  assert.ok(f.stderr.includes(bad), f.stderr);
});

test('get-reply-data of a reply over 1 MiB: BG_E_TOO_LARGE, exit 1, the size named, the reply file suggested', async () => {
  const id = jobs.big.id;
  const { human, err } = await fails(['get-reply-data', id], 1, 'BG_E_TOO_LARGE');
  const size = String(BIG_REPLY.length);
  assert.ok(human.stderr.includes(size) || human.stderr.includes(BIG_REPLY.length.toLocaleString('en-US')), human.stderr);
  assert.match(human.stderr, /reply file|get-reply-file/);
  assert.ok(err.message.includes(size), err.message);
  // The hint says what to do, whatever the backend's message: complete, then read this file.
  const replyFile = `${jobs.big.src}.${id}.reply`;
  assert.is(err.hint, `the reply has ${size} bytes, over the ${REPLY_DATA_MAX}-byte limit of get-reply-data: \`bits-job2 complete ${id}\`, then read the reply file ${replyFile}`);
  assert.ok(human.stderr.includes(`hint: ${err.hint}`), human.stderr);
  const out = join(dir, 'big.out');
  assert.is((await sb.run(['get-reply-data', id, '--out', out])).code, 1);
  assert.not.ok(existsSync(out), 'no partial file for a refused reply');
});

test('get-reply-data with no reply: empty stdout (a note on stderr); --json size 0', async () => {
  const id = jobs.none.id;
  const r = await ok(['get-reply-data', id]);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /empty/);
  assert.equal(json(await ok(['get-reply-data', id, '--json'])), { jobId: id, size: 0, base64: '' });
  const out = join(dir, 'none.out');
  await ok(['get-reply-data', id, '--out', out]);
  assert.is(readFileSync(out).length, 0);
});

test('set-reply-file after TRANSFERRED: BG_E_INVALID_STATE, exit 4; the name stays', async () => {
  await fails(['set-reply-file', jobs.text.id, join(dir, 'late.reply')], 4, 'BG_E_INVALID_STATE');
  await fails(['set-reply-file', jobs.bin.id], 4, 'BG_E_INVALID_STATE');
  assert.is((await ok(['get-reply-file', jobs.text.id])).stdout, textReplyPath + '\n');
  assert.not.ok(existsSync(join(dir, 'late.reply')));
});

// ── Complete ──

test('complete publishes each reply at the name get-reply-file printed, byte for byte', async () => {
  const expected = { text: Buffer.from(TEXT_REPLY), bin: BIN_REPLY, big: BIG_REPLY };
  for (const kind of ['text', 'bin', 'big', 'none'] as const) {
    const { id, src } = jobs[kind];
    const name = (await ok(['get-reply-file', id])).stdout.replace(/\n$/, '');
    assert.is(name, kind === 'text' ? textReplyPath : `${src}.${id}.reply`, `${kind}: explicit or generated name`);
    reported[kind] = name;
    if (kind !== 'none') assert.not.ok(existsSync(name), `${kind}: the reply file appears only at Complete`);
    const c = await ok(['complete', id]);
    assert.is(c.stdout, `completed ${id}\n`);
    assert.is((await infoJson(id)).state, 'ACKNOWLEDGED');
    if (kind === 'none') continue;
    assert.ok(readFileSync(name).equals(expected[kind]), `${kind}: the published reply has the exact bytes`);
  }
  assert.is(statSync(reported.big!).size, BIG_REPLY.length);
});

test('after Complete: get-reply-data still reads small replies; the big one still says BG_E_TOO_LARGE', async () => {
  assert.is((await ok(['get-reply-data', jobs.text.id])).stdout, TEXT_REPLY);
  assert.is((await ok(['get-reply-data', jobs.bin.id])).stdout, hexOf(BIN_REPLY));
  const { err } = await fails(['get-reply-data', jobs.big.id], 1, 'BG_E_TOO_LARGE');
  assert.is(err.hint, `the reply has ${BIG_REPLY.length} bytes, over the ${REPLY_DATA_MAX}-byte limit of get-reply-data: read the reply file ${reported.big}`);
});

// ── transfer ──

test('transfer --type UPLOAD_REPLY: uploads, waits, completes and prints where the reply is', async () => {
  const src = source('transfer me\n');
  const r = await ok(['transfer', 'reply transfer', `${server.url}t.bin?bin=1`, src, '--type', 'UPLOAD_REPLY']);
  const m = /^transferred ([0-9a-f-]{36})\n {2}reply: (.+)\n$/.exec(r.stdout);
  assert.ok(m, show(r));
  const [, id, replyPath] = m!;
  assert.is(replyPath, `${src}.${id}.reply`);
  assert.ok(readFileSync(replyPath!).equals(BIN_REPLY), 'the reply file has the exact bytes');
  assert.is((await infoJson(id!)).state, 'ACKNOWLEDGED');

  // --json: one document, with the generated reply file name next to the upload file.
  const src2 = source('transfer me too\n');
  const j = await ok(['transfer', 'reply transfer json', `${server.url}t2.bin`, src2, '--type', 'upload_reply', '--json']);
  assert.is(j.stderr, '');
  const doc = json(j);
  assert.is(doc.type, 'UPLOAD_REPLY');
  assert.is(doc.state, 'ACKNOWLEDGED');
  assert.is(doc.replyFileName, `${src2}.${doc.id}.reply`);
  assert.is(readFileSync(doc.replyFileName, 'utf8'), TEXT_REPLY);
  assert.equal(doc.replyProgress, { bytesTotal: Buffer.byteLength(TEXT_REPLY), bytesTransferred: Buffer.byteLength(TEXT_REPLY) });
});

test.run();
