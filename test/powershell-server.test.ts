// Start-BitsJob2Server (`bits-job2 serve`) in the real PowerShell engine against the real CLI:
// -WhatIf starts nothing, -NoWait returns a running server that answers a BITS ping, every parameter
// at once starts a server (so each flag the cmdlet emits is one the real CLI accepts), the foreground
// form lasts until the pipeline is stopped (Ctrl+C) and takes the server with it, a bad -Root is an
// E_INVALIDARG ErrorRecord; TLS + Basic from files (certificate, key, htpasswd) gives an https
// server that refuses no/wrong passwords and takes the right one, with no secret in its argv
// (test/ps/server.Tests.ps1).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import bcrypt from 'bcryptjs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';
import { makeTestCertificates } from './helpers/nginx.js';

const PASSWORD = 'Ps-Server-Secret-7';

test('Start-BitsJob2Server: -WhatIf, -NoWait (running, answers BITS), every parameter accepted by the real CLI, foreground until Ctrl+C, errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-serve-ps-'));
  let stdout = '';
  try {
    const certs = await makeTestCertificates(join(dir, 'certs'));
    const users = join(dir, 'htpasswd');
    writeFileSync(users, `alice:${bcrypt.hashSync(PASSWORD, 4)}\n`, { mode: 0o600 });
    const r = await runPester(join(PS_DIR, 'server.Tests.ps1'), { data: { Root: REPO, Dir: dir, TlsCert: certs.certFile, TlsKey: certs.keyFile, Users: users }, timeoutMs: 180_000 });
    stdout = r.run.stdout;
    assertPester(r);
    const tls = /tls: (https:\/\/\S+) pid (\d+)/.exec(r.run.stdout);
    assert.ok(tls, r.run.stdout);
    const [, url, pid] = tls!;
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    for (const flag of ['--tls-cert=', '--tls-key=', '--auth=basic', '--users=', '--auth-path=/secure/', '--log-format=json']) {
      assert.ok(cmdline.some((x) => x.startsWith(flag)), `the cmdlet passed ${flag}: ${cmdline.join(' ')}`);
    }
    assert.not.ok(cmdline.join(' ').includes(PASSWORD), 'no secret on the command line');
    mkdirSync(join(dir, 'secure'), { recursive: true });
    const ping = (extra: string[]) => execFileSync('curl', ['-sS', '--cacert', certs.caFile, '-X', 'BITS_POST', '-H', 'BITS-Packet-Type: Create-Session',
      '-H', 'BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}', '-H', 'Content-Length: 0', '-o', '/dev/null', '-w', '%{http_code}', ...extra, `${url}secure/x.bin`]).toString();
    assert.is(ping([]), '401', 'no credentials: 401 (Basic on /secure/)');
    assert.is(ping(['-u', 'alice:wrong']), '401', 'wrong password: 401');
    // curl reads the password from a config file on stdin here, not from its own argv.
    assert.is(execFileSync('curl', ['-K', '-', '-sS', '--cacert', certs.caFile, '-X', 'BITS_POST', '-H', 'BITS-Packet-Type: Create-Session',
      '-H', 'BITS-Supported-Protocols: {7df0354d-249b-430f-820d-3d2a9bef4931}', '-H', 'Content-Length: 0', '-o', '/dev/null', '-w', '%{http_code}', `${url}secure/x.bin`],
    { input: `user = "alice:${PASSWORD}"\n` }).toString(), '200', 'the right password over TLS: a session');
    assert.match(r.run.stdout, /nowait: http:\/\/127\.0\.0\.1:\d+\/ pid \d+/);
    assert.match(r.run.stdout, /full: http:\/\/127\.0\.0\.1:\d+\/full\/ pid \d+/);
  } finally {
    // A failed or killed run must not leave a server behind: stop the ones it started, by pid.
    for (const m of stdout.matchAll(/ pid (\d+)/g)) {
      try { process.kill(Number(m[1]), 'SIGTERM'); } catch { /* already gone */ }
    }
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
