// The minimum body rate (issue 17, slow clients): a fragment body that trickles — steadily, every few
// hundred ms, so the idle timeout never fires — is cut once a window passes below the rate, its bytes
// are not kept, and its session goes on from the last Ack; meanwhile a slow-but-steady client above
// the rate and a fast one upload to the end. /metrics counts the cut as slow_body and the JSON log
// has it. `serve` runs as a child with a 2,000 bytes/s floor over 2 s windows and a 60 s idle timeout.
import { once } from 'node:events';
import { mkdir, readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startChildServer, type ChildServer, fragment, packet, RawConnection } from './helpers/bits-server.js';
import { waitFor } from './helpers/service.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-body-rate');
await mkdir(tmp.file('root'));
let server: ChildServer;

test.before(async () => {
  server = await startChildServer(['--root', tmp.file('root'), '--min-body-rate', '2000', '--min-body-rate-window', '2', '--idle-timeout', '60', '--log-format', 'json']);
});
test.after(async () => {
  await server.stop();
  await tmp.cleanup();
});

async function metrics(): Promise<string> {
  const c = await RawConnection.open(server.port);
  const r = await c.send(Buffer.from('GET /BITS-Sessions/metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
  c.close();
  return r.body.toString();
}

async function createSession(c: RawConnection, path: string): Promise<string> {
  const cr = await c.send(packet(path, 'Create-Session'));
  assert.is(cr.status, 200, cr.rawHead);
  return cr.headers['bits-session-id']!;
}

/** Writes `bytes` in `piece`-sized writes every `everyMs`; resolves when all are written or the socket is gone. */
function pace(c: RawConnection, bytes: Buffer, piece: number, everyMs: number): Promise<number> {
  return new Promise((resolve) => {
    let at = 0;
    const timer = setInterval(() => {
      if (c.socket.destroyed || at >= bytes.length) {
        clearInterval(timer);
        return resolve(at);
      }
      c.socket.write(bytes.subarray(at, at + piece));
      at += piece;
    }, everyMs);
  });
}

test('a steady trickle under the minimum rate is cut; a slow client above it and a fast one finish', async () => {
  const total = 64 * 1024;
  // The trickler: 100 bytes every 250 ms (≈ 400 bytes/s), never 60 s apart.
  const slow = await RawConnection.open(server.port);
  const slowId = await createSession(slow, '/trickle.bin');
  const first = Buffer.alloc(4096, 1);
  assert.is((await slow.send(fragment('/trickle.bin', slowId, 0, first, total))).headers['bits-received-content-range'], String(first.length));
  const slowAnswer: string[] = [];
  slow.socket.on('data', (d: Buffer) => slowAnswer.push(d.toString('latin1')));
  const slowClosed = once(slow.socket, 'close');
  const trickled = pace(slow, fragment('/trickle.bin', slowId, first.length, Buffer.alloc(total - first.length, 2), total), 100, 250);

  // Slow but above the floor: 4 KiB every 250 ms (≈ 16 KiB/s, 8× the floor) for ~4 s, two windows.
  const steady = await RawConnection.open(server.port);
  const steadyId = await createSession(steady, '/steady.bin');
  const steadyBody = Buffer.alloc(total, 3);
  const steadyAck = new Promise<{ status: number; range: string | undefined }>((resolve, reject) => {
    steady.send([]).then((r) => resolve({ status: r.status, range: r.headers['bits-received-content-range'] }), reject);
  });
  await pace(steady, fragment('/steady.bin', steadyId, 0, steadyBody, total), 4096, 250);

  // A fast client, while the trickler is still connected or being cut.
  const fast = await RawConnection.open(server.port);
  const fastId = await createSession(fast, '/fast.bin');
  const fastBody = Buffer.alloc(256 * 1024, 4);
  const fastAck = await fast.send(fragment('/fast.bin', fastId, 0, fastBody, fastBody.length));
  assert.is(fastAck.status, 200, fastAck.rawHead);
  assert.is((await fast.send(packet('/fast.bin', 'Close-Session', { sessionId: fastId }))).status, 200);
  fast.close();

  const ack = await steadyAck;
  assert.is(ack.status, 200, 'the slow-but-steady body is answered, not cut');
  assert.is(ack.range, String(total));
  assert.is((await steady.send(packet('/steady.bin', 'Close-Session', { sessionId: steadyId }))).status, 200);
  steady.close();

  await Promise.race([slowClosed, new Promise((_, reject) => setTimeout(() => reject(new Error('the trickling connection was not cut within 30 s')), 30_000).unref())]);
  const sent = await trickled;
  assert.ok(sent < total - first.length, `the trickler was cut before it sent its fragment (it sent ${sent} bytes)`);
  assert.is(slowAnswer.join(''), '', 'the cut body got no Ack');
  assert.ok((await readFile(tmp.file('root/fast.bin'))).equals(fastBody), 'the fast upload was published whole');
  assert.ok((await readFile(tmp.file('root/steady.bin'))).equals(steadyBody), 'the slow-but-steady upload was published whole');

  let m = '';
  await waitFor(async () => /bits_connections_dropped_total\{reason="slow_body"\} 1\n/.test((m = await metrics())), 10_000, 'one slow_body drop in /metrics');
  assert.not.match(m, /reason="idle"/, 'the cut is the rate rule, not the idle timeout');

  // The session of the cut body goes on from its last Ack: none of the trickled bytes were kept.
  const again = await RawConnection.open(server.port);
  const rest = Buffer.alloc(total - first.length, 5);
  const resumed = await again.send(fragment('/trickle.bin', slowId, first.length, rest, total));
  assert.is(resumed.status, 200, resumed.rawHead);
  assert.is(resumed.headers['bits-received-content-range'], String(total));
  assert.is((await again.send(packet('/trickle.bin', 'Close-Session', { sessionId: slowId }))).status, 200);
  again.close();
  const log = server.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; message?: string });
  assert.ok(log.some((e) => e.event === 'error' && e.message === 'connection dropped: slow_body'), 'the cut is in the JSON log');
});

test('serve refuses a negative --min-body-rate with a clear message', async () => {
  const bad = startChildServer(['--root', tmp.file('root'), '--min-body-rate', '-5']);
  const err = await bad.then(
    async (s) => {
      await s.stop();
      return '';
    },
    (e: Error) => e.message,
  );
  assert.match(err, /min-body-rate|minBodyRate/i);
});

test.run();
