// The BITS upload server, packet by packet (spec §7.1–§7.4, §8, §9), driven by a raw TCP client so
// that every byte of every request is ours: Ping, Create-Session (protocol negotiation, existing
// destination, unsafe paths), Fragment (order, gap, overlap, duplicates, every validation),
// Close/Cancel (atomic publish, discard, cleanup), persistence across a restart, session timeout,
// the per-client session limit, and GET/HEAD/Range of published files.
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { appendFile, link, mkdir, readdir, readFile, rm, stat, symlink, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import {
  BITS_PROTOCOL, fragment, getRequest, packet, RawConnection, rawRequest, startTestServer, type RawResponse, type TestServer,
} from './helpers/bits-server.js';

const servers: TestServer[] = [];
async function server(opts: Parameters<typeof startTestServer>[0] = {}): Promise<TestServer> {
  const s = await startTestServer({ maxSessionsPerClient: 0, ...opts });
  servers.push(s);
  await mkdir(join(s.root, 'up'), { recursive: true });
  return s;
}

const main = await server({ maxUploadSize: 1_000_000, maxFragmentBytes: 64 * 1024 });
const port = main.port;
const requests = (s: TestServer = main) => join(s.root, 'BITS-Sessions', 'Requests');

async function create(path: string, s: TestServer = main): Promise<string> {
  const r = await rawRequest(s.port, packet(path, 'Create-Session'));
  assert.is(r.status, 200, `Create-Session ${path}: ${r.rawHead}`);
  return r.headers['bits-session-id']!;
}

function assertAck(r: RawResponse, status: number): void {
  assert.is(r.status, status, r.rawHead);
  assert.is(r.headers['bits-packet-type'], 'Ack');
  assert.is(r.headers['content-length'], '0');
  assert.is(r.body.length, 0);
}

function assertAckError(r: RawResponse, status: number, code: string, context = '0x5'): void {
  assertAck(r, status);
  assert.is(r.headers['bits-error-code'], code, r.rawHead);
  assert.is(r.headers['bits-error'], code, 'BITS-Error ([MC-BUP] name) carries the same code');
  assert.is(r.headers['bits-error-context'], context);
}

async function upload(path: string, data: Buffer, fragmentSize: number, s: TestServer = main): Promise<string> {
  const id = await create(path, s);
  const c = await RawConnection.open(s.port);
  try {
    for (let off = 0; off < data.length; off += fragmentSize) {
      const r = await c.send(fragment(path, id, off, data.subarray(off, off + fragmentSize), data.length));
      assertAck(r, 200);
      assert.is(r.headers['bits-received-content-range'], String(Math.min(data.length, off + fragmentSize)));
      assert.is(r.headers['bits-session-id'], id);
    }
  } finally {
    c.close();
  }
  return id;
}

// ── Ping, Create-Session ─────────────────────────────────────────────────────────────────────────

test('Ping → 200 Ack with no body and no error headers; packet types compare case-insensitively', async () => {
  for (const type of ['Ping', 'PING', 'ping']) {
    const r = await rawRequest(port, packet('/up/anything.bin', type));
    assertAck(r, 200);
    assert.not.ok(r.headers['bits-error-code']);
    assert.not.ok(r.headers['bits-error-context']);
  }
});

test('Create-Session → 200 with BITS-Protocol, an upper-case {GUID} session id, Accept-Encoding: identity; request file created', async () => {
  const r = await rawRequest(port, packet('/up/created.bin', 'Create-Session'));
  assertAck(r, 200);
  assert.is(r.headers['bits-protocol'], BITS_PROTOCOL);
  assert.match(r.headers['bits-session-id']!, /^\{[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}\}$/);
  assert.is(r.headers['accept-encoding'], 'identity');
  assert.not.ok(r.headers['bits-host-id'], 'no host id unless configured');
  const id = r.headers['bits-session-id']!;
  assert.is((await stat(join(requests(), id, 'requestfile.bin'))).size, 0);
  assert.ok(existsSync(join(requests(), id, 'session.json')), 'the session state is persisted');
  assert.not.ok(existsSync(join(main.root, 'up', 'created.bin')), 'nothing is published before Close-Session');
});

test('Create-Session picks our protocol from a list separated by spaces or commas, any case', async () => {
  for (const list of [
    `{11111111-2222-3333-4444-555555555555} ${BITS_PROTOCOL}`,
    `{11111111-2222-3333-4444-555555555555},${BITS_PROTOCOL.toUpperCase()}`,
    `{11111111-2222-3333-4444-555555555555} , ${BITS_PROTOCOL}`,
  ]) {
    const r = await rawRequest(port, packet('/up/list.bin', 'CREATE-SESSION', { headers: { 'BITS-Supported-Protocols': list } }));
    assertAck(r, 200);
    assert.is(r.headers['bits-protocol'], BITS_PROTOCOL);
  }
});

test('Create-Session with no protocol in common (or none listed) → 400 E_INVALIDARG, no session, no BITS-Protocol', async () => {
  const before = (await readdir(requests())).length;
  for (const list of ['{11111111-2222-3333-4444-555555555555}', null]) {
    const r = await rawRequest(port, packet('/up/noproto.bin', 'Create-Session', { headers: { 'BITS-Supported-Protocols': list } }));
    assertAckError(r, 400, '0x80070057');
    assert.not.ok(r.headers['bits-protocol']);
    assert.not.ok(r.headers['bits-session-id']);
  }
  assert.is((await readdir(requests())).length, before);
});

test('Create-Session for an existing file → 409 + E_ACCESSDENIED 0x80070005 (BITSAllowOverwrites off); allowed with allowOverwrites', async () => {
  await writeFile(join(main.root, 'up', 'exists.txt'), 'old');
  const r = await rawRequest(port, packet('/up/exists.txt', 'Create-Session'));
  assertAckError(r, 409, '0x80070005');

  const s = await server({ allowOverwrites: true });
  await writeFile(join(s.root, 'up', 'exists.txt'), 'old content');
  const data = Buffer.from('new content!');
  const id = await upload('/up/exists.txt', data, 100, s);
  assertAck(await rawRequest(s.port, packet('/up/exists.txt', 'Close-Session', { sessionId: id })), 200);
  assert.equal(await readFile(join(s.root, 'up', 'exists.txt')), data);
});

test('Create-Session refuses unsafe paths: traversal, encoded traversal, absolute, drive, device names, control chars, trailing dot/space', async () => {
  await mkdir(join(main.root, 'up', 'sub'), { recursive: true });
  const cases: [string, number, string][] = [
    ['/up/../escape.txt', 400, '0x80070057'],
    ['/up/%2e%2e/escape.txt', 400, '0x80070057'],
    ['/up/%2E%2E%2Fescape.txt', 400, '0x80070057'],
    ['/up/..%5Cescape.txt', 400, '0x80070057'],
    ['/%2Fetc%2Fpasswd', 400, '0x80070057'],
    ['/C:%5CWindows%5Cwin.ini', 400, '0x80070057'],
    ['/up/CON', 400, '0x80070057'],
    ['/up/con.txt', 400, '0x80070057'],
    ['/up/nul.txt', 400, '0x80070057'],
    ['/up/LPT1', 400, '0x80070057'],
    ['/up/com9.log', 400, '0x80070057'],
    ['/up/a%01b.txt', 400, '0x80070057'],
    ['/up/a%00b.txt', 400, '0x80070057'],
    ['/up/a%0Ab.txt', 400, '0x80070057'],
    ['/up/trailing.', 400, '0x80070057'],
    ['/up/trailing%20', 400, '0x80070057'],
    ['/up/a%3Ab.txt', 400, '0x80070057'],
    ['/up//double.txt', 400, '0x80070057'],
    ['/up/bad%zz.txt', 400, '0x80070057'],
    ['/up/', 400, '0x80070057'], // a directory URL
    ['/up/sub', 400, '0x80070057'], // an existing directory
    ['/no-such-dir/x.txt', 404, '0x80070003'], // the target folder must exist
    ['/BITS-Sessions/Requests/x.bin', 403, '0x80070005'], // the session store
  ];
  for (const [path, status, code] of cases) {
    const r = await rawRequest(port, packet(path, 'Create-Session'));
    assert.is(r.status, status, `${path}: ${r.rawHead}`);
    assertAckError(r, status, code);
  }
  assert.not.ok(existsSync(join(main.root, 'escape.txt')));
  assert.not.ok(existsSync(join(main.root, '..', 'escape.txt')));
  // Still fine: names that merely look alike.
  for (const ok of ['/up/console.txt', '/up/nul2.txt', '/up/com10', '/up/.hidden', '/up/a..b.txt']) {
    assert.is((await rawRequest(port, packet(ok, 'Create-Session'))).status, 200, ok);
  }
});

test('a symbolic link out of the root → 403, at Create-Session and again at Close-Session', async () => {
  const outside = await import('node:os').then((os) => join(os.tmpdir(), `bits-outside-${process.pid}`));
  await mkdir(outside, { recursive: true });
  await symlink(outside, join(main.root, 'up', 'link-out'));
  try {
    assertAckError(await rawRequest(port, packet('/up/link-out/x.txt', 'Create-Session')), 403, '0x80070005');
    // Swapped for a link between Create-Session and Close-Session: still nothing lands outside.
    await mkdir(join(main.root, 'up', 'swapped'));
    const id = await upload('/up/swapped/x.txt', Buffer.from('data'), 4);
    await rm(join(main.root, 'up', 'swapped'), { recursive: true });
    await symlink(outside, join(main.root, 'up', 'swapped'));
    assertAckError(await rawRequest(port, packet('/up/swapped/x.txt', 'Close-Session', { sessionId: id })), 403, '0x80070005');
    assert.not.ok(existsSync(join(outside, 'x.txt')));
  } finally {
    await rm(outside, { recursive: true, force: true });
  }
});

// ── Fragments ────────────────────────────────────────────────────────────────────────────────────

test('fragments in order: every Ack has the next offset and the session id; Close publishes byte for byte', async () => {
  const data = randomBytes(10_000);
  const id = await upload('/up/inorder.bin', data, 3000);
  assert.not.ok(existsSync(join(main.root, 'up', 'inorder.bin')), 'not published before Close-Session');
  const r = await rawRequest(port, packet('/up/inorder.bin', 'Close-Session', { sessionId: id }));
  assertAck(r, 200);
  assert.is(r.headers['bits-session-id'], id);
  assert.equal(await readFile(join(main.root, 'up', 'inorder.bin')), data);
  assert.not.ok(existsSync(join(requests(), id)), 'session data deleted');
  assert.equal(await readdir(join(main.root, 'up')).then((n) => n.filter((x) => x.includes('inorder'))), ['inorder.bin'], 'no temporary file left next to it');
});

test('a gap → 416 with BITS-Received-Content-Range = next, no error code, nothing written', async () => {
  const data = randomBytes(1000);
  const path = '/up/gap.bin';
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, data.subarray(0, 100), 1000)), 200);
  const r = await rawRequest(port, fragment(path, id, 300, data.subarray(300, 400), 1000));
  assertAck(r, 416);
  assert.is(r.headers['bits-received-content-range'], '100');
  assert.is(r.headers['bits-session-id'], id);
  assert.not.ok(r.headers['bits-error-code'], '416 carries error code 0: no error header');
  assert.is((await stat(join(requests(), id, 'requestfile.bin'))).size, 100, 'no data written');
});

