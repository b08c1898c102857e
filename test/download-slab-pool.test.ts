// lean-get.ts reads the socket into reused slabs (module/engine/http/slab-pool.ts). What must hold:
// bytes handed out are never overwritten by a later read until they are given back (recycled), even
// when the consumer lags far behind; slabs are reused once given back (so memory stays a few slabs,
// not one Buffer per read), also for chunked bodies whose framing bytes the connection gives back
// itself; and a chunk recycled twice is caught instead of silently freeing bytes still in use.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import http from 'node:http';
import { once } from 'node:events';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LeanRequest, type LeanResponse } from '../module/engine/http/lean-get.js';
import { MIN_READ_BYTES, recycle, SLAB_BYTES, SlabPool } from '../module/engine/http/slab-pool.js';
import { startNginx } from './helpers/nginx.js';

const BODY = randomBytes(16 * 1024 * 1024);
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** A socket read of up to `n` bytes into the pool, filled with `fill` (what the kernel would do). */
function read(pool: SlabPool, n: number, fill: number): Buffer {
  const into = pool.readBuffer();
  const got = Math.min(n, into.length);
  into.fill(fill, 0, got);
  return pool.took(got, into);
}

test('SlabPool: a held chunk is never read into again; a slab comes back only when all its bytes did', () => {
  const pool = new SlabPool();
  const held: { chunk: Buffer; fill: number }[] = [];
  // Reads of mixed sizes, each with its own fill byte, nothing given back: every chunk keeps its bytes.
  for (let i = 0; i < 40; i++) {
    const n = [1, 4096, 65_536, MIN_READ_BYTES - 1, 100_000][i % 5]!;
    held.push({ chunk: read(pool, n, i), fill: i });
  }
  for (const { chunk, fill } of held) assert.ok(chunk.every((b) => b === fill), `a chunk of fill ${fill} was overwritten`);
  const allocatedWhileHeld = pool.allocated;
  assert.ok(allocatedWhileHeld > 1, 'held chunks force new slabs');
  // Give back all but one chunk: the slab of that chunk stays out of reuse, the others are reused.
  const kept = held.pop()!;
  for (const { chunk } of held) recycle(chunk);
  const memoryOfKept = kept.chunk.buffer;
  for (let i = 0; i < 200; i++) {
    const c = read(pool, 65_536, 200);
    assert.ok(c.buffer !== memoryOfKept || c.byteOffset >= kept.chunk.byteOffset + kept.chunk.length, 'a read landed on a held chunk');
    recycle(c);
  }
  assert.ok(kept.chunk.every((b) => b === kept.fill), 'the held chunk was overwritten');
  assert.is(pool.allocated, allocatedWhileHeld, `200 reads given back at once needed no new slab (allocated ${pool.allocated})`);
});

test('SlabPool: a chunk recycled twice is refused; Buffers that are not a slab\'s are ignored', () => {
  const pool = new SlabPool();
  const a = read(pool, SLAB_BYTES - MIN_READ_BYTES + 1, 1); // fills the slab: the next read retires it
  read(pool, 10, 2);
  recycle(a);
  assert.throws(() => recycle(a), /recycled twice/);
  recycle(Buffer.from('not from a pool'));
  recycle(Buffer.alloc(0));
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

function get(url: string): Promise<LeanResponse> {
  return new Promise((resolve, reject) => {
    const req = new LeanRequest(new URL(url), 'GET', {});
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
    const { body, slabs } = await lagging(await get(`${nginx.url}/f.bin`), 16);
    assert.ok(body.equals(BODY), 'body differs');
    // One Buffer per read would be >= 64 different memories (16 MiB in reads of at most one slab);
    // reuse keeps it to about the slabs that 16 held reads span.
    assert.ok(slabs < BODY.length / SLAB_BYTES / 2, `${slabs} different slabs for ${BODY.length / SLAB_BYTES} slabs' worth of body`);
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
    const res = await get(`http://127.0.0.1:${(server.address() as { port: number }).port}/`);
    assert.is(res.headers['transfer-encoding'], 'chunked');
    const { body, slabs } = await lagging(res, 16);
    assert.ok(body.equals(BODY), 'body differs');
    assert.ok(slabs < BODY.length / SLAB_BYTES / 2, `${slabs} different slabs: framing bytes were not given back`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

test.run();
