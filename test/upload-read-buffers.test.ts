// The upload connection's read buffers (module/engine/upload/session-connection.ts LocalFiles): a read
// gets a buffer of the size it needs, not READ_BYTES whatever the body (a 16 KiB upload got 4 MiB,
// an allocation and a collection per small file), and buffers the socket is done with are reused
// for any read they are large enough for. Byte-exact bodies through these buffers: the upload tests.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LocalFiles, READ_BYTES } from '../module/engine/upload/session-connection.js';

const KiB = 1024;

test('a read gets a buffer of its size; a released one is reused when large enough, a smaller one is not', () => {
  const files = new LocalFiles();
  const small = files.buffer(16 * KiB);
  assert.is(small.length, 16 * KiB, 'a 16 KiB read does not get READ_BYTES');
  files.release(small);
  assert.ok(files.buffer(8 * KiB) === small, 'a spare large enough is reused');
  files.release(small);
  const big = files.buffer(READ_BYTES);
  assert.ok(big !== small && big.length === READ_BYTES, 'a read larger than every spare gets a new buffer');
  files.release(big);
  assert.ok(files.buffer(READ_BYTES - 1) === big, 'the tail of a large body reuses the large buffer');
  assert.ok(files.buffer(1) === small, 'and the small spare is still there');
  files.close();
});

test('growing reads: with the spares full, a larger buffer replaces the smallest, and the best fit is taken', () => {
  const files = new LocalFiles();
  // Fragments of 1, 2 and 4 MiB, then READ_BYTES reads, two in flight (one read, one sent).
  const first = [1024 * KiB, 2048 * KiB, READ_BYTES].map((n) => files.buffer(n));
  for (const b of first) files.release(b);
  const a = files.buffer(READ_BYTES);
  assert.ok(a === first[2], 'the 4 MiB spare is reused');
  const b = files.buffer(READ_BYTES);
  assert.is(b.length, READ_BYTES);
  files.release(a);
  files.release(b); // spares full (1, 2, 4 MiB): b replaces the 1 MiB one
  const c = files.buffer(READ_BYTES);
  const d = files.buffer(READ_BYTES);
  assert.ok([a, b].includes(c) && [a, b].includes(d) && c !== d, 'both READ_BYTES reads find a spare: no new allocation');
  assert.ok(files.buffer(1500 * KiB) === first[1], 'a small read takes the smallest spare that fits');
  files.close();
});

test('at most three spares are kept, and none after close', () => {
  const files = new LocalFiles();
  const bufs = [1, 2, 3, 4].map(() => files.buffer(64 * KiB));
  for (const b of bufs) files.release(b);
  const again = [1, 2, 3, 4].map(() => files.buffer(64 * KiB));
  assert.is(again.filter((b) => bufs.includes(b)).length, 3, 'three reused, the fourth allocated');
  files.close();
  files.release(again[0]!);
  assert.ok(files.buffer(64 * KiB) !== again[0], 'a closed connection keeps nothing');
});

test.run();
