// The generated Bits.Job2 module in a real PowerShell engine (test/pwsh-host): every file parses as
// Windows PowerShell 5.1 syntax, Test-ModuleManifest passes, the exports equal module/api's cmdlet
// list, Get-Help has a synopsis and an example for each, and the cmdlets drive the real service.
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exportedFunctions } from '../scripts/gen-powershell.js';
import { startGateServer, pseudoRandomBytes } from './helpers/gate-server.js';
import { killServices } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

test('the module parses as 5.1 syntax, its manifest is valid, exports and help match module/api', async () => {
  const r = await runPester(join(PS_DIR, 'module-import.Tests.ps1'), { data: { Root: REPO, Expected: exportedFunctions().join(',') }, timeoutMs: 300_000 });
  assertPester(r);
  // One It per cmdlet's help: the data-driven Its ran for every exported function.
  assert.is(r.tests.filter((t) => / has a synopsis and an example in Get-Help$/.test(t.name)).length, exportedFunctions().length);
  assert.ok(r.tests.filter((t) => / parses as Windows PowerShell 5\.1 syntax$/.test(t.name)).length > 10, 'one It per module file');
});

test('cmdlets against the service: New/Add/Resume/Wait, -WhatIf, pipeline into Complete, BG_E errors', async () => {
  const http = await startGateServer();
  const body = pseudoRandomBytes(100_000, 8);
  http.set('/ps.bin', { body });
  const stateDir = mkdtempSync('/tmp/bj2p-');
  const dest = join(stateDir, 'ps.bin');
  try {
    assertPester(await runPester(join(PS_DIR, 'module-e2e.Tests.ps1'), {
      data: { Root: REPO, Url: `${http.url}/ps.bin`, Dest: dest },
      env: { BITS_JOB2_STATE_DIR: stateDir },
      timeoutMs: 300_000,
    }));
    assert.ok(readFileSync(dest).equals(body), 'the published file has the served bytes');
    assert.is(statSync(dest).size, body.length);
  } finally {
    await killServices(stateDir);
    await http.close();
    rmSync(stateDir, { recursive: true, force: true });
  }
});

test.run();