test('an overlapping fragment: only bytes at or after next are written (never overwritten); one entirely below re-reports next', async () => {
  const path = '/up/overlap.bin';
  const data = randomBytes(300);
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, data.subarray(0, 100), 300)), 200);
  // Bytes 50..99 in this fragment differ from what was received: they must be ignored.
  const overlapping = Buffer.concat([Buffer.alloc(50, 0xee), data.subarray(100, 200)]);
  let r = await rawRequest(port, fragment(path, id, 50, overlapping, 300));
  assertAck(r, 200);
  assert.is(r.headers['bits-received-content-range'], '200');
  r = await rawRequest(port, fragment(path, id, 20, Buffer.alloc(60, 0xaa), 300));
  assertAck(r, 200);
  assert.is(r.headers['bits-received-content-range'], '200', 'a fragment entirely below next just re-reports next');
  assertAck(await rawRequest(port, fragment(path, id, 200, data.subarray(200), 300)), 200);
  assertAck(await rawRequest(port, packet(path, 'Close-Session', { sessionId: id })), 200);
  assert.equal(await readFile(join(main.root, 'up', 'overlap.bin')), data);
});

test('a duplicate final fragment → the same Ack again; the upload is unchanged', async () => {
  const path = '/up/dupfinal.bin';
  const data = randomBytes(500);
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, data.subarray(0, 250), 500)), 200);
  const first = await rawRequest(port, fragment(path, id, 250, data.subarray(250), 500));
  const again = await rawRequest(port, fragment(path, id, 250, data.subarray(250), 500));
  assertAck(first, 200);
  assertAck(again, 200);
  for (const h of ['bits-received-content-range', 'bits-session-id', 'bits-reply-url']) assert.is(again.headers[h], first.headers[h], h);
  assert.not.ok(first.headers['bits-reply-url'], 'no reply URL without a server application');
  assertAck(await rawRequest(port, packet(path, 'Close-Session', { sessionId: id })), 200);
  assert.equal(await readFile(join(main.root, 'up', 'dupfinal.bin')), data);
});

