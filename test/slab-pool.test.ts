// The process-wide slab pool (module/io/slab-pool.ts) and a connection's cursor into it
// (module/io/slab-reader.ts), alone and under lean-get.ts. What must hold: bytes handed out are never
// overwritten by a later read until they are given back, even when the consumer lags far behind;
// slabs are reused once given back, also for chunked bodies whose framing bytes the connection gives
// back itself; a chunk recycled twice is caught; the pool never holds more than its cap — a reader
// that cannot get a slab stops (its next read goes to the slab's reserve) and is granted one, first
// come first served, when one comes back — so many connections through a cap smaller than their
// number all finish byte-exact (no deadlock); slabs shrink as readers grow; and a lost slab costs
// time, not liveness.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeanRequest, type LeanResponse } from '../module/engine/http/lean-get.js';
import { recycle, RESERVE_BYTES, SlabPool } from '../module/io/slab-pool.js';
import { SlabReader } from '../module/io/slab-reader.js';
import { startNginx } from './helpers/nginx.js';

const BODY = randomBytes(16 * 1024 * 1024);
const KiB = 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A socket read of up to `n` bytes through the reader, filled with `fill` (what the kernel would do). */
function read(reader: SlabReader, n: number, fill: number): Buffer {
  const into = reader.readBuffer();
  const got = Math.min(n, into.length);
  into.fill(fill, 0, got);
  return reader.took(got, into);
}

test('a held chunk is never read into again; a slab comes back only when all its bytes did', () => {
  const pool = new SlabPool({ capBytes: 64 * 1024 * KiB });
  const reader = new SlabReader(pool, () => assert.unreachable('a pool far from its cap never makes a reader wait'));
  const held: { chunk: Buffer; fill: number }[] = [];
  // Reads of mixed sizes, each with its own fill byte, nothing given back: every chunk keeps its bytes.
  for (let i = 0; i < 40; i++) {
    const n = [1, 4096, 65_536, 31 * KiB, 100_000][i % 5]!;
    held.push({ chunk: read(reader, n, i), fill: i });
  }
  for (const { chunk, fill } of held) assert.ok(chunk.every((b) => b === fill), `a chunk of fill ${fill} was overwritten`);
  const allocatedWhileHeld = pool.allocated;
  assert.ok(allocatedWhileHeld > 1, 'held chunks force new slabs');
  // Give back all but one chunk: the slab of that chunk stays out of reuse, the others are reused.
  const kept = held.pop()!;
  for (const { chunk } of held) recycle(chunk);
  const memoryOfKept = kept.chunk.buffer;
  for (let i = 0; i < 200; i++) {
    const c = read(reader, 65_536, 200);
    assert.ok(c.buffer !== memoryOfKept || c.byteOffset >= kept.chunk.byteOffset + kept.chunk.length, 'a read landed on a held chunk');
    recycle(c);
  }
  assert.ok(kept.chunk.every((b) => b === kept.fill), 'the held chunk was overwritten');
  assert.is(pool.allocated, allocatedWhileHeld, `200 reads given back at once needed no new slab (allocated ${pool.allocated})`);
  reader.close();
});

test('a chunk recycled twice is refused; Buffers that are not a slab\'s are ignored', () => {
  const pool = new SlabPool();
  const reader = new SlabReader(pool, () => undefined);
  const a = read(reader, Infinity, 1); // fills the slab up to its reserve: the next read goes to another
  read(reader, 10, 2);
  recycle(a);
  assert.throws(() => recycle(a), /recycled twice/);
  recycle(Buffer.from('not from a pool'));
  recycle(Buffer.alloc(0));
  reader.close();
});

