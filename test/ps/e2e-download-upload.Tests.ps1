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

    It 'downloads from nginx; a [guid] JobId binds by property name, Get-BitsJob2 | Complete-BitsJob2 by value' {
        $dl = New-BitsJob2 -DisplayName 'ps e2e download'
        $dl.TransferType | Should -Be 'DOWNLOAD' -Because 'default transfer type'
        Add-BitsJob2File -JobId $dl.JobId -RemoteName $DownloadUrl -LocalName $DownloadDest
        # By property name: an object whose JobId is a [guid] (what Get-BitsTransfer's objects carry).
        $set = Get-BoundSet { [pscustomobject]@{ JobId = [guid]$dl.JobId; DisplayName = 'like Get-BitsTransfer' } | Resume-BitsJob2 -Verbose }
        $set | Should -Be 'JobId' -Because 'a [guid] JobId binds by property name'
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

    It 'uploads to the BITS server; job objects bind by value, a plain string binds to nothing' {
        $up = New-BitsJob2 -DisplayName 'ps e2e upload' -TransferType UPLOAD
        $up.TransferType | Should -Be 'UPLOAD' -Because 'upload job type'
        # Our job objects bind by value (the InputObject set). Other parameters are named: position 0 is
        # -JobId's, so with a piped job a first positional argument would bind there (as before).
        $set = Get-BoundSet { $up | Add-BitsJob2File -RemoteName $UploadUrl -LocalName $UploadSource -Verbose }
        $set | Should -Be 'InputObject' -Because 'New-BitsJob2 output piped into Add-BitsJob2File'
        # A plain string binds to nothing, as before the InputObject set existed.
        $stringError = $null
        try { [string]$up.JobId | Resume-BitsJob2 -ErrorAction Stop } catch { $stringError = $_ }
        ($null -ne $stringError) | Should -BeTrue -Because 'a plain string piped in fails'
        $stringError.FullyQualifiedErrorId | Should -Be 'InputObjectNotBound,Resume-BitsJob2' -Because 'the string binds to no parameter'
        (Get-BitsJob2 -JobId $up.JobId).JobState | Should -Be 'SUSPENDED' -Because 'the string resumed nothing'
        $set = Get-BoundSet { $up | Resume-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because '$job | Resume-BitsJob2 binds by value'
        $upDone = $up | Wait-BitsJob2 -Timeout 60
        $upDone.JobState | Should -Be 'TRANSFERRED' -Because "upload state (error: $($upDone.error.message))"
        $upDone.BytesTransferred | Should -Be $UploadSize -Because 'uploaded bytes'
        $set = Get-BoundSet { $upDone | Complete-BitsJob2 -Verbose }
        $set | Should -Be 'InputObject' -Because '$job | Complete-BitsJob2 binds by value'
        (Get-BitsJob2 -JobId $up.JobId).JobState | Should -Be 'ACKNOWLEDGED' -Because 'upload job after Complete'
    }

    It 'cancels only the selected jobs through the pipeline; a [string] JobId binds by property name' {
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
        # By property name: an object whose JobId is a [string].
        $set = Get-BoundSet { [pscustomobject]@{ JobId = [string]$keep.JobId } | Remove-BitsJob2 -Verbose }
        $set | Should -Be 'JobId' -Because 'a [string] JobId binds by property name'
        (Get-BitsJob2 -JobId $keep.JobId).JobState | Should -Be 'CANCELLED' -Because 'the [string] JobId object cancelled the job'
    }
}