test('Fragment validation: Content-Length ≠ range length, bad Content-Range, changed total → 400 E_INVALIDARG with the received range', async () => {
  const path = '/up/validate.bin';
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, Buffer.alloc(10, 1), 100)), 200);
  const bad = [
    fragment(path, id, 10, Buffer.alloc(10, 2), 100, { 'Content-Range': 'bytes 10-29/100' }), // 20 announced, 10 sent
    fragment(path, id, 10, Buffer.alloc(10, 2), 100, { 'Content-Range': 'bytes=10-19/100' }),
    fragment(path, id, 10, Buffer.alloc(10, 2), 100, { 'Content-Range': 'bytes 19-10/100' }),
    fragment(path, id, 10, Buffer.alloc(10, 2), 100, { 'Content-Range': 'bytes 10-19/15' }),
    fragment(path, id, 10, Buffer.alloc(10, 2), 100, { 'Content-Range': null }),
    fragment(path, id, 10, Buffer.alloc(10, 2), 200), // the total changed
    fragment(path, id, 10, Buffer.alloc(10, 2), 100, { 'Content-Encoding': 'gzip' }),
  ];
  for (const req of bad) {
    const r = await rawRequest(port, req);
    assertAckError(r, 400, '0x80070057');
    assert.is(r.headers['bits-received-content-range'], '10');
  }
  assert.is((await stat(join(requests(), id, 'requestfile.bin'))).size, 10);
  // The unit is case-insensitive (Windows sends "bytes", the guide shows "Bytes").
  const r = await rawRequest(port, fragment(path, id, 10, Buffer.alloc(10, 3), 100, { 'Content-Range': 'Bytes 10-19/100' }));
  assertAck(r, 200);
  assert.is(r.headers['bits-received-content-range'], '20');
});

