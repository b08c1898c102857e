# A cmdlet of the installed package that cannot run on this machine (no node on PATH, or native
# add-ons built for another platform or Node) must stop with a terminating error of id Expect:
# even with -ErrorAction Continue the statement after it does not run. NoNode empties PATH first.
param([string] $ModulesDir, [string] $Expect, [switch] $NoNode)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModulesDir + [System.IO.Path]::PathSeparator + $env:PSModulePath
if ($NoNode) {
    [System.Environment]::SetEnvironmentVariable('BITS_JOB2_NODE', $null)
    $env:PATH = [System.IO.Path]::Combine($ModulesDir, 'no-such-bin')
}
Import-Module Bits.Job2

$caught = $null
$reached = $false
try {
    New-BitsJob2 -DisplayName 'cannot run' -ErrorAction Continue
    $reached = $true
} catch { $caught = $_ }
if ($reached) { throw 'the error was not terminating: the next statement ran' }
if (-not $caught) { throw 'no error' }
if ($caught.FullyQualifiedErrorId -notlike "$Expect*") { throw "error id $($caught.FullyQualifiedErrorId): $($caught.Exception.Message)" }
$Error.Clear() # the expected error is not a failure of this script
"category: $($caught.CategoryInfo.Category)"
"message: $($caught.Exception.Message)"
if ($caught.ErrorDetails -and $caught.ErrorDetails.RecommendedAction) { "action: $($caught.ErrorDetails.RecommendedAction)" }
"ok: $($caught.FullyQualifiedErrorId)"
