# Download and upload jobs through the cmdlets against the real service, and the pipeline:
# objects from Get-BitsJob2 (by value) and any object with a JobId property (by property name, as
# Get-BitsTransfer's objects would) flow into Resume-, Complete- and Remove-BitsJob2.
param(
    [string] $Root,
    [string] $DownloadUrl, [string] $DownloadDest, [long] $DownloadSize,
    [string] $UploadUrl, [string] $UploadSource, [long] $UploadSize,
    [string] $Scratch
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

function Get-Listed([string] $Id) { @(Get-BitsJob2 | Where-Object { $_.JobId -eq $Id }) }

# ── download (nginx) ───────────────────────────────────────────────────────────────────────────
$dl = New-BitsJob2 -DisplayName 'ps e2e download'
Assert-Equal 'DOWNLOAD' $dl.TransferType 'default transfer type'
Add-BitsJob2File -JobId $dl.JobId -RemoteName $DownloadUrl -LocalName $DownloadDest
# By property name: a plain object with a JobId (what Get-BitsTransfer's objects carry).
[pscustomobject]@{ JobId = $dl.JobId } | Resume-BitsJob2
$done = Wait-BitsJob2 -JobId $dl.JobId -State TRANSFERRED, ERROR -Timeout 60
Assert-True ($done.PSObject.TypeNames -contains 'BitsJob2.Job') 'Wait-BitsJob2 returns a BitsJob2.Job'
Assert-Equal 'TRANSFERRED' $done.JobState "download state (error: $($done.error.message))"
Assert-Equal $DownloadSize $done.BytesTransferred 'bytes transferred'
Assert-Equal $DownloadSize $done.BytesTotal 'bytes total'
Assert-True (-not (Test-Path -LiteralPath $DownloadDest)) 'the file is not published before Complete'
$completed = @(Get-BitsJob2 | Where-Object { $_.JobId -eq $dl.JobId } | Complete-BitsJob2 -PassThru)
Assert-Equal 1 $completed.Count 'one result from Complete-BitsJob2 in the pipeline'
Assert-Equal 'S_OK' $completed[0].name 'Complete result'
Assert-True (Test-Path -LiteralPath $DownloadDest) 'Complete-BitsJob2 from the pipeline published the file'
Assert-Equal 'ACKNOWLEDGED' (Get-BitsJob2 -JobId $dl.JobId).JobState 'download job after Complete'
Assert-Equal 0 (Get-Listed $dl.JobId).Count 'an acknowledged job has left the queue'

# ── upload (our BITS server) ───────────────────────────────────────────────────────────────────
$up = New-BitsJob2 -DisplayName 'ps e2e upload' -TransferType UPLOAD
Assert-Equal 'UPLOAD' $up.TransferType 'upload job type'
$up | Add-BitsJob2File -RemoteName $UploadUrl -LocalName $UploadSource
$up | Resume-BitsJob2
$upDone = $up | Wait-BitsJob2 -Timeout 60
Assert-Equal 'TRANSFERRED' $upDone.JobState "upload state (error: $($upDone.error.message))"
Assert-Equal $UploadSize $upDone.BytesTransferred 'uploaded bytes'
$upDone | Complete-BitsJob2
Assert-Equal 'ACKNOWLEDGED' (Get-BitsJob2 -JobId $up.JobId).JobState 'upload job after Complete'

# ── cancel through the pipeline: only the selected jobs ────────────────────────────────────────
$keep = New-BitsJob2 -DisplayName 'ps e2e keep'
$c1 = New-BitsJob2 -DisplayName 'ps e2e cancel me'
$c2 = New-BitsJob2 -DisplayName 'ps e2e cancel me'
Add-BitsJob2File -JobId $c1.JobId -RemoteName $DownloadUrl -LocalName (Join-Path $Scratch 'c1.bin')
Get-BitsJob2 | Where-Object { $_.DisplayName -eq 'ps e2e cancel me' } | Remove-BitsJob2 -WhatIf
Assert-Equal 1 (Get-Listed $c1.JobId).Count 'Remove-BitsJob2 -WhatIf in the pipeline cancelled nothing'
Get-BitsJob2 | Where-Object { $_.DisplayName -eq 'ps e2e cancel me' } | Remove-BitsJob2
Assert-Equal 'CANCELLED' (Get-BitsJob2 -JobId $c1.JobId).JobState 'first selected job'
Assert-Equal 'CANCELLED' (Get-BitsJob2 -JobId $c2.JobId).JobState 'second selected job'
Assert-Equal 0 (Get-Listed $c2.JobId).Count 'cancelled jobs have left the queue'
Assert-Equal 'SUSPENDED' (Get-BitsJob2 -JobId $keep.JobId).JobState 'the job not selected is untouched'
Assert-True (-not (Test-Path -LiteralPath (Join-Path $Scratch 'c1.bin'))) 'a cancelled job publishes nothing'
Remove-BitsJob2 -JobId $keep.JobId

"ok: downloaded $DownloadSize, uploaded $UploadSize, pipeline cancelled 2"
