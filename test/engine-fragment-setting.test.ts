// BITS_JOB2_FRAGMENT_BYTES (module/engine/config-env.ts): every Fragment of an upload is that size (the
// bench's fragment-size curve; a server or proxy with a request size limit), seen on the wire by our
// real server; the upload stays byte-exact; a size outside what BITS allows is refused with the
// variable named, before the store is touched.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { JobPriority, JobType } from '../module/api/enums.js';
import { PortableEngine } from '../module/engine/engine.js';
import { startBitsServer } from '../module/server/index.js';
import { rejectsWith, waitState } from './helpers/assert-bits.js';
import { pseudoRandomBytes } from './helpers/gate-server.js';

const dir = mkdtempSync(join(tmpdir(), 'bj2-fragment-setting-'));

async function withFragmentBytes<T>(value: string, run: () => Promise<T>): Promise<T> {
  const old = process.env.BITS_JOB2_FRAGMENT_BYTES;
  process.env.BITS_JOB2_FRAGMENT_BYTES = value;
  try {
    return await run();
  } finally {
    if (old === undefined) delete process.env.BITS_JOB2_FRAGMENT_BYTES;
    else process.env.BITS_JOB2_FRAGMENT_BYTES = old;
  }
}

test('every fragment is BITS_JOB2_FRAGMENT_BYTES long (the last one the rest), byte-exact at the server', async () => {
  const server = await startBitsServer({ host: '127.0.0.1', port: 0, root: join(dir, 'uploads') });
  const lengths: number[] = [];
  server.server.on('request', (req: IncomingMessage) => {
    if (String(req.headers['bits-packet-type']).toLowerCase() === 'fragment') lengths.push(Number(req.headers['content-length']));
  });
  const engine = await withFragmentBytes('65536', () => PortableEngine.open({ stateDir: join(dir, 'state') }));
  try {
    const data = pseudoRandomBytes(5 * 65536 + 123, 7);
    const local = join(dir, 'up.bin');
    writeFileSync(local, data);
    const id = await engine.createJob('fragments', JobType.UPLOAD);
    await engine.setProperty(id, 'priority', JobPriority.FOREGROUND);
    await engine.addFiles(id, [{ remoteName: `${server.url}up.bin`, localName: local }]);
    await engine.resume(id);
    await waitState(engine, id, 'TRANSFERRED', 20_000);
    await engine.complete(id);
    assert.equal(lengths, [65536, 65536, 65536, 65536, 65536, 123]);
    assert.equal(readFileSync(join(dir, 'uploads', 'up.bin')), data);
  } finally {
    await engine.close();
    await server.close();
  }
});

test('a fragment size BITS does not allow is refused with the variable and the range named', async () => {
  for (const bad of ['100', String(14 * 1024 * 1024), 'big']) {
    const e = await withFragmentBytes(bad, () => rejectsWith(PortableEngine.open({ stateDir: join(dir, 'bad') }), 'E_INVALIDARG'));
    assert.match(e.message, `BITS_JOB2_FRAGMENT_BYTES=${bad}`);
  }
});

test('cleanup', () => rmSync(dir, { recursive: true, force: true }));

test.run();
