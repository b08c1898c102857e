// `bits-job2 doctor` through the real CLI on a private state dir: all ok on a fresh dir and with a
// running service; each fault found with its fix — an open state dir, a damaged store (left exactly
// as it was), a clock that went back, a bad proxy variable (credentials never printed), a CA file
// that is missing or holds no certificate. The Windows rules and the Node floor as units.
import { spawnSync } from 'node:child_process';
import { chmodSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { checkNode } from '../module/cli/doctor/local-checks.js';
import { checkCaFile } from '../module/cli/doctor/network-checks.js';
import { checkBitsService, checkInteractiveSession } from '../module/cli/doctor/windows-checks.js';
import { json, makeSandbox } from './helpers/cli.js';

interface Report { ok: boolean; backend: string; checks: { check: string; status: string; detail: string; fix?: string }[] }
const byCheck = (r: Report, check: string) => r.checks.filter((c) => c.check === check);

async function withSandbox(fn: (sb: ReturnType<typeof makeSandbox>) => Promise<void>) {
  const sb = makeSandbox('bj2d-');
  try {
    await fn(sb);
  } finally {
    await sb.cleanup();
  }
}

test('a fresh state dir and then a running service: every check ok, exit 0; doctor starts nothing', () =>
  withSandbox(async (sb) => {
    const r = await sb.run(['doctor', '--json'], { env: { KRB5CCNAME: `FILE:${join(sb.stateDir, 'no-ticket-cache')}` } });
    assert.is(r.code, 0, r.stderr);
    const report = json<Report>(r);
    assert.is(report.ok, true);
    assert.equal(report.checks.map((c) => c.check), ['node', 'sqlite', 'state-dir', 'store', 'service', 'bandwidth-policy', 'proxy', 'ca-file', 'auth', 'kerberos']);
    assert.match(byCheck(report, 'auth')[0]!.detail, /NTLM \(NTLMv2 only\) and NEGOTIATE .*NEGOTIATE is Kerberos .*NTLMv2 in its place when Kerberos is unavailable; not used: NTLM single sign-on/);
    assert.match(byCheck(report, 'kerberos')[0]!.detail, /^built; no ticket cache \(FILE:.*\)/, 'CI builds the add-on (install-test-deps.sh); the sandbox has no ticket cache');
    assert.ok(report.checks.every((c) => c.status === 'ok'), JSON.stringify(report.checks));
    assert.match(byCheck(report, 'service')[0]!.detail, /^not running/);
    assert.equal(readdirSync(sb.stateDir), [], 'doctor created nothing');

    const id = (await sb.run(['create', 'doctor'])).stdout.trim();
    const running = json<Report>(await sb.run(['doctor', '--json']));
    assert.match(byCheck(running, 'service')[0]!.detail, /^running, pid \d+/);
    assert.match(byCheck(running, 'store')[0]!.detail, /1 job\(s\), quick_check ok/);
    assert.is(byCheck(running, 'clock')[0]!.status, 'ok');
    assert.ok(id);
    const plain = await sb.run(['doctor']);
    assert.match(plain.stdout, /ok\s+service\s+running, pid/);
    assert.match(plain.stdout, /Nothing to do\./);
  }));

test('an open state dir fails with the chmod to run', () =>
  withSandbox(async (sb) => {
    chmodSync(sb.stateDir, 0o755);
    const r = await sb.run(['doctor', '--json']);
    assert.is(r.code, 1);
    const c = byCheck(json<Report>(r), 'state-dir')[0]!;
    assert.is(c.status, 'fail');
    assert.match(c.detail, /mode 755: other users can reach your jobs/);
    assert.is(c.fix, `chmod 700 ${sb.stateDir}`);
    const plain = await sb.run(['doctor']);
    assert.match(plain.stdout, /FAIL\s+state-dir/);
    assert.match(plain.stdout, new RegExp(`To do:\\n  state-dir: chmod 700 ${sb.stateDir}`));
  }));

test('a damaged store is reported and left exactly as it was (no salvage, nothing moved aside)', () =>
  withSandbox(async (sb) => {
    assert.is((await sb.run(['create', 'before damage', '--backend', 'portable'])).code, 0);
    const store = join(sb.stateDir, 'jobs.sqlite');
    const bytes = readFileSync(store);
    bytes.write('this is not a SQLite database', 0); // the header
    writeFileSync(store, bytes);
    const r = await sb.run(['doctor', '--json', '--backend', 'portable']);
    assert.is(r.code, 1);
    const c = byCheck(json<Report>(r), 'store')[0]!;
    assert.is(c.status, 'fail');
    assert.match(c.fix!, /moves the file aside, keeps every job it can read/);
    assert.ok(readFileSync(store).equals(bytes), 'the store is untouched');
    assert.equal(readdirSync(sb.stateDir).filter((f) => f.includes('corrupt')), []);
  }));

test('a job modified after the clock\'s now: the clock went back (warn, exit 0)', () =>
  withSandbox(async (sb) => {
    assert.is((await sb.run(['create', 'future', '--backend', 'portable'])).code, 0);
    const db = new Database(join(sb.stateDir, 'jobs.sqlite'));
    db.prepare('UPDATE jobs SET modified_at = ?').run(Date.now() + 3 * 3600_000);
    db.close();
    const r = await sb.run(['doctor', '--json', '--backend', 'portable']);
    assert.is(r.code, 0, r.stderr);
    const c = byCheck(json<Report>(r), 'clock')[0]!;
    assert.is(c.status, 'warn');
    assert.match(c.detail, /1[78]\d min after this clock's now: the clock went back/);
  }));

test('proxy variables: a URL with credentials is masked, a malformed one fails', () =>
  withSandbox(async (sb) => {
    const r = await sb.run(['doctor', '--json'], { env: { https_proxy: 'http://alice:s3cret-pw@proxy.example:3128', http_proxy: 'http://[not a host' } });
    assert.is(r.code, 1);
    assert.not.match(r.stdout + r.stderr, /s3cret-pw/);
    const [bad, good] = byCheck(json<Report>(r), 'proxy');
    assert.is(bad!.status, 'fail');
    assert.match(bad!.detail, /^http_proxy=http:\/\/\[not a host is not a proxy URL/);
    assert.is(good!.status, 'ok');
    assert.match(good!.detail, /https_proxy=http:\/\/alice:\*\*\*@proxy\.example:3128\/ \(with credentials/);
  }));

test('BITS_JOB2_CA_FILE: missing, no certificate, a real one; an expired one warns', () =>
  withSandbox(async (sb) => {
    const ca = (file: string) => sb.run(['doctor', '--json'], { env: { BITS_JOB2_CA_FILE: file } }).then((r) => ({ code: r.code, c: byCheck(json<Report>(r), 'ca-file')[0]! }));
    const missing = await ca(join(sb.stateDir, 'nope.pem'));
    assert.is(missing.code, 1);
    assert.match(missing.c.detail, /cannot be read: ENOENT/);
    writeFileSync(join(sb.stateDir, 'empty.pem'), 'hello\n');
    assert.match((await ca(join(sb.stateDir, 'empty.pem'))).c.detail, /holds no PEM certificate/);
    const pem = join(sb.stateDir, 'ca.pem');
    const gen = spawnSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=doctor test CA', '-keyout', join(sb.stateDir, 'ca.key'), '-out', pem], { encoding: 'utf8' });
    assert.is(gen.status, 0, gen.stderr);
    const good = await ca(pem);
    assert.is(good.code, 0);
    assert.is(good.c.status, 'ok');
    assert.match(good.c.detail, /1 certificate\(s\), all valid now/);
    const later = checkCaFile({ BITS_JOB2_CA_FILE: pem }, Date.now() + 10 * 86400_000);
    assert.is(later.status, 'warn');
    assert.match(later.detail, /CN=doctor test CA expired on/);
  }));

test('Windows rules: the BITS service state from sc.exe, interactive logon from SESSIONNAME; the Node floor', () => {
  assert.is(checkBitsService('SERVICE_NAME: BITS\n        TYPE               : 30  WIN32\n        STATE              : 1  STOPPED\n').status, 'ok');
  assert.is(checkBitsService('        STATE              : 4  RUNNING\n').status, 'ok');
  const paused = checkBitsService('        STATE              : 7  PAUSED\n');
  assert.is(paused.status, 'warn');
  assert.match(paused.fix!, /sc\.exe start BITS/);
  assert.is(checkBitsService('[SC] EnumQueryServicesStatus:OpenService FAILED 1060:\n').status, 'fail');
  assert.is(checkBitsService(undefined).status, 'fail');
  assert.is(checkInteractiveSession({ SESSIONNAME: 'Console' }).status, 'ok');
  const remote = checkInteractiveSession({});
  assert.is(remote.status, 'warn');
  assert.match(remote.fix!, /0x800704DD/);
  assert.is(checkNode('v18.20.1').status, 'fail');
  assert.is(checkNode('v20.18.3').status, 'fail');
  assert.is(checkNode('v20.19.0').status, 'ok');
  assert.is(checkNode('v22.1.0').status, 'ok');
});

test.run();
