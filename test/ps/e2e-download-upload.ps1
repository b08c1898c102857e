# Download and upload jobs through the cmdlets against the real service, and the pipeline:
# objects from Get-BitsJob2 (by value, the InputObject parameter set) and any object with a JobId
# property, [guid] as Get-BitsTransfer's or [string] (by property name, the JobId set), flow into
# Resume-, Complete- and Remove-BitsJob2; a plain string piped in binds to nothing.
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
# Runs a pipeline whose last cmdlet has -Verbose and returns the parameter set(s) it reported.
function Get-BoundSet([scriptblock] $Pipeline) {
    @(& $Pipeline 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Parameter set *' } | ForEach-Object { $_.Message.Substring(14) }) -join ','
}

# ── download (nginx) ───────────────────────────────────────────────────────────────────────────
$dl = New-BitsJob2 -DisplayName 'ps e2e download'
Assert-Equal 'DOWNLOAD' $dl.TransferType 'default transfer type'
Add-BitsJob2File -JobId $dl.JobId -RemoteName $DownloadUrl -LocalName $DownloadDest
# By property name: an object whose JobId is a [guid] (what Get-BitsTransfer's objects carry).
$set = Get-BoundSet { [pscustomobject]@{ JobId = [guid]$dl.JobId; DisplayName = 'like Get-BitsTransfer' } | Resume-BitsJob2 -Verbose }
Assert-Equal 'JobId' $set 'a [guid] JobId binds by property name'
Assert-True ((Get-BitsJob2 -JobId $dl.JobId).JobState -ne 'SUSPENDED') 'the [guid] JobId object resumed the job'
$done = Wait-BitsJob2 -JobId $dl.JobId -State TRANSFERRED, ERROR -Timeout 60
Assert-True ($done.PSObject.TypeNames -contains 'BitsJob2.Job') 'Wait-BitsJob2 returns a BitsJob2.Job'
Assert-Equal 'TRANSFERRED' $done.JobState "download state (error: $($done.error.message))"
Assert-Equal $DownloadSize $done.BytesTransferred 'bytes transferred'
Assert-Equal $DownloadSize $done.BytesTotal 'bytes total'
Assert-True (-not (Test-Path -LiteralPath $DownloadDest)) 'the file is not published before Complete'
$completed = @(Get-BitsJob2 | Where-Object { $_.JobId -eq $dl.JobId } | Complete-BitsJob2 -PassThru -Verbose 4>&1)
$sets = @($completed | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Parameter set *' })
Assert-Equal 'Parameter set InputObject' ([string]$sets[0].Message) 'Get-BitsJob2 | Complete-BitsJob2 binds by value'
$completed = @($completed | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
Assert-Equal 1 $completed.Count 'one result from Complete-BitsJob2 in the pipeline'
Assert-Equal 'S_OK' $completed[0].name 'Complete result'
Assert-True (Test-Path -LiteralPath $DownloadDest) 'Complete-BitsJob2 from the pipeline published the file'
Assert-Equal 'ACKNOWLEDGED' (Get-BitsJob2 -JobId $dl.JobId).JobState 'download job after Complete'
Assert-Equal 0 (Get-Listed $dl.JobId).Count 'an acknowledged job has left the queue'

# ── upload (our BITS server) ───────────────────────────────────────────────────────────────────
$up = New-BitsJob2 -DisplayName 'ps e2e upload' -TransferType UPLOAD
Assert-Equal 'UPLOAD' $up.TransferType 'upload job type'
# Our job objects bind by value (the InputObject set). Other parameters are named: position 0 is
# -JobId's, so with a piped job a first positional argument would bind there (as before).
$set = Get-BoundSet { $up | Add-BitsJob2File -RemoteName $UploadUrl -LocalName $UploadSource -Verbose }
Assert-Equal 'InputObject' $set 'New-BitsJob2 output piped into Add-BitsJob2File'
# A plain string binds to nothing, as before the InputObject set existed.
$stringError = $null
try { [string]$up.JobId | Resume-BitsJob2 -ErrorAction Stop } catch { $stringError = $_ }
$Error.Clear() # the expected failure above is not a failure of this script
Assert-True ($null -ne $stringError) 'a plain string piped in fails'
Assert-Equal 'InputObjectNotBound,Resume-BitsJob2' $stringError.FullyQualifiedErrorId 'the string binds to no parameter'
Assert-Equal 'SUSPENDED' (Get-BitsJob2 -JobId $up.JobId).JobState 'the string resumed nothing'
$set = Get-BoundSet { $up | Resume-BitsJob2 -Verbose }
Assert-Equal 'InputObject' $set '$job | Resume-BitsJob2 binds by value'
$upDone = $up | Wait-BitsJob2 -Timeout 60
Assert-Equal 'TRANSFERRED' $upDone.JobState "upload state (error: $($upDone.error.message))"
Assert-Equal $UploadSize $upDone.BytesTransferred 'uploaded bytes'
$set = Get-BoundSet { $upDone | Complete-BitsJob2 -Verbose }
Assert-Equal 'InputObject' $set '$job | Complete-BitsJob2 binds by value'
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
# By property name: an object whose JobId is a [string].
$set = Get-BoundSet { [pscustomobject]@{ JobId = [string]$keep.JobId } | Remove-BitsJob2 -Verbose }
Assert-Equal 'JobId' $set 'a [string] JobId binds by property name'
Assert-Equal 'CANCELLED' (Get-BitsJob2 -JobId $keep.JobId).JobState 'the [string] JobId object cancelled the job'

"ok: downloaded $DownloadSize, uploaded $UploadSize, pipeline cancelled 2"
