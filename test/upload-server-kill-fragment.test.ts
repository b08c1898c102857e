// What the receive path (shared read buffer, slabs, writes while the body arrives) must keep: an
// acknowledged byte is on the server's file before its Ack, so `kill -9` of a real `bits-job2 serve`
// in the middle of the next fragment loses none of them. What it wrote of that fragment before dying
// is the client's own bytes at their place, so the restarted server may hold them too (spec §7.4:
// the client continues from the server's range, which may move forward) — never more than reached it,
// and the upload, continued from that range, completes byte-exact.
// And fragment sizes against real parts: a server configured for small fragments (--max-fragment-size)
// names its limit and the real client stays under it (no 413 at all); serve's default limit lets it
// grow past the 13 MB of Windows; nginx in front allowing less than serve names answers 413 itself,
// and the client falls back to smaller fragments: each upload still arrives whole.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION } from '../module/engine/upload/upload-port.js';
import { MAX_FRAGMENT } from '../module/engine/upload/fragment-size.js';
import { startBitsServer } from '../module/server/serve.js';
import { startBitsNginx } from './helpers/nginx-bits.js';
import { fragment, packet, RawConnection, rawRequest, startChildServer } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const MiB = 1024 * 1024;

test('kill -9 of serve mid-fragment: the restarted server holds every acknowledged byte and nothing the client did not send; the upload completes byte-exact', async () => {
  const tmp = await makeTmpDir('bits-kill-fragment');
  let server = await startChildServer(['--root', tmp.path]);
  try {
    await mkdir(tmp.file('up'));
    const path = '/up/killed.bin';
    const data = randomBytes(20 * MiB + 333);
    const id = (await rawRequest(server.port, packet(path, 'Create-Session'))).headers['bits-session-id']!;
    assert.ok(id);
    // Four fragments acknowledged, in sizes that do not line up with the server's slabs.
    const c = await RawConnection.open(server.port);
    let acked = 0;
    try {
      for (const len of [3 * MiB + 1, 777_777, 2 * MiB - 3, 4 * MiB + 5]) {
        const r = await c.send(fragment(path, id, acked, data.subarray(acked, acked + len), data.length));
        assert.is(r.status, 200, r.rawHead);
        acked += len;
        assert.is(r.headers['bits-received-content-range'], String(acked));
      }
    } finally {
      c.close();
    }
    // The next fragment's head and most of its body are on the wire (and partly written) when the server dies.
    const next = fragment(path, id, acked, data.subarray(acked, acked + 6 * MiB), data.length);
    const half = await RawConnection.open(server.port);
    await new Promise<void>((r) => half.socket.write(next.subarray(0, next.length - MiB), () => r()));
    await new Promise((r) => setTimeout(r, 300));
    const exited = new Promise((r) => server.child.once('exit', r));
    process.kill(server.pid, 'SIGKILL');
    await exited;
    half.socket.destroy();

    server = await startChildServer(['--root', tmp.path]);
    // A one-byte retry of the start: the server drops what it holds and answers with its range.
    let r = await rawRequest(server.port, fragment(path, id, 0, data.subarray(0, 1), data.length));
    assert.is(r.status, 200, r.rawHead);
    const held = Number(r.headers['bits-received-content-range']);
    assert.ok(held >= acked, `every acknowledged byte survived (${held} held, ${acked} acknowledged)`);
    assert.ok(held <= acked + 5 * MiB, `nothing past what reached the server is claimed (${held} held, ${acked + 5 * MiB} sent)`);
    r = await rawRequest(server.port, fragment(path, id, held, data.subarray(held), data.length));
    assert.is(r.status, 200, r.rawHead);
    assert.is(r.headers['bits-received-content-range'], String(data.length));
    r = await rawRequest(server.port, packet(path, 'Close-Session', { sessionId: id }));
    assert.is(r.status, 200, r.rawHead);
    assert.ok((await readFile(tmp.file('up/killed.bin'))).equals(data), 'published byte for byte');
  } finally {
    await server.stop();
    await tmp.cleanup();
  }
});

/** Uploads `data` through `url` with the real client; returns the Fragment sizes the server saw (from its log). */
async function uploadAndLog(url: string, src: string, data: Buffer): Promise<Awaited<ReturnType<typeof uploadFile>>['session']> {
  await writeFile(src, data);
  const st = statSync(src);
  const signal = new AbortController().signal;
  const { session } = await uploadFile({
    url, signal, localPath: src, expectedFile: { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) }, wantReply: false,
    session: { ...NEW_SESSION }, onSession: () => undefined,
  });
  assert.is(session.uploadComplete, true);
  await closeSession({ url, session, signal });
  return session;
}

