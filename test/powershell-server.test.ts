// Start-BitsJob2Server (`bits-job2 serve`) in the real PowerShell engine against the real CLI:
// -WhatIf starts nothing, -NoWait returns a running server that answers a BITS ping, every parameter
// at once starts a server (so each flag the cmdlet emits is one the real CLI accepts), the foreground
// form lasts until the pipeline is stopped (Ctrl+C) and takes the server with it, a bad -Root is an
// E_INVALIDARG ErrorRecord (test/ps/server.Tests.ps1).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

test('Start-BitsJob2Server: -WhatIf, -NoWait (running, answers BITS), every parameter accepted by the real CLI, foreground until Ctrl+C, errors', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'bj2-serve-ps-'));
  let stdout = '';
  try {
    const r = await runPester(join(PS_DIR, 'server.Tests.ps1'), { data: { Root: REPO, Dir: dir }, timeoutMs: 180_000 });
    stdout = r.run.stdout;
    assertPester(r);
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
