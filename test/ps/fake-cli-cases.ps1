# Runs a table of cmdlet invocations (JSON written by test/powershell-fake-cli.test.ts) against the
# fake CLI (BITS_JOB2_CLI): each case gets its own FAKE_CLI_LOG file, so the test can compare the argv
# and stdin of each case with what module/api says. Parameters are splatted: 'value' as given,
# 'switch' as $true, 'credential' as a PSCredential built here from a user and a password. A case
# with 'pipe' pipes the job in instead: 'job' one of our job objects (made by Get-BitsJob2 from the
# fake CLI's info output, outside the case's log), 'guid' an object shaped like Get-BitsTransfer's
# (JobId is a [guid]), 'string' an object whose JobId is a [string]; the cmdlet runs with -Verbose and the parameter set it reports is printed.
param([string] $Root, [string] $CasesFile)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$cases = [System.IO.File]::ReadAllText($CasesFile) | ConvertFrom-Json
foreach ($case in $cases) {
    $splat = @{}
    foreach ($p in $case.params) {
        switch ($p.kind) {
            'switch' { $splat[$p.name] = $true }
            'credential' {
                $secure = ConvertTo-SecureString $p.password -AsPlainText -Force
                $splat[$p.name] = [System.Management.Automation.PSCredential]::new($p.user, $secure)
            }
            default { $splat[$p.name] = $p.value }
        }
    }
    if ($null -eq $case.pipe) {
        $env:FAKE_CLI_LOG = $case.log
        $out = @(& $case.cmdlet @splat)
        "case $($case.name): $($out.Count) object(s)"
        continue
    }
    if ($case.pipe -eq 'job') {
        $env:FAKE_CLI_LOG = $case.log + '.setup'
        $piped = Get-BitsJob2 -JobId $case.jobId
        if (-not ($piped.PSObject.TypeNames -contains 'BitsJob2.Job')) { throw "$($case.name): Get-BitsJob2 gave no BitsJob2.Job" }
    } elseif ($case.pipe -eq 'guid') {
        $piped = [pscustomobject]@{ JobId = [guid]$case.jobId; DisplayName = 'from Get-BitsTransfer' }
    } else {
        $piped = [pscustomobject]@{ JobId = [string]$case.jobId }
    }
    $env:FAKE_CLI_LOG = $case.log
    $all = @($piped | & $case.cmdlet @splat -Verbose 4>&1)
    $sets = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Parameter set *' } | ForEach-Object { $_.Message.Substring(14) })
    $out = @($all | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
    "case $($case.name): set=$($sets -join ',') $($out.Count) object(s)"
}
"ran $(@($cases).Count) cases"
