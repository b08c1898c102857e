// Two server instances on one session directory (the farm's sharing rules, module/server/
// farm-registry.ts), packet by packet: a session created on one instance continues on the other;
// another client's session id (another address, through the trusted proxy's X-Forwarded-For) is
// not found on either; the per-client session limit counts the farm, not one instance; two
// instances given the same fragment at once take turns on the session's lease, so the file holds
// each byte once; a Close-Session repeated on the other instance after the file was published
// finds no session and publishes nothing twice; state one instance saved (complete, notified) is
// what the other acts on, though each keeps the state it last read in memory.
import { mkdir, readdir, readFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBitsServer, type RunningBitsServer } from '../module/server/serve.js';
import { fragment, packet, RawConnection, type RawResponse } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-farm-sessions');
const root = tmp.file('root');
await mkdir(root);
const shared = { root, sessionsDir: tmp.file('sessions'), farm: true, trustedProxies: ['127.0.0.1'], maxSessionsPerClient: 3 };
let a: RunningBitsServer;
let b: RunningBitsServer;

test.before(async () => {
  a = await startBitsServer(shared);
  b = await startBitsServer(shared);
});
test.after(async () => {
  await a.close();
  await b.close();
  await tmp.cleanup();
});

async function send(s: RunningBitsServer, bytes: Buffer): Promise<RawResponse> {
  const c = await RawConnection.open(s.port);
  try {
    return await c.send(bytes);
  } finally {
    c.close();
  }
}
const from = (ip: string) => ({ 'X-Forwarded-For': ip });

/** bits_received_bytes_total of one instance: the bytes it wrote to session files. */
async function receivedBytes(s: RunningBitsServer): Promise<number> {
  const r = await send(s, Buffer.from('GET /BITS-Sessions/metrics HTTP/1.1\r\nHost: x\r\n\r\n'));
  return Number(/^bits_received_bytes_total (\d+)$/m.exec(r.body.toString())![1]);
}

test('created on one instance, continued on the other; another client\'s id is not found on either', async () => {
  const cr = await send(a, packet('/moved.bin', 'Create-Session', { headers: from('10.0.0.1') }));
  const id = cr.headers['bits-session-id']!;
  const half = Buffer.alloc(1000, 1);
  assert.is((await send(a, fragment('/moved.bin', id, 0, half, 2000, from('10.0.0.1')))).headers['bits-received-content-range'], '1000');
  for (const s of [a, b]) {
    const foreign = await send(s, fragment('/moved.bin', id, 1000, half, 2000, from('10.0.0.2')));
    assert.is(foreign.status, 500);
    assert.is(foreign.headers['bits-error-code'], '0x8020001F', 'another address: BG_E_SESSION_NOT_FOUND, as if it did not exist');
  }
  const rest = await send(b, fragment('/moved.bin', id, 1000, Buffer.alloc(1000, 2), 2000, from('10.0.0.1')));
  assert.is(rest.headers['bits-received-content-range'], '2000', 'the other instance carried on at 1000');
  assert.is((await send(b, packet('/moved.bin', 'Close-Session', { sessionId: id, headers: from('10.0.0.1') }))).status, 200);
  assert.equal([...(await readFile(`${root}/moved.bin`))].filter((x, i) => x !== (i < 1000 ? 1 : 2)), []);
  // A late retry on the first instance: the session is over on every instance, nothing is published again.
  const retry = await send(a, packet('/moved.bin', 'Close-Session', { sessionId: id, headers: from('10.0.0.1') }));
  assert.is(retry.headers['bits-error-code'], '0x8020001F', 'the session is over everywhere');
});

test('the per-client session limit counts the whole farm', async () => {
  const ids: string[] = [];
  for (const s of [a, b, a]) ids.push((await send(s, packet(`/lim-${ids.length}.bin`, 'Create-Session', { headers: from('10.0.0.9') }))).headers['bits-session-id']!);
  const fourth = await send(b, packet('/lim-4.bin', 'Create-Session', { headers: from('10.0.0.9') }));
  assert.is(fourth.status, 503);
  assert.is(fourth.headers['bits-error-code'], '0x80070045', 'ERROR_TOO_MANY_SESS on the instance that holds none of the three');
  for (const [i, id] of ids.entries()) assert.is((await send(i % 2 ? a : b, packet(`/lim-${i}.bin`, 'Cancel-Session', { sessionId: id, headers: from('10.0.0.9') }))).status, 200);
});

