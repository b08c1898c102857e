// `Get-Help about_Bits.Job2` in the real PowerShell engine: the about topic is found after
// Import-Module of the root manifest (which nests module/powershell/Bits.Job2.Cmdlets.psd1, whose
// folder holds en-US/about_Bits.Job2.help.txt) and lists every cmdlet.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { exportedFunctions } from '../scripts/gen-powershell.js';
import { describe, PS_DIR, REPO, runPwsh } from './pwsh-host/host.js';

test('Get-Help about_Bits.Job2 finds the topic once the module is imported, and it lists every cmdlet', async () => {
  const r = await runPwsh([join(PS_DIR, 'about-help.ps1'), '-Root', REPO, '-Expected', exportedFunctions().join(',')], { timeoutMs: 120_000 });
  assert.is(r.code, 0, describe(r));
  assert.match(r.stdout, /about ok: \d+ characters/);
});

test.run();
