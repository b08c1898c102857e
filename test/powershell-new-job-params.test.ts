// New-BitsJob2's -Priority/-Description/-RetryInterval/-RetryTimeout/-Scheme/-UserName/-Credential and
// Start-BitsJob2Transfer's -Credential/-Authentication/-RetryInterval/-RetryTimeout in a real
// PowerShell engine against the portable service, a real nginx with auth_basic and a closed port
// (test/ps/e2e-new-job-params.Tests.ps1, a Pester file, holds the cmdlet-side assertions). Here: the
// same properties read again with the CLI's `info --json`, nginx's log showing who authenticated, and
// the password nowhere — not in the PowerShell output, the CLI's JSON or any file of the state dir.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { runCli, json } from './helpers/cli.js';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';
import { startNginx } from './helpers/nginx.js';
import { killServices } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

const USER = 'carol';
const PASSWORD = 'ps-n3w-j0b-Pa55!';

test('New-BitsJob2 and Start-BitsJob2Transfer parameters: read back, authenticated, refused setters cancel, no password anywhere', async () => {
  const dir = mkdtempSync('/tmp/bj2np-');
  const www = join(dir, 'www');
  const scratch = join(dir, 'scratch');
  mkdirSync(www);
  mkdirSync(scratch);
  ['a', 'b', 'c'].forEach((n, i) => writeFileSync(join(www, `${n}.bin`), pseudoRandomBytes(40_000 + i, 60 + i)));
  const nginx = await startNginx({ root: www, basicAuth: { user: USER, password: PASSWORD } });
  const closed = await startGateServer();
  const deadUrl = `${closed.url}/dead.bin`;
  await closed.close();
  try {
    const p = await runPester(join(PS_DIR, 'e2e-new-job-params.Tests.ps1'), {
      data: { Root: REPO, Scratch: scratch, ServerUrl: `${nginx.url}/basic`, ServerUser: USER, DeadUrl: deadUrl },
      env: { BITS_JOB2_STATE_DIR: dir, E2E_SERVER_PASSWORD: PASSWORD },
      timeoutMs: 400_000,
    });
    assertPester(p);

    // The CLI reads the same job the cmdlets made.
    const cli = (args: string[]) => runCli(args, { stateDir: dir });
    const listed = json<{ id: string; displayName: string }[]>(await cli(['list', '--json']));
    const params = listed.find((j) => j.displayName === 'ps params');
    assert.ok(params, 'the job New-BitsJob2 made is listed');
    const info = json<{ description: string; priority: string; minimumRetryDelay: number; noProgressTimeout: number }>(await cli(['info', params!.id, '--json']));
    assert.equal(
      { description: info.description, priority: info.priority, minimumRetryDelay: info.minimumRetryDelay, noProgressTimeout: info.noProgressTimeout },
      { description: 'nightly backup', priority: 'HIGH', minimumRetryDelay: 45, noProgressTimeout: 900 },
    );
    for (const gone of ['ps params conflict', 'ps params refused', 'ps params long user', 'ps params no scheme']) {
      assert.not.ok(listed.some((j) => j.displayName === gone), `no job '${gone}' is left`);
    }

    const log = await nginx.readAccessLog();
    assert.ok(log.some((l) => l.startsWith('GET /basic/a.bin ') && / 200 .*user=carol$/.test(l)), 'New-BitsJob2 -Credential: a.bin sent as carol');
    assert.ok(log.some((l) => l.startsWith('GET /basic/b.bin ') && / 200 .*user=carol$/.test(l)), 'Start-BitsJob2Transfer -Credential: b.bin sent as carol');
    assert.ok(log.filter((l) => l.startsWith('GET /basic/c.bin ')).every((l) => / 401 /.test(l)), 'c.bin without credentials: refused');

    // The password: not in the PowerShell output, the CLI's documents or any file the service keeps.
    const r = p.run;
    assert.not.ok(r.stdout.includes(PASSWORD) || r.stderr.includes(PASSWORD), 'no password in the PowerShell output');
    for (const j of listed) {
      const doc = await cli(['info', j.id, '--json']);
      assert.not.ok(doc.stdout.includes(PASSWORD) || doc.stderr.includes(PASSWORD), `no password in info of ${j.displayName}`);
    }
    for (const f of readdirSync(dir)) {
      if (f === 'www' || f === 'scratch' || !statSync(join(dir, f)).isFile()) continue;
      assert.not.ok(readFileSync(join(dir, f)).includes(PASSWORD), `no password in ${f}`);
    }
  } finally {
    await killServices(dir);
    await nginx.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