test('the same fragment sent to both instances at once: they take turns, the file holds each byte once', async () => {
  const cr = await send(a, packet('/race.bin', 'Create-Session', { headers: from('10.0.0.3') }));
  const id = cr.headers['bits-session-id']!;
  const total = 4 * 1024 * 1024;
  const body = Buffer.alloc(total);
  for (let i = 0; i < total; i++) body[i] = i % 251;
  const before = (await Promise.all([a, b].map(receivedBytes))).reduce((m, n) => m + n, 0);
  const [x, y] = await Promise.all([a, b].map((s) => send(s, fragment('/race.bin', id, 0, body, total, from('10.0.0.3')))));
  assert.equal([x!.status, y!.status], [200, 200], `${x!.rawHead}\n${y!.rawHead}`);
  assert.equal([x!.headers['bits-received-content-range'], y!.headers['bits-received-content-range']], [String(total), String(total)]);
  const after = (await Promise.all([a, b].map(receivedBytes))).reduce((m, n) => m + n, 0);
  assert.is(after - before, total, 'one instance wrote the fragment; the other, holding the lease after it, found it there and wrote none of it');
  assert.is((await send(b, packet('/race.bin', 'Close-Session', { sessionId: id, headers: from('10.0.0.3') }))).status, 200);
  assert.ok((await readFile(`${root}/race.bin`)).equals(body), 'byte-exact: the second writer found the bytes there and wrote nothing over them');
  assert.equal(await readdir(tmp.file('sessions/Requests')), []);
});

test('state one instance saved is what the other acts on: a final fragment retried there after the first notified gets the cached Ack, no second notification', async () => {
  const dir = tmp.file('notify-root');
  await mkdir(dir);
  const notified: string[] = [];
  const replyHandler = ({ sessionId }: { sessionId: string }) => {
    notified.push(sessionId);
    return { reply: 'thanks' };
  };
  const options = { root: dir, sessionsDir: tmp.file('notify-sessions'), farm: true, replyHandler };
  const [p, q] = [await startBitsServer(options), await startBitsServer(options)];
  try {
    const id = (await send(p, packet('/n.bin', 'Create-Session'))).headers['bits-session-id']!;
    // p reads and keeps the session's state (the total known, not complete) ...
    assert.is((await send(p, fragment('/n.bin', id, 0, Buffer.alloc(1000, 1), 2000))).headers['bits-received-content-range'], '1000');
    // ... q completes the upload and notifies the application ...
    const last = fragment('/n.bin', id, 1000, Buffer.alloc(1000, 2), 2000);
    const done = await send(q, last);
    assert.is(done.status, 200, done.rawHead);
    assert.ok(done.headers['bits-reply-url'], 'the final Ack carries the reply');
    // ... and the client, which lost q's Ack, sends the last fragment again to p.
    const again = await send(p, last);
    assert.is(again.status, 200, again.rawHead);
    assert.is(again.headers['bits-reply-url'], done.headers['bits-reply-url'], 'p answers from the state q saved');
    assert.equal(notified, [id], 'the application was notified once');
  } finally {
    await p.close();
    await q.close();
  }
});

test('an instance that had the session before another wrote to it acts on the bytes the other wrote', async () => {
  const cr = await send(a, packet('/back.bin', 'Create-Session', { headers: from('10.0.0.4') }));
  const id = cr.headers['bits-session-id']!;
  const part = (n: number) => Buffer.alloc(1000, n);
  assert.is((await send(a, fragment('/back.bin', id, 0, part(1), 3000, from('10.0.0.4')))).headers['bits-received-content-range'], '1000');
  assert.is((await send(b, fragment('/back.bin', id, 1000, part(2), 3000, from('10.0.0.4')))).headers['bits-received-content-range'], '2000');
  const last = await send(a, fragment('/back.bin', id, 2000, part(3), 3000, from('10.0.0.4')));
  assert.is(last.status, 200, last.rawHead);
  assert.is(last.headers['bits-received-content-range'], '3000', 'the first instance continued at 2000, where the other left the file');
  assert.is((await send(a, packet('/back.bin', 'Close-Session', { sessionId: id, headers: from('10.0.0.4') }))).status, 200);
  assert.equal([...(await readFile(`${root}/back.bin`))].filter((x, i) => x !== Math.floor(i / 1000) + 1), []);
});

test.run();
