# An upload-reply job through the cmdlets against the real service and our BITS server: reply file
# name (generated, then set), reply progress before and after, reply data as byte[], -AsString with
# an encoding, -OutFile, and the notify command line, whose program the service really runs. The Its
# run in order on one job ($script:job), whose id is written with Write-Host for the TS side.
param(
    [string] $Root,
    [string] $Url, [string] $Source, [long] $SourceSize,
    [string] $ReplyPath, [string] $ReplyBase64, [string] $OutFile,
    [string] $NotifyProgram, [string] $NotifyScript, [string] $NotifyMarker
)

Describe 'an upload-reply job through the cmdlets' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        $expected = [System.Convert]::FromBase64String($ReplyBase64)
        $expectedText = [System.Text.Encoding]::UTF8.GetString($expected)
    }

    It 'reply file name: none, generated, -WhatIf, set; reply progress before the transfer; notify command line' {
        $script:job = New-BitsJob2 -DisplayName 'ps e2e reply' -TransferType UPLOAD_REPLY
        Write-Host "job: $($job.JobId)"
        $job.TransferType | Should -Be 'UPLOAD_REPLY' -Because 'job type'
        (Get-BitsJob2ReplyFileName -JobId $job.JobId) | Should -Be $null -Because 'no reply file name before a file or a name'
        Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $Source
        $generated = (Get-BitsJob2ReplyFileName -JobId $job.JobId)
        $generated | Should -Be ($Source + '.' + $job.JobId + '.reply') -Because 'generated reply file name'

        Set-BitsJob2ReplyFileName -JobId $job.JobId -Path $ReplyPath -WhatIf
        (Get-BitsJob2ReplyFileName -JobId $job.JobId) | Should -Be $generated -Because 'Set-BitsJob2ReplyFileName -WhatIf changed nothing'
        Set-BitsJob2ReplyFileName -JobId $job.JobId -Path $ReplyPath
        $name = Get-BitsJob2ReplyFileName -JobId $job.JobId
        ($name -is [string]) | Should -BeTrue -Because 'the reply file name is a path string, not an object holding it'
        $name | Should -Be $ReplyPath -Because 'reply file name after Set'

        $before = Get-BitsJob2ReplyProgress -JobId $job.JobId
        ($before.PSObject.TypeNames -contains 'BitsJob2.ReplyProgress') | Should -BeTrue -Because 'reply progress type'
        $before.bytesTotal | Should -Be $null -Because 'reply total unknown before the reply download begins'
        $before.bytesTransferred | Should -Be 0 -Because 'no reply bytes yet'

        # The notify program: node writing its arguments to the marker file. Parameters starts with the
        # program itself, as BITS requires; each argument quoted by Windows rules.
        $parameters = '"' + $NotifyProgram + '" "' + $NotifyScript + '" ' + $job.JobId + ' "' + $NotifyMarker + '"'
        Set-BitsJob2NotifyCmdLine -JobId $job.JobId -Program $NotifyProgram -Parameters $parameters -WhatIf
        $none = Get-BitsJob2NotifyCmdLine -JobId $job.JobId
        $none.program | Should -Be '' -Because 'Set-BitsJob2NotifyCmdLine -WhatIf set no program'
        $none.parameters | Should -Be '' -Because 'Set-BitsJob2NotifyCmdLine -WhatIf set no parameters'
        Set-BitsJob2NotifyCmdLine -JobId $job.JobId -Program $NotifyProgram -Parameters $parameters
        $cmd = Get-BitsJob2NotifyCmdLine -JobId $job.JobId
        ($cmd.PSObject.TypeNames -contains 'BitsJob2.NotifyCmdLine') | Should -BeTrue -Because 'notify command line type'
        $cmd.program | Should -Be $NotifyProgram -Because 'notify program'
        $cmd.parameters | Should -Be $parameters -Because 'notify parameters'
    }

    It 'transfers; reply progress, data as byte[], -AsString, -Encoding, -OutFile' {
        Resume-BitsJob2 -JobId $job.JobId
        $done = Wait-BitsJob2 -JobId $job.JobId -Timeout 60
        $done.JobState | Should -Be 'TRANSFERRED' -Because "upload-reply state (error: $($done.error.message))"
        $done.BytesTransferred | Should -Be $SourceSize -Because 'uploaded bytes'

        $progress = Get-BitsJob2ReplyProgress -JobId $job.JobId
        $progress.bytesTotal | Should -Be $expected.Length -Because 'reply total'
        $progress.bytesTransferred | Should -Be $expected.Length -Because 'reply transferred'

        $bytes = Get-BitsJob2ReplyData -JobId $job.JobId
        ($bytes -is [byte[]]) | Should -BeTrue -Because "reply data is one byte[] (got $($bytes.GetType().FullName))"
        ([System.Convert]::ToBase64String($bytes)) | Should -Be ([System.Convert]::ToBase64String($expected)) -Because 'reply bytes'
        $text = Get-BitsJob2ReplyData -JobId $job.JobId -AsString
        ($text -is [string]) | Should -BeTrue -Because 'reply -AsString is a string'
        $text | Should -Be $expectedText -Because 'reply as UTF-8 text'
        $ascii = $job | Get-BitsJob2ReplyData -AsString -Encoding us-ascii
        $ascii | Should -Be ([System.Text.Encoding]::ASCII.GetString($expected)) -Because 'reply decoded with -Encoding us-ascii'
        ($ascii -ne $text) | Should -BeTrue -Because 'the encoding changes the decoded text of a non-ASCII reply'
        $nothing = @(Get-BitsJob2ReplyData -JobId $job.JobId -OutFile $OutFile)
        $nothing.Count | Should -Be 0 -Because '-OutFile returns nothing'
        ([System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($OutFile))) | Should -Be ([System.Convert]::ToBase64String($expected)) -Because '-OutFile bytes'
    }

    It 'the service runs the notify program; Complete publishes the reply file' {
        # The service ran the notify program on TRANSFERRED.
        $deadline = [DateTime]::UtcNow.AddSeconds(30)
        while (-not (Test-Path -LiteralPath $NotifyMarker) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
        (Test-Path -LiteralPath $NotifyMarker) | Should -BeTrue -Because 'the service ran the notify program'

        (-not (Test-Path -LiteralPath $ReplyPath)) | Should -BeTrue -Because 'the reply file appears only after Complete'
        Complete-BitsJob2 -JobId $job.JobId
        ([System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($ReplyPath))) | Should -Be ([System.Convert]::ToBase64String($expected)) -Because 'reply file bytes after Complete'
        (Get-BitsJob2ReplyData -JobId $job.JobId -AsString) | Should -Be $expectedText -Because 'reply data is still readable after Complete'
    }

    It 'setting neither program nor parameters removes the command line' {
        # Setting neither program nor parameters removes the command line.
        $other = New-BitsJob2 -DisplayName 'ps e2e notify clear'
        Set-BitsJob2NotifyCmdLine -JobId $other.JobId -Program $NotifyProgram -Parameters ('"' + $NotifyProgram + '" -v')
        Set-BitsJob2NotifyCmdLine -JobId $other.JobId
        (Get-BitsJob2NotifyCmdLine -JobId $other.JobId).program | Should -Be '' -Because 'cleared notify program'
        Remove-BitsJob2 -JobId $other.JobId
    }
}
