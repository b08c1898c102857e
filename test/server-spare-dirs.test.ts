// A published session's directory is kept for the next session (module/server/spare-dirs.ts): no
// inode freed and allocated again per session. What that must keep: the next session really gets
// the same directory and a state of its own; a session that was not published (its request file
// still there) is removed, not kept; a directory holding another session's state is no session
// after a restart; the spares go when their server closes, and the ones a dead process left go
// at the next start on its host, while a live process's and another host's stay.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BG_E_SESSION_NOT_FOUND } from '../module/server/ack.js';
import { MAX_SPARE_DIRS, SpareDirs } from '../module/server/spare-dirs.js';
import { fragment, packet, rawRequest, startTestServer, type TestServer } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const sessionsDir = (s: TestServer) => join(s.root, 'BITS-Sessions');
const spareNames = (s: TestServer) => readdirSync(join(sessionsDir(s), 'Spare'));

async function upload(s: TestServer, name: string, data: Buffer): Promise<string> {
  const path = `/up/${name}`;
  const created = await rawRequest(s.port, packet(path, 'Create-Session'));
  assert.is(created.status, 200, created.rawHead);
  const id = created.headers['bits-session-id']!;
  const r = await rawRequest(s.port, fragment(path, id, 0, data, data.length));
  assert.is(r.status, 200, r.rawHead);
  const closed = await rawRequest(s.port, packet(path, 'Close-Session', { sessionId: id }));
  assert.is(closed.status, 200, closed.rawHead);
  assert.ok((await readFile(join(s.root, 'up', name))).equals(data), `${name} published byte for byte`);
  return id;
}

async function withServer(fn: (s: TestServer, root: string) => Promise<void>): Promise<void> {
  const tmp = await makeTmpDir('bits-spare');
  await mkdir(tmp.file('up'));
  const s = await startTestServer({ root: tmp.path });
  try {
    await fn(s, tmp.path);
  } finally {
    await s.close().catch(() => undefined);
    await tmp.cleanup();
  }
}

test('a published session\'s directory is the next session\'s (same inode), with a state of its own; the upload after it is byte-exact', async () => {
  await withServer(async (s) => {
    const first = await upload(s, 'a.bin', randomBytes(10_000));
    assert.not.ok(existsSync(join(sessionsDir(s), 'Requests', first)), 'the finished session is gone from Requests');
    const spares = spareNames(s);
    assert.is(spares.length, 1, 'its directory was kept');
    const spareIno = statSync(join(sessionsDir(s), 'Spare', spares[0]!)).ino;
    const created = await rawRequest(s.port, packet('/up/b.bin', 'Create-Session'));
    const second = created.headers['bits-session-id']!;
    assert.is(statSync(join(sessionsDir(s), 'Requests', second)).ino, spareIno, 'the new session got the kept directory');
    assert.equal(spareNames(s), [], 'and took it out of the pool');
    const state = readFileSync(join(sessionsDir(s), 'Requests', second, 'session.json'), 'utf8');
    assert.is(JSON.parse(state).id, second, 'the state file holds the new session alone');
    assert.is(statSync(join(sessionsDir(s), 'Requests', second, 'requestfile.bin')).size, 0);
    const data = randomBytes(7_777);
    const r = await rawRequest(s.port, fragment('/up/b.bin', second, 0, data, data.length));
    assert.is(r.status, 200, r.rawHead);
    assert.is((await rawRequest(s.port, packet('/up/b.bin', 'Close-Session', { sessionId: second }))).status, 200);
    assert.ok((await readFile(join(s.root, 'up', 'b.bin'))).equals(data));
  });
});

test('a session cancelled with its request file still there is removed, not kept', async () => {
  await withServer(async (s) => {
    const created = await rawRequest(s.port, packet('/up/c.bin', 'Create-Session'));
    const id = created.headers['bits-session-id']!;
    const data = randomBytes(5000);
    await rawRequest(s.port, fragment('/up/c.bin', id, 0, data.subarray(0, 1000), data.length));
    const r = await rawRequest(s.port, packet('/up/c.bin', 'Cancel-Session', { sessionId: id }));
    assert.is(r.status, 200, r.rawHead);
    assert.not.ok(existsSync(join(sessionsDir(s), 'Requests', id)));
    assert.equal(spareNames(s), [], 'nothing kept');
    assert.not.ok(existsSync(join(s.root, 'up', 'c.bin')));
  });
});

