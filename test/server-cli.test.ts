// `bits-job2 serve` as users run it: a child process started with flags, found by the URL it prints
// (--json), driven over TCP, and stopped by PID with SIGTERM (clean exit 0). Covers the flags that
// map to IIS properties, --echo-reply, --reply-handler FILE.js, and the usage errors.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fragment, getRequest, packet, rawRequest, startChildServer, type ChildServer } from './helpers/bits-server.js';
import { runCli } from './helpers/cli.js';

const base = await mkdtemp(join(tmpdir(), 'bits-serve-cli-'));
const children: ChildServer[] = [];
async function serve(args: string[]): Promise<ChildServer> {
  const c = await startChildServer(args);
  children.push(c);
  return c;
}

async function uploadReply(port: number, path: string, data: Buffer): Promise<{ id: string; final: Awaited<ReturnType<typeof rawRequest>> }> {
  const cr = await rawRequest(port, packet(path, 'Create-Session'));
  assert.is(cr.status, 200, cr.rawHead);
  const id = cr.headers['bits-session-id']!;
  const final = await rawRequest(port, fragment(path, id, 0, data, data.length));
  return { id, final };
}

test('serve --echo-reply: prints its URL as JSON, answers upload-reply with the size and SHA-256, exits 0 on SIGTERM', async () => {
  const root = join(base, 'echo');
  await mkdir(join(root, 'in'), { recursive: true });
  const s = await serve(['--root', root, '--echo-reply']);
  assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  assert.is(s.url, `http://127.0.0.1:${s.port}/`);
  const data = randomBytes(50_000);
  const { id, final } = await uploadReply(s.port, '/in/data.bin', data);
  assert.is(final.status, 200);
  const url = '/in/' + final.headers['bits-reply-url']!.replace(/\\/g, '/').replace('{', '%7B').replace('}', '%7D');
  const reply = await rawRequest(s.port, getRequest(url));
  assert.is(reply.body.toString(), `received 50000 bytes sha256 ${createHash('sha256').update(data).digest('hex')}`);
  assert.is((await rawRequest(s.port, packet('/in/data.bin', 'Close-Session', { sessionId: id }))).status, 200);
  assert.is(await s.stop(), 0, `clean exit; stderr: ${s.stderr()}`);
});

test('serve flags: --host-id/--host-id-fallback-timeout, --max-upload-size, --allow-overwrites, --url-prefix; plain uploads are published', async () => {
  const root = join(base, 'flags');
  await mkdir(join(root, 'd'), { recursive: true });
  await writeFile(join(root, 'd', 'old.txt'), 'old');
  const s = await serve(['--root', root, '--host-id', 'farm-node-2', '--host-id-fallback-timeout', '600', '--max-upload-size', '1000', '--allow-overwrites', '--url-prefix', '/bits']);
  const cr = await rawRequest(s.port, packet('/bits/d/old.txt', 'Create-Session'));
  assert.is(cr.status, 200, 'an existing file may be replaced with --allow-overwrites');
  assert.is(cr.headers['bits-host-id'], 'farm-node-2');
  assert.is(cr.headers['bits-host-id-fallback-timeout'], '600');
  const id = cr.headers['bits-session-id']!;
  const tooBig = await rawRequest(s.port, fragment('/bits/d/old.txt', id, 0, Buffer.alloc(10), 1001));
  assert.is(tooBig.status, 500);
  assert.is(tooBig.headers['bits-error-code'], '0x80200020');
  assert.is((await rawRequest(s.port, fragment('/bits/d/old.txt', id, 0, Buffer.from('new!'), 4))).status, 200);
  assert.is((await rawRequest(s.port, packet('/bits/d/old.txt', 'Close-Session', { sessionId: id }))).status, 200);
  assert.is(await readFile(join(root, 'd', 'old.txt'), 'utf8'), 'new!');
  assert.is((await rawRequest(s.port, getRequest('/bits/d/old.txt'))).body.toString(), 'new!');
  assert.is(await s.stop(), 0);
});

test('serve --reply-handler FILE.js: the module\'s default export is the server application (BitsAppError works there too)', async () => {
  const root = join(base, 'handler');
  await mkdir(join(root, 'x'), { recursive: true });
  const serverIndex = new URL('../module/server/index.js', import.meta.url).href;
  const handlerFile = join(base, 'app.mjs');
  await writeFile(
    handlerFile,
    `import { BitsAppError } from ${JSON.stringify(serverIndex)};
export default async function (ctx) {
  if (ctx.query.includes('deny')) throw new BitsAppError(403, 'denied');
  return { reply: 'hello ' + ctx.size + ' ' + ctx.query };
}
`,
  );
  const s = await serve(['--root', root, '--reply-handler', handlerFile]);
  const ok = await uploadReply(s.port, '/x/a.bin?who=me', Buffer.from('12345'));
  assert.is(ok.final.status, 200);
  const url = '/x/' + ok.final.headers['bits-reply-url']!.replace(/\\/g, '/').replace('{', '%7B').replace('}', '%7D');
  assert.is((await rawRequest(s.port, getRequest(url))).body.toString(), 'hello 5 ?who=me');
  const denied = await uploadReply(s.port, '/x/b.bin?deny=1', Buffer.from('12345'));
  assert.is(denied.final.status, 403);
  assert.is(denied.final.headers['bits-error-context'], '0x7');
  assert.is(await s.stop(), 0);
});

test('serve usage errors exit 2: no --root, a --root that is not a directory, two server applications, a bad number, a handler without a default export', async () => {
  const noDefault = join(base, 'nodefault.mjs');
  await writeFile(noDefault, 'export const x = 1;\n');
  const cases: string[][] = [
    ['serve'],
    ['serve', '--root', join(base, 'does-not-exist')],
    ['serve', '--root', base, '--echo-reply', '--notify-url', 'http://127.0.0.1:1/app'],
    ['serve', '--root', base, '--max-upload-size', 'lots'],
    ['serve', '--root', base, '--reply-handler', noDefault],
    ['serve', '--root', base, '--notify-url', 'https://app.example/notify'],
    ['serve', '--root', base, '--notify-type', 'value'],
  ];
  for (const args of cases) {
    const r = await runCli([...args, '--json']);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.ok(JSON.parse(r.stderr).error.usage, args.join(' '));
  }
  const help = await runCli(['serve', '--help']);
  assert.is(help.code, 0);
  for (const flag of ['--root', '--allow-overwrites', '--max-upload-size', '--session-timeout', '--host-id', '--notify-url', '--notify-type', '--reply-handler', '--echo-reply']) {
    assert.ok(help.stdout.includes(flag), `serve --help mentions ${flag}`);
  }
  assert.ok((await runCli(['--help'])).stdout.includes('bits-job2 serve'), 'the command is listed');
});

test('a busy port is reported (exit 1), not a stack trace', async () => {
  const s = await serve(['--root', base]);
  const r = await runCli(['serve', '--root', base, '--host', '127.0.0.1', '--port', String(s.port), '--json']);
  assert.is(r.code, 1, r.stderr);
  assert.match(JSON.parse(r.stderr).error.hint, /port is in use/);
  assert.is(await s.stop(), 0);
});

test.after(async () => {
  for (const c of children) await c.stop();
  await rm(base, { recursive: true, force: true });
});

test.run();
