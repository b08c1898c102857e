// The server's fragment writer queues the body's chunks while a write is in flight and writes them
// in batches (one pwritev each), pausing the body beyond MAX_QUEUED_BYTES. These tests drive it with
// bodies in many small chunks — more than the queue holds — and prove that the bytes land exactly
// (overlap trimmed), that a body cut off mid-way leaves the file as it was, that a failing disk
// still reads the body to its end, and, through the real server, that a fragment trickled in tiny
// writes and reset in the middle is resumed and published intact.
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { setImmediate as tick } from 'node:timers/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { MAX_QUEUED_BYTES, writeFragment } from '../module/server/fragment-writer.js';
import { fragment, packet, RawConnection, rawRequest, startTestServer } from './helpers/bits-server.js';

const dir = await mkdtemp(join(tmpdir(), 'bits-batching-'));

/** `data` as a stream of `size`-byte chunks (backpressure honoured, so pause() really stops it). */
function chunked(data: Buffer, size: number): Readable {
  return Readable.from((function* () {
    for (let off = 0; off < data.length; off += size) yield data.subarray(off, off + size);
  })(), { objectMode: false, highWaterMark: size });
}

test('many small chunks, more than the queue holds, land exactly; bytes the file holds are not rewritten', async () => {
  const data = randomBytes(2 * MAX_QUEUED_BYTES + 12_345);
  const file = join(dir, 'small-chunks.bin');
  const held = 700_001; // the file already holds this much: the body starts 100_000 bytes earlier
  // What the file holds differs from `data` on purpose: an overlapping retry must not rewrite it.
  const before = Buffer.alloc(held, 0xab);
  await writeFile(file, before);
  const first = held - 100_000;
  const body = data.subarray(first);
  const next = await writeFragment(chunked(body, 1_000), file, { first, length: body.length, next: held });
  assert.is(next, data.length);
  const got = await readFile(file);
  assert.is(got.length, data.length);
  assert.ok(got.subarray(0, held).equals(before), 'the overlap was dropped, not rewritten');
  assert.ok(got.subarray(held).equals(data.subarray(held)), 'the new bytes are the body, in order');
});

test('a body cut off mid-way: the transport error, and the file cut back to what it held', async () => {
  const file = join(dir, 'cut.bin');
  const held = Buffer.from('already here');
  await writeFile(file, held);
  const body = new PassThrough();
  const written = writeFragment(body, file, { first: held.length, length: 3 * MAX_QUEUED_BYTES, next: held.length });
  const piece = randomBytes(4_096);
  for (let sent = 0; sent < MAX_QUEUED_BYTES + 100_000; sent += piece.length) {
    if (!body.write(piece)) await new Promise((r) => body.once('drain', r));
    if (sent % (64 * 4_096) === 0) await tick();
  }
  body.destroy(Object.assign(new Error('socket reset'), { code: 'ECONNRESET' }));
  const e = await written.then(() => null, (x: NodeJS.ErrnoException) => x);
  assert.ok(e, 'the write must fail');
  assert.is(e!.code, 'ECONNRESET');
  assert.ok((await readFile(file)).equals(held), 'nothing of the cut fragment stays');
});

test('a body that ends short of Content-Length → BodyIncompleteError, file cut back', async () => {
  const file = join(dir, 'short.bin');
  await writeFile(file, '');
  const e = await writeFragment(chunked(randomBytes(300_000), 7_000), file, { first: 0, length: 300_001, next: 0 }).then(() => null, (x: Error) => x);
  assert.is(e?.name, 'BodyIncompleteError');
  assert.is((await readFile(file)).length, 0);
});

test('a failing disk (/dev/full): the whole body is still read, then the write error (ENOSPC) is thrown', async () => {
  assert.ok(existsSync('/dev/full'), '/dev/full is needed for this test');
  const data = randomBytes(2 * MAX_QUEUED_BYTES);
  const body = chunked(data, 16_384);
  let read = 0;
  body.on('data', (c: Buffer) => (read += c.length));
  const e = await writeFragment(body, '/dev/full', { first: 0, length: data.length, next: 0 }).then(() => null, (x: NodeJS.ErrnoException) => x);
  assert.is(e?.code, 'ENOSPC');
  assert.is(read, data.length, 'the body was drained so the client gets its error Ack');
});

test('server: a fragment trickled in tiny writes and reset mid-body, then re-sent overlapping, is published intact', async () => {
  const s = await startTestServer({ maxSessionsPerClient: 0 });
  try {
    await mkdir(join(s.root, 'up'), { recursive: true });
    const path = '/up/trickled.bin';
    const data = randomBytes(5 * 1024 * 1024 + 3);
    const created = await rawRequest(s.port, packet(path, 'Create-Session'));
    assert.is(created.status, 200, created.rawHead);
    const id = created.headers['bits-session-id']!;

    // Fragment 1 (0..3 MiB) in 1000-byte writes; the connection is reset after 2.5 MiB.
    const f1 = fragment(path, id, 0, data.subarray(0, 3 * 1024 * 1024), data.length);
    const headEnd = f1.indexOf('\r\n\r\n') + 4;
    const cut = await RawConnection.open(s.port);
    const stop = headEnd + 2.5 * 1024 * 1024;
    for (let off = 0; off < stop; off += 1000) {
      if (!cut.socket.write(f1.subarray(off, Math.min(stop, off + 1000)))) await new Promise((r) => cut.socket.once('drain', r));
      if (off % 64_000 === 0) await tick();
    }
    cut.socket.resetAndDestroy();

    const c = await RawConnection.open(s.port);
    try {
      // Nothing of the reset fragment counts: a fragment further on is a gap.
      let r = await c.send(fragment(path, id, 1024 * 1024, data.subarray(1024 * 1024, 2 * 1024 * 1024), data.length));
      assert.is(r.status, 416, r.rawHead);
      assert.is(r.headers['bits-received-content-range'], '0');
      // The whole first fragment again, in small pieces (many chunks per batch).
      const pieces: Buffer[] = [];
      for (let off = 0; off < f1.length; off += 1000) pieces.push(f1.subarray(off, off + 1000));
      r = await c.send(pieces);
      assert.is(r.status, 200, r.rawHead);
      assert.is(r.headers['bits-received-content-range'], String(3 * 1024 * 1024));
      // An overlapping last fragment (starts 1 MiB before what the server holds).
      r = await c.send(fragment(path, id, 2 * 1024 * 1024, data.subarray(2 * 1024 * 1024), data.length));
      assert.is(r.status, 200, r.rawHead);
      assert.is(r.headers['bits-received-content-range'], String(data.length));
      r = await c.send(packet(path, 'Close-Session', { sessionId: id }));
      assert.is(r.status, 200, r.rawHead);
    } finally {
      c.close();
    }
    assert.ok((await readFile(join(s.root, 'up', 'trickled.bin'))).equals(data), 'the published file is the upload, byte for byte');
  } finally {
    await s.cleanup();
  }
});

test('cleanup', async () => {
  await rm(dir, { recursive: true, force: true });
});

test.run();
