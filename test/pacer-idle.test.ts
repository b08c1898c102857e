// A pacer with no cap in force lets whole chunks through (module/engine/rate/pacer.ts `unlimited`):
// paced downloads (paced-body.ts) hand the socket's chunks on as they came, and a cap that comes into
// force mid-transfer splits and waits from the next chunk on. Byte-exactness holds either way.
import { Readable } from 'node:stream';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pacedBody } from '../module/engine/rate/paced-body.js';
import { PACED_PIECE_BYTES, pacerIdle, type TransferPacer } from '../module/engine/rate/pacer.js';
import { allPacers } from '../module/engine/rate/yield-controller.js';
import { TokenBucket } from '../module/engine/rate/token-bucket.js';

const CHUNK = 4 * PACED_PIECE_BYTES;

function chunks(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => Buffer.alloc(CHUNK, i + 1));
}

/** Every chunk as pushed ('data' in flowing mode: an async iterator would merge what is buffered). */
function collect(r: Readable): Promise<Buffer[]> {
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    r.on('data', (c: Buffer) => out.push(c));
    r.once('end', () => resolve(out));
    r.once('error', reject);
  });
}

test('pacerIdle: no pacer, an unlimited one, one without the method (always limited), a combination', () => {
  assert.ok(pacerIdle(undefined));
  assert.ok(pacerIdle({ delayFor: () => 0, unlimited: () => true }));
  assert.not.ok(pacerIdle({ delayFor: () => 0 }), 'a pacer that cannot tell is asked per piece');
  assert.not.ok(pacerIdle({ delayFor: () => 0, unlimited: () => false }));
  const free = { delayFor: () => 0, unlimited: () => true };
  assert.ok(pacerIdle(allPacers(free, { ...free })));
  assert.not.ok(pacerIdle(allPacers(free, { delayFor: () => 0 })), 'one limited pacer limits the combination');
});

test('paced body: whole chunks while unlimited, 16 KiB pieces once a cap is in force, every byte in order', async () => {
  const asked: number[] = [];
  let chunksSeen = 0;
  const pacer: TransferPacer = {
    delayFor: (bytes) => {
      asked.push(bytes);
      return 0;
    },
    // Asked once per chunk: the cap comes into force after the second one.
    unlimited: () => ++chunksSeen <= 2,
  };
  const input = chunks(4);
  const got = await collect(pacedBody(Readable.from(input), pacer));
  assert.equal(Buffer.concat(got), Buffer.concat(input), 'byte-exact');
  assert.is(got.filter((c) => c.length === CHUNK).length, 2, 'the two unlimited chunks pass whole');
  assert.equal(asked, new Array(8).fill(PACED_PIECE_BYTES), 'the two capped chunks are asked for piece by piece');
});

test('policy bucket: unlimited until a rate is set, limited while one is, unlimited again when lifted', () => {
  const bucket = new TokenBucket();
  const idle = () => pacerIdle({ delayFor: (b) => bucket.take(b), unlimited: () => bucket.bytesPerSecond === null });
  assert.ok(idle());
  bucket.setRate(1000);
  assert.not.ok(idle());
  bucket.setRate(null);
  assert.ok(idle());
});

test.run();
