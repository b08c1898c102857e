# Runs cmdlets against the fake CLI (BITS_JOB2_CLI) so the test can read the exact argv and stdin.
param([string] $Root, [string] $Password)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$secure = ConvertTo-SecureString $Password -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ('alice', $secure)
Set-BitsJob2Credential -JobId '3f2c9a10-0000-0000-0000-000000000001' -Target SERVER -Scheme BASIC -Credential $cred
Set-BitsJob2 -JobId '3f2c9a10-0000-0000-0000-000000000001' -Description '-starts with a dash' -Priority HIGH
'ok'
