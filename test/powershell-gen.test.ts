// The PowerShell module is generated from module/api (scripts/gen-powershell.ts): regenerate in
// memory and compare with what is committed, and check the generated text against the description
// (names, verbs, parameters, ShouldProcess, exports, secrets) and against Windows PowerShell 5.1
// syntax at the regex level. The parser-level and runtime checks run in the real PowerShell engine
// (test/pwsh-host/).
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { OPERATIONS } from '../module/api/operations.js';
import { ENUMS } from '../scripts/powershell/model.js';
import { HEADER, INNER_MANIFEST, MANIFEST, PS_DIR, exportedFunctions, powerShellFiles } from '../scripts/gen-powershell.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** PowerShell's approved verbs (Get-Verb) for the verbs this module uses or may use. */
const APPROVED_VERBS = new Set(['New', 'Get', 'Add', 'Resume', 'Suspend', 'Complete', 'Remove', 'Set', 'Wait', 'Start', 'Stop', 'Clear', 'Invoke', 'Receive', 'Send']);

function listFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? listFiles(join(dir, n)) : [join(dir, n)]));
}

function cmdletOps() {
  return OPERATIONS.filter((o) => o.cmdlet);
}

function cmdletName(o: (typeof OPERATIONS)[number]): string {
  return `${o.cmdlet!.verb}-${o.cmdlet!.noun}`;
}

/** Declared parameters of a generated function: name → type (one `[type] $Name` line per parameter). */
function declaredParams(text: string): Map<string, string> {
  const block = text.slice(text.indexOf('    param('), text.indexOf('\n    )\n'));
  const out = new Map<string, string>();
  for (const m of block.matchAll(/^ {8}\[((?:[^\[\]]|\[\])+)\] \$(\w+)(?: = [^,\n]+)?,?$/gm)) out.set(m[2]!, m[1]!);
  return out;
}

