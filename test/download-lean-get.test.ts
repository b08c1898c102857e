// lean-get.ts (plain-http downloads without node:http's client) answers like node:http: the same
// status, headers (duplicates joined or dropped the same way), body bytes for Content-Length,
// chunked and close-delimited bodies, 1xx skipped, and the error codes errors.ts converts. Each
// case asks a real node:http server (a fixture: it produces the quirks on purpose) once through
// node:http and once through LeanRequest and compares. ChunkedDecoder is fed one byte at a time too.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import net from 'node:net';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { LeanRequest, type LeanResponse } from '../module/engine/http/lean-get.js';
import { ChunkedDecoder } from '../module/engine/http/chunked-decoder.js';

const body = randomBytes(300_000);

async function serve(handler: http.RequestListener): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}/f`, close: () => new Promise((r) => server.close(() => r())) };
}

/** A raw TCP server that answers every connection with `answer` (bytes), then closes or not. */
async function rawServe(answer: (sock: net.Socket) => void): Promise<{ url: string; close(): Promise<void> }> {
  const server = net.createServer((sock) => sock.once('data', () => answer(sock)));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as net.AddressInfo;
  return { url: `http://127.0.0.1:${port}/f`, close: () => new Promise((r) => server.close(() => r())) };
}

interface Got {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

function viaNode(url: string, method = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    http.request(url, { method, agent: false }, (res) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    }).on('error', reject).end();
  });
}

