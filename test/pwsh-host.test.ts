// PwshHost (issue 6): a real PowerShell 7.6 engine (Microsoft.PowerShell.SDK 7.6.9) hosted by a small
// C# program, so the PowerShell module can be tested here without pwsh. These tests prove the host
// itself: exit codes, streams, and that the engine features the module relies on work in it
// (PSSerializer CLIXML, the parser, manifest modules, Get-Command metadata, comment-based Get-Help).
// The host is built inside the first test (dotnet build -c Release); a missing dotnet is a failure.
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PS_DIR, describe, ensurePwshHost, runPwsh } from './pwsh-host/host.js';
import { assertPester, runPester } from './pwsh-host/pester.js';

const ps = (name: string) => join(PS_DIR, name);

test('builds with dotnet build -c Release', () => {
  const b = ensurePwshHost();
  console.log(`  PwshHost build: ${b.ms} ms`);
});

test('a passing script exits 0; its output arrives on stdout, warnings on stderr, arguments bind', async () => {
  const r = await runPwsh([ps('host-pass.ps1'), '-Name', "O'Brien x", '-Shout']);
  console.log(`  one run (start-up + script): ${r.ms} ms`);
  assert.is(r.code, 0, describe(r));
  assert.match(r.stdout, /^hello O'Brien x$/m);
  assert.match(r.stdout, /^SHOUT$/m);
  assert.match(r.stdout, /^PS 7\.6\.9 Core$/m);
  assert.match(r.stderr, /^WARNING: a warning goes to stderr$/m);
  assert.not.match(r.stdout, /WARNING/);
});

test('a throwing script exits 1 with the message, the line and the script stack trace', async () => {
  const r = await runPwsh([ps('host-throw.ps1')]);
  assert.is(r.code, 1, describe(r));
  assert.match(r.stdout, /before the throw/);
  assert.not.match(r.stdout, /never printed/);
  assert.match(r.stderr, /boom-marker-1234/);
  assert.match(r.stderr, /host-throw\.ps1:3 char:24/);
  assert.match(r.stderr, /at Invoke-Boom, .*host-throw\.ps1: line 3/);
});

test('a non-terminating Write-Error exits 1 (the script runs on); -AllowErrors exits 0', async () => {
  const r = await runPwsh([ps('host-write-error.ps1')]);
  assert.is(r.code, 1, describe(r));
  assert.match(r.stdout, /after the non-terminating error/);
  assert.match(r.stderr, /^ERROR: soft-failure-5678$/m);
  assert.match(r.stderr, /host-write-error\.ps1: line 2/);
  const allowed = await runPwsh(['-AllowErrors', ps('host-write-error.ps1')]);
  assert.is(allowed.code, 0, describe(allowed));
});

test('-e runs inline script text with $args; a usage error exits 2; a non-zero exit fails', async () => {
  const r = await runPwsh(['-e', '"sum=$([int]$args[0] + [int]$args[1])"', '2', '3']);
  assert.is(r.code, 0, describe(r));
  assert.is(r.stdout.trim(), 'sum=5');
  const usage = await runPwsh(['--no-such-flag']);
  assert.is(usage.code, 2, describe(usage));
  assert.match(usage.stderr, /usage:/);
  const missing = await runPwsh([ps('does-not-exist.ps1')]);
  assert.is(missing.code, 2, describe(missing));
  const exit3 = await runPwsh(['-e', 'exit 3']);
  assert.is(exit3.code, 1, describe(exit3));
  assert.match(exit3.stderr, /LASTEXITCODE=3/);
});

test('--list-commands: Core, Utility, Management and Security cmdlets exist; -Bare has Core only', async () => {
  const r = await runPwsh(['--list-commands']);
  assert.is(r.code, 0, describe(r));
  for (const name of ['Get-Command', 'Get-Help', 'Import-Module', 'Test-ModuleManifest', 'Write-Output', 'ConvertFrom-Json', 'ConvertTo-SecureString', 'Join-Path', 'Out-String']) {
    assert.match(r.stdout, new RegExp(`\\s${name}\\s`), `${name} missing from --list-commands`);
  }
  const bare = await runPwsh(['-Bare', '--list-commands']);
  assert.match(bare.stdout, /\sGet-Command\s/);
  assert.not.match(bare.stdout, /\sConvertFrom-Json\s/);
});

// The engine features the module relies on, as Pester files (issue 15) run by the host's Pester runner.
test('PSSerializer.Deserialize of a hand-built CLIXML keeps our type names (prefixed Deserialized.) — clixml.Tests.ps1', async () => {
  assertPester(await runPester(ps('clixml.Tests.ps1')));
});

test('the PowerShell parser can be called from a script and reports errors (and finds PS7-only syntax) — parser.Tests.ps1', async () => {
  assertPester(await runPester(ps('parser.Tests.ps1')));
});

test('Import-Module of a manifest module, Test-ModuleManifest, Get-Command metadata, -WhatIf, Get-Help — module.Tests.ps1', async () => {
  const r = await runPester(ps('module.Tests.ps1'));
  assertPester(r);
  // -WhatIf writes through the host UI, which Pester leaves alone: the line reaches stdout.
  assert.match(r.run.stdout, /What if: Performing the operation "Remove" on target "thing 3"\./);
});

test.run();
