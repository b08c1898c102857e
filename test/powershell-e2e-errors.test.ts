// Failures and -WhatIf of the Bits.Job2 cmdlets in a real PowerShell engine against the portable
// service: ErrorRecords with the BITS code name, HRESULT and category (reply data of a download job,
// a bad URL, an unknown job, a wrong state), a 404 download ending in ERROR through Wait-BitsJob2,
// and -WhatIf on every changing cmdlet (the others are in the reply and credentials files).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { pseudoRandomBytes, startGateServer } from './helpers/gate-server.js';
import { killServices } from './helpers/service.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

async function withSandbox(fn: (ctx: { dir: string; scratch: string; url: string; gate: Awaited<ReturnType<typeof startGateServer>> }) => Promise<void>) {
  const dir = mkdtempSync('/tmp/bj2pe-');
  const scratch = join(dir, 'scratch');
  mkdirSync(scratch);
  const gate = await startGateServer();
  gate.set('/ok.bin', { body: pseudoRandomBytes(50_000, 41) });
  gate.set('/missing.bin', { body: Buffer.alloc(0), status: 404 });
  gate.set('/held.bin', { body: pseudoRandomBytes(50_000, 42), hold: true });
  try {
    await fn({ dir, scratch, url: gate.url, gate });
  } finally {
    await killServices(dir);
    gate.release('/held.bin');
    await gate.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const errorsScript = (part: string, c: { dir: string; scratch: string; url: string }) =>
  runPester(join(PS_DIR, 'e2e-errors.Tests.ps1'), {
    data: { Root: REPO, Scratch: c.scratch, MissingUrl: `${c.url}/missing.bin`, OkUrl: `${c.url}/ok.bin`, Part: part },
    env: { BITS_JOB2_STATE_DIR: c.dir },
    timeoutMs: 300_000,
  });

test('errors are ErrorRecords with the BITS name and HRESULT; a 404 ends in ERROR through Wait-BitsJob2', () =>
  withSandbox(async (c) => {
    const r = await errorsScript('Records', c);
    assertPester(r);
    assert.is(r.tests.length, 8, 'the Records Its ran');
    assert.ok(c.gate.log.some((l) => l.path === '/missing.bin'), 'the job asked the server for the missing file');
  }));

test('E_NOTIMPL (reply data of a download job) has the category NotImplemented', () =>
  withSandbox(async (c) => {
    const r = await errorsScript('Categories', c);
    assertPester(r);
    assert.is(r.tests.length, 1, 'the Categories It ran');
  }));

test('-WhatIf on New/Add-File/Set/Resume/Complete/Suspend/Remove changes nothing; without it each acts', () =>
  withSandbox(async (c) => {
    const p = await runPester(join(PS_DIR, 'e2e-whatif.Tests.ps1'), {
      data: { Root: REPO, Scratch: c.scratch, OkUrl: `${c.url}/ok.bin`, HeldUrl: `${c.url}/held.bin` },
      env: { BITS_JOB2_STATE_DIR: c.dir },
      timeoutMs: 300_000,
    });
    assertPester(p);
    const r = p.run;
    // Each -WhatIf went through ShouldProcess and printed its "What if:" line.
    for (const op of ['CreateJob', 'AddFileSet', 'SetDisplayName', 'Resume', 'Complete', 'Suspend', 'Cancel']) {
      assert.match(r.stdout, new RegExp(`What if: Performing the operation "${op}[^"]*\\(bits-job2 `), `What if line of ${op}`);
    }
  }));

test.run();
