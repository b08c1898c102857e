// `Get-Help about_Bits.Job2` in the real PowerShell engine: the about topic is found after
// Import-Module of the root manifest (which nests module/powershell/Bits.Job2.Cmdlets.psd1, whose
// folder holds en-US/about_Bits.Job2.help.txt) and lists every cmdlet.
import { join } from 'node:path';
import { test } from 'uvu';
import { exportedFunctions } from '../scripts/gen-powershell.js';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

test('Get-Help about_Bits.Job2 finds the topic once the module is imported, and it lists every cmdlet', async () => {
  assertPester(await runPester(join(PS_DIR, 'about-help.Tests.ps1'), { data: { Root: REPO, Expected: exportedFunctions().join(',') }, timeoutMs: 120_000 }));
});

test.run();
