// Slow clients (issue 17, operations): connections that trickle a request head byte by byte
// (slowloris) get 408 and are cut once the headers timeout is over; a fragment body that stops
// mid-way is cut after the idle timeout, its partial bytes are not kept, and its session goes on
// from where the server last acknowledged. Meanwhile other clients are served, and /metrics counts
// every cut by reason. The timeouts are set low (1 s, 2 s) through `serve`'s own flags.
import { once } from 'node:events';
import { mkdir } from 'node:fs/promises';
import net from 'node:net';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startChildServer, type ChildServer, fragment, packet, RawConnection } from './helpers/bits-server.js';
import { waitFor } from './helpers/service.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-slowloris');
await mkdir(tmp.file('root'));
let server: ChildServer;

test.before(async () => {
  server = await startChildServer(['--root', tmp.file('root'), '--headers-timeout', '1', '--idle-timeout', '2', '--log-format', 'json']);
});
test.after(async () => {
  await server.stop();
  await tmp.cleanup();
});

interface Trickler {
  socket: net.Socket;
  answer: () => string;
  stop(): void;
}

/** Opens a connection and sends one more header line every 200 ms, never the blank line that ends the head. */
async function trickle(port: number): Promise<Trickler> {
  const socket = net.connect(port, '127.0.0.1');
  await once(socket, 'connect');
  let got = '';
  socket.on('data', (d) => (got += d.toString('latin1')));
  socket.on('error', () => undefined);
  const closed = once(socket, 'close');
  socket.write('BITS_POST /slow.bin HTTP/1.1\r\nHost: x\r\n');
  let n = 0;
  const timer = setInterval(() => {
    if (!socket.destroyed) socket.write(`X-Slow-${n++}: y\r\n`);
  }, 200);
  void closed.then(() => clearInterval(timer));
  return { socket, answer: () => got, stop: () => { clearInterval(timer); socket.destroy(); } };
}

async function metrics(): Promise<string> {
  const c = await RawConnection.open(server.port);
  const r = await c.send(Buffer.from('GET /BITS-Sessions/metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
  c.close();
  return r.body.toString();
}

test('slowloris heads get 408 and are cut after the headers timeout while another client uploads', async () => {
  const slow = await Promise.all(Array.from({ length: 5 }, () => trickle(server.port)));
  try {
    // A well-behaved client is served while the five trickle.
    const c = await RawConnection.open(server.port);
    const cr = await c.send(packet('/ok.bin', 'Create-Session'));
    assert.is(cr.status, 200, cr.rawHead);
    const id = cr.headers['bits-session-id']!;
    const body = Buffer.alloc(64 * 1024, 5);
    const ack = await c.send(fragment('/ok.bin', id, 0, body, body.length));
    assert.is(ack.headers['bits-received-content-range'], String(body.length));
    assert.is((await c.send(packet('/ok.bin', 'Close-Session', { sessionId: id }))).status, 200);
    c.close();
    assert.ok(slow.every((s) => !s.socket.destroyed), 'the slow ones were still connected while the good client was served');
    await waitFor(() => slow.every((s) => s.socket.destroyed), 15_000, 'the server to cut the five slow connections');
    for (const s of slow) assert.match(s.answer(), /^HTTP\/1\.1 408 /, 'each slow client is told 408 before it is cut');
  } finally {
    for (const s of slow) s.stop();
  }
  await waitFor(async () => /bits_connections_dropped_total\{reason="headers_timeout"\} 5/.test(await metrics()), 10_000, 'five headers_timeout drops in /metrics');
});

test('a fragment body that stalls is cut after the idle timeout; the session continues from its last Ack', async () => {
  const c = await RawConnection.open(server.port);
  const cr = await c.send(packet('/stall.bin', 'Create-Session'));
  const id = cr.headers['bits-session-id']!;
  const total = 256 * 1024;
  const first = Buffer.alloc(64 * 1024, 1);
  assert.is((await c.send(fragment('/stall.bin', id, 0, first, total))).headers['bits-received-content-range'], String(first.length));
  // The next fragment announces 64 KiB and sends 10 KiB, then nothing.
  const whole = fragment('/stall.bin', id, first.length, Buffer.alloc(64 * 1024, 2), total);
  const closed = once(c.socket, 'close');
  c.socket.write(whole.subarray(0, whole.length - 54 * 1024));
  await Promise.race([closed, new Promise((_, reject) => setTimeout(() => reject(new Error('the stalled connection was not cut within 15 s')), 15_000).unref())]);
  await waitFor(async () => /bits_connections_dropped_total\{reason="idle"\} 1/.test(await metrics()), 10_000, 'one idle drop in /metrics');

  const again = await RawConnection.open(server.port);
  const rest = Buffer.alloc(total - first.length, 3);
  const ack = await again.send(fragment('/stall.bin', id, first.length, rest, total));
  assert.is(ack.status, 200, `the session goes on at ${first.length}: ${ack.rawHead}`);
  assert.is(ack.headers['bits-received-content-range'], String(total), 'none of the stalled fragment\'s bytes were kept or counted');
  assert.is((await again.send(packet('/stall.bin', 'Close-Session', { sessionId: id }))).status, 200);
  again.close();
  const log = server.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { event: string; message?: string });
  assert.ok(log.some((e) => e.event === 'error' && e.message === 'connection dropped: idle'), 'the drop is in the JSON log');
});

test.run();
