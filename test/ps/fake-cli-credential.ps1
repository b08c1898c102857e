# Runs cmdlets against the fake CLI (BITS_JOB2_CLI) so the test can read the exact argv and stdin.
param([string] $Root, [string] $Password)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$secure = ConvertTo-SecureString $Password -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ('alice', $secure)
Set-BitsJob2Credential -JobId '3f2c9a10-0000-0000-0000-000000000001' -Target SERVER -Scheme BASIC -Credential $cred
Set-BitsJob2 -JobId '3f2c9a10-0000-0000-0000-000000000001' -Description '-starts with a dash' -Priority HIGH
# -UserName and -Credential naming two users: refused before the CLI runs (no guess at which was meant).
$caught = $null
try { Set-BitsJob2Credential -JobId '3f2c9a10-0000-0000-0000-000000000001' -Target SERVER -Scheme BASIC -UserName mallory -Credential $cred } catch { $caught = $_ }
if ($null -eq $caught -or $caught.FullyQualifiedErrorId -ne 'BitsJob2UserNameConflict,Set-BitsJob2Credential') { throw "expected BitsJob2UserNameConflict, got $($caught.FullyQualifiedErrorId)" }
if ($caught.Exception.Message -notlike "*-UserName 'mallory' differs from the user name of -Credential ('alice')*") { throw "message: $($caught.Exception.Message)" }
$global:Error.Clear()
# The same name twice is no conflict.
Set-BitsJob2Credential -JobId '3f2c9a10-0000-0000-0000-000000000001' -Target SERVER -Scheme BASIC -UserName alice -Credential $cred
'ok'
