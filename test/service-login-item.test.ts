// `bits-job2 service install|uninstall`: the systemd user unit checked by systemd's own verifier,
// its ExecStart run as systemd would run it (the service it starts resumes a queued job; a second
// start exits 2, which the unit counts as success), install/uninstall of the file, the environment
// carried (never a password), and the macOS launchd agent as a property list.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, statSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { parseStringPromise } from 'xml2js';
import { launchdPlist, systemdUnit } from '../module/service/login-item.js';
import { json, makeSandbox } from './helpers/cli.js';
import { REPO } from './helpers/service.js';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';
import { sha256, sha256File } from './helpers/tmp.js';
import { SERVICE_NODE_FLAGS } from '../module/service/node-flags.js';

/** No user service manager can be reached from the children: install writes the file and says what to run. */
const noUserManager = (sb: ReturnType<typeof makeSandbox>) => ({
  XDG_CONFIG_HOME: join(sb.stateDir, 'config'),
  XDG_RUNTIME_DIR: join(sb.stateDir, 'no-runtime'),
  DBUS_SESSION_BUS_ADDRESS: 'unix:path=/nonexistent/bus',
});

/** The words of an ExecStart= line as systemd splits them ("..." with \\ and \" escapes, %% for %). */
function execStartWords(unit: string): string[] {
  const line = /^ExecStart=(.*)$/m.exec(unit)![1]!;
  return [...line.matchAll(/"((?:[^"\\]|\\.)*)"/g)].map((m) => m[1]!.replace(/\\(.)/g, '$1').replace(/%%/g, '%'));
}

