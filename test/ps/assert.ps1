# Dot-sourced by the test scripts: a failed assertion is a terminating error (PwshHost exits 1).
function Assert-True {
    param([Parameter(Mandatory = $true)] $Condition, [Parameter(Mandatory = $true)] [string] $Message)
    if (-not $Condition) { throw "ASSERT FAILED: $Message" }
}
function Assert-Equal {
    param($Expected, $Actual, [string] $Message)
    if ($Expected -ne $Actual) { throw "ASSERT FAILED: $Message (expected '$Expected', got '$Actual')" }
}
