// A client that ends its side of the connection in the middle of a Fragment body: the FIN a killed
// client's kernel sends (SIGKILL of the service, reliability/kill-random), or a client that gives up
// and shuts down its socket. The body can never be completed: the server must fail that fragment at
// once and cut the file back, so that the client's retry on a new connection is served instead of
// waiting in the session's queue behind it until the body rate guard (60 s windows) cuts it.
import { randomBytes } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { fragment, packet, RawConnection, rawRequest, startTestServer } from './helpers/bits-server.js';

test('a body cut short by the client\'s FIN frees the session at once: the retry on a new connection is served, byte-exact', async () => {
  // The rate guard on its defaults (60 s windows): nothing but the FIN can end the first fragment
  // within the retry's 20 s answer timeout.
  const s = await startTestServer();
  try {
    await mkdir(join(s.root, 'up'), { recursive: true });
    const data = randomBytes(3 * 1024 * 1024 + 11);
    for (const [name, sent] of [['after half of the body', data.length >> 1], ['right after the head', 0]] as const) {
      const path = `/up/half-closed-${sent}.bin`;
      const id = (await rawRequest(s.port, packet(path, 'Create-Session'))).headers['bits-session-id']!;
      const whole = fragment(path, id, 0, data, data.length);
      const first = await RawConnection.open(s.port);
      const retry = await RawConnection.open(s.port);
      try {
        await new Promise<void>((r) => first.socket.write(whole.subarray(0, whole.length - data.length + sent), () => r()));
        first.socket.end();
        const r = await retry.send(whole, { timeoutMs: 20_000 });
        assert.is(r.status, 200, `${name}: ${r.rawHead}`);
        assert.is(r.headers['bits-received-content-range'], String(data.length), `${name}: the retry's bytes, all of them`);
        const closed = await retry.send(packet(path, 'Close-Session', { sessionId: id }));
        assert.is(closed.status, 200, `${name}: ${closed.rawHead}`);
      } finally {
        first.close();
        retry.close();
      }
      assert.ok((await readFile(join(s.root, path))).equals(data), `${name}: the published file is the upload, byte for byte`);
    }
  } finally {
    await s.cleanup();
  }
});

test.run();
