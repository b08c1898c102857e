// The server's receive path without an allocation per socket read: plain-TCP connections read into
// one shared buffer (socket-read-buffer.ts) and diverted bodies copy what they keep into pooled slabs
// (diverted-body.ts), reused once the fragment writer released every byte. These tests prove that a
// slab is never reused while a chunk of it is still held (the bytes of one body survive the next
// bodies), that it is reused once released, that a plain socket really reads that way (a TLS socket
// does not), and that uploads through the real server stay byte-exact over many fragments.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import net from 'node:net';
import { TLSSocket } from 'node:tls';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { DivertedBody, SMALL_BODY_BYTES } from '../module/server/diverted-body.js';
import { sharedSlabs, type Slab } from '../module/io/slab-pool.js';

/** One body at a time reads in the pool's largest slabs. */
const SLAB_BYTES = sharedSlabs.maxSlabBytes;
import { READ_BUFFER_BYTES, readIntoSharedBuffer } from '../module/server/socket-read-buffer.js';
import { fragment, packet, RawConnection, rawRequest, startTestServer } from './helpers/bits-server.js';

/** Feeds `data` into a new body in `piece`-byte pieces through one reused scratch buffer; returns the chunks pushed. */
function feedReused(data: Buffer, piece: number): { body: DivertedBody; chunks: Buffer[] } {
  const body = new DivertedBody(data.length, () => undefined);
  const chunks: Buffer[] = [];
  body.on('data', (c: Buffer) => chunks.push(c));
  const scratch = Buffer.alloc(piece);
  for (let at = 0; at < data.length; at += piece) {
    const n = data.copy(scratch, 0, at, at + piece);
    body.feed(scratch.subarray(0, n), true);
    scratch.fill(0xee); // the caller overwrites its buffer after each call
  }
  return { body, chunks };
}

test('slabs: held chunks survive later bodies; released slabs are reused; a body below a slab gets its own buffer', async () => {
  const a = randomBytes(3 * SLAB_BYTES + 1234);
  const fedA = feedReused(a, 100_000);
  await new Promise((r) => setImmediate(r));
  assert.ok(Buffer.concat(fedA.chunks).equals(a), 'the body pushes the bytes it was fed');
  const slabsOfA = new Set(fedA.chunks.map((c) => c.buffer));
  // A is not released: B must get other memory, and A's bytes stay what they were.
  const b = randomBytes(2 * SLAB_BYTES);
  const fedB = feedReused(b, 65_536);
  await new Promise((r) => setImmediate(r));
  assert.ok(Buffer.concat(fedB.chunks).equals(b));
  assert.ok(fedB.chunks.every((c) => !slabsOfA.has(c.buffer)), 'no slab of an unreleased body is handed out again');
  assert.ok(Buffer.concat(fedA.chunks).equals(a), 'an unreleased body keeps its bytes');
  // Every byte of A released: its slabs go back to the pool.
  for (const c of fedA.chunks) fedA.body.release(c);
  const c = feedReused(randomBytes(SLAB_BYTES), 70_000);
  await new Promise((r) => setImmediate(r));
  assert.ok(c.chunks.some((x) => slabsOfA.has(x.buffer)), 'a slab whose every byte was released is reused');
  // A small body is not given a pooled slab.
  const small = feedReused(randomBytes(16_384), 4096);
  await new Promise((r) => setImmediate(r));
  assert.ok(small.chunks.every((x) => x.buffer.byteLength < SMALL_BODY_BYTES));
  // Partly released: the slab stays out of the pool.
  const d = feedReused(randomBytes(SLAB_BYTES), SLAB_BYTES);
  await new Promise((r) => setImmediate(r));
  const held = d.chunks[0]!;
  d.body.release(held.subarray(1));
  const e = feedReused(randomBytes(4 * SLAB_BYTES), SLAB_BYTES);
  await new Promise((r) => setImmediate(r));
  assert.ok(e.chunks.every((x) => x.buffer !== held.buffer), 'a slab with a byte still held is not reused');
});