test('a total over maxUploadSize → 500 BG_E_TOO_LARGE 0x80200020 context 0x5; a fragment over maxFragmentBytes → 413', async () => {
  const path = '/up/large.bin';
  const id = await create(path);
  assertAckError(await rawRequest(port, fragment(path, id, 0, Buffer.alloc(100), 1_000_001)), 500, '0x80200020');
  const r = await rawRequest(port, fragment(path, id, 0, Buffer.alloc(64 * 1024 + 1), 200_000));
  assertAck(r, 413);
  assert.is(r.headers['bits-received-content-range'], '0');
  // After the 413 the client shrinks its fragments and goes on, on the same connection too.
  const c = await RawConnection.open(port);
  assertAck(await c.send(fragment(path, id, 0, Buffer.alloc(64 * 1024 + 1), 200_000)), 413);
  assertAck(await c.send(fragment(path, id, 0, Buffer.alloc(64 * 1024), 200_000)), 200);
  c.close();
});

test('unknown, malformed or foreign session ids → 500 BG_E_SESSION_NOT_FOUND 0x8020001F context 0x5', async () => {
  const unknown = '{00000000-1111-2222-3333-444444444444}';
  for (const type of ['Fragment', 'Close-Session', 'Cancel-Session']) {
    const req = type === 'Fragment' ? fragment('/up/x.bin', unknown, 0, Buffer.alloc(5), 5) : packet('/up/x.bin', type, { sessionId: unknown });
    const r = await rawRequest(port, req);
    assertAckError(r, 500, '0x8020001F');
    assert.is(r.headers['bits-session-id'], unknown, 'the id is echoed');
  }
  assertAckError(await rawRequest(port, packet('/up/x.bin', 'Close-Session', { sessionId: '../../etc' })), 500, '0x8020001F');
  // A session belongs to one URL.
  const id = await create('/up/mine.bin');
  assertAckError(await rawRequest(port, fragment('/up/other.bin', id, 0, Buffer.alloc(5), 5)), 500, '0x8020001F');
  // A missing id is a malformed request.
  assertAckError(await rawRequest(port, packet('/up/mine.bin', 'Close-Session')), 400, '0x80070057');
});

