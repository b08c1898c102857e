# The Group Policy example scripts (scripts/gpo/*.ps1) parse, use no syntax newer than Windows
# PowerShell 5.1 (where logon scripts run), and have comment-based help with a synopsis.
param([string] $Root)
. (Join-Path $PSScriptRoot 'assert.ps1')
$ErrorActionPreference = 'Stop'
$files = @(Get-ChildItem -Path (Join-Path $Root 'scripts/gpo') -Filter *.ps1)
if ($files.Count -lt 2) { throw "expected the logon and the notify script, found $($files.Count)" }
foreach ($f in $files) {
    Assert-Ps51Syntax $f.FullName
    $help = Get-Help $f.FullName
    if (-not $help.Synopsis -or $help.Synopsis -like "$($f.Name)*") { throw "$($f.Name): no synopsis in its comment-based help" }
}
"ok: $($files.Count) scripts"