test('the cap holds: a reader without a slab stops, pins none, and is granted slabs first come, first served', () => {
  const slab = 64 * KiB;
  const pool = new SlabPool({ maxSlabBytes: slab, minSlabBytes: slab, capBytes: 3 * slab, starvedMs: 600_000 });
  const granted: string[] = [];
  const a = new SlabReader(pool, () => granted.push('a'));
  const b = new SlabReader(pool, () => granted.push('b'));
  const c = new SlabReader(pool, () => granted.push('c'));
  const heldA = read(a, Infinity, 1); // a's slab is full and the cap (3 slabs) is spent: a waits
  assert.ok(a.starved, 'no slab left for a\'s next read');
  const reserve = a.readBuffer();
  assert.ok(reserve.length === RESERVE_BYTES && reserve.buffer !== heldA.buffer, 'the read after the pause goes to a\'s own reserve, not into a held slab');
  const heldB = read(b, Infinity, 2);
  assert.ok(b.starved);
  // d connects with the pool at its cap: it starts waiting.
  const d = new SlabReader(pool, () => granted.push('d'));
  assert.ok(d.starved);
  const heldC = read(c, Infinity, 3);
  assert.ok(c.starved);
  assert.is(pool.heldBytes, 3 * slab);
  // Waiting readers pin nothing: c's bytes written, c's slab goes to the first waiter, a.
  recycle(heldC);
  assert.equal(granted, ['a'], 'the first waiter gets the first slab that comes back');
  assert.ok(!a.starved);
  // a's read after the pause lands in the reserve and comes out at the start of the granted slab.
  const afterPause = read(a, RESERVE_BYTES, 4);
  assert.ok(afterPause.every((x) => x === 4) && afterPause.buffer === heldC.buffer && afterPause.byteOffset === 0, 'the reserve read was moved into the granted slab');
  assert.ok(heldA.every((x) => x === 1) && heldB.every((x) => x === 2), 'held chunks kept their bytes');
  recycle(heldA);
  recycle(heldB);
  assert.equal(granted, ['a', 'b', 'd'], 'then b, then d (arrival order)');
  a.close(); // a's slab still holds afterPause: it comes back when that does
  assert.equal(granted, ['a', 'b', 'd']);
  recycle(afterPause);
  assert.equal(granted, ['a', 'b', 'd', 'c']);
  assert.ok(pool.heldBytes <= 3 * slab, `held ${pool.heldBytes} bytes, cap ${3 * slab}`);
  assert.is(pool.overdrafts, 0, 'nobody got a slab beyond the cap');
  for (const r of [b, c, d]) r.close();
  assert.is(pool.readers, 0);
});

test('slabs shrink as readers grow, and a lost slab costs time, not liveness', async () => {
  const pool = new SlabPool({ maxSlabBytes: 256 * KiB, minSlabBytes: 64 * KiB, capBytes: 8 * 256 * KiB, starvedMs: 20 });
  assert.is(pool.slabBytes(), 256 * KiB, 'one reader: the largest slabs');
  const readers = Array.from({ length: 4 }, () => new SlabReader(pool, () => undefined));
  assert.is(pool.slabBytes(), 64 * KiB, 'four readers share the cap in smaller slabs');
  for (const r of readers) r.close();
  // A reader whose chunks are lost (never recycled) until the cap is spent still gets a slab, late.
  let grants = 0;
  const lossy = new SlabReader(pool, () => grants++);
  while (!lossy.starved) read(lossy, Infinity, 7);
  await new Promise((r) => setTimeout(r, 200));
  assert.is(grants, 1, 'the starved reader was granted a slab');
  assert.ok(pool.overdrafts >= 1, 'beyond the cap, counted');
  lossy.close();
});

test('a slab larger than the readers\' share (made while fewer read) is not handed out again', () => {
  const pool = new SlabPool({ maxSlabBytes: 256 * KiB, minSlabBytes: 64 * KiB, capBytes: 2048 * KiB, starvedMs: 600_000 });
  const first = new SlabReader(pool, () => undefined);
  const big = read(first, 200 * KiB, 1);
  assert.is(big.buffer.byteLength, 256 * KiB, 'alone, a reader gets the largest slab');
  const others = Array.from({ length: 3 }, () => new SlabReader(pool, () => undefined));
  const restOfBig = read(first, Infinity, 1);
  const small = read(first, 1000, 2);
  assert.is(small.buffer.byteLength, 64 * KiB, 'four readers: the next slab is the share\'s size');
  const held = pool.heldBytes;
  recycle(big);
  recycle(restOfBig);
  assert.is(pool.heldBytes, held - 256 * KiB, 'the large slab was dropped when it came back');
  const next = others.map((r) => read(r, 10, 3));
  assert.ok(next.every((c) => c.buffer !== big.buffer), 'the dropped slab is nobody\'s');
  for (const r of [first, ...others]) r.close();
});

/** Reads a response like a consumer far behind the socket: holds `lag` chunks, checks each still has the bytes it arrived with, then recycles it. */
async function lagging(res: LeanResponse, lag: number): Promise<{ body: Buffer; slabs: number }> {
  const parts: Buffer[] = [];
  const queue: { chunk: Buffer; digest: string }[] = [];
  const memories = new Set<ArrayBufferLike>();
  const giveBack = () => {
    const { chunk, digest } = queue.shift()!;
    assert.is(sha(chunk), digest, 'a chunk changed before it was given back');
    parts.push(Buffer.from(chunk));
    recycle(chunk);
  };
  res.on('data', (chunk: Buffer) => {
    memories.add(chunk.buffer);
    queue.push({ chunk, digest: sha(chunk) });
    if (queue.length > lag) giveBack();
  });
  await once(res, 'end');
  while (queue.length) giveBack();
  return { body: Buffer.concat(parts), slabs: memories.size };
}