test('missing Content-Length, unknown or missing packet type, body on a body-less packet, header value over 4 KB → 400 E_INVALIDARG', async () => {
  assertAckError(await rawRequest(port, packet('/up/nocl.bin', 'Create-Session', { headers: { 'Content-Length': null } })), 400, '0x80070057');
  assertAckError(await rawRequest(port, packet('/up/x.bin', 'Upload-Everything')), 400, '0x80070057');
  assertAckError(await rawRequest(port, packet('/up/x.bin', 'Ping', { headers: { 'BITS-Packet-Type': null } })), 400, '0x80070057');
  assertAckError(await rawRequest(port, packet('/up/x.bin', 'Ping', { body: Buffer.from('hello') })), 400, '0x80070057');
  assertAckError(await rawRequest(port, packet('/up/x.bin', 'Create-Session', { headers: { 'X-Big': 'a'.repeat(4097) } })), 400, '0x80070057');
  assertAck(await rawRequest(port, packet('/up/x4096.bin', 'Create-Session', { headers: { 'X-Big': 'a'.repeat(4096) } })), 200);
});

test('HTTP/1.0 BITS_POST → 400; BITS_POST outside the URL prefix → 501 + E_ACCESSDENIED; other methods → 405', async () => {
  const r10 = await rawRequest(port, packet('/up/x.bin', 'Ping').toString('latin1').replace('HTTP/1.1', 'HTTP/1.0'));
  assertAckError(r10, 400, '0x80070057');
  const s = await server({ urlPrefix: '/uploads' });
  await mkdir(join(s.root, 'a'));
  assertAckError(await rawRequest(s.port, packet('/elsewhere/x.bin', 'Create-Session')), 501, '0x80070005');
  assertAck(await rawRequest(s.port, packet('/uploads/a/x.bin', 'Create-Session')), 200);
  const put = await rawRequest(port, 'PUT /up/x.bin HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
  assert.is(put.status, 405);
  assert.match(put.headers.allow!, /BITS_POST/);
});

test('pipelined packets on one connection (BITS_POST bodies containing "BITS_POST" too) are all answered in order', async () => {
  const path = '/up/pipelined.bin';
  const id = await create(path);
  const body = Buffer.from('BITS_POST / HTTP/1.1\r\nBITS-Packet-Type: Cancel-Session\r\n\r\n'.padEnd(200, 'x'));
  const c = await RawConnection.open(port);
  const wire = Buffer.concat([fragment(path, id, 0, body.subarray(0, 100), 200), fragment(path, id, 100, body.subarray(100), 200)]);
  const first = c.send(wire);
  assert.is((await first).headers['bits-received-content-range'], '100');
  const second = await c.send([]);
  assert.is(second.headers['bits-received-content-range'], '200');
  assertAck(await c.send(packet(path, 'Close-Session', { sessionId: id })), 200);
  c.close();
  assert.equal(await readFile(join(main.root, 'up', 'pipelined.bin')), body);
});

test('disk full while writing a fragment → 500 ERROR_DISK_FULL 0x80070070 context 0x5, and the connection still works', async () => {
  const path = '/up/full.bin';
  const id = await create(path);
  const file = join(requests(), id, 'requestfile.bin');
  await unlink(file);
  await symlink('/dev/full', file); // every write fails with ENOSPC
  const c = await RawConnection.open(port);
  const r = await c.send(fragment(path, id, 0, randomBytes(20_000), 20_000));
  assertAckError(r, 500, '0x80070070');
  assert.is(r.headers['bits-received-content-range'], '0');
  assertAck(await c.send(packet(path, 'Ping')), 200);
  c.close();
});

// ── Close, Cancel ───────────────────────────────────────────────────────────────────────────────

test('Close-Session before the last byte → 200, nothing published, session gone', async () => {
  const path = '/up/partial.bin';
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, Buffer.alloc(100, 7), 1000)), 200);
  assertAck(await rawRequest(port, packet(path, 'Close-Session', { sessionId: id })), 200);
  assert.not.ok(existsSync(join(main.root, 'up', 'partial.bin')), 'a partial upload is never published');
  assert.not.ok(existsSync(join(requests(), id)));
  assertAckError(await rawRequest(port, fragment(path, id, 100, Buffer.alloc(100), 1000)), 500, '0x8020001F');
});

