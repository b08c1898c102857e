// A server without `farm` (the default; module/server/local-registry.ts) keeps its session registry
// in memory: no sessions.db, so it needs no SQLite add-on, which is what lets it run where
// better-sqlite3 is not built for the platform (the Wine lane runs it inside Windows node.exe).
// Handlers of one process on one directory share that registry (a session created on one is known
// to the other), and a farm handler beside them is refused, since it would not share their leases.
import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { startBitsServer } from '../module/server/serve.js';
import { packet, RawConnection } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-lone-instance');
const root = tmp.file('root');
await mkdir(root);
const sessionsDir = tmp.file('sessions');
test.after(() => tmp.cleanup());

async function refusal(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected the farm server to refuse to start, it started');
}

test('a lone server keeps its registry in memory; two handlers of one process share it; a farm handler beside them refuses', async () => {
  const first = await startBitsServer({ root, sessionsDir });
  const second = await startBitsServer({ root, sessionsDir });
  try {
    const c = await RawConnection.open(first.port);
    const created = await c.send(packet('/lone.bin', 'Create-Session'));
    c.close();
    assert.is(created.status, 200, created.rawHead);
    const id = created.headers['bits-session-id'] as string;
    const d = await RawConnection.open(second.port);
    const ping = await d.send(packet('/lone.bin', 'Ping', { sessionId: id }));
    d.close();
    assert.is(ping.status, 200, `the other handler knows the session: ${ping.rawHead}`);
    assert.not.ok(existsSync(`${sessionsDir}/sessions.db`), 'no SQLite registry without farm');
    assert.match(await refusal(startBitsServer({ root, sessionsDir, farm: true })), /without farm: start every server that shares it with farm: true \(--farm\)/);
  } finally {
    await first.close();
    await second.close();
  }
  // Once the lone handlers are gone, a farm handler may use the directory.
  const farm = await startBitsServer({ root, sessionsDir, farm: true });
  await farm.close();
  assert.ok(existsSync(`${sessionsDir}/sessions.db`), 'the farm registers its sessions in sessions.db');
});

test.run();
