// Start-BitsJob2Transfer (the Start-BitsTransfer one-liner) in a real PowerShell engine against the
// portable service and a loopback server (test/ps/e2e-start-transfer.Tests.ps1, a Pester file, holds the assertions).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';
import { killServices } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

test('synchronous, several files, -Asynchronous, a 404 as the job\'s ErrorRecord, -WhatIf', async () => {
  const dir = mkdtempSync('/tmp/bj2st-');
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  const gate = await startGateServer();
  gate.set('/ok.bin', { body: pseudoRandomBytes(50_000, 51) });
  gate.set('/ok2.bin', { body: pseudoRandomBytes(20_000, 52) });
  gate.set('/missing.bin', { body: Buffer.alloc(0), status: 404 });
  try {
    assertPester(await runPester(join(PS_DIR, 'e2e-start-transfer.Tests.ps1'), { data: { Root: REPO, Scratch: scratch, BaseUrl: gate.url }, env: { BITS_JOB2_STATE_DIR: dir }, timeoutMs: 300_000 }));
    assert.ok(gate.log.some((l) => l.path === '/missing.bin'), 'the 404 job asked the server');
  } finally {
    await killServices(dir);
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
