// An administrator's view of every user's jobs (issue 15 item 3; module/service/all-users.ts).
// Two real users, created for the test with useradd (homes under a temp dir) and removed at the end
// (also on failure), each with their own service and store in the default place
// (~/.local/state/bits-job2), run through setpriv as those users with their own HOME. root (this
// process; CI is root) then lists everyone's jobs with owners, reads another user's job, cancels one
// through the owner's running service, and takes ownership of one whose owner's service is stopped;
// an ordinary user asking for all users still gets E_ACCESSDENIED. Get-BitsJob2 -AllUsers in the real
// PowerShell engine shows the same jobs and owners.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { CLI_JS, cliEnv, type CliResult } from './helpers/cli.js';
import { killServices, waitFor } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

interface User { name: string; uid: number; gid: number; home: string; stateDir: string }

const tag = `${process.pid.toString(36)}${Date.now().toString(36).slice(-3)}`;
const base = mkdtempSync('/tmp/bj2adm-');
chmodSync(base, 0o755); // the users reach their homes through it
const rootState = join(base, 'root-state');
const users: User[] = [];

function run(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

function createUser(letter: string): User {
  const name = `bj2${letter}${tag}`.slice(0, 30);
  const home = join(base, name);
  run('useradd', ['--create-home', '--home-dir', home, '--shell', '/bin/sh', '--user-group', name]);
  const u = { name, uid: Number(run('id', ['-u', name]).trim()), gid: Number(run('id', ['-g', name]).trim()), home, stateDir: join(home, '.local', 'state', 'bits-job2') };
  users.push(u);
  return u;
}

function removeUsers(): void {
  for (const u of users) spawnSync('userdel', ['--force', u.name]);
}

/** The CLI as `user`: setpriv drops to the user's ids and groups; HOME is theirs, nothing of root's BITS_JOB2_*. */
function cliAs(user: User | null, ...args: string[]): Promise<CliResult> {
  const env = user
    ? cliEnv(undefined, { HOME: user.home, USER: user.name, LOGNAME: user.name, XDG_STATE_HOME: undefined, XDG_RUNTIME_DIR: undefined })
    : cliEnv(rootState);
  const argv = user ? ['--reuid', String(user.uid), '--regid', String(user.gid), '--init-groups', process.execPath, CLI_JS, ...args] : [CLI_JS, ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(user ? 'setpriv' : process.execPath, argv, { env, cwd: user ? user.home : '/', stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
  });
}

async function ok(user: User | null, ...args: string[]): Promise<string> {
  const r = await cliAs(user, ...args);
  assert.is(r.code, 0, `${user?.name ?? 'root'}: bits-job2 ${args.join(' ')} → ${r.code}\n${r.stderr}`);
  return r.stdout.trim();
}

const sid = (u: { uid: number }) => `S-1-22-1-${u.uid}`;
const serviceRuns = (u: User) => existsSync(join(u.stateDir, 'service.sock'));

test('root lists, reads, cancels and takes over other users\' jobs; an ordinary user gets E_ACCESSDENIED', async () => {
  const a = createUser('a');
  const b = createUser('b');
  try {
    // Each user makes jobs through their own service, as themselves.
    const aKeep = await ok(a, 'create', 'a-keep');
    const aCancel = await ok(a, 'create', 'a-cancel');
    const bInfo = await ok(b, 'create', 'b-info');
    await ok(b, 'set', bInfo, '--description', 'read by root');
    const bTake = await ok(b, 'create', 'b-take');
    const downloads = join(b.home, 'downloads');
    mkdirSync(downloads);
    run('chown', [`${b.uid}:${b.gid}`, downloads]);
    await ok(b, 'add-file', bTake, 'http://127.0.0.1:9/file.bin', join(downloads, 'file.bin'));
    await ok(b, 'set-notify-cmdline', bTake, '--program', '/bin/true');
    // b's service stops: root must read b's store without starting anything.
    await ok(b, 'service', 'stop');
    await waitFor(() => !serviceRuns(b), 10_000, `${b.name}'s service to stop`);
    assert.ok(serviceRuns(a), `${a.name}'s service keeps running`);
    const rootOwn = await ok(null, 'create', 'root-own');

    // The ordinary user asking for everyone's jobs: E_ACCESSDENIED, as before.
    const denied = await cliAs(a, 'list', '--all-users');
    assert.ok(denied.code !== 0, 'an ordinary user cannot list all users');
    assert.match(denied.stderr, /E_ACCESSDENIED/);
    assert.match(denied.stderr, /administrator/);
    assert.not.match(denied.stdout, new RegExp(bInfo));
    const deniedTake = await cliAs(a, 'take-ownership', aKeep);
    assert.match(deniedTake.stderr, /E_ACCESSDENIED/, 'TakeOwnership needs an administrator');
    // The hand-over calls are refused on a connection that did not say it is an administrator's.
    const raw = spawnSync('setpriv', ['--reuid', String(a.uid), '--regid', String(a.gid), '--init-groups', process.execPath, '-e',
      `const s = require('node:net').connect(process.argv[1]); s.on('connect', () => s.write(JSON.stringify({ id: 1, method: 'handOverJob', params: [process.argv[2]] }) + '\\n'));
       s.on('data', (d) => { process.stdout.write(d); s.destroy(); });`, join(a.stateDir, 'service.sock'), aKeep], { encoding: 'utf8', timeout: 20_000 });
    assert.match(raw.stdout, /E_ACCESSDENIED|0x80070005|2147942405/, raw.stdout + raw.stderr);

    // root: everyone's jobs, with their owners.
    const all = JSON.parse(await ok(null, 'list', '--all-users', '--json')) as { id: string; owner: string; ownerName: string; displayName: string }[];
    const mine = all.filter((j) => [sid(a), sid(b), sid({ uid: 0 })].includes(j.owner) && [aKeep, aCancel, bInfo, bTake, rootOwn].includes(j.id));
    assert.equal(
      mine.map((j) => [j.displayName, j.owner, j.ownerName]).sort(),
      [['a-cancel', sid(a), a.name], ['a-keep', sid(a), a.name], ['b-info', sid(b), b.name], ['b-take', sid(b), b.name], ['root-own', sid({ uid: 0 }), 'root']].sort(),
    );
    const table = await ok(null, 'list', '--all-users');
    assert.match(table.split('\n')[0]!, /OWNER/);
    assert.match(table, new RegExp(`${bInfo}.*${b.name}\\s+b-info`));
    assert.match(table, new RegExp(`${aKeep}.*${a.name}\\s+a-keep`));
    assert.not.match(await ok(null, 'list'), new RegExp(aKeep), 'without --all-users root sees its own jobs only');
    // PowerShell: Get-BitsJob2 -AllUsers goes through the same CLI.
    const expected = ([[aKeep, a], [bInfo, b], [rootOwn, { uid: 0, name: 'root' }]] as [string, { uid: number; name: string }][]).map(([id, u]) => ({ id, owner: sid(u), ownerName: u.name }));
    assertPester(await runPester(join(PS_DIR, 'all-users.Tests.ps1'), { data: { Root: REPO, Expected: expected, OwnCount: 1 }, env: { BITS_JOB2_STATE_DIR: rootState }, timeoutMs: 120_000 }));
    assert.not.ok(serviceRuns(b), 'listing a stopped user\'s store started nothing');

    // info on another user's job (b's service is stopped: read from the store as b).
    const info = JSON.parse(await ok(null, 'info', bInfo, '--json')) as { displayName: string; description: string; owner: string; state: string };
    assert.equal([info.displayName, info.description, info.owner, info.state], ['b-info', 'read by root', sid(b), 'SUSPENDED']);
    assert.match(await ok(null, 'info', bInfo.slice(0, 8)), /b-info/, 'a prefix of another user\'s job resolves for root');
    assert.not.ok(serviceRuns(b));

    // cancel through a's running service: a's service does it, as a; both logs say who.
    assert.match(await ok(null, 'cancel', aCancel), new RegExp(`cancelled ${aCancel}`));
    const aLeft = (JSON.parse(await ok(a, 'list', '--json')) as { id: string }[]).map((j) => j.id);
    assert.equal(aLeft, [aKeep], 'the cancelled job left a\'s queue; the other stays');
    assert.match(readFileSync(join(a.stateDir, 'service.log'), 'utf8'), new RegExp(`administrator root \\(uid 0.*\\): cancel ${aCancel}: done`));
    assert.match(readFileSync(join(rootState, 'admin.log'), 'utf8'), new RegExp(`cancel ${aCancel} of ${a.name} \\(uid ${a.uid}\\) via service: done`));

    // A store edited by hand must not make root write where its owner may not: b points a job at a
    // root-only directory; take-ownership refuses (checked as b) and the job stays b's.
    const bEvil = await ok(b, 'create', 'b-evil');
    await ok(b, 'add-file', bEvil, 'http://127.0.0.1:9/evil.bin', join(downloads, 'evil.bin'));
    await ok(b, 'service', 'stop');
    await waitFor(() => !serviceRuns(b), 10_000, `${b.name}'s service to stop`);
    const rootOnly = join(base, 'root-only');
    mkdirSync(rootOnly, { mode: 0o700 });
    const db = new Database(join(b.stateDir, 'jobs.sqlite'));
    assert.is(db.prepare('UPDATE files SET local_name = ?, temp_name = ? WHERE job_id = ?').run(join(rootOnly, 'evil.bin'), join(rootOnly, 'evil.tmp'), bEvil).changes, 1);
    db.close();
    const evil = await cliAs(null, 'take-ownership', bEvil);
    assert.is(evil.code, 1, evil.stderr);
    assert.match(evil.stderr, /E_ACCESSDENIED/);
    assert.match(evil.stderr, new RegExp(`${b.name} could not reach the job's files \\(cannot write in ${rootOnly}\\)`));
    assert.not.ok((JSON.parse(await ok(null, 'list', '--json')) as { id: string }[]).some((j) => j.id === bEvil), 'not adopted by root');
    assert.not.ok(existsSync(join(rootOnly, 'evil.tmp')), 'root wrote nothing there');
    await waitFor(() => !serviceRuns(b), 10_000, `the service root started for ${b.name} to stop again`);

    // take-ownership of b's job while b's service is stopped: started as b for the hand-over, stopped again.
    assert.match(await ok(null, 'take-ownership', bTake), new RegExp(`took ownership of ${bTake}`));
    await waitFor(() => !serviceRuns(b), 10_000, `the service root started for ${b.name} to stop again`);
    const taken = JSON.parse(await ok(null, 'info', bTake, '--json')) as { owner: string; state: string; notifyCmdLine: { program: string } };
    assert.is(taken.owner, sid({ uid: 0 }), 'the job is root\'s now');
    assert.is(taken.state, 'SUSPENDED', 'in the state it had');
    assert.is(taken.notifyCmdLine.program, '', 'TakeOwnership removed the notify command line');
    assert.ok((JSON.parse(await ok(null, 'list', '--json')) as { id: string }[]).some((j) => j.id === bTake), 'in root\'s own list');
    const bLeft = (JSON.parse(await ok(b, 'list', '--json')) as { id: string }[]).map((j) => j.id);
    assert.equal(bLeft.sort(), [bInfo, bEvil].sort(), 'gone from b\'s list; b\'s other jobs stay (the refused one too)');
    const bGone = await cliAs(b, 'info', bTake);
    assert.is(bGone.code, 3, 'b no longer reaches it');
    assert.match(readFileSync(join(rootState, 'admin.log'), 'utf8'), new RegExp(`takeOwnership ${bTake} of ${b.name} \\(uid ${b.uid}\\): the job is now root's`));
    assert.match(readFileSync(join(b.stateDir, 'service.log'), 'utf8'), new RegExp(`handOverJob ${bTake}: done`));
    // root cancels it like any of its jobs.
    assert.match(await ok(null, 'cancel', bTake), /cancelled/);
  } finally {
    for (const u of users) await killServices(u.stateDir);
    await killServices(rootState);
    removeUsers();
    rmSync(base, { recursive: true, force: true });
  }
});

test.run();
