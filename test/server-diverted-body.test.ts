// BITS_POST bodies past Node's HTTP parser (request-framer.ts `divert`, bits-post-shim.ts
// `divertBodies`, diverted-body.ts): the head Node parses says Content-Length: 0 and the body reaches
// the handler as the socket's own chunks. These tests prove the bytes and the framing stay exact —
// whatever the chunking, with pipelined requests, with a body nobody reads (an early error Ack larger
// than the body's buffer, so the socket must be paused and resumed) followed by another request on the
// same connection — and that an application's server keeps reading its own BITS_POST bodies from the
// request unless it opts in.
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import { mkdir, readFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { acceptBitsPost } from '../module/server/bits-post-shim.js';
import { HIGH_WATER_MARK, requestBody } from '../module/server/diverted-body.js';
import { RequestFramer } from '../module/server/request-framer.js';
import { fragment, packet, RawConnection, rawRequest, startTestServer } from './helpers/bits-server.js';

function frame(input: Buffer, pieceBytes: number): { parser: string; bodies: Buffer[] } {
  const bodies: Buffer[] = [];
  const f = new RequestFramer('x-mark', 'T', { start: () => bodies.push(Buffer.alloc(0)), body: (p) => (bodies[bodies.length - 1] = Buffer.concat([bodies[bodies.length - 1]!, p])) });
  const out: Buffer[] = [];
  for (let at = 0; at < input.length; at += pieceBytes) out.push(...f.push(Buffer.from(input.subarray(at, at + pieceBytes))));
  return { parser: Buffer.concat(out).toString('latin1'), bodies };
}

test('framer: a BITS_POST body is diverted exactly, whatever the chunking; other bodies and odd framing stay with the parser', () => {
  const a = Buffer.from('BITS_POST /evil HTTP/1.1\r\n\r\n' + 'x'.repeat(100), 'latin1');
  const b = randomBytes(5000);
  const post = 'POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc';
  const input = Buffer.concat([
    Buffer.from(`BITS_POST /up/a HTTP/1.1\r\nHost: h\r\ncontent-length: ${a.length}\r\n\r\n`, 'latin1'), a,
    Buffer.from(post, 'latin1'),
    Buffer.from(`BITS_POST /up/b HTTP/1.1\r\nContent-Length: ${b.length}\r\nX: y\r\n\r\n`, 'latin1'), b,
  ]);
  const want = `POST /up/a HTTP/1.1\r\nx-mark: T;body=${a.length}\r\nHost: h\r\nContent-Length: 0\r\n\r\n` + post + `POST /up/b HTTP/1.1\r\nx-mark: T;body=${b.length}\r\nContent-Length: 0\r\nX: y\r\n\r\n`;
  for (const size of [1, 7, 64, 4096, input.length]) {
    const got = frame(input, size);
    assert.is(got.parser, want, `pieces of ${size}`);
    assert.equal(got.bodies.map((x) => x.toString('hex')), [a.toString('hex'), b.toString('hex')], `pieces of ${size}`);
  }
  // Two Content-Length fields, or chunked: Node's parser judges those (and rejects the first).
  for (const odd of ['Content-Length: 3\r\nContent-Length: 3\r\n\r\nabc', 'Transfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n']) {
    const got = frame(Buffer.from(`BITS_POST /x HTTP/1.1\r\n${odd}`, 'latin1'), 5);
    assert.is(got.bodies.length, 0, odd);
    assert.is(got.parser, `POST /x HTTP/1.1\r\nx-mark: T\r\n${odd}`);
  }
});

test('server: an unread body larger than its buffer, then a fragment on the same connection; pipelined fragments; byte-exact', async () => {
  const s = await startTestServer();
  try {
    await mkdir(join(s.root, 'up'), { recursive: true });
    const path = '/up/diverted.bin';
    const data = randomBytes(3 * HIGH_WATER_MARK + 17);
    const id = (await rawRequest(s.port, packet(path, 'Create-Session'))).headers['bits-session-id']!;
    const c = await RawConnection.open(s.port);
    try {
      // Unknown session: refused from the head; its 3 MiB body must be read past, not parsed as requests.
      let r = await c.send(fragment(path, '{00000000-0000-0000-0000-000000000000}', 0, data, data.length));
      assert.is(r.status, 500, r.rawHead);
      // A gap (416) is refused before the body too.
      r = await c.send(fragment(path, id, 10, data.subarray(10), data.length));
      assert.is(r.status, 416, r.rawHead);
      const cut = HIGH_WATER_MARK + 5;
      r = await c.send(fragment(path, id, 0, data.subarray(0, cut), data.length));
      assert.is(r.status, 200, r.rawHead);
      assert.is(r.headers['bits-received-content-range'], String(cut));
      // The rest as two pipelined fragments in one write, each answered in order.
      const half = cut + 1000;
      const both = Buffer.concat([fragment(path, id, cut, data.subarray(cut, half), data.length), fragment(path, id, half, data.subarray(half), data.length)]);
      r = await c.send(both);
      assert.is(r.headers['bits-received-content-range'], String(half));
      r = await c.send([]);
      assert.is(r.status, 200, r.rawHead);
      assert.is(r.headers['bits-received-content-range'], String(data.length));
      r = await c.send(packet(path, 'Close-Session', { sessionId: id }));
      assert.is(r.status, 200, r.rawHead);
    } finally {
      c.close();
    }
    assert.ok((await readFile(join(s.root, 'up', 'diverted.bin'))).equals(data), 'the published file is the upload, byte for byte');
    // Connections that close in the middle of a body, read or not: the server goes on serving.
    for (const sid of [id, '{00000000-0000-0000-0000-000000000000}']) {
      const half = await RawConnection.open(s.port);
      const f = fragment(path, sid, 0, data, data.length);
      await new Promise<void>((r) => half.socket.write(f.subarray(0, f.length >> 1), () => r()));
      half.socket.resetAndDestroy();
    }
    const ping = await rawRequest(s.port, packet(path, 'Ping'));
    assert.is(ping.status, 200, 'still serving after bodies cut short');
  } finally {
    await s.cleanup();
  }
});

/** An application's own server: echoes the length of the BITS_POST body it read and the Content-Length it saw. */
async function appServer(divertBodies: boolean): Promise<{ port: number; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    let n = 0;
    for await (const chunk of requestBody(req) as AsyncIterable<Buffer>) n += chunk.length;
    res.end(JSON.stringify({ method: req.method, read: n, contentLength: req.headers['content-length'] }));
  });
  acceptBitsPost(server, { divertBodies });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { port: (server.address() as AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
}

test('acceptBitsPost: without divertBodies the request carries the body; with it requestBody() does and Content-Length is restored', async () => {
  const body = randomBytes(200_000);
  for (const divert of [false, true]) {
    const app = await appServer(divert);
    try {
      const r = await rawRequest(app.port, packet('/x', 'Fragment', { body }));
      const got = JSON.parse(r.body.toString()) as { method: string; read: number; contentLength: string };
      assert.is(got.method, 'BITS_POST');
      assert.is(got.read, body.length, `divert ${divert}: every body byte read`);
      assert.is(got.contentLength, String(body.length), `divert ${divert}: the handler sees the real Content-Length`);
    } finally {
      await app.close();
    }
  }
});

test.run();