function viaLean(url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = new LeanRequest(new URL(url), method, { 'User-Agent': 'test' });
    req.on('response', (res: LeanResponse) => {
      const parts: Buffer[] = [];
      res.on('data', (c: Buffer) => parts.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(parts) }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

/** node:http adds date/connection/keep-alive headers of its own; compare what both clients saw. */
async function same(url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<Got> {
  const a = await viaNode(url, method);
  const b = await viaLean(url, method);
  assert.is(b.status, a.status);
  delete a.headers.date;
  delete b.headers.date;
  assert.equal(b.headers, a.headers);
  assert.ok(b.body.equals(a.body), `body differs: ${b.body.length} vs ${a.body.length} bytes`);
  return b;
}

test('Content-Length body, duplicate headers (set-cookie array, etag first wins, others joined): as node:http', async () => {
  const head = ['HTTP/1.1 200 OK', 'Set-Cookie: a=1', 'ETag: "first"', 'X-Many: one', 'Set-Cookie: b=2', 'ETag: "second"', 'X-Many: two',
    `Last-Modified: ${new Date(0).toUTCString()}`, `Content-Length: ${body.length}`, '', ''].join('\r\n');
  const s = await rawServe((sock) => sock.end(Buffer.concat([Buffer.from(head), body])));
  try {
    const got = await same(s.url);
    assert.is(got.headers.etag, '"first"');
    assert.is(got.headers['x-many'], 'one, two');
    assert.equal(got.headers['set-cookie'], ['a=1', 'b=2']);
    assert.is(got.body.length, body.length);
  } finally {
    await s.close();
  }
});

test('chunked body in many small writes, and 103 Early Hints first: same bytes as node:http', async () => {
  const s = await serve(async (_req, res) => {
    res.writeEarlyHints({ link: '</x>; rel=preload' });
    res.writeHead(206, { 'Content-Range': `bytes 0-${body.length - 1}/${body.length}` });
    for (let i = 0; i < body.length; i += 7777) {
      res.write(body.subarray(i, i + 7777));
      if (i % 77770 === 0) await new Promise((r) => setTimeout(r, 2));
    }
    res.end();
  });
  try {
    const got = await same(s.url);
    assert.is(got.status, 206);
    assert.ok(got.body.equals(body));
  } finally {
    await s.close();
  }
});

test('HEAD and 304 have no body even with a Content-Length', async () => {
  const s = await serve((req, res) => {
    res.writeHead(req.method === 'HEAD' ? 200 : 304, { 'Content-Length': '12345' });
    res.end();
  });
  try {
    assert.is((await same(s.url, 'HEAD')).body.length, 0);
    assert.is((await same(s.url)).status, 304);
  } finally {
    await s.close();
  }
});

test('close-delimited body (no length, no chunking) ends with the connection', async () => {
  const s = await rawServe((sock) => sock.end(Buffer.concat([Buffer.from('HTTP/1.1 200 OK\r\nX-A: b\r\n\r\n'), body])));
  try {
    assert.ok((await same(s.url)).body.equals(body));
  } finally {
    await s.close();
  }
});

test('errors carry node:http\'s codes: hang-up before the head, aborted mid-body, malformed head, bad chunk size', async () => {
  const code = async (answer: (sock: net.Socket) => void): Promise<string> => {
    const s = await rawServe(answer);
    try {
      await viaLean(s.url);
      return 'no error';
    } catch (e) {
      return `${(e as NodeJS.ErrnoException).code} ${(e as Error).message}`;
    } finally {
      await s.close();
    }
  };
  assert.is(await code((sock) => sock.end()), 'ECONNRESET socket hang up');
  assert.is(await code((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort')), 'ECONNRESET aborted');
  assert.match(await code((sock) => sock.end('SMTP ready\r\n\r\n')), /^HPE_INVALID_CONSTANT/);
  assert.match(await code((sock) => sock.end('HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n')), /^HPE_INVALID_CHUNK_SIZE/);
  assert.match(await code((sock) => sock.end(`HTTP/1.1 200 OK\r\nX: ${'a'.repeat(20_000)}`)), /^HPE_HEADER_OVERFLOW/);
  assert.match(await code((sock) => sock.end('HTTP/1.1 200 OK\r\nContent-Length: 1x\r\n\r\n')), /^HPE_INVALID_CONTENT_LENGTH/);
});

test('a header value with CR/LF is refused before anything is sent (ERR_INVALID_CHAR)', async () => {
  const req = new LeanRequest(new URL('http://127.0.0.1:9/'), 'GET', { 'X-Bad': 'a\r\nInjected: 1' });
  const failed = once(req, 'error');
  req.end();
  const [e] = (await failed) as [NodeJS.ErrnoException];
  assert.is(e.code, 'ERR_INVALID_CHAR');
});

/** The sizes of the body chunks LeanRequest hands on when the reader waits 200 ms first (the kernel's buffer fills). */
async function chunkSizes(url: string, readStepBytes?: number): Promise<{ sizes: number[]; body: Buffer }> {
  const req = new LeanRequest(new URL(url), 'GET', {}, { readStepBytes });
  const responded = once(req, 'response');
  req.end();
  const [res] = (await responded) as [LeanResponse];
  res.pause();
  await new Promise((r) => setTimeout(r, 200));
  const parts: Buffer[] = [];
  res.on('data', (c: Buffer) => parts.push(Buffer.from(c)));
  res.resume();
  await once(res, 'end');
  return { sizes: parts.map((p) => p.length), body: Buffer.concat(parts) };
}

test('readStepBytes (paced downloads): no socket read takes more than the step, however much the kernel holds; the body is whole', async () => {
  const big = randomBytes(2 * 1024 * 1024);
  const s = await serve((_q, r) => r.end(big));
  try {
    const free = await chunkSizes(s.url);
    assert.ok(Math.max(...free.sizes) > 16 * 1024, `without a step the reads are slab-sized (largest ${Math.max(...free.sizes)})`);
    const stepped = await chunkSizes(s.url, 16 * 1024);
    assert.ok(stepped.body.equals(big), 'the body arrives whole');
    assert.ok(Math.max(...stepped.sizes) <= 16 * 1024, `largest chunk ${Math.max(...stepped.sizes)} bytes`);
  } finally {
    await s.close();
  }
});

test('ChunkedDecoder: fed one byte at a time, with extensions and trailers, gives the body; bytes after the end are ignored', () => {
  const wire = Buffer.from('5;ext=1\r\nhello\r\n1\r\n \r\n5\r\nworld\r\n0\r\nTrailer: x\r\n\r\nGARBAGE');
  const d = new ChunkedDecoder();
  const out: Buffer[] = [];
  for (let i = 0; i < wire.length; i++) out.push(...d.feed(wire.subarray(i, i + 1)));
  assert.is(Buffer.concat(out).toString(), 'hello world');
  assert.ok(d.finished);
  const whole = new ChunkedDecoder();
  assert.is(Buffer.concat(whole.feed(wire)).toString(), 'hello world');
});

test.run();