test('Cancel-Session deletes the session and its data; after a published Close it undoes nothing', async () => {
  const path = '/up/cancelled.bin';
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, Buffer.alloc(100, 1), 200)), 200);
  const r = await rawRequest(port, packet(path, 'Cancel-Session', { sessionId: id }));
  assertAck(r, 200);
  assert.is(r.headers['bits-session-id'], id);
  assert.not.ok(existsSync(join(requests(), id)));
  assert.not.ok(existsSync(join(main.root, 'up', 'cancelled.bin')));
  assertAckError(await rawRequest(port, packet(path, 'Close-Session', { sessionId: id })), 500, '0x8020001F');

  const data = randomBytes(64);
  const id2 = await upload('/up/kept.bin', data, 64);
  assertAck(await rawRequest(port, packet('/up/kept.bin', 'Close-Session', { sessionId: id2 })), 200);
  assertAckError(await rawRequest(port, packet('/up/kept.bin', 'Cancel-Session', { sessionId: id2 })), 500, '0x8020001F');
  assert.equal(await readFile(join(main.root, 'up', 'kept.bin')), data, 'the published file stays');
});

test('a 0-byte upload: Create-Session then Close-Session publishes an empty file', async () => {
  const id = await create('/up/empty.bin');
  assertAck(await rawRequest(port, packet('/up/empty.bin', 'Close-Session', { sessionId: id })), 200);
  assert.is((await stat(join(main.root, 'up', 'empty.bin'))).size, 0);
});

// ── persistence, timeout, limits ─────────────────────────────────────────────────────────────────

test('sessions survive a restart: a new server on the same directories continues from the bytes the old one wrote', async () => {
  const root = join(main.root, 'restart-root');
  await mkdir(join(root, 'up'), { recursive: true });
  const data = randomBytes(5000);
  const a = await startTestServer({ root });
  const id = await create('/up/restart.bin', a);
  assertAck(await rawRequest(a.port, fragment('/up/restart.bin', id, 0, data.subarray(0, 2000), 5000)), 200);
  await a.close();
  // A kill -9 mid-fragment leaves bytes written but never acknowledged: the client's own bytes at
  // their place. They are kept, and the client moves on past them.
  await appendFile(join(requests(a), id, 'requestfile.bin'), data.subarray(2000, 3000));

  const b = await startTestServer({ root });
  try {
    const c = await RawConnection.open(b.port);
    let r = await c.send(fragment('/up/restart.bin', id, 3500, data.subarray(3500), 5000));
    assertAck(r, 416);
    assert.is(r.headers['bits-received-content-range'], '3000', 'the new server holds what the old one wrote');
    r = await c.send(fragment('/up/restart.bin', id, 2000, data.subarray(2000), 5000)); // the client's retry, overlapping
    assertAck(r, 200);
    assert.is(r.headers['bits-received-content-range'], '5000');
    assertAck(await c.send(packet('/up/restart.bin', 'Close-Session', { sessionId: id })), 200);
    c.close();
    assert.equal(await readFile(join(root, 'up', 'restart.bin')), data);
  } finally {
    await b.close();
  }
});

test('after a crash a request file is cut back to what can be continued: past the total to the total, without a saved total to nothing', async () => {
  const root = join(main.root, 'restart-cut-root');
  await mkdir(join(root, 'up'), { recursive: true });
  const data = randomBytes(5000);
  const a = await startTestServer({ root });
  const long = await create('/up/long.bin', a);
  assertAck(await rawRequest(a.port, fragment('/up/long.bin', long, 0, data.subarray(0, 2000), 5000)), 200);
  const fresh = await create('/up/fresh.bin', a);
  await a.close();
  await appendFile(join(requests(a), long, 'requestfile.bin'), Buffer.concat([data.subarray(2000), Buffer.alloc(4000, 0xff)]));
  // Bytes of a first fragment whose Ack never went out (the total is saved before that Ack).
  await appendFile(join(requests(a), fresh, 'requestfile.bin'), Buffer.alloc(3000, 0xee));

  const b = await startTestServer({ root });
  try {
    const c = await RawConnection.open(b.port);
    let r = await c.send(fragment('/up/fresh.bin', fresh, 1000, Buffer.alloc(1000, 1), 2000));
    assertAck(r, 416);
    assert.is(r.headers['bits-received-content-range'], '0', 'nothing of a session without a saved total counts');
    r = await c.send(fragment('/up/long.bin', long, 4000, data.subarray(4000), 5000)); // the client's retry of its last fragment
    assertAck(r, 200);
    assert.is(r.headers['bits-received-content-range'], '5000');
    assertAck(await c.send(packet('/up/long.bin', 'Close-Session', { sessionId: long })), 200);
    c.close();
    assert.equal(await readFile(join(root, 'up', 'long.bin')), data, 'cut back to the total: no byte past it published');
  } finally {
    await b.close();
  }
});

