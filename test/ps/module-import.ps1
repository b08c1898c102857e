# Loads the generated Bits.Job2 module in the real PowerShell engine and checks what a user sees:
# every module file parses and uses no syntax newer than Windows PowerShell 5.1, the manifest is
# valid, the exports equal the list given as argument 1 (comma-separated), and every cmdlet has a
# synopsis and an example in Get-Help. Throws on the first problem (the host exits 1).
param([string] $Root, [string] $Expected)
. (Join-Path $PSScriptRoot 'assert.ps1')
$ErrorActionPreference = 'Stop'

$files = Get-ChildItem -Path (Join-Path $Root 'module/powershell') -Recurse -Include *.ps1, *.psm1
$files += Get-Item (Join-Path $Root 'Bits.Job2.psd1')
foreach ($f in $files) {
    Assert-Ps51Syntax $f.FullName
}

$manifest = Test-ModuleManifest -Path (Join-Path $Root 'Bits.Job2.psd1')
if ($manifest.CompatiblePSEditions -notcontains 'Desktop' -or $manifest.CompatiblePSEditions -notcontains 'Core') { throw 'CompatiblePSEditions must be Desktop and Core' }
if ($manifest.PowerShellVersion -ne [version]'5.1') { throw "PowerShellVersion is $($manifest.PowerShellVersion)" }

Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$exported = @((Get-Command -Module Bits.Job2).Name | Sort-Object)
$want = @($Expected.Split(',') | Sort-Object)
if (($exported -join ',') -ne ($want -join ',')) { throw "exports differ: got $($exported -join ',') want $($want -join ',')" }

foreach ($name in $exported) {
    $help = Get-Help $name -Full
    if (-not $help.Synopsis -or $help.Synopsis.Trim() -eq $name) { throw "$name has no synopsis" }
    if (@($help.Examples.Example).Count -lt 1) { throw "$name has no example" }
}
"ok: $($files.Count) files parsed, $($exported.Count) cmdlets with help"
