// What the receive path (shared read buffer, slabs, writes while the body arrives) must keep: an
// acknowledged byte is on the server's file before its Ack, so `kill -9` of a real `bits-job2 serve`
// in the middle of the next fragment loses none of them. What it wrote of that fragment before dying
// is the client's own bytes at their place, so the restarted server may hold them too (spec §7.4:
// the client continues from the server's range, which may move forward) — never more than reached it,
// and the upload, continued from that range, completes byte-exact.
// And a real server that refuses large fragments (413, --max-fragment-size) makes the real client
// fall back to smaller ones: the upload still arrives whole.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { closeSession, uploadFile } from '../module/engine/upload/upload-client.js';
import { NEW_SESSION } from '../module/engine/upload/upload-port.js';
import { startBitsServer } from '../module/server/serve.js';
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

test('a server that refuses fragments over 3 MiB (413): the client falls back to smaller ones and the upload arrives whole', async () => {
  const tmp = await makeTmpDir('bits-413-fallback');
  await mkdir(tmp.file('root'));
  const refused: number[] = [];
  const server = await startBitsServer({
    root: tmp.file('root'),
    host: '127.0.0.1',
    port: 0,
    maxFragmentBytes: 3 * MiB,
    log: (line) => {
      if (/Fragment.*→ 413/i.test(line)) refused.push(refused.length);
    },
  }).catch(async (e) => {
    await tmp.cleanup();
    throw e;
  });
  try {
    const data = randomBytes(24 * MiB + 1);
    const src = tmp.file('src.bin');
    await writeFile(src, data);
    const st = statSync(src);
    const url = `${server.url}fallback.bin`;
    const signal = new AbortController().signal;
    const { session } = await uploadFile({
      url, signal, localPath: src, expectedFile: { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) }, wantReply: false,
      session: { ...NEW_SESSION }, onSession: () => undefined,
    });
    assert.is(session.uploadComplete, true);
    assert.ok(refused.length >= 1, 'the client did try a fragment over the limit (the default sizing grows to 13 MiB)');
    assert.ok(refused.length <= 2, `after a 413 the fragment does not grow back above the refused size (${refused.length} refusals)`);
    await closeSession({ url, session, signal });
    assert.ok((await readFile(tmp.file('root/fallback.bin'))).equals(data), 'published byte for byte');
  } finally {
    await server.close();
    await tmp.cleanup();
  }
});

test.run();