test('a directory holding another session\'s state (a crash between taking a spare and writing the state) is no session after a restart', async () => {
  await withServer(async (s, root) => {
    const first = await upload(s, 'd.bin', randomBytes(3000));
    const [spare] = spareNames(s);
    assert.ok(readFileSync(join(sessionsDir(s), 'Spare', spare!, 'session.json'), 'utf8').includes(first), 'the spare holds its old state');
    // As a crash would leave it: a spare renamed to a new session's name, its state not yet written.
    const orphan = '{0B9D5F5C-3A51-4E2B-9C1E-7D2A1B3C4D5E}';
    renameSync(join(sessionsDir(s), 'Spare', spare!), join(sessionsDir(s), 'Requests', orphan));
    writeFileSync(join(sessionsDir(s), 'Requests', orphan, 'requestfile.bin'), '');
    await s.close();
    const t = await startTestServer({ root });
    try {
      assert.not.ok(existsSync(join(sessionsDir(s), 'Requests', orphan)), 'load() dropped it');
      const r = await rawRequest(t.port, fragment('/up/d2.bin', orphan, 0, Buffer.alloc(10), 10));
      assert.is(r.status, 500, r.rawHead);
      assert.is(Number(r.headers['bits-error-code']), BG_E_SESSION_NOT_FOUND, r.rawHead);
    } finally {
      await t.close();
    }
  });
});

test('a server\'s spares are removed when it closes', async () => {
  await withServer(async (s) => {
    await upload(s, 'e.bin', randomBytes(100));
    await upload(s, 'f.bin', randomBytes(100));
    assert.is(spareNames(s).length, 1, 'one kept: the second session took the first one\'s');
    await s.close();
    assert.equal(spareNames(s), []);
  });
});

test('at load: a dead process\'s spares on this host go; a live process\'s, another host\'s stay; anything else in the pool goes', async () => {
  const tmp = await makeTmpDir('bits-spare-load');
  try {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const host = hostname().replace(/[^\w.]/g, '_');
    const names = {
      dead: `.spare-${host}-${dead}-aaaa-0`,
      live: `.spare-${host}-${process.pid}-bbbb-3`,
      otherHost: `.spare-${host}x-${dead}-cccc-0`,
      junk: 'left-by-hand',
    };
    for (const n of Object.values(names)) mkdirSync(join(tmp.path, n));
    writeFileSync(join(tmp.path, names.dead, 'session.json'), '{}');
    new SpareDirs(tmp.path).load();
    assert.equal(readdirSync(tmp.path).sort(), [names.live, names.otherHost].sort());
  } finally {
    await tmp.cleanup();
  }
});

test(`the pool keeps at most ${MAX_SPARE_DIRS} directories; past that keep() says no and leaves the directory where it is`, async () => {
  const tmp = await makeTmpDir('bits-spare-cap');
  try {
    const pool = new SpareDirs(join(tmp.path, 'Spare'));
    pool.load();
    for (let i = 0; i <= MAX_SPARE_DIRS; i++) mkdirSync(join(tmp.path, `d${i}`));
    for (let i = 0; i < MAX_SPARE_DIRS; i++) assert.ok(pool.keep(join(tmp.path, `d${i}`)));
    assert.not.ok(pool.keep(join(tmp.path, `d${MAX_SPARE_DIRS}`)));
    assert.ok(existsSync(join(tmp.path, `d${MAX_SPARE_DIRS}`)));
    assert.is(readdirSync(join(tmp.path, 'Spare')).length, MAX_SPARE_DIRS);
    assert.ok(pool.take(join(tmp.path, 'taken')));
    assert.is(readdirSync(join(tmp.path, 'Spare')).length, MAX_SPARE_DIRS - 1);
    pool.clear();
    assert.equal(readdirSync(join(tmp.path, 'Spare')), []);
    assert.not.ok(pool.take(join(tmp.path, 'none')), 'an empty pool gives nothing');
  } finally {
    await tmp.cleanup();
  }
});

test.run();
