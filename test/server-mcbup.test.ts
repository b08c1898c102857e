// The protocol examples of [MC-BUP] §4 — wire captures of a Windows client (Microsoft BITS/6.7)
// talking to IIS 6.0 — replayed byte for byte against our server over one raw TCP connection, as
// Windows sent them (Accept, User-Agent, Host, Content-Name, lower-case "bytes", Keep-Alive). The
// captures live in test/fixtures/mc-bup/*.hexdump, copied from the specification with their
// offsets and ASCII columns (each file names the section it comes from); this file parses them,
// checks every line against its ASCII column, substitutes the session id our server hands out for
// the captured one (same length, no offset moves), and compares our answers header by header with
// what IIS answered.
import { once } from 'node:events';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseHttpHead, RawConnection, startTestServer, type RawResponse } from './helpers/bits-server.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'test', 'fixtures', 'mc-bup');

// ── the hexdump fixtures ────────────────────────────────────────────────────────────────────────

interface Block {
  kind: 'request' | 'response' | 'notification-request' | 'notification-response' | 'reply-response';
  name: string;
  bytes: Buffer;
}
interface Vector {
  meta: Record<string, string>;
  blocks: Block[];
}

/** One dump line: `OOOOOOOO hh hh … hh-hh … ascii`; at most 16 bytes, the dash between bytes 8 and 9 optional. */
function parseDumpLine(line: string, where: string): { offset: number; bytes: number[]; ascii: string } {
  const m = /^([0-9a-f]{8}) (.*)$/.exec(line)!;
  const tokens = m[2]!.split(' ');
  const bytes: number[] = [];
  let i = 0;
  for (; i < tokens.length && bytes.length < 16; i++) {
    const t = tokens[i]!;
    if (/^[0-9a-f]{2}$/.test(t)) bytes.push(parseInt(t, 16));
    else if (/^[0-9a-f]{2}-[0-9a-f]{2}$/.test(t)) bytes.push(parseInt(t.slice(0, 2), 16), parseInt(t.slice(3), 16));
    else break;
  }
  assert.ok(bytes.length > 0 && bytes.length <= 16, `${where}: no bytes`);
  return { offset: parseInt(m[1]!, 16), bytes, ascii: tokens.slice(i).join(' ') };
}

