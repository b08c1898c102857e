# The module on the Windows chain (test/wine-powershell.test.ts): PwshHost (self-contained win-x64,
# .NET 10) under wine64 imports Bits.Job2.psd1; its CLI runs under Windows node.exe with
# BITS_JOB2_BACKEND=native, so every cmdlet goes node.exe → edge-js → bridge → Wine's BITS.
# A download through New → Add → Resume → Wait → Complete, and a 404: Wait returns the job in ERROR
# with BG_E_HTTP_ERROR_404, and a cmdlet failing on that job (Suspend-BitsJob2: Wine's E_NOTIMPL)
# gives an ErrorRecord that carries the job's 404.
param([string] $Root, [string] $Url, [string] $Content, [string] $MissingUrl, [string] $Scratch)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

$dest = Join-Path $Scratch 'small.txt'
$job = New-BitsJob2 -DisplayName 'wine ps download'
Assert-Equal 'DOWNLOAD' $job.TransferType 'transfer type'
Assert-Equal 'SUSPENDED' $job.JobState 'a new job is SUSPENDED'
Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $dest
Resume-BitsJob2 -JobId $job.JobId
$done = Wait-BitsJob2 -JobId $job.JobId -Timeout 60
Assert-Equal 'TRANSFERRED' $done.JobState 'Wait-BitsJob2 returns the TRANSFERRED job'
$r = Complete-BitsJob2 -JobId $job.JobId -PassThru
Assert-Equal 'S_OK' $r.name 'Complete result'
Assert-Equal $Content ([System.IO.File]::ReadAllText($dest).TrimEnd()) 'the published file'
Write-Output "download: $($done.JobState) -> $($r.name)"

$bad = New-BitsJob2 -DisplayName 'wine ps 404'
Add-BitsJob2File -JobId $bad.JobId -RemoteName $MissingUrl -LocalName (Join-Path $Scratch 'missing.bin')
Resume-BitsJob2 -JobId $bad.JobId
$failed = Wait-BitsJob2 -JobId $bad.JobId -Timeout 60
Assert-Equal 'ERROR' $failed.JobState 'a 404 ends the job in ERROR'
Assert-Equal 'BG_E_HTTP_ERROR_404' $failed.error.name 'error name'
Assert-Equal '0x80190194' $failed.error.hresultHex 'error HRESULT'
$errs = @(Suspend-BitsJob2 -JobId $bad.JobId -ErrorAction Continue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
$global:Error.Clear()
Assert-Equal 1 $errs.Count 'one ErrorRecord'
Assert-Equal 'E_NOTIMPL,Suspend-BitsJob2' $errs[0].FullyQualifiedErrorId 'FullyQualifiedErrorId'
Assert-True ($errs[0].Exception.Message -like '*BG_E_HTTP_ERROR_404*') "the record carries the job's 404: $($errs[0].Exception.Message)"
Write-Output "404: $($failed.error.name); ErrorRecord $($errs[0].FullyQualifiedErrorId)"
Remove-BitsJob2 -JobId $bad.JobId -Confirm:$false
