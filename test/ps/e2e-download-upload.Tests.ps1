# Download and upload jobs through the cmdlets against the real service, and the pipeline: whatever
# is piped to a job cmdlet binds by value to -InputObject, whose prelude takes the job id from it —
# objects from Get-BitsJob2, any object with a JobId property ([guid] as Get-BitsTransfer's, or
# [string]), a plain id string — flowing into Resume-, Complete- and Remove-BitsJob2; anything without
# an id is an error for that object. Add-BitsJob2File takes arrays of file pairs (paired by position)
# and pipelines of pair objects, all of one job in one AddFileSet call (all added or none).
param(
    [string] $Root,
    [string] $DownloadUrl, [string] $DownloadDest, [long] $DownloadSize,
    [string] $UploadUrl, [string] $UploadSource, [long] $UploadSize,
    [string] $Scratch
)

Describe 'cmdlets end to end: download, upload, pipeline' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

        function Get-Listed([string] $Id) { @(Get-BitsJob2 | Where-Object { $_.JobId -eq $Id }) }
        # Runs a pipeline whose last cmdlet has -Verbose and returns the parameter set(s) it reported.
        function Get-BoundSet([scriptblock] $Pipeline) {
            @(& $Pipeline 4>&1 | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Parameter set *' } | ForEach-Object { $_.Message.Substring(14) }) -join ','
        }
    }

    It 'downloads from nginx; an object with a [guid] JobId and Get-BitsJob2 | Complete-BitsJob2 bind by value' {
        $dl = New-BitsJob2 -DisplayName 'ps e2e download'
        $dl.TransferType | Should -Be 'DOWNLOAD' -Because 'default transfer type'
        Add-BitsJob2File -JobId $dl.JobId -RemoteName $DownloadUrl -LocalName $DownloadDest
        # An object whose JobId is a [guid] (what Get-BitsTransfer's objects carry): -InputObject, its JobId read by the prelude.
        $set = Get-BoundSet { [pscustomobject]@{ JobId = [guid]$dl.JobId; DisplayName = 'like Get-BitsTransfer' } | Resume-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because 'any piped object binds by value; the prelude takes its [guid] JobId'
        ((Get-BitsJob2 -JobId $dl.JobId).JobState -ne 'SUSPENDED') | Should -BeTrue -Because 'the [guid] JobId object resumed the job'
        $done = Wait-BitsJob2 -JobId $dl.JobId -State TRANSFERRED, ERROR -Timeout 60
        ($done.PSObject.TypeNames -contains 'BitsJob2.Job') | Should -BeTrue -Because 'Wait-BitsJob2 returns a BitsJob2.Job'
        $done.JobState | Should -Be 'TRANSFERRED' -Because "download state (error: $($done.error.message))"
        $done.BytesTransferred | Should -Be $DownloadSize -Because 'bytes transferred'
        $done.BytesTotal | Should -Be $DownloadSize -Because 'bytes total'
        (-not (Test-Path -LiteralPath $DownloadDest)) | Should -BeTrue -Because 'the file is not published before Complete'
        $completed = @(Get-BitsJob2 | Where-Object { $_.JobId -eq $dl.JobId } | Complete-BitsJob2 -PassThru -Verbose 4>&1)
        $sets = @($completed | Where-Object { $_ -is [System.Management.Automation.VerboseRecord] -and $_.Message -like 'Parameter set *' })
        ([string]$sets[0].Message) | Should -Be 'Parameter set InputObject' -Because 'Get-BitsJob2 | Complete-BitsJob2 binds by value'
        $completed = @($completed | Where-Object { $_ -isnot [System.Management.Automation.VerboseRecord] })
        $completed.Count | Should -Be 1 -Because 'one result from Complete-BitsJob2 in the pipeline'
        $completed[0].name | Should -Be 'S_OK' -Because 'Complete result'
        (Test-Path -LiteralPath $DownloadDest) | Should -BeTrue -Because 'Complete-BitsJob2 from the pipeline published the file'
        (Get-BitsJob2 -JobId $dl.JobId).JobState | Should -Be 'ACKNOWLEDGED' -Because 'download job after Complete'
        (Get-Listed $dl.JobId).Count | Should -Be 0 -Because 'an acknowledged job has left the queue'
    }

    It 'uploads to the BITS server; job objects and a plain id string bind by value, an object without an id is an error' {
        $up = New-BitsJob2 -DisplayName 'ps e2e upload' -TransferType UPLOAD
        $up.TransferType | Should -Be 'UPLOAD' -Because 'upload job type'
        # Our job objects bind by value (the InputObject set). Other parameters are named: position 0 is
        # -JobId's, so with a piped job a first positional argument would bind there (as before).
        $set = Get-BoundSet { $up | Add-BitsJob2File -RemoteName $UploadUrl -LocalName $UploadSource -Verbose }
        $set | Should -Be 'InputObject' -Because 'New-BitsJob2 output piped into Add-BitsJob2File'
        # Something without a job id: an error naming what to pipe, for that object only; nothing resumed.
        $noIdError = $null
        try { 42 | Resume-BitsJob2 -ErrorAction Stop } catch { $noIdError = $_ }
        ($null -ne $noIdError) | Should -BeTrue -Because 'a number piped in fails'
        $noIdError.FullyQualifiedErrorId | Should -Be 'BitsJob2InputObjectHasNoJobId,Resume-BitsJob2' -Because 'a number has no job id'
        $noIdError.Exception.Message | Should -BeLike '*System.Int32*a job id string*JobId, Id or Guid*' -Because 'the message says what to pipe'
        (Get-BitsJob2 -JobId $up.JobId).JobState | Should -Be 'SUSPENDED' -Because 'the number resumed nothing'
        # A plain id string ('{guid}' | Resume-BitsJob2) is the job id.
        $set = Get-BoundSet { ('{' + [string]$up.JobId + '}') | Resume-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because 'a string piped in binds by value'
        ((Get-BitsJob2 -JobId $up.JobId).JobState -ne 'SUSPENDED') | Should -BeTrue -Because 'the piped id string resumed the job'
        $set = Get-BoundSet { $up | Resume-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because '$job | Resume-BitsJob2 binds by value'
        $upDone = $up | Wait-BitsJob2 -Timeout 60
        $upDone.JobState | Should -Be 'TRANSFERRED' -Because "upload state (error: $($upDone.error.message))"
        $upDone.BytesTransferred | Should -Be $UploadSize -Because 'uploaded bytes'
        $set = Get-BoundSet { $upDone | Complete-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because '$job | Complete-BitsJob2 binds by value'
        (Get-BitsJob2 -JobId $up.JobId).JobState | Should -Be 'ACKNOWLEDGED' -Because 'upload job after Complete'
    }

    It 'cancels only the selected jobs through the pipeline; an object with a [string] JobId binds by value' {
        $keep = New-BitsJob2 -DisplayName 'ps e2e keep'
        $c1 = New-BitsJob2 -DisplayName 'ps e2e cancel me'
        $c2 = New-BitsJob2 -DisplayName 'ps e2e cancel me'
        Add-BitsJob2File -JobId $c1.JobId -RemoteName $DownloadUrl -LocalName (Join-Path $Scratch 'c1.bin')
        Get-BitsJob2 | Where-Object { $_.DisplayName -eq 'ps e2e cancel me' } | Remove-BitsJob2 -WhatIf
        (Get-Listed $c1.JobId).Count | Should -Be 1 -Because 'Remove-BitsJob2 -WhatIf in the pipeline cancelled nothing'
        Get-BitsJob2 | Where-Object { $_.DisplayName -eq 'ps e2e cancel me' } | Remove-BitsJob2
        (Get-BitsJob2 -JobId $c1.JobId).JobState | Should -Be 'CANCELLED' -Because 'first selected job'
        (Get-BitsJob2 -JobId $c2.JobId).JobState | Should -Be 'CANCELLED' -Because 'second selected job'
        (Get-Listed $c2.JobId).Count | Should -Be 0 -Because 'cancelled jobs have left the queue'
        (Get-BitsJob2 -JobId $keep.JobId).JobState | Should -Be 'SUSPENDED' -Because 'the job not selected is untouched'
        (-not (Test-Path -LiteralPath (Join-Path $Scratch 'c1.bin'))) | Should -BeTrue -Because 'a cancelled job publishes nothing'
        # An object whose JobId is a [string]: -InputObject, its JobId read by the prelude.
        $set = Get-BoundSet { [pscustomobject]@{ JobId = [string]$keep.JobId } | Remove-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because 'any piped object binds by value; the prelude takes its JobId'
        (Get-BitsJob2 -JobId $keep.JobId).JobState | Should -Be 'CANCELLED' -Because 'the [string] JobId object cancelled the job'
    }

    It 'Add-BitsJob2File: arrays paired by position and pipelines of file pairs, each job''s in one AddFileSet call' {
        $job = New-BitsJob2 -DisplayName 'ps e2e file pairs'
        Push-Location $Scratch
        try {
            # Arrays: -RemoteName a,b -LocalName x,y; relative local names from the PowerShell location.
            Add-BitsJob2File -JobId $job.JobId -RemoteName "${DownloadUrl}?1", "${DownloadUrl}?2" -LocalName 'pair1.bin', 'pair2.bin'
        } finally { Pop-Location }
        $files = @((Get-BitsJob2 -JobId $job.JobId).files)
        $files.Count | Should -Be 2 -Because 'two pairs from two arrays'
        $files[0].remoteName | Should -Be "${DownloadUrl}?1" -Because 'the first pair first'
        $files[0].localName | Should -Be (Join-Path $Scratch 'pair1.bin') -Because 'paired by position, resolved from the location'
        $files[1].localName | Should -Be (Join-Path $Scratch 'pair2.bin') -Because 'the second pair'
        # Pair objects piped in (as Import-Csv gives them), by property name, with -JobId given.
        @(
            [pscustomobject]@{ RemoteName = "${DownloadUrl}?3"; LocalName = (Join-Path $Scratch 'pair3.bin') },
            [pscustomobject]@{ RemoteName = "${DownloadUrl}?4"; LocalName = (Join-Path $Scratch 'pair4.bin') }
        ) | Add-BitsJob2File -JobId $job.JobId
        @((Get-BitsJob2 -JobId $job.JobId).files).Count | Should -Be 4 -Because 'two more from the pipeline'
        # One call for the whole pipeline: a bad pair among good ones adds none of them (AddFileSet is all or none).
        $bad = $null
        try {
            @(
                [pscustomobject]@{ JobId = $job.JobId; RemoteName = "${DownloadUrl}?5"; LocalName = (Join-Path $Scratch 'pair5.bin') },
                [pscustomobject]@{ JobId = $job.JobId; RemoteName = 'ftp://example.com/pair6.bin'; LocalName = (Join-Path $Scratch 'pair6.bin') }
            ) | Add-BitsJob2File -ErrorAction Stop
        } catch { $bad = $_ }
        ($null -ne $bad) | Should -BeTrue -Because 'an ftp URL is refused'
        $bad.FullyQualifiedErrorId | Should -Be 'E_INVALIDARG,Add-BitsJob2File' -Because 'the engine refuses the set'
        @((Get-BitsJob2 -JobId $job.JobId).files).Count | Should -Be 4 -Because 'the good pair piped before the bad one was not added: one AddFileSet call'
        # Arrays of different lengths: an error that says how they pair; nothing added.
        $mismatch = $null
        try { Add-BitsJob2File -JobId $job.JobId -RemoteName "${DownloadUrl}?7", "${DownloadUrl}?8" -LocalName (Join-Path $Scratch 'pair7.bin') -ErrorAction Stop } catch { $mismatch = $_ }
        $mismatch.FullyQualifiedErrorId | Should -Be 'BitsJob2RemoteLocalMismatch,Add-BitsJob2File' -Because 'two remote names, one local name'
        $mismatch.Exception.Message | Should -BeLike '*pair by position*(2, 1)*' -Because 'the message says how they pair'
        @((Get-BitsJob2 -JobId $job.JobId).files).Count | Should -Be 4 -Because 'a mismatch adds nothing'
        Remove-BitsJob2 -JobId $job.JobId
    }
}
