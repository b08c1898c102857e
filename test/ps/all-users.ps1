# Get-BitsJob2 -AllUsers as root (test/admin-all-users.test.ts): the cmdlet passes --all-users to the
# CLI, whose administrator backend reaches every user's jobs; each job object carries its owner's SID
# and account name. Prints one line per job for the test to compare: `job <id> <Owner> <OwnerName>`.
param([string] $Root)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$jobs = @(Get-BitsJob2 -AllUsers)
Assert-True ($jobs.Count -ge 1) 'Get-BitsJob2 -AllUsers returned jobs'
foreach ($j in $jobs) {
    Assert-True ($j.PSObject.TypeNames -contains 'BitsJob2.Job') "typed BitsJob2.Job: $($j.PSObject.TypeNames -join ',')"
    $id = $j.JobId
    if (-not $id) { $id = $j.Id }
    Write-Output ('job ' + $id + ' ' + $j.Owner + ' ' + $j.OwnerName)
}
$own = @(Get-BitsJob2)
Write-Output ('own ' + $own.Count)