test('the unit passes systemd-analyze verify (a broken one does not); proxies and CA are carried, passwords never', async () => {
  const sb = makeSandbox('bj2u-');
  try {
    const env = { ...noUserManager(sb), https_proxy: 'http://proxy.example:3128', BITS_JOB2_CA_FILE: '/etc/ssl/corp-ca.pem', http_proxy: 'http://bob:hunter2@proxy.example:3128', BITS_JOB2_PASSWORD: 'never-in-a-file' };
    const r = await sb.run(['service', 'install', '--print'], { env });
    assert.is(r.code, 0, r.stderr);
    const unitFile = join(sb.stateDir, 'bits-job2.service');
    writeFileSync(unitFile, r.stdout);
    const verify = spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' });
    assert.is(verify.status, 0, verify.stderr);
    assert.is(verify.stderr.trim(), '', 'no warning from systemd');
    assert.match(r.stdout, /^Environment="https_proxy=http:\/\/proxy\.example:3128"$/m);
    assert.match(r.stdout, /^Environment="BITS_JOB2_CA_FILE=\/etc\/ssl\/corp-ca\.pem"$/m);
    assert.not.match(r.stdout, /hunter2|never-in-a-file|BITS_JOB2_PASSWORD/);
    assert.equal(execStartWords(r.stdout), [process.execPath, ...SERVICE_NODE_FLAGS, join(REPO, 'dist', 'module', 'service', 'main.js'), '--state-dir', sb.stateDir]);
    // The verifier is not a rubber stamp: a unit whose program does not exist fails it.
    writeFileSync(unitFile, r.stdout.replace(`"${process.execPath}"`, '"/nonexistent/node"'));
    assert.is.not(spawnSync('systemd-analyze', ['verify', unitFile], { encoding: 'utf8' }).status, 0);
    // Words with spaces, quotes and % survive systemd's quoting.
    const odd = systemdUnit({ node: '/opt/my node/bin/node', serviceMain: '/srv/a"b/main.js', stateDir: '/home/x/100%/state', env: {} });
    assert.equal(execStartWords(odd), ['/opt/my node/bin/node', ...SERVICE_NODE_FLAGS, '/srv/a"b/main.js', '--state-dir', '/home/x/100%/state']);
    const install = await sb.run(['service', 'install', '--json'], { env });
    const report = json<{ path: string; applied: boolean; commands: string[]; leftOut: string[]; notes: string[] }>(install);
    assert.match(report.leftOut.join(), /http_proxy \(it holds a password/);
  } finally {
    await sb.cleanup();
  }
});

test('what ExecStart runs is the service: it resumes a job queued before it started; a second start exits 2', async () => {
  const gate = await startGateServer();
  const body = pseudoRandomBytes(200_000, 21);
  gate.set('/queued.bin', { body });
  const sb = makeSandbox('bj2u-');
  try {
    // Queued by the in-process engine, which stops with the command: nothing transfers it yet.
    const id = (await sb.run(['create', 'after-reboot', '--backend', 'portable'])).stdout.trim();
    const dest = join(sb.stateDir, 'queued.bin');
    assert.is((await sb.run(['add-file', id, `${gate.url}/queued.bin`, dest, '--backend', 'portable'])).code, 0);
    assert.is((await sb.run(['resume', id, '--backend', 'portable'])).code, 0);
    const unit = (await sb.run(['service', 'install', '--print'], { env: noUserManager(sb) })).stdout;
    const [program, ...args] = execStartWords(unit);
    const service = spawn(program!, args, { stdio: 'ignore' });
    const exited = new Promise<number | null>((resolve) => service.on('exit', (code) => resolve(code)));
    let state = '';
    for (let i = 0; i < 200 && state !== 'TRANSFERRED'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      const info = await sb.run(['info', id, '--json', '--backend', 'service']);
      if (info.code === 0) state = json<{ state: string }>(info).state;
    }
    assert.is(state, 'TRANSFERRED');
    assert.is(json<{ pid: number }>(await sb.run(['service', 'status', '--json'])).pid, service.pid, 'the unit\'s process ran the job, not one started on demand');
    const second = spawnSync(program!, args, { encoding: 'utf8', timeout: 20_000 });
    assert.is(second.status, 2, `already running: ${second.stderr}`);
    assert.is((await sb.run(['complete', id])).code, 0);
    assert.is(await sha256File(dest), sha256(body));
    assert.is((await sb.run(['service', 'stop'])).code, 0);
    assert.is(await exited, 0, 'a clean stop: Restart=on-failure leaves it stopped');
  } finally {
    await sb.cleanup();
    await gate.close();
  }
});

test('install writes the unit 0600 and says what to run when no user systemd answers; uninstall removes it', async () => {
  const sb = makeSandbox('bj2u-');
  try {
    const env = noUserManager(sb);
    const r = await sb.run(['service', 'install'], { env });
    assert.is(r.code, 0, r.stderr);
    const path = join(env.XDG_CONFIG_HOME, 'systemd', 'user', 'bits-job2.service');
    assert.match(r.stdout, new RegExp(`^written: ${path}$`, 'm'));
    assert.match(r.stdout, /to finish:\n  systemctl --user daemon-reload\n  systemctl --user enable --now bits-job2\.service/);
    assert.match(r.stdout, /loginctl enable-linger \$USER/);
    assert.is(statSync(path).mode & 0o777, 0o600);
    assert.is(readFileSync(path, 'utf8'), (await sb.run(['service', 'install', '--print'], { env })).stdout);
    const u = await sb.run(['service', 'uninstall'], { env });
    assert.is(u.code, 0, u.stderr);
    assert.match(u.stdout, new RegExp(`^removed: ${path}$`, 'm'));
    assert.not.ok(existsSync(path));
    assert.match((await sb.run(['service', 'uninstall'], { env })).stdout, /nothing installed/);
  } finally {
    await sb.cleanup();
  }
});

test('macOS: the launchd agent is a property list that runs the same command at load and after crashes', async () => {
  const plist = launchdPlist({ node: '/usr/local/bin/node', serviceMain: '/opt/bits & co/main.js', stateDir: '/Users/a/state', env: { https_proxy: 'http://p:3128' } });
  const doc = await parseStringPromise(plist);
  const dict = doc.plist.dict[0];
  const keys: string[] = dict.key;
  assert.equal(keys, ['Label', 'ProgramArguments', 'EnvironmentVariables', 'RunAtLoad', 'KeepAlive', 'ThrottleInterval']);
  assert.equal(dict.array[0].string, ['/usr/local/bin/node', ...SERVICE_NODE_FLAGS, '/opt/bits & co/main.js', '--state-dir', '/Users/a/state']);
  assert.equal(dict.dict[0].key, ['https_proxy']);
  assert.ok('true' in dict, 'RunAtLoad true');
  assert.equal(dict.dict[1].key, ['SuccessfulExit']);
});

test.run();
