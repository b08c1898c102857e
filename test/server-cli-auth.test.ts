// The authentication flags of `bits-job2 serve` as users give them (issue 17 step 2): --auth with
// --users/--auth-path/--allow on the real CLI child, SIGHUP re-reading the users file (a user
// added is let in, a broken file keeps the old users), and the usage errors.
import { execFileSync } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import bcrypt from 'bcryptjs';
import { packet, rawRequest, startChildServer, type ChildServer } from './helpers/bits-server.js';
import { makeTmpDir } from './helpers/tmp.js';

const tmp = await makeTmpDir('bits-serve-cli-auth');
const children: ChildServer[] = [];
test.after(async () => {
  for (const c of children) await c.stop();
  await tmp.cleanup();
});
const basic = (user: string, pw: string) => ({ Authorization: `Basic ${Buffer.from(`${user}:${pw}`).toString('base64')}` });

async function waitFor(cond: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 200 && !cond(); i++) await new Promise((r) => setTimeout(r, 50));
  if (!cond()) throw new Error(`timed out waiting: ${what}`);
}

test('serve --auth basic --users F --auth-path /in/ --allow 127.0.0.1: challenge, login, SIGHUP adds a user, a broken file keeps the old ones', async () => {
  const users = tmp.file('htpasswd');
  await writeFile(users, `alice:${bcrypt.hashSync('a-pw', 4)}\n`);
  const s = await startChildServer(['--root', tmp.path, '--auth', 'basic', '--users', users, '--auth-path', '/in/', '--allow', '127.0.0.1,::1']);
  children.push(s);
  assert.match(s.stderr(), /--auth basic without --tls-cert/, 'clear-text warning');
  const open = await rawRequest(s.port, packet('/', 'Ping'));
  assert.is(open.status, 200, 'outside --auth-path');
  const challenged = await rawRequest(s.port, packet('/in/x.bin', 'Ping'));
  assert.is(challenged.status, 401);
  assert.match(challenged.headers['www-authenticate']!, /^Basic realm="BITS uploads"/);
  assert.is((await rawRequest(s.port, packet('/in/x.bin', 'Ping', { headers: basic('alice', 'a-pw') }))).status, 200);
  assert.is((await rawRequest(s.port, packet('/in/x.bin', 'Ping', { headers: basic('bob', 'b-pw') }))).status, 401);
  await writeFile(users, `alice:${bcrypt.hashSync('a-pw', 4)}\nbob:${bcrypt.hashSync('b-pw', 4)}\n`);
  process.kill(s.pid, 'SIGHUP');
  await waitFor(() => s.stderr().includes('users reloaded'), 'users reloaded');
  assert.is((await rawRequest(s.port, packet('/in/x.bin', 'Ping', { headers: basic('bob', 'b-pw') }))).status, 200, 'bob added by SIGHUP');
  await writeFile(users, 'bob:plaintext-password\n');
  process.kill(s.pid, 'SIGHUP');
  await waitFor(() => s.stderr().includes('users reload failed'), 'reload failure logged');
  assert.match(s.stderr(), /line 1: unsupported hash/);
  assert.is((await rawRequest(s.port, packet('/in/x.bin', 'Ping', { headers: basic('alice', 'a-pw') }))).status, 200, 'old users stay');
  assert.not.match(s.stderr(), /a-pw|b-pw|plaintext-password/, 'no password in the log');
  assert.is(await s.stop(), 0);
});

test('files written by Apache\'s htpasswd (-B bcrypt, -s SHA, -m APR1; password on stdin) are accepted', async () => {
  const line = (flag: string, user: string, pw: string) => execFileSync('htpasswd', [`-ni${flag}`, user], { input: pw }).toString().trim();
  const users = tmp.file('htpasswd-apache');
  await writeFile(users, [line('B', 'carol', 'c-pw'), line('s', 'dave', 'd-pw'), line('m', 'erin', 'e-pw')].join('\n') + '\n');
  const s = await startChildServer(['--root', tmp.path, '--auth', 'basic', '--users', users]);
  children.push(s);
  for (const [u, pw] of [['carol', 'c-pw'], ['dave', 'd-pw'], ['erin', 'e-pw']] as const) {
    assert.is((await rawRequest(s.port, packet('/x.bin', 'Ping', { headers: basic(u, pw) }))).status, 200, u);
    assert.is((await rawRequest(s.port, packet('/x.bin', 'Ping', { headers: basic(u, pw + 'x') }))).status, 401, `${u} wrong`);
  }
  assert.is(await s.stop(), 0);
});

test('serve usage errors: --auth without --users, --users without --auth, a bad --allow entry, a users file without the realm', async () => {
  await writeFile(tmp.file('htdigest'), 'alice:other realm:0123456789abcdef0123456789abcdef\n');
  for (const [args, message] of [
    [['--auth', 'basic'], /--auth basic needs --users FILE/],
    [['--users', tmp.file('htpasswd')], /need --auth basic\|digest/],
    [['--allow', '10.0.0.0/99'], /allow-list entry .{0,2}10\.0\.0\.0\/99.{0,2}: prefix longer/],
    [['--auth', 'digest', '--users', tmp.file('htdigest')], /no user for the realm .{0,2}BITS uploads/],
    [['--auth', 'basic', '--users', tmp.file('missing')], /cannot be read \(ENOENT\)/],
  ] as const) {
    const e = await startChildServer(['--root', tmp.path, ...args]).then((c) => (children.push(c), null), (err: Error) => err);
    assert.ok(e, args.join(' '));
    assert.match(e!.message, message);
  }
});

test.run();