/** Code without comments (help blocks and `#` line comments; the module has no `#` inside strings). */
function codeOnly(text: string): string {
  return text
    .replace(/<#[\s\S]*?#>/g, '')
    .split('\n')
    .map((l) => l.replace(/(^|\s)#.*$/, '$1'))
    .join('\n');
}

test('the committed PowerShell module equals what scripts/gen-powershell.ts generates (no drift, nothing stale)', () => {
  const expected = powerShellFiles();
  for (const [rel, text] of expected) {
    let committed: string;
    try {
      committed = readFileSync(join(root, rel), 'utf8');
    } catch {
      assert.unreachable(`${rel} is missing: run node dist/scripts/gen-powershell.js`);
      return;
    }
    assert.fixture(committed, text, `${rel} drifted: run node dist/scripts/gen-powershell.js`);
  }
  const committed = listFiles(join(root, PS_DIR)).map((f) => relative(root, f).split('\\').join('/'));
  for (const rel of committed) assert.ok(expected.has(rel), `${rel} is stale (not generated): delete it or generate it`);
  assert.ok(expected.has(MANIFEST));
});

test('every generated file carries the generator header', () => {
  for (const [rel, text] of powerShellFiles()) {
    const head = text.replace(/^\uFEFF/, '').split('\n').slice(0, 3).join('\n');
    assert.ok(head.includes(HEADER) || head.includes(HEADER.replace(/^# /, '')), `${rel} has no header`);
    if (/\.(ps1|psm1|psd1)$/.test(rel)) assert.ok(text.startsWith('\uFEFF'), `${rel}: PowerShell files are UTF-8 with BOM (5.1 reads BOM-less files as ANSI)`);
  }
});

test('every operation with a cmdlet has Public/<Verb>-<Noun>.ps1 defining that function, with an approved verb', () => {
  const files = powerShellFiles();
  for (const op of cmdletOps()) {
    const name = cmdletName(op);
    assert.ok(APPROVED_VERBS.has(op.cmdlet!.verb), `${op.name}: ${op.cmdlet!.verb} is not an approved verb`);
    assert.match(op.cmdlet!.noun, /^BitsJob2/, `${name}: the noun carries the product prefix`);
    const text = files.get(`${PS_DIR}/Public/${name}.ps1`);
    assert.ok(text, `${op.name}: no ${PS_DIR}/Public/${name}.ps1`);
    assert.match(text!, new RegExp(`^function ${name} \\{$`, 'm'));
    assert.match(text!, /\[CmdletBinding\(/);
  }
  for (const rel of files.keys()) {
    const m = /\/Public\/([A-Za-z]+)-(\w+)\.ps1$/.exec(rel);
    if (m) assert.ok(APPROVED_VERBS.has(m[1]!), `${rel}: ${m[1]} is not an approved verb`);
  }
  assert.ok(files.has(`${PS_DIR}/Public/Wait-BitsJob2.ps1`), 'Wait-BitsJob2 is generated');
});

test('FunctionsToExport and Export-ModuleMember equal the description\'s cmdlets (+ Wait-BitsJob2, Start-BitsJob2Transfer), sorted, no wildcards', () => {
  const want = [...new Set([...cmdletOps().map(cmdletName), 'Wait-BitsJob2', 'Start-BitsJob2Transfer'])].sort();
  assert.equal(exportedFunctions(), want);
  const files = powerShellFiles();
  const psd1 = files.get(MANIFEST)!;
  const list = /FunctionsToExport = @\(([\s\S]*?)\)/.exec(psd1)![1]!;
  const names = [...list.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
  assert.equal(names, want);
  assert.not.match(psd1, /\*/, 'no wildcards in the manifest');
  for (const key of ['CmdletsToExport', 'AliasesToExport', 'VariablesToExport']) assert.match(psd1, new RegExp(`${key} = @\\(\\)`));
  assert.match(psd1, /CompatiblePSEditions = @\('Desktop', 'Core'\)/);
  assert.match(psd1, /PowerShellVersion = '5\.1'/);
  // The root manifest nests the one under module/powershell (its ModuleBase holds the en-US help).
  assert.match(psd1, /NestedModules = @\('module\/powershell\/Bits\.Job2\.Cmdlets\.psd1'\)/);
  assert.not.match(psd1, /RootModule/);
  const inner = files.get(INNER_MANIFEST)!;
  assert.match(inner, /RootModule = 'Bits\.Job2\.psm1'/);
  assert.equal([.../FunctionsToExport = @\(([\s\S]*?)\)/.exec(inner)![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!), want);
  assert.match(psd1, /FormatsToProcess = @\('module\/powershell\/Bits\.Job2\.Format\.ps1xml'\)/);
  assert.match(psd1, /GUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'/);
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.match(psd1, new RegExp(`ModuleVersion = '${pkg.version.replace(/[-+].*$/, '').replace(/\./g, '\\.')}'`));
  const psm1 = files.get(`${PS_DIR}/Bits.Job2.psm1`)!;
  const exported = [.../Export-ModuleMember -Function @\(([\s\S]*?)\)/.exec(psm1)![1]!.matchAll(/'([^']+)'/g)].map((m) => m[1]!).sort();
  assert.equal(exported, want);
  for (const n of want) assert.ok(psm1.includes(`'Public', '${n}.ps1'`), `the loader dot-sources ${n}.ps1`);
  assert.ok(psm1.indexOf("'Private'") < psm1.indexOf("'Public'"), 'Private is loaded before Public');
});

test('every parameter of the description appears with its ps name, type, Mandatory, ValidateSet and pipeline binding', () => {
  const files = powerShellFiles();
  for (const op of cmdletOps()) {
    const text = files.get(`${PS_DIR}/Public/${cmdletName(op)}.ps1`)!;
    const params = declaredParams(text);
    for (const p of op.params) {
      const type = params.get(p.ps);
      assert.ok(type, `${cmdletName(op)}: parameter -${p.ps} (${op.name}.${p.name}) is missing`);
      assert.ok(text.includes(`.PARAMETER ${p.ps}\n`), `${cmdletName(op)}: no help for -${p.ps}`);
      // The declaration block of this parameter: from the previous blank line to `$Name`.
      const at = text.indexOf(`] $${p.ps}`);
      const block = text.slice(text.lastIndexOf('\n\n', at), at);
      const t = p.type;
      if (typeof t === 'object') {
        assert.is(type, 'string');
        const names = Object.keys(ENUMS[t.enum]!).map((n) => `'${n}'`).join(', ');
        assert.ok(block.includes(`[ValidateSet(${names})]`), `${cmdletName(op)} -${p.ps}: ValidateSet(${names})`);
      } else if (t === 'jobId') {
        assert.is(type, 'string');
        assert.ok(block.includes('ValueFromPipelineByPropertyName = $true'), `${cmdletName(op)} -${p.ps}: pipeline by property name`);
        assert.ok(block.includes("[Alias('Id', 'Guid')]"), `${cmdletName(op)} -${p.ps}: aliases Id, Guid`);
      } else if (t === 'int' || t === 'flags') {
        assert.ok(type === 'uint32' || type === 'int', `${cmdletName(op)} -${p.ps}: integer type, got ${type}`);
        if (p.max !== undefined) assert.ok(block.includes(`[ValidateRange(${p.min ?? 0}, ${p.max})]`), `${cmdletName(op)} -${p.ps}: ValidateRange`);
      } else if (t === 'bytes') {
        assert.is(type, 'uint64', `${cmdletName(op)} -${p.ps}: byte counts are UINT64`);
      } else if (t === 'bool') {
        assert.is(type, 'switch');
      } else if (t === 'secret') {
        assert.is(type, 'System.Management.Automation.PSCredential', `${cmdletName(op)} -${p.ps}: secrets are PSCredential`);
      } else if ((op.cmdlet?.collects ?? []).some((n: string) => n === p.name)) {
        // File pairs (OperationSpec.cmdlet.collects): arrays paired by position, pipeline objects by property name.
        assert.is(type, 'string[]', `${cmdletName(op)} -${p.ps}: collected into one call`);
        assert.ok(block.includes('ValueFromPipelineByPropertyName = $true'), `${cmdletName(op)} -${p.ps}: pipeline by property name`);
      } else {
        assert.is(type, 'string', `${cmdletName(op)} -${p.ps}`);
      }
      assert.is(block.includes('Mandatory = $true'), p.required, `${cmdletName(op)} -${p.ps}: Mandatory = ${p.required}`);
      // The CLI flag it becomes is the CLI's own.
      if ('flag' in p.cli && t !== 'bool' && t !== 'secret') assert.ok(text.includes(`'--${p.cli.flag}=' + `), `${cmdletName(op)} -${p.ps} → --${p.cli.flag}`);
      if ('flag' in p.cli && (t === 'bool' || t === 'secret')) assert.ok(text.includes(`$argv.Add('--${p.cli.flag}')`), `${cmdletName(op)} -${p.ps} → --${p.cli.flag}`);
    }
    assert.ok(text.includes(`$argv.Add('${op.cli}')`), `${cmdletName(op)} runs bits-job2 ${op.cli}`);
  }
});

test('ShouldProcess operations declare SupportsShouldProcess and call ShouldProcess; the others do not', () => {
  const files = powerShellFiles();
  for (const op of cmdletOps()) {
    const text = files.get(`${PS_DIR}/Public/${cmdletName(op)}.ps1`)!;
    if (op.cmdlet!.shouldProcess) {
      assert.match(text, /\[CmdletBinding\([^)]*SupportsShouldProcess = \$true/, `${cmdletName(op)}: SupportsShouldProcess`);
      assert.match(text, /\$PSCmdlet\.ShouldProcess\(/);
    } else {
      assert.not.match(text, /SupportsShouldProcess/, `${cmdletName(op)}: reads only`);
    }
  }
});

test('every cmdlet has comment-based help: synopsis, description, every parameter, at least one example', () => {
  for (const [rel, text] of powerShellFiles()) {
    if (!rel.includes('/Public/')) continue;
    for (const k of ['.SYNOPSIS', '.DESCRIPTION', '.EXAMPLE']) assert.ok(text.includes(`    ${k}\n`), `${rel}: ${k}`);
    for (const name of declaredParams(text).keys()) assert.ok(text.includes(`.PARAMETER ${name}\n`), `${rel}: .PARAMETER ${name}`);
    const fn = /\/Public\/(.+)\.ps1$/.exec(rel)![1]!;
    const examples = [...text.matchAll(/\.EXAMPLE\n([\s\S]*?)\n\n/g)].map((m) => m[1]!);
    assert.ok(examples.some((e) => e.includes(fn)), `${rel}: an example uses ${fn}`);
  }
});

test('no generated file uses syntax newer than Windows PowerShell 5.1 (regex level) or the utility cmdlets the test host lacks', () => {
  const forbidden: [RegExp, string][] = [
    [/\?\?/, '?? / ??= (null coalescing, PS 7)'],
    [/\?\./, '?. (null-conditional, PS 7.1)'],
    [/\?\[/, '?[ (null-conditional index, PS 7.1)'],
    [/&&|\|\|/, '&& / || pipeline chains (PS 7)'],
    [/\s\?\s[^\n]*\s:\s/, 'ternary ?: (PS 7)'],
    [/-Parallel\b/, 'ForEach-Object -Parallel (PS 7)'],
    [/\bclean\s*\{/, 'clean block (PS 7.3)'],
    [/\$PSStyle\b|\$IsWindows\b|\$IsLinux\b|\$IsMacOS\b/, 'PS 6+ automatic variables'],
    [/-AsHashtable\b/, '-AsHashtable (PS 6)'],
    [/\bArgumentList\b/, 'ProcessStartInfo.ArgumentList (.NET Core only)'],
    [/StandardInputEncoding/, 'ProcessStartInfo.StandardInputEncoding (.NET Core only)'],
    [/System\.Text\.Json|JavaScriptSerializer/, 'a JSON API present in only one of .NET Framework / .NET'],
    [/\b(ConvertFrom-Json|ConvertTo-Json|Write-Output|Write-Host|Write-Verbose|Write-Warning|Write-Error|Write-Progress|New-Object|Start-Sleep|Join-Path|Test-Path|Split-Path|Get-ChildItem|Select-Object|Sort-Object|Out-String|Get-Date)\b/, 'a utility cmdlet (missing in the test host: use .NET or $PSCmdlet)'],
  ];
  for (const [rel, text] of powerShellFiles()) {
    if (!/\.(ps1|psm1|psd1)$/.test(rel)) continue;
    const code = codeOnly(text);
    for (const [re, what] of forbidden) {
      const m = re.exec(code);
      assert.not.ok(m, `${rel}: ${what}: …${m ? code.slice(Math.max(0, m.index - 40), m.index + 40) : ''}…`);
    }
  }
});

test('secrets: no password parameter except -Credential [PSCredential]; the password only reaches -InputText (stdin)', () => {
  for (const [rel, text] of powerShellFiles()) {
    if (!rel.includes('/Public/')) continue;
    for (const [name, type] of declaredParams(text)) {
      assert.not.match(name, /password|passwd|pwd|secret/i, `${rel}: -${name} looks like a password parameter`);
      if (/credential/i.test(name)) assert.is(type, 'System.Management.Automation.PSCredential', `${rel}: -${name}`);
    }
    for (const line of text.split('\n')) {
      if (line.includes('$argv.Add(')) assert.not.match(line, /GetNetworkCredential|Password\b|\$inputText/, `${rel}: a password flows into argv: ${line.trim()}`);
    }
    assert.not.match(text, /'--password(?!-stdin)/, `${rel}: only --password-stdin`);
    if (text.includes('GetNetworkCredential()')) {
      assert.match(text, /\$inputText = \$\w+\.GetNetworkCredential\(\)\.Password/);
      assert.match(text, /Invoke-BitsJob2Cli -Arguments \$argv\.ToArray\(\) -InputText \$inputText/);
    }
  }
  for (const op of OPERATIONS) {
    for (const p of op.params) {
      if (/^(password|passwd|pwd)$/i.test(p.name) && op.cmdlet) assert.is(p.type, 'secret', `${op.name}.${p.name} must be a secret`);
    }
  }
});

test('New-BitsJob2\'s help says what it returns: the job object, not an id string (issue 15 item 10)', () => {
  const text = powerShellFiles().get(`${PS_DIR}/Public/New-BitsJob2.ps1`)!;
  const returns = /Returns: ([^\n]*)/.exec(text)?.[1] ?? '';
  assert.match(returns, /BitsJob2\.Job object/);
  assert.not.match(returns, /GUID string/);
  assert.match(text, /\[OutputType\('BitsJob2\.Job'\)\]/);
});

test('format view keyed on BitsJob2.Job, about topic, private helper', () => {
  const files = powerShellFiles();
  const xml = files.get(`${PS_DIR}/Bits.Job2.Format.ps1xml`)!;
  assert.match(xml, /^<\?xml version="1\.0" encoding="utf-8"\?>\n<!--/);
  assert.match(xml, /<ViewSelectedBy>\s*<TypeName>BitsJob2\.Job<\/TypeName>\s*<\/ViewSelectedBy>/);
  const columns = [...xml.matchAll(/<PropertyName>(\w+)<\/PropertyName>/g)].map((m) => m[1]);
  assert.equal(columns, ['JobId', 'DisplayName', 'JobState', 'TransferType', 'BytesTransferred', 'BytesTotal']);
  assert.is([...xml.matchAll(/<TableColumnHeader>/g)].length, columns.length);
  // Balanced tags (a cheap well-formedness check; the host loads it for real).
  const tags = [...xml.replace(/<\?[^>]*\?>|<!--[\s\S]*?-->/g, '').matchAll(/<(\/?)(\w+)>/g)];
  const stack: string[] = [];
  for (const [, close, name] of tags) {
    if (close) assert.is(stack.pop(), name, `Format.ps1xml: </${name}> closes the open element`);
    else stack.push(name!);
  }
  assert.is(stack.length, 0);
  const about = files.get(`${PS_DIR}/en-US/about_Bits.Job2.help.txt`)!;
  assert.match(about, /TOPIC\n {4}about_Bits\.Job2/);
  assert.match(about, /SHORT DESCRIPTION/);
  for (const n of exportedFunctions()) assert.ok(about.includes(n), `about_Bits.Job2 lists ${n}`);
  const helper = files.get(`${PS_DIR}/Private/Invoke-BitsJob2Cli.ps1`)!;
  assert.match(helper, /function Invoke-BitsJob2Cli \{/);
  assert.match(helper, /'dist', 'module', 'cli', 'main\.js'/);
  for (const [name, category] of [['NOT_FOUND', 'ObjectNotFound'], ['INVALID_STATE', 'InvalidOperation'], ['E_INVALIDARG', 'InvalidArgument'], ['E_ACCESSDENIED', 'PermissionDenied']]) {
    assert.match(helper, new RegExp(`${name}'\\) \\{ return \\[System\\.Management\\.Automation\\.ErrorCategory\\]::${category} \\}`));
  }
  assert.match(helper, /BitsJob2NodeNotFound/);
  assert.match(helper, /BitsJob2CliNotFound/);
});

test.run();