test('a Close-Session retried after the server died mid-publish answers success and publishes nothing again', async () => {
  const root = join(main.root, 'mid-publish-root');
  await mkdir(join(root, 'up'), { recursive: true });
  const data = randomBytes(3000);
  const a = await startTestServer({ root });
  const id = await create('/up/once.bin', a);
  assertAck(await rawRequest(a.port, fragment('/up/once.bin', id, 0, data, 3000)), 200);
  await a.close();
  // What a Close that died after publishing (link, no overwrite) and before unlinking the request
  // file and forgetting the session leaves behind.
  await link(join(requests(a), id, 'requestfile.bin'), join(root, 'up', 'once.bin'));

  const b = await startTestServer({ root });
  try {
    assertAck(await rawRequest(b.port, packet('/up/once.bin', 'Close-Session', { sessionId: id })), 200);
    assert.equal(await readFile(join(root, 'up', 'once.bin')), data, 'the published file is untouched');
    assert.not.ok(existsSync(join(requests(a), id)), 'the session is forgotten');
    assert.equal((await readdir(join(root, 'up'))).sort(), ['once.bin'], 'no second copy, no temp file');
  } finally {
    await b.close();
  }
});

test('session timeout (injected clock): an idle session is refused and its data deleted; activity keeps it alive', async () => {
  let clock = 1_000_000;
  const s = await server({ sessionTimeoutSeconds: 60, now: () => clock });
  const alive = await create('/up/alive.bin', s);
  const idle = await create('/up/idle.bin', s);
  assertAck(await rawRequest(s.port, fragment('/up/idle.bin', idle, 0, Buffer.alloc(10), 100)), 200);
  clock += 45_000;
  assertAck(await rawRequest(s.port, fragment('/up/alive.bin', alive, 0, Buffer.alloc(10), 100)), 200);
  clock += 30_000; // idle: 75 s without a message; alive: 30 s
  assertAckError(await rawRequest(s.port, fragment('/up/idle.bin', idle, 10, Buffer.alloc(10), 100)), 500, '0x8020001F');
  assert.is(await s.handler.cleanup(), 1);
  assert.not.ok(existsSync(join(requests(s), idle)), 'the expired session data is deleted');
  assertAck(await rawRequest(s.port, fragment('/up/alive.bin', alive, 10, Buffer.alloc(10), 100)), 200);
});

