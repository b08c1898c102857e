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
import { describe, PS_DIR, REPO, runPwsh } from './pwsh-host/host.js';

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
  runPwsh([join(PS_DIR, 'e2e-errors.ps1'), '-Root', REPO, '-Scratch', c.scratch, '-MissingUrl', `${c.url}/missing.bin`, '-OkUrl', `${c.url}/ok.bin`, '-Part', part], {
    env: { BITS_JOB2_STATE_DIR: c.dir },
    timeoutMs: 110_000,
  });

test('errors are ErrorRecords with the BITS name and HRESULT; a 404 ends in ERROR through Wait-BitsJob2', () =>
  withSandbox(async (c) => {
    const r = await errorsScript('Records', c);
    assert.is(r.code, 0, describe(r));
    assert.match(r.stdout, /ok: error records/);
    assert.ok(c.gate.log.some((l) => l.path === '/missing.bin'), 'the job asked the server for the missing file');
  }));

test('E_NOTIMPL (reply data of a download job) has the category NotImplemented', () =>
  withSandbox(async (c) => {
    const r = await errorsScript('Categories', c);
    assert.is(r.code, 0, describe(r));
    assert.match(r.stdout, /ok: categories/);
  }));

test('-WhatIf on New/Add-File/Set/Resume/Complete/Suspend/Remove changes nothing; without it each acts', () =>
  withSandbox(async (c) => {
    const r = await runPwsh([join(PS_DIR, 'e2e-whatif.ps1'), '-Root', REPO, '-Scratch', c.scratch, '-OkUrl', `${c.url}/ok.bin`, '-HeldUrl', `${c.url}/held.bin`], {
      env: { BITS_JOB2_STATE_DIR: c.dir },
      timeoutMs: 110_000,
    });
    assert.is(r.code, 0, describe(r));
    assert.match(r.stdout, /ok: -WhatIf changed nothing/);
    // Each -WhatIf went through ShouldProcess and printed its "What if:" line.
    for (const op of ['CreateJob', 'AddFileSet', 'SetDisplayName', 'Resume', 'Complete', 'Suspend', 'Cancel']) {
      assert.match(r.stdout, new RegExp(`What if: Performing the operation "${op}[^"]*\\(bits-job2 `), `What if line of ${op}`);
    }
  }));

test.run();
