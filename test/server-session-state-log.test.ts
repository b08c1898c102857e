// session.json is a log of whole states, the last one that parses being the session's
// (module/server/session-store.ts): a save appends, so it allocates no inode. What that must keep
// across a restart of the server: a record cut short (a kill -9 mid-write) or the zeros a power
// loss leaves where an append was never hides the state before it, and a save made after such a
// record is the one read back. Each case is observable from outside: a server that lost the total
// of a session empties its file, and a one-byte probe's Ack then says 0 instead of the bytes held.
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { BG_E_SESSION_NOT_FOUND } from '../module/server/ack.js';
import { fragment, packet, rawRequest, startTestServer, type TestServer } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const PATH = '/up/logged.bin';
const DATA = randomBytes(300_000);
const FIRST = 120_000;

function stateFile(root: string, id: string): string {
  return join(root, 'BITS-Sessions', 'Requests', id, 'session.json');
}

async function createSession(s: TestServer): Promise<string> {
  const r = await rawRequest(s.port, packet(PATH, 'Create-Session'));
  assert.is(r.status, 200, r.rawHead);
  return r.headers['bits-session-id']!;
}

async function sendFirstFragment(s: TestServer, id: string): Promise<void> {
  const r = await rawRequest(s.port, fragment(PATH, id, 0, DATA.subarray(0, FIRST), DATA.length));
  assert.is(r.status, 200, r.rawHead);
  assert.is(r.headers['bits-received-content-range'], String(FIRST));
}

/** The servers a test started and has not stopped: a failed assertion must not leave one running. */
const running = new Set<TestServer>();

async function start(root: string): Promise<TestServer> {
  const s = await startTestServer({ root });
  running.add(s);
  return s;
}

async function stop(s: TestServer): Promise<void> {
  running.delete(s);
  await s.close();
}

/** The server on the same root started again (a restart: the state comes from disk, not memory). */
async function restarted(s: TestServer): Promise<TestServer> {
  await stop(s);
  return start(s.root);
}

/** The bytes the server holds, from the Ack of a one-byte retry of the start, then the rest, Close, and the file. */
async function finishAfterProbe(s: TestServer, id: string): Promise<number> {
  let r = await rawRequest(s.port, fragment(PATH, id, 0, DATA.subarray(0, 1), DATA.length));
  assert.is(r.status, 200, r.rawHead);
  const held = Number(r.headers['bits-received-content-range']);
  r = await rawRequest(s.port, fragment(PATH, id, held, DATA.subarray(held), DATA.length));
  assert.is(r.status, 200, r.rawHead);
  r = await rawRequest(s.port, packet(PATH, 'Close-Session', { sessionId: id }));
  assert.is(r.status, 200, r.rawHead);
  assert.ok((await readFile(join(s.root, 'up', 'logged.bin'))).equals(DATA), 'published byte for byte');
  return held;
}

/** Runs `fn` with a server on a fresh root, then stops whichever servers it left running. */
async function withServer(fn: (s: TestServer) => Promise<unknown>): Promise<void> {
  const tmp = await makeTmpDir('bits-state-log');
  await mkdir(tmp.file('up'));
  try {
    await fn(await start(tmp.path));
  } finally {
    for (const s of [...running]) await stop(s);
    await tmp.cleanup();
  }
}

test('a save appends a record: after the first fragment session.json holds the created state and the one with the total, and a restart reads the last', async () => {
  await withServer(async (s) => {
    const id = await createSession(s);
    const created = readFileSync(stateFile(s.root, id), 'utf8');
    assert.is(created.split('\n').length, 1, 'one record at Create-Session');
    assert.is(JSON.parse(created).total, null);
    await sendFirstFragment(s, id);
    const records = readFileSync(stateFile(s.root, id), 'utf8').split('\n');
    assert.is(records.length, 2, 'the save appended one record');
    assert.is(records[0], created, 'the first record is left as it was');
    assert.is(JSON.parse(records[1]!).total, DATA.length);
    s = await restarted(s);
    assert.is(await finishAfterProbe(s, id), FIRST, 'the restarted server continues from the acknowledged bytes');
  });
});

test('a record cut short after the last whole one (kill -9 mid-append) is skipped: the state before it holds', async () => {
  await withServer(async (s) => {
    const id = await createSession(s);
    await sendFirstFragment(s, id);
    const whole = readFileSync(stateFile(s.root, id), 'utf8').split('\n').at(-1)!;
    appendFileSync(stateFile(s.root, id), `\n${whole.slice(0, whole.length - 7)}`);
    s = await restarted(s);
    assert.is(await finishAfterProbe(s, id), FIRST);
  });
});

test('zeros where an append was (a power loss after the length grew) are skipped: the state before them holds', async () => {
  await withServer(async (s) => {
    const id = await createSession(s);
    await sendFirstFragment(s, id);
    appendFileSync(stateFile(s.root, id), Buffer.alloc(300));
    s = await restarted(s);
    assert.is(await finishAfterProbe(s, id), FIRST);
  });
});

test('a save made after a record cut short is read back: its separator ends the broken record', async () => {
  await withServer(async (s) => {
    const id = await createSession(s);
    // Cut short before the first fragment: the save of the total comes after it.
    const created = readFileSync(stateFile(s.root, id), 'utf8');
    appendFileSync(stateFile(s.root, id), `\n${created.slice(0, 40)}`);
    await sendFirstFragment(s, id);
    s = await restarted(s);
    // Had the total been lost, the server would have emptied the file and answered 0.
    assert.is(await finishAfterProbe(s, id), FIRST);
  });
});

test('a state file with no whole record is a session that never was: the restarted server drops it', async () => {
  await withServer(async (s) => {
    const id = await createSession(s);
    const created = readFileSync(stateFile(s.root, id), 'utf8');
    await stop(s);
    writeFileSync(stateFile(s.root, id), `${created.slice(0, 30)}\n\0\0\0`);
    s = await start(s.root);
    const r = await rawRequest(s.port, fragment(PATH, id, 0, DATA.subarray(0, FIRST), DATA.length));
    assert.is(r.status, 500, r.rawHead);
    assert.is(Number(r.headers['bits-error-code']), BG_E_SESSION_NOT_FOUND, r.rawHead);
  });
});

test.run();
