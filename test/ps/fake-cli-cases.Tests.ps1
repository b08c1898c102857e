# Runs a table of cmdlet invocations (JSON written by test/powershell-fake-cli.test.ts) against the
# fake CLI (BITS_JOB2_CLI), one It per case: each case gets its own FAKE_CLI_LOG file, so the test can
# compare the argv and stdin of each case with what module/api says. Parameters are splatted: 'value'
# as given, 'switch' as $true, 'credential' as a PSCredential built here from a user and a password.
# A case with 'pipe' pipes the job in instead: 'job' one of our job objects (made by Get-BitsJob2 from
# the fake CLI's info output, outside the case's log), 'guid' an object shaped like Get-BitsTransfer's
# (JobId is a [guid]), 'string' an object whose JobId is a [string], 'id' the job id itself as a plain
# string; the cmdlet runs with -Verbose and the parameter set it reports must be the case's 'set'.
param([string] $Root, [string] $CasesFile)

BeforeDiscovery {
    $cases = @([System.IO.File]::ReadAllText($CasesFile) | ConvertFrom-Json | ForEach-Object { @{ Case = $_; Name = $_.name } })
}

Describe 'cmdlets against the fake CLI' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
    }

    It 'case <Name>' -ForEach $cases {
        $splat = @{}
        foreach ($p in $Case.params) {
            switch ($p.kind) {
                'switch' { $splat[$p.name] = $true }
                'credential' {
                    $secure = ConvertTo-SecureString $p.password -AsPlainText -Force
                    $splat[$p.name] = [System.Management.Automation.PSCredential]::new($p.user, $secure)
                }
                default { $splat[$p.name] = $p.value }
            }
        }
        if ($null -eq $Case.pipe) {
            $env:FAKE_CLI_LOG = $Case.log
            $null = @(& $Case.cmdlet @splat)
            return
        }
        if ($Case.pipe -eq 'job') {
            $env:FAKE_CLI_LOG = $Case.log + '.setup'
            $piped = Get-BitsJob2 -JobId $Case.jobId
            ($piped.PSObject.TypeNames -contains 'BitsJob2.Job') | Should -BeTrue -Because 'Get-BitsJob2 gives a BitsJob2.Job'
        } elseif ($Case.pipe -eq 'guid') {
            $piped = [pscustomobject]@{ JobId = [guid]$Case.jobId; DisplayName = 'from Get-BitsTransfer' }
        } elseif ($Case.pipe -eq 'id') {
            $piped = [string]$Case.jobId
        } else {
            $piped = [pscustomobject]@{ JobId = [string]$Case.jobId }
        }
        $env:FAKE_CLI_LOG = $Case.log
        $all = @($piped | & $Case.cmdlet @splat -Verbose 4>&1)
        $sets = @($all | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Parameter set *' } | ForEach-Object { $_.Message.Substring(14) })
        if ($Case.set) { ($sets -join ',') | Should -Be $Case.set -Because 'the parameter set the piped object binds to' }
    }
}