test('slabs at the pool\'s cap: the body stops the socket instead of allocating, and reads on when a slab comes back', () => {
  // Spend the process-wide pool's cap, as many other connections would.
  const others: Slab[] = [];
  for (let s = sharedSlabs.take(); s; s = sharedSlabs.take()) others.push(s);
  assert.ok(others.length > 0 && sharedSlabs.heldBytes <= sharedSlabs.capBytes);
  let wants = 0;
  const body = new DivertedBody(4 * SLAB_BYTES, () => wants++);
  body.on('data', () => undefined);
  // The head's read brought the first bytes (copied: they are read already, so they get a slab anyway).
  const scratch = randomBytes(1000);
  assert.ok(body.feed(scratch, true));
  const overdrafts = sharedSlabs.overdrafts;
  assert.ok(overdrafts > 0, 'bytes already read landed beyond the cap');
  // Reads straight into the body's slab until it is full: then no slab for the next read.
  let more = true;
  while (more) {
    const into = body.readBuffer()!;
    more = body.feed(into.fill(7), true);
  }
  assert.is(body.readBuffer(), undefined, 'no place to read into: the socket stays stopped');
  assert.is(sharedSlabs.overdrafts, overdrafts, 'reads that were not made yet did not allocate');
  assert.is(wants, 0);
  // Another connection's slab comes back: the body gets it and asks for more.
  others.pop()!.retire();
  assert.is(wants, 1, 'the body asked the socket to read on');
  const next = body.readBuffer();
  assert.ok(next && next.length > 0, 'the next read has a slab');
  for (const s of others) s.retire();
  body.destroy();
  assert.ok(sharedSlabs.heldBytes <= sharedSlabs.capBytes + overdrafts * sharedSlabs.minSlabBytes);
});

test('socket read buffer: a plain TCP socket reads into the shared buffer or the one asked for, pauses when told, and a TLS socket is left alone', async () => {
  const data = randomBytes(4 * READ_BUFFER_BYTES + 99);
  const got: Buffer[] = [];
  let views = 0;
  let sharedOk = false;
  // Every other read goes to a buffer of the caller's (as a body's slab), the rest to the shared one.
  const own = Buffer.alloc(10_000);
  let intoOwn = 0;
  const done = new Promise<void>((resolve) => {
    const server = net.createServer((socket) => {
      let paused = false;
      sharedOk = readIntoSharedBuffer(socket, (view) => {
        views++;
        if (view.buffer === own.buffer) intoOwn++;
        else assert.ok(view.buffer.byteLength >= READ_BUFFER_BYTES, 'the view is of the shared buffer');
        got.push(Buffer.from(view));
        // Stop once, then resume from a timer: reading must carry on where it stopped.
        if (!paused) {
          paused = true;
          setTimeout(() => socket.resume(), 20);
          return false;
        }
        return true;
      }, () => (views % 2 ? own : undefined));
      socket.on('end', () => {
        socket.destroy();
        server.close();
        resolve();
      });
    });
    server.listen(0, '127.0.0.1', () => {
      const c = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1', () => c.end(data));
    });
  });
  await done;
  assert.ok(sharedOk, 'readIntoSharedBuffer took the socket');
  assert.ok(views > 1);
  assert.ok(intoOwn > 0 && intoOwn < views, `reads went to the buffer nextBuffer() named (${intoOwn} of ${views})`);
  assert.ok(Buffer.concat(got).equals(data), 'every byte, in order, across the pause');
  assert.is(readIntoSharedBuffer(new TLSSocket(new net.Socket()), () => true), false, 'TLS sockets keep their data events');
});

test('server: 40 fragments of odd sizes on one connection, some pipelined, written in odd pieces: the published file is exact', async () => {
  const s = await startTestServer();
  try {
    await mkdir(join(s.root, 'up'), { recursive: true });
    const path = '/up/slabs.bin';
    const data = randomBytes(40 * 333_333 + 7);
    const id = (await rawRequest(s.port, packet(path, 'Create-Session'))).headers['bits-session-id']!;
    const c = await RawConnection.open(s.port);
    try {
      let at = 0;
      for (let i = 0; at < data.length; i++) {
        const len = Math.min(data.length - at, i % 3 === 0 ? 333_333 : SLAB_BYTES + 17 * i);
        const f = fragment(path, id, at, data.subarray(at, at + len), data.length);
        if (i % 5 === 4 && at + len < data.length) {
          // Two fragments in one write: the second head follows the first body inside one read.
          const len2 = Math.min(data.length - at - len, 70_001);
          const r = await c.send(Buffer.concat([f, fragment(path, id, at + len, data.subarray(at + len, at + len + len2), data.length)]));
          assert.is(r.status, 200, r.rawHead);
          const r2 = await c.send([]);
          assert.is(r2.headers['bits-received-content-range'], String(at + len + len2));
          at += len + len2;
        } else {
          const r = await c.send(f);
          assert.is(r.status, 200, r.rawHead);
          assert.is(r.headers['bits-received-content-range'], String(at + len));
          at += len;
        }
      }
      const r = await c.send(packet(path, 'Close-Session', { sessionId: id }));
      assert.is(r.status, 200, r.rawHead);
    } finally {
      c.close();
    }
    assert.ok((await readFile(join(s.root, 'up', 'slabs.bin'))).equals(data), 'the published file is the upload, byte for byte');
  } finally {
    await s.cleanup();
  }
});

test.run();