/** What the dump's ASCII column shows for these bytes (whitespace runs collapse in the document). */
function render(bytes: number[]): string {
  return bytes.map((b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
}
const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The bytes of consecutive dump lines, checking that offsets run on and each ASCII column matches. */
function dumpBytes(lines: string[], where: string): Buffer {
  const out: number[] = [];
  let start = -1;
  lines.forEach((line, n) => {
    const d = parseDumpLine(line, `${where} line ${n + 1}`);
    if (start < 0) start = d.offset;
    assert.is(d.offset - start, out.length, `${where}: offset ${d.offset.toString(16)} does not follow the previous line`);
    if (n < lines.length - 1) assert.is(d.bytes.length, 16, `${where}: short line ${d.offset.toString(16)} in the middle`);
    assert.is(squash(render(d.bytes)), squash(d.ascii), `${where}: hex and ASCII column disagree at ${d.offset.toString(16)}`);
    out.push(...d.bytes);
  });
  return Buffer.from(out);
}

function loadDump(file: string): Vector {
  const meta: Record<string, string> = {};
  const blocks: Block[] = [];
  let current: { kind: Block['kind']; name: string; parts: Buffer[]; lines: string[] } | null = null;
  const flush = () => {
    if (!current) return;
    if (current.lines.length) current.parts.push(dumpBytes(current.lines, `${file} ${current.kind} ${current.name}`));
    blocks.push({ kind: current.kind, name: current.name, bytes: Buffer.concat(current.parts) });
    current = null;
  };
  for (const raw of readFileSync(join(FIXTURES, file), 'utf8').split('\n')) {
    const line = raw.trimEnd();
    if (line === '' || line.startsWith('#')) continue;
    let m: RegExpExecArray | null;
    if ((m = /^=== (\S+)(?: (\S+))?$/.exec(line))) {
      flush();
      current = { kind: m[1] as Block['kind'], name: m[2] ?? '', parts: [], lines: [] };
    } else if ((m = /^@include (\S+)$/.exec(line))) {
      const c = current!;
      if (c.lines.length) c.parts.push(dumpBytes(c.lines, `${file} ${c.kind} ${c.name}`));
      c.lines = [];
      c.parts.push(loadDump(m[1]!).blocks[0]!.bytes);
    } else if ((m = /^@(\S+) (.+)$/.exec(line))) {
      meta[m[1]!] = m[2]!;
    } else if (/^[0-9a-f]{8} /.test(line)) {
      if (!current) current = { kind: 'request', name: 'body', parts: [], lines: [] }; // a bare dump (the shared body)
      current.lines.push(line);
    } else throw new Error(`${file}: unexpected line ${JSON.stringify(line)}`);
  }
  flush();
  return { meta, blocks };
}

const v41 = loadDump('4.1-successful-upload.hexdump');
const v42 = loadDump('4.2-upload-reply-host-id-notification.hexdump');
const body = loadDump('rfc2119-body.hexdump').blocks[0]!.bytes;

function block(v: Vector, kind: Block['kind'], name = ''): Buffer {
  const b = v.blocks.find((x) => x.kind === kind && (name === '' || x.name === name));
  assert.ok(b, `no ${kind} ${name} block`);
  return b!.bytes;
}

function headerMap(fields: [string, string][]): Map<string, string> {
  return new Map(fields.map(([k, v]) => [k.toLowerCase(), v]));
}

/** Replaces every occurrence of the captured session GUID (no braces) by ours; same length. */
function withSession(bytes: Buffer, captured: string, ours: string | null): Buffer {
  if (!ours) return bytes;
  const bare = ours.replace(/[{}]/g, '');
  assert.is(bare.length, captured.length);
  return Buffer.from(bytes.toString('latin1').split(captured).join(bare), 'latin1');
}

/** IIS boilerplate that says nothing about the protocol (and validators of another file system). */
const NOT_COMPARED = new Set(['date', 'server', 'pragma', 'etag', 'last-modified', 'content-location']);

/** Our answer must have IIS's status and every protocol header of IIS's answer with the same value. */
function assertLikeCapture(ours: RawResponse, captured: Buffer, session: string, ourSession: string | null, what: string): void {
  const head = parseHttpHead(withSession(captured, session, ourSession))!;
  const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(head.startLine)![1]);
  assert.is(ours.status, status, `${what}: status\n${ours.rawHead}`);
  for (const [name, value] of headerMap(head.fields)) {
    if (NOT_COMPARED.has(name)) continue;
    assert.is(ours.headers[name], value, `${what}: header ${name}\n${ours.rawHead}`);
  }
  for (const name of ['etag', 'last-modified']) {
    if (headerMap(head.fields).has(name)) assert.ok(ours.headers[name], `${what}: ${name} present`);
  }
}

// ── tests ────────────────────────────────────────────────────────────────────────────────────────

test('the fixtures are the captures of [MC-BUP] §4: offsets run on, ASCII columns match, the body is the 4,892 bytes announced', () => {
  assert.is(body.length, 4892);
  assert.is(body.subarray(0, 25).toString('latin1'), '\r\n\r\n\r\n\r\n\r\nNetwork Working');
  assert.ok(body.toString('latin1').endsWith('[Page 3]\r\n\f\r\n'));
  for (const v of [v41, v42]) {
    const frag = block(v, 'request', 'fragment');
    const head = parseHttpHead(frag)!;
    const fields = headerMap(head.fields);
    assert.is(fields.get('content-length'), '4892');
    assert.is(fields.get('content-range'), 'bytes 0-4891/4892');
    assert.equal(frag.subarray(head.bodyStart), body, 'the fragment body is rfc2119-body.hexdump');
    for (const b of v.blocks.filter((x) => x.kind === 'request')) {
      assert.ok(parseHttpHead(b.bytes), `${b.name}: a complete head`);
      assert.match(b.bytes.toString('latin1'), /User-Agent: Microsoft BITS\/6\.7\r\n/);
    }
  }
});

test('§4.1 Successful Upload, replayed: Create-Session, Fragment, Ping, Close-Session; the published file is the uploaded bytes', async () => {
  const root = await mkdtemp(join(tmpdir(), 'bits-mcbup41-'));
  const srv = await startTestServer({ root });
  try {
    await mkdir(join(root, 'upload'));
    const captured = v41.meta.session!;
    const c = await RawConnection.open(srv.port);
    let session: string | null = null;
    for (const name of ['create-session', 'fragment', 'ping', 'close-session']) {
      const r = await c.send(withSession(block(v41, 'request', name), captured, session));
      if (name === 'create-session') session = r.headers['bits-session-id']!;
      assertLikeCapture(r, block(v41, 'response', name), captured, session, `§4.1 ${name}`);
      assert.is(r.body.length, 0);
      if (name === 'fragment') assert.not.ok(existsSync(join(root, 'upload', '2000mb-rfc2119.txt')), 'published only on Close-Session');
    }
    c.close();
    assert.match(session!, /^\{[0-9A-F-]{36}\}$/);
    assert.equal(await readFile(join(root, 'upload', '2000mb-rfc2119.txt')), body);
    assert.equal(await readdir(join(root, 'BITS-Sessions', 'Requests')), []);
  } finally {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('§4.1 replayed with the packet types spelled the [MC-BUP] way (CREATE-SESSION, FRAGMENT, PING, CLOSE-SESSION)', async () => {
  const root = await mkdtemp(join(tmpdir(), 'bits-mcbup41u-'));
  const srv = await startTestServer({ root });
  try {
    await mkdir(join(root, 'upload'));
    const captured = v41.meta.session!;
    const c = await RawConnection.open(srv.port);
    let session: string | null = null;
    for (const name of ['create-session', 'fragment', 'ping', 'close-session']) {
      const bytes = Buffer.from(block(v41, 'request', name).toString('latin1').replace(/(BITS-Packet-Type: )([A-Za-z-]+)/, (_, h: string, t: string) => h + t.toUpperCase()), 'latin1');
      assert.match(bytes.toString('latin1'), new RegExp(`BITS-Packet-Type: ${name.toUpperCase()}\r\n`));
      const r = await c.send(withSession(bytes, captured, session));
      if (name === 'create-session') session = r.headers['bits-session-id']!;
      assertLikeCapture(r, block(v41, 'response', name), captured, session, `§4.1 upper-case ${name}`);
    }
    c.close();
    assert.equal(await readFile(join(root, 'upload', '2000mb-rfc2119.txt')), body);
  } finally {
    await srv.close();
    await rm(root, { recursive: true, force: true });
  }
});

test('§4.2 Upload-Reply with BITS-Host-Id and a notification by reference, replayed: every Ack, the notification, the reply GET', async () => {
  const base = await mkdtemp(join(tmpdir(), 'bits-mcbup42-'));
  const root = join(base, 'upload-ref-isapi-WebFarm');
  await mkdir(root);
  const captured = v42.meta.session!;
  let session: string | null = null;

  // The server application of the capture: it writes a 10,240-byte reply to the response file
  // (starting with the bytes the capture shows of the reply) and answers with the captured bytes.
  const replyHead = parseHttpHead(block(v42, 'reply-response'))!;
  const replyStart = block(v42, 'reply-response').subarray(replyHead.bodyStart);
  const reply = Buffer.alloc(10_240, 0x2e);
  replyStart.copy(reply);
  const notifications: Buffer[] = [];
  const app = net.createServer((sock) => {
    let buf = Buffer.alloc(0);
    sock.on('data', async (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      const head = parseHttpHead(buf);
      if (!head) return;
      notifications.push(buf);
      const file = headerMap(head.fields).get('bits-response-datafile-name')!;
      const { writeFile } = await import('node:fs/promises');
      await writeFile(file, reply);
      sock.end(block(v42, 'notification-response'));
    });
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  const appPort = (app.address() as AddressInfo).port;

  const srv = await startTestServer({
    root,
    urlPrefix: '/upload-ref-isapi-WebFarm/',
    hostId: 'FRANKCAO8',
    hostIdFallbackTimeout: 110,
    notification: { type: 'reference', url: `http://127.0.0.1:${appPort}/bitsasp/test.REPLY` },
  });
  try {
    const c = await RawConnection.open(srv.port);
    for (const name of ['create-session', 'ping', 'fragment']) {
      const r = await c.send(withSession(block(v42, 'request', name), captured, session));
      if (name === 'create-session') session = r.headers['bits-session-id']!;
      assertLikeCapture(r, block(v42, 'response', name), captured, session, `§4.2 ${name}`);
    }

    // The notification our server sent, against the captured one.
    assert.is(notifications.length, 1);
    const ours = parseHttpHead(notifications[0]!)!;
    const theirs = parseHttpHead(withSession(block(v42, 'notification-request'), captured, session))!;
    assert.is(ours.startLine, theirs.startLine);
    const oursMap = headerMap(ours.fields);
    const toLocal = (p: string) => p.replace(v42.meta['vdir-path']!, root).replace(/\\/g, sep);
    for (const [name, value] of headerMap(theirs.fields)) {
      if (name === 'host' || name === 'connection') continue; // another address; one connection per notification
      const expected = name.endsWith('-datafile-name') ? toLocal(value) : value;
      assert.is(oursMap.get(name), expected, `notification header ${name}`);
    }
    assert.ok(existsSync(oursMap.get('bits-response-datafile-name')!));

    // The client downloads the reply with the captured GET (Range: bytes=0-9976).
    const get = await c.send(withSession(block(v42, 'request', 'get-reply'), captured, session));
    assertLikeCapture(get, block(v42, 'reply-response'), captured, session, '§4.2 reply GET');
    assert.is(get.body.length, 9977);
    assert.equal(get.body.subarray(0, replyStart.length), replyStart, 'the reply bytes the capture shows');
    assert.equal(get.body, reply.subarray(0, 9977));

    const close = await c.send(withSession(block(v42, 'request', 'close-session'), captured, session));
    assertLikeCapture(close, block(v42, 'response', 'close-session'), captured, session, '§4.2 close-session');
    c.close();
    assert.not.ok(existsSync(join(root, '2100mb-rfc2119.txt')), 'by reference without BITS-Copy-File-To-Destination: not published');
    assert.equal(await readdir(join(root, 'BITS-Sessions', 'Requests')), []);
    assert.equal(await readdir(join(root, 'BITS-Sessions', 'Replies')), []);
  } finally {
    await srv.close();
    app.close();
    await rm(base, { recursive: true, force: true });
  }
});

test.run();
