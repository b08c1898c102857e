// Windows PowerShell 5.1 compatibility of the module's code, beyond syntax: every .NET type, static
// member, constructor and (statically typed) instance member the module's scripts use, found from the
// PowerShell AST in the real engine, must exist in the .NET Framework 4.8 and PowerShell Standard
// 5.1.1 reference assemblies with an overload taking that many arguments (test/pwsh-compat). A file of
// deliberately newer APIs proves that missing ones are reported.
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PS_DIR, REPO } from './pwsh-host/host.js';
import { checkCompat } from './pwsh-compat/checker.js';

interface Ref { kind: string; type: string; member: string; static: boolean; arguments: number }

function moduleScripts(dir = join(REPO, 'module/powershell')): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return moduleScripts(p);
    return /\.(ps1|psm1)$/.test(n) ? [p] : [];
  });
}

test('every .NET API the module uses exists in .NET Framework 4.8 + PowerShell Standard 5.1.1', async () => {
  const files = moduleScripts();
  assert.ok(files.length >= 20, `module scripts found: ${files.length}`);
  const r = await checkCompat(files);
  assert.is(r.code, 0, `${r.stdout}\n${r.stderr}`);
  assert.match(r.stdout, /checked \d+ type and \d+ member references against \.NET Framework 4\.8 and PowerShell Standard 3\.0\.0\.0 \(5\.1\.1\): 0 missing/);
  // The list is not vacuous: the APIs the CLI helper depends on are among those checked.
  const refs = r.references as Ref[];
  const has = (type: string, member: string, args: number) => refs.some((x) => x.type === type && x.member === member && x.arguments === args);
  for (const [type, member, args] of [
    ['System.Diagnostics.ProcessStartInfo', 'StandardOutputEncoding', -1],
    ['System.Diagnostics.ProcessStartInfo', 'EnvironmentVariables', -1],
    ['System.Diagnostics.Process', 'Start', 1],
    ['System.Diagnostics.Process', 'Kill', 0],
    ['System.IO.StreamReader', 'ReadLineAsync', 0],
    ['System.String', 'Split', 1],
    ['System.Management.Automation.PSCmdlet', 'ShouldProcess', 2],
    ['System.Management.Automation.PSCmdlet', 'GetUnresolvedProviderPathFromPSPath', 1],
    ['System.Management.Automation.ValidateRangeAttribute', '.ctor', 2],
    ['System.Management.Automation.ParameterAttribute', 'ValueFromPipelineByPropertyName', -1],
    ['System.Convert', 'FromBase64String', 1],
  ] as const) {
    assert.ok(has(type, member, args), `${type}::${member}/${args} is among the checked references`);
  }
});

test('APIs newer than Windows PowerShell 5.1 are reported, one line each, and the ones 5.1 has are not', async () => {
  const r = await checkCompat([join(PS_DIR, 'compat-bad.ps1')]);
  assert.is(r.code, 1, `${r.stdout}\n${r.stderr}`);
  const missing = r.stdout.split('\n').filter((l) => l.startsWith('MISSING:'));
  const want = [
    /System\.Diagnostics\.ProcessStartInfo\.ArgumentList: no such member/,
    /System\.Diagnostics\.ProcessStartInfo\.StandardInputEncoding: no such member/,
    /System\.Diagnostics\.Process\.Kill\/1: no overload takes 1 argument/,
    /System\.IO\.Path::GetRelativePath\/2: no such member/,
    /System\.Convert::ToHexString\/1: no such member/,
    /type System\.Text\.Json\.JsonSerializer /,
    /System\.Text\.Json\.JsonSerializer::Serialize\/1: type System\.Text\.Json\.JsonSerializer does not exist/,
    /type System\.Management\.Automation\.PSStyle /,
    /System\.Management\.Automation\.PSStyle::Instance: type System\.Management\.Automation\.PSStyle does not exist/,
    /System\.Management\.Automation\.ValidateRangeAttribute::new\/1: no constructor takes 1 argument/,
    /System\.String\.Contains\/2: no overload takes 2 argument/,
  ];
  for (const re of want) assert.ok(missing.some((l) => re.test(l)), `${re} not reported:\n${missing.join('\n')}`);
  assert.is(missing.length, want.length, `one line per newer API:\n${missing.join('\n')}`);
  for (const ok of [/Process::Start/, /String::Join/, /Encoding::UTF8/, /WaitForExit/]) assert.not.ok(missing.some((l) => ok.test(l)), `${ok} exists in 5.1 but was reported`);
  assert.match(missing.join('\n'), /compat-bad\.ps1:\d+/, 'each line names the file and line');
});

test.run();