/**
 * Reads a response like the body writer: each chunk is given back a few event-loop turns later (its
 * write completed), whether or not more bytes arrive; `each` runs on every chunk.
 */
async function likeAWriter(res: LeanResponse, each: () => void): Promise<Buffer> {
  const parts: Buffer[] = [];
  let inFlight = 0;
  res.on('data', (chunk: Buffer) => {
    each();
    const digest = sha(chunk);
    const at = parts.push(Buffer.alloc(0)) - 1;
    inFlight++;
    setTimeout(() => {
      assert.is(sha(chunk), digest, 'a chunk changed before it was given back');
      parts[at] = Buffer.from(chunk);
      recycle(chunk);
      inFlight--;
    }, 1);
  });
  await once(res, 'end');
  while (inFlight > 0) await new Promise((r) => setTimeout(r, 5));
  return Buffer.concat(parts);
}

function get(url: string, pool?: SlabPool): Promise<LeanResponse> {
  return new Promise((resolve, reject) => {
    const req = new LeanRequest(new URL(url), 'GET', {}, { slabs: pool });
    req.on('response', resolve);
    req.on('error', reject);
    req.end();
  });
}

test('16 MiB from nginx through a consumer 16 chunks behind: every byte intact, and slabs are reused', async () => {
  const root = mkdtempSync('/tmp/bj2slab-');
  writeFileSync(join(root, 'f.bin'), BODY);
  const nginx = await startNginx({ root });
  try {
    const pool = new SlabPool();
    const { body, slabs } = await lagging(await get(`${nginx.url}/f.bin`, pool), 16);
    assert.ok(body.equals(BODY), 'body differs');
    // One Buffer per read would be >= 64 different memories (16 MiB in reads of at most one slab);
    // reuse keeps it to about the slabs that 16 held reads span.
    assert.ok(slabs < BODY.length / pool.maxSlabBytes / 2, `${slabs} different slabs for ${BODY.length / pool.maxSlabBytes} slabs' worth of body`);
  } finally {
    await nginx.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('12 connections through a cap of 4 slabs: each waits its turn, none deadlocks, all byte-exact, never above the cap', async () => {
  const root = mkdtempSync('/tmp/bj2slab-');
  const files = Array.from({ length: 12 }, (_, i) => BODY.subarray(i * 1024 * KiB, i * 1024 * KiB + 1024 * KiB + i * 7919));
  files.forEach((f, i) => writeFileSync(join(root, `f${i}.bin`), f));
  const nginx = await startNginx({ root });
  try {
    const slab = 64 * KiB;
    const pool = new SlabPool({ maxSlabBytes: slab, minSlabBytes: slab, capBytes: 4 * slab, starvedMs: 600_000 });
    let peak = 0;
    const watch = () => (peak = Math.max(peak, pool.heldBytes));
    const bodies = await Promise.all(files.map(async (_, i) => likeAWriter(await get(`${nginx.url}/f${i}.bin`, pool), watch)));
    bodies.forEach((b, i) => assert.ok(b.equals(files[i]!), `body ${i} differs`));
    assert.ok(peak <= 4 * slab, `the pool held ${peak} bytes, cap ${4 * slab}`);
    assert.is(pool.overdrafts, 0, 'no slab beyond the cap');
    assert.ok(pool.waits > 0, 'the cap made connections wait (it really bit)');
    assert.is(pool.readers, 0, 'every connection closed its reader');
  } finally {
    await nginx.stop();
    rmSync(root, { recursive: true, force: true });
  }
});

test('chunked body in odd-sized chunks: intact, and the framing bytes are given back (slabs still reused)', async () => {
  const server = http.createServer(async (_req, res) => {
    res.writeHead(200); // no length: node:http sends it chunked
    for (let i = 0; i < BODY.length; i += 10_007) {
      if (!res.write(BODY.subarray(i, i + 10_007))) await once(res, 'drain');
    }
    res.end();
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const pool = new SlabPool();
    const res = await get(`http://127.0.0.1:${(server.address() as { port: number }).port}/`, pool);
    assert.is(res.headers['transfer-encoding'], 'chunked');
    const { body, slabs } = await lagging(res, 16);
    assert.ok(body.equals(BODY), 'body differs');
    assert.ok(slabs < BODY.length / pool.maxSlabBytes / 2, `${slabs} different slabs: framing bytes were not given back`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test.run();
