# Runs a table of cmdlet invocations (JSON written by test/powershell-fake-cli.test.ts) against the
# fake CLI (BITS_JOB2_CLI): each case gets its own FAKE_CLI_LOG file, so the test can compare the argv
# and stdin of each case with what module/api says. Parameters are splatted: 'value' as given,
# 'switch' as $true, 'credential' as a PSCredential built here from a user and a password.
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
    $env:FAKE_CLI_LOG = $case.log
    $out = @(& $case.cmdlet @splat)
    "case $($case.name): $($out.Count) object(s)"
}
"ran $(@($cases).Count) cases"
