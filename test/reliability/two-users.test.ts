// Two users' services on one machine (issue 7). The container runs as root, which may open any file,
// so both sides are unprivileged users run through setpriv(1): `daemon` (uid 1) and `nobody`
// (uid 65534), each with its own state dir and service. Each state dir is 0700 and its socket and
// store 0600, owned by that user; the other user gets EACCES connecting to the socket and reading the
// store, cannot point the CLI at the other's state dir, and does not see or reach the other's jobs
// through its own service (BG_E_NOT_FOUND).
import { spawn } from 'node:child_process';
import { chownSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI_JS, cliEnv, type CliResult } from '../helpers/cli.js';
import { readLockPid, withService } from '../helpers/service.js';

interface User { name: string; uid: number; gid: number }
const A: User = { name: 'daemon', uid: 1, gid: 1 };
const B: User = { name: 'nobody', uid: 65534, gid: 65534 };

/** Runs `node <args>` as `user` (setpriv drops every privilege: real and effective ids, no groups). */
function runAs(user: User, args: string[], stateDir: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('setpriv', ['--reuid', String(user.uid), '--regid', String(user.gid), '--clear-groups', process.execPath, ...args], {
      env: cliEnv(stateDir, { HOME: stateDir }),
      cwd: '/',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

const cli = (user: User, stateDir: string, ...args: string[]) => runAs(user, [CLI_JS, ...args], stateDir);

/** What `user` gets connecting to `socketPath` (from its own process): 'connected' or the errno. */
async function connectAs(user: User, socketPath: string, stateDir: string): Promise<string> {
  const script = `const s = require('node:net').connect(process.argv[1]); s.on('connect', () => { console.log('connected'); s.destroy(); }); s.on('error', (e) => console.log(e.code));`;
  const r = await runAs(user, ['-e', script, socketPath], stateDir);
  return r.stdout.trim();
}

function uidOf(pid: number): number {
  return Number(/^Uid:\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]);
}

test('two unprivileged users: private state dirs and sockets, EACCES across, no job visible or reachable across', async () => {
  await withService(async (a) => {
    await withService(async (b) => {
      chownSync(a.stateDir, A.uid, A.gid);
      chownSync(b.stateDir, B.uid, B.gid);
      const createdA = await cli(A, a.stateDir, 'create', 'job of daemon');
      assert.is(createdA.code, 0, createdA.stderr);
      const idA = createdA.stdout.trim();
      const createdB = await cli(B, b.stateDir, 'create', 'job of nobody');
      assert.is(createdB.code, 0, createdB.stderr);
      const idB = createdB.stdout.trim();

      for (const [user, ctx] of [[A, a], [B, b]] as const) {
        const pid = readLockPid(ctx.stateDir)!;
        ctx.track(pid);
        assert.is(uidOf(pid), user.uid, `${user.name}'s service runs as ${user.name}`);
        const dir = statSync(ctx.stateDir);
        assert.is(dir.mode & 0o777, 0o700, 'state dir 0700');
        assert.is(dir.uid, user.uid);
        for (const f of ['service.sock', 'jobs.sqlite']) {
          const st = statSync(join(ctx.stateDir, f));
          assert.is(st.mode & 0o077, 0, `${f} is private`);
          assert.is(st.uid, user.uid, `${f} belongs to ${user.name}`);
        }
      }

      // Across users: the socket and the store are out of reach.
      assert.is(await connectAs(B, a.socketPath, b.stateDir), 'EACCES', 'nobody cannot connect to daemon\'s socket');
      assert.is(await connectAs(A, b.socketPath, a.stateDir), 'EACCES', 'daemon cannot connect to nobody\'s socket');
      assert.is(await connectAs(A, a.socketPath, a.stateDir), 'connected', 'the owner can (the check above is not vacuous)');
      const read = await runAs(B, ['-e', `try { require('node:fs').readFileSync(process.argv[1]); console.log('read') } catch (e) { console.log(e.code) }`, join(a.stateDir, 'jobs.sqlite')], b.stateDir);
      assert.is(read.stdout.trim(), 'EACCES', 'nobody cannot read daemon\'s store');

      // Pointing the CLI at the other user's state dir fails with a clear message, and starts nothing there.
      const intrude = await cli(B, b.stateDir, '--state-dir', a.stateDir, 'list');
      assert.ok(intrude.code !== 0, 'listing another user\'s state dir fails');
      assert.match(intrude.stderr, /^error: .*(EACCES|permission denied|access)/im, intrude.stderr);
      assert.not.match(intrude.stdout, new RegExp(idA), 'and shows nothing of it');

      // Through its own service, the other user's job does not exist.
      const listB = await cli(B, b.stateDir, 'list', '--json');
      assert.is(listB.code, 0, listB.stderr);
      const idsB = (JSON.parse(listB.stdout) as { id: string }[]).map((j) => j.id);
      assert.equal(idsB, [idB], 'nobody sees only its own job');
      for (const verb of ['info', 'cancel', 'complete', 'resume']) {
        const r = await cli(B, b.stateDir, verb, idA);
        assert.is(r.code, 3, `${verb} of daemon's job from nobody: ${r.stderr}`);
        assert.match(r.stderr, /BG_E_NOT_FOUND/);
      }
      const listA = await cli(A, a.stateDir, 'list', '--json');
      assert.equal((JSON.parse(listA.stdout) as { id: string }[]).map((j) => j.id), [idA], 'daemon\'s job is untouched');
      assert.match((await cli(A, a.stateDir, 'info', idA)).stdout, /SUSPENDED/);
    });
  });
});

test.run();
