# Dot-sourced by the PowerShell scripts not yet in Pester — test/ps/wine-chain.ps1 (the Wine lane was
# not run with Pester yet, issue 15) and test/ps/all-users.ps1: a failed assertion is a terminating
# error (PwshHost exits 1). The 5.1 syntax check is Ps51Syntax.ps1's, for the Pester files.
function Assert-True {
    param([Parameter(Mandatory = $true)] $Condition, [Parameter(Mandatory = $true)] [string] $Message)
    if (-not $Condition) { throw "ASSERT FAILED: $Message" }
}
function Assert-Equal {
    param($Expected, $Actual, [string] $Message)
    if ($Expected -ne $Actual) { throw "ASSERT FAILED: $Message (expected '$Expected', got '$Actual')" }
}
