// Digest in a farm (issue 17): two real `serve --farm --auth digest` processes on one session
// directory, started at the same moment (both race to make the farm's nonce key). A client that
// authenticated at one instance goes on at the other with the same nonce — no 401, no stale=true
// round — and a (nonce, nc) spent at one instance is refused at the other before any byte is
// written. The key file is 0600, made once, and appears in no log and no command line.
import { createHash } from 'node:crypto';
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { digestAuthorization, readDigestChallenge } from '../module/engine/transport/auth/digest.js';
import { startChildServer, type ChildServer, fragment, packet, RawConnection } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const USER = 'alice';
const PASSWORD = 'Farm-Digest-7';
const REALM = 'BITS uploads';
const H = (alg: string, s: string) => createHash(alg).update(s).digest('hex');

const tmp = await makeTmpDir('bits-farm-digest');
await mkdir(tmp.file('root/in'), { recursive: true });
await writeFile(tmp.file('htdigest'), `${USER}:${REALM}:${H('sha256', `${USER}:${REALM}:${PASSWORD}`)}\n`);
const farmArgs = (sessions: string) => ['--root', tmp.file('root'), '--sessions-dir', sessions, '--farm', '--auth', 'digest', '--users', tmp.file('htdigest'), '--log-format', 'json'];
let a: ChildServer;
let b: ChildServer;

test.before(async () => {
  [a, b] = await Promise.all([startChildServer(farmArgs(tmp.file('sessions'))), startChildServer(farmArgs(tmp.file('sessions')))]);
});
test.after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  await tmp.cleanup();
});

function digestHeader(challengeHeader: string, method: string, uri: string, nc: number): string {
  const first = challengeHeader.split(/,\s*(?=Digest )/).find((c) => c.includes('algorithm=SHA-256,'))!;
  const params: Record<string, string> = {};
  for (const m of first.replace(/^Digest /, '').matchAll(/(\w+)=(?:"([^"]*)"|([^,\s]+))/g)) params[m[1]!.toLowerCase()] = m[2] ?? m[3]!;
  const ch = readDigestChallenge({ name: 'digest', scheme: 'Digest', params } as never);
  if ('unusable' in ch) throw new Error(ch.unusable);
  return digestAuthorization({ challenge: ch, userName: USER, password: PASSWORD, method, uri, nc });
}

test('a client authenticated at one instance is accepted at the other with the same nonce; a replay at the other is refused', async () => {
  const path = '/in/moved.bin';
  const atA = await RawConnection.open(a.port);
  const challenge = await atA.send(packet(path, 'Create-Session'));
  assert.is(challenge.status, 401);
  const ch = challenge.headers['www-authenticate']!;
  const first = digestHeader(ch, 'BITS_POST', path, 1);
  const cr = await atA.send(packet(path, 'Create-Session', { headers: { Authorization: first } }));
  assert.is(cr.status, 200, cr.rawHead);
  const id = cr.headers['bits-session-id']!;
  atA.close();

  // The client moves to instance B (a load balancer's choice, or the host-id fallback): A's nonce, the next nc.
  const atB = await RawConnection.open(b.port);
  const part = Buffer.alloc(4096, 7);
  const moved = await atB.send(fragment(path, id, 0, part, 8192, { Authorization: digestHeader(ch, 'BITS_POST', path, 2) }));
  assert.is(moved.status, 200, `B accepts A's nonce without another round: ${moved.rawHead}`);
  assert.is(moved.headers['bits-received-content-range'], '4096');

  // A captured header, spent at A (nc 1) — replayed at B.
  const replayed = await atB.send(packet(path, 'Create-Session', { headers: { Authorization: first } }));
  assert.is(replayed.status, 401, 'the (nonce, nc) spent at A is refused at B');
  assert.not.match(replayed.headers['www-authenticate'] ?? '', /stale=true/, 'refused as a replay, not as an old nonce');
  // nc 2 was spent at B: replayed at A, with a body, nothing is written.
  const atA2 = await RawConnection.open(a.port);
  const again = await atA2.send(fragment(path, id, 4096, Buffer.alloc(4096, 8), 8192, { Authorization: digestHeader(ch, 'BITS_POST', path, 2) }));
  assert.is(again.status, 401, 'the (nonce, nc) spent at B is refused at A');
  atA2.close();
  assert.is((await stat(`${tmp.file('sessions')}/Requests/${id}/requestfile.bin`)).size, 4096, 'no byte of the replayed fragment was written');

  const rest = await atB.send(fragment(path, id, 4096, Buffer.alloc(4096, 9), 8192, { Authorization: digestHeader(ch, 'BITS_POST', path, 3) }));
  assert.is(rest.status, 200, rest.rawHead);
  assert.is((await atB.send(packet(path, 'Close-Session', { sessionId: id, headers: { Authorization: digestHeader(ch, 'BITS_POST', path, 4) } }))).status, 200);
  atB.close();
  assert.ok((await readFile(tmp.file('root/in/moved.bin'))).equals(Buffer.concat([part, Buffer.alloc(4096, 9)])));
});

test('the farm nonce key: one file, mode 0600, never in a log or a command line', async () => {
  const keyFile = tmp.file('sessions/digest-nonce.key');
  const st = await stat(keyFile);
  assert.is(st.mode & 0o777, 0o600);
  const key = await readFile(keyFile);
  assert.is(key.length, 32);
  for (const s of [a, b]) {
    const cmdline = await readFile(`/proc/${s.pid}/cmdline`);
    for (const form of [key.toString('hex'), key.toString('base64'), key.toString('base64url')]) {
      assert.not.ok(s.stderr().includes(form), 'the key is not in the log');
      assert.not.ok(cmdline.includes(form), 'the key is not in argv');
    }
    assert.not.ok(cmdline.includes(key), 'the raw key is not in argv');
  }
});

test('a nonce key that others may read is refused with a message saying what to do', async () => {
  await mkdir(tmp.file('loose'));
  await writeFile(tmp.file('loose/digest-nonce.key'), Buffer.alloc(32, 1));
  await chmod(tmp.file('loose/digest-nonce.key'), 0o644);
  const err = await startChildServer(farmArgs(tmp.file('loose'))).then(
    async (s) => {
      await s.stop();
      return 'started';
    },
    (e: Error) => e.message,
  );
  assert.match(err, /digest-nonce\.key may be read by other users .*chmod 600/);
});

test.run();