/** Sizes of the Fragments a server received, from its JSON request events (`received` after each). */
function fragmentSizes(events: { packet?: string | null; status?: number; received?: number }[]): { sizes: number[]; refused: number } {
  const sizes: number[] = [];
  let refused = 0;
  let before = 0;
  for (const e of events) {
    if (e.packet?.toLowerCase() !== 'fragment') continue;
    if (e.status === 413) refused++;
    if (e.status === 200 && e.received !== undefined) {
      sizes.push(e.received - before);
      before = e.received;
    }
  }
  return { sizes, refused };
}

test('a server that takes fragments up to 3 MiB names its limit: the client never sends more (no 413) and the upload arrives whole', async () => {
  const tmp = await makeTmpDir('bits-named-limit');
  await mkdir(tmp.file('root'));
  const events: { packet?: string | null; status?: number; received?: number }[] = [];
  const server = await startBitsServer({ root: tmp.file('root'), host: '127.0.0.1', port: 0, maxFragmentBytes: 3 * MiB, log: (_line, e) => void (e && e.event === 'request' && events.push(e)) });
  try {
    const data = randomBytes(24 * MiB + 1);
    await uploadAndLog(`${server.url}limited.bin`, tmp.file('src.bin'), data);
    const { sizes, refused } = fragmentSizes(events);
    assert.is(refused, 0, 'no fragment over the named limit was tried');
    assert.ok(Math.max(...sizes) === 3 * MiB, `fragments grew to the limit and no further: ${sizes.join(', ')}`);
    assert.ok((await readFile(tmp.file('root/limited.bin'))).equals(data), 'published byte for byte');
  } finally {
    await server.close();
    await tmp.cleanup();
  }
});

test('serve with its default limit: the client grows its fragments past the 13 MB of Windows (serve names 256 MiB)', async () => {
  const tmp = await makeTmpDir('bits-big-fragments');
  await mkdir(tmp.file('root'));
  const events: { packet?: string | null; status?: number; received?: number }[] = [];
  const server = await startBitsServer({ root: tmp.file('root'), host: '127.0.0.1', port: 0, log: (_line, e) => void (e && e.event === 'request' && events.push(e)) });
  try {
    const data = randomBytes(80 * MiB + 7);
    await uploadAndLog(`${server.url}big.bin`, tmp.file('src.bin'), data);
    const { sizes, refused } = fragmentSizes(events);
    assert.is(refused, 0);
    // 1, 2, 4, 8, 16, 32 MiB and the rest: each doubling needs the previous Ack within 2 s (8 MiB in 2 s: 4 MB/s).
    assert.is(sizes[0], MiB, 'the first fragment is 1 MiB, as ever');
    assert.ok(Math.max(...sizes) > MAX_FRAGMENT, `some fragment above 13 MiB: ${sizes.join(', ')}`);
    assert.ok((await readFile(tmp.file('root/big.bin'))).equals(data), 'published byte for byte');
  } finally {
    await server.close();
    await tmp.cleanup();
  }
});

test('nginx in front allows 3 MiB bodies while serve names 256 MiB: nginx\'s 413 makes the client fall back to smaller fragments, and the upload arrives whole', async () => {
  const tmp = await makeTmpDir('bits-413-fallback');
  await mkdir(tmp.file('root'));
  const events: { packet?: string | null; status?: number; received?: number }[] = [];
  const server = await startBitsServer({ root: tmp.file('root'), host: '127.0.0.1', port: 0, trustedProxies: ['127.0.0.1'], log: (_line, e) => void (e && e.event === 'request' && events.push(e)) });
  const nginx = await startBitsNginx({ upstreams: [`127.0.0.1:${server.port}`], clientMaxBodySize: '3m' });
  const hadCa = process.env.BITS_JOB2_CA_FILE;
  process.env.BITS_JOB2_CA_FILE = nginx.caFile;
  try {
    const data = randomBytes(24 * MiB + 1);
    await uploadAndLog(`${nginx.url}fallback.bin`, tmp.file('src.bin'), data);
    const { sizes } = fragmentSizes(events);
    assert.ok(sizes.every((n) => n <= 3 * MiB), `serve received no fragment over nginx's limit: ${sizes.join(', ')}`);
    const nginxLog = await readFile(`${nginx.dir}/access.log`, 'utf8').catch(() => '');
    const refused = nginxLog.split('\n').filter((l) => / 413 /.test(l)).length;
    assert.ok(refused >= 1, 'the client did try a fragment over nginx\'s limit (serve named 256 MiB)');
    assert.ok(refused <= 2, `after a 413 the fragment does not grow back above the refused size (${refused} refusals)`);
    assert.ok((await readFile(tmp.file('root/fallback.bin'))).equals(data), 'published byte for byte');
  } finally {
    if (hadCa === undefined) delete process.env.BITS_JOB2_CA_FILE;
    else process.env.BITS_JOB2_CA_FILE = hadCa;
    await nginx.stop();
    await server.close();
    await tmp.cleanup();
  }
});

test.run();