test('session timeout (real timer): expired sessions are swept without any request; and at startup', async () => {
  const s = await server({ sessionTimeoutSeconds: 1, cleanupIntervalSeconds: 0.2 });
  const id = await create('/up/swept.bin', s);
  assert.ok(existsSync(join(requests(s), id)));
  const deadline = Date.now() + 5000;
  while (existsSync(join(requests(s), id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.not.ok(existsSync(join(requests(s), id)), 'swept by the cleanup timer');

  // Startup: sessions left by an earlier run that have expired since are removed before serving.
  const root = join(main.root, 'startup-root');
  await mkdir(join(root, 'up'), { recursive: true });
  let clock = 5_000_000;
  const a = await startTestServer({ root, now: () => clock, sessionTimeoutSeconds: 10 });
  const old = await create('/up/old.bin', a);
  await a.close();
  await mkdir(join(root, 'BITS-Sessions', 'Replies', '{ORPHAN}'), { recursive: true });
  await mkdir(join(root, 'BITS-Sessions', 'Requests', 'not-a-session'), { recursive: true });
  clock += 11_000;
  const b = await startTestServer({ root, now: () => clock, sessionTimeoutSeconds: 10 });
  try {
    assert.equal(await readdir(join(root, 'BITS-Sessions', 'Requests')), []);
    assert.equal(await readdir(join(root, 'BITS-Sessions', 'Replies')), []);
    assertAckError(await rawRequest(b.port, packet('/up/old.bin', 'Close-Session', { sessionId: old })), 500, '0x8020001F');
  } finally {
    await b.close();
  }
});

test('sessions per client: over the limit → 503 (ERROR_TOO_MANY_SESS 0x80070045); closing one frees a place', async () => {
  const s = await server({ maxSessionsPerClient: 2 });
  const a = await create('/up/s1.bin', s);
  await create('/up/s2.bin', s);
  const r = await rawRequest(s.port, packet('/up/s3.bin', 'Create-Session'));
  assertAckError(r, 503, '0x80070045');
  assertAck(await rawRequest(s.port, packet('/up/s1.bin', 'Cancel-Session', { sessionId: a })), 200);
  await create('/up/s3.bin', s);
});

test('host id: the Create-Session Ack carries BITS-Host-Id and BITS-Host-Id-Fallback-Timeout', async () => {
  const s = await server({ hostId: 'node7.example', hostIdFallbackTimeout: 300 });
  const r = await rawRequest(s.port, packet('/up/h.bin', 'Create-Session'));
  assertAck(r, 200);
  assert.is(r.headers['bits-host-id'], 'node7.example');
  assert.is(r.headers['bits-host-id-fallback-timeout'], '300');
  const d = await server({ hostId: 'node8' });
  assert.is((await rawRequest(d.port, packet('/up/h.bin', 'Create-Session'))).headers['bits-host-id-fallback-timeout'], '86400');
});

// ── GET / HEAD ───────────────────────────────────────────────────────────────────────────────────

test('GET/HEAD of a published file: length, strong ETag, Last-Modified, ranges (206/416), If-Range; 404 otherwise', async () => {
  const data = randomBytes(1000);
  const id = await upload('/up/served.bin', data, 1000);
  assertAck(await rawRequest(port, packet('/up/served.bin', 'Close-Session', { sessionId: id })), 200);
  const head = await rawRequest(port, getRequest('/up/served.bin', {}, 'HEAD'), { head: true });
  assert.is(head.status, 200);
  assert.is(head.headers['content-length'], '1000');
  assert.is(head.headers['accept-ranges'], 'bytes');
  assert.match(head.headers.etag!, /^"[^"]+"$/, 'a strong ETag');
  assert.ok(Date.parse(head.headers['last-modified']!) > 0);
  assert.is(head.body.length, 0);

  const full = await rawRequest(port, getRequest('/up/served.bin'));
  assert.is(full.status, 200);
  assert.equal(full.body, data);

  let r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=100-199' }));
  assert.is(r.status, 206);
  assert.is(r.headers['content-range'], 'bytes 100-199/1000');
  assert.is(r.headers['content-length'], '100');
  assert.equal(r.body, data.subarray(100, 200));
  r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=-10' }));
  assert.equal([r.status, r.headers['content-range']], [206, 'bytes 990-999/1000']);
  r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=900-5000' }));
  assert.equal([r.status, r.headers['content-range'], r.body.length], [206, 'bytes 900-999/1000', 100]);
  r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=1000-' }));
  assert.is(r.status, 416);
  assert.is(r.headers['content-range'], 'bytes */1000');
  r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=0-9', 'If-Range': head.headers.etag! }));
  assert.is(r.status, 206, 'If-Range with the current ETag: the range is served');
  r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=0-9', 'If-Range': '"stale"' }));
  assert.is(r.status, 200, 'If-Range with another ETag: the whole file');
  assert.is(r.body.length, 1000);
  r = await rawRequest(port, getRequest('/up/served.bin', { Range: 'bytes=0-9', 'If-Range': head.headers['last-modified']! }));
  assert.is(r.status, 206, 'If-Range with the Last-Modified date');

  assert.is((await rawRequest(port, getRequest('/up/missing.bin'))).status, 404);
  assert.is((await rawRequest(port, getRequest('/up/%2e%2e/%2e%2e/etc/passwd'))).status, 404);
});

test('GET never serves session data (BITS-Sessions/Requests/*) nor publishing temp files', async () => {
  const path = '/up/secret.bin';
  const id = await create(path);
  assertAck(await rawRequest(port, fragment(path, id, 0, Buffer.from('secret bytes'), 100)), 200);
  const enc = encodeURIComponent(id);
  for (const p of [`/BITS-Sessions/sessions.db`, `/BITS-Sessions/sessions.db-wal`, `/BITS-Sessions/Requests/${enc}/requestfile.bin`, `/bits-sessions/requests/${enc}/requestfile.bin`, `/BITS-Sessions/Requests/${enc}/session.json`, `/up/BITS-Sessions/Replies/${enc}/responsefile.bin`]) {
    const r = await rawRequest(port, getRequest(p));
    assert.is(r.status, 404, p);
    assert.not.ok(r.body.includes(Buffer.from('secret')), p);
  }
  await writeFile(join(main.root, 'up', '.x.bin.0000.bits-tmp'), 'partial');
  assert.is((await rawRequest(port, getRequest('/up/.x.bin.0000.bits-tmp'))).status, 404);
});

test.after(async () => {
  for (const s of servers) await s.cleanup();
});

test.run();
