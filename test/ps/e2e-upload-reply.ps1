# An upload-reply job through the cmdlets against the real service and our BITS server: reply file
# name (generated, then set), reply progress before and after, reply data as byte[], -AsString with
# an encoding, -OutFile, and the notify command line, whose program the service really runs.
param(
    [string] $Root,
    [string] $Url, [string] $Source, [long] $SourceSize,
    [string] $ReplyPath, [string] $ReplyBase64, [string] $OutFile,
    [string] $NotifyProgram, [string] $NotifyScript, [string] $NotifyMarker
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$expected = [System.Convert]::FromBase64String($ReplyBase64)
$expectedText = [System.Text.Encoding]::UTF8.GetString($expected)

$job = New-BitsJob2 -DisplayName 'ps e2e reply' -TransferType UPLOAD_REPLY
Assert-Equal 'UPLOAD_REPLY' $job.TransferType 'job type'
Assert-Equal $null (Get-BitsJob2ReplyFileName -JobId $job.JobId) 'no reply file name before a file or a name'
Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $Source
$generated = (Get-BitsJob2ReplyFileName -JobId $job.JobId)
Assert-Equal ($Source + '.' + $job.JobId + '.reply') $generated 'generated reply file name'

Set-BitsJob2ReplyFileName -JobId $job.JobId -Path $ReplyPath -WhatIf
Assert-Equal $generated (Get-BitsJob2ReplyFileName -JobId $job.JobId) 'Set-BitsJob2ReplyFileName -WhatIf changed nothing'
Set-BitsJob2ReplyFileName -JobId $job.JobId -Path $ReplyPath
$name = Get-BitsJob2ReplyFileName -JobId $job.JobId
Assert-True ($name -is [string]) 'the reply file name is a path string, not an object holding it'
Assert-Equal $ReplyPath $name 'reply file name after Set'

$before = Get-BitsJob2ReplyProgress -JobId $job.JobId
Assert-True ($before.PSObject.TypeNames -contains 'BitsJob2.ReplyProgress') 'reply progress type'
Assert-Equal $null $before.bytesTotal 'reply total unknown before the reply download begins'
Assert-Equal 0 $before.bytesTransferred 'no reply bytes yet'

# The notify program: node writing its arguments to the marker file. Parameters starts with the
# program itself, as BITS requires; each argument quoted by Windows rules.
$parameters = '"' + $NotifyProgram + '" "' + $NotifyScript + '" ' + $job.JobId + ' "' + $NotifyMarker + '"'
Set-BitsJob2NotifyCmdLine -JobId $job.JobId -Program $NotifyProgram -Parameters $parameters -WhatIf
$none = Get-BitsJob2NotifyCmdLine -JobId $job.JobId
Assert-Equal '' $none.program 'Set-BitsJob2NotifyCmdLine -WhatIf set no program'
Assert-Equal '' $none.parameters 'Set-BitsJob2NotifyCmdLine -WhatIf set no parameters'
Set-BitsJob2NotifyCmdLine -JobId $job.JobId -Program $NotifyProgram -Parameters $parameters
$cmd = Get-BitsJob2NotifyCmdLine -JobId $job.JobId
Assert-True ($cmd.PSObject.TypeNames -contains 'BitsJob2.NotifyCmdLine') 'notify command line type'
Assert-Equal $NotifyProgram $cmd.program 'notify program'
Assert-Equal $parameters $cmd.parameters 'notify parameters'

Resume-BitsJob2 -JobId $job.JobId
$done = Wait-BitsJob2 -JobId $job.JobId -Timeout 60
Assert-Equal 'TRANSFERRED' $done.JobState "upload-reply state (error: $($done.error.message))"
Assert-Equal $SourceSize $done.BytesTransferred 'uploaded bytes'

$progress = Get-BitsJob2ReplyProgress -JobId $job.JobId
Assert-Equal $expected.Length $progress.bytesTotal 'reply total'
Assert-Equal $expected.Length $progress.bytesTransferred 'reply transferred'

$bytes = Get-BitsJob2ReplyData -JobId $job.JobId
Assert-True ($bytes -is [byte[]]) "reply data is one byte[] (got $($bytes.GetType().FullName))"
Assert-Equal ([System.Convert]::ToBase64String($expected)) ([System.Convert]::ToBase64String($bytes)) 'reply bytes'
$text = Get-BitsJob2ReplyData -JobId $job.JobId -AsString
Assert-True ($text -is [string]) 'reply -AsString is a string'
Assert-Equal $expectedText $text 'reply as UTF-8 text'
$ascii = $job | Get-BitsJob2ReplyData -AsString -Encoding us-ascii
Assert-Equal ([System.Text.Encoding]::ASCII.GetString($expected)) $ascii 'reply decoded with -Encoding us-ascii'
Assert-True ($ascii -ne $text) 'the encoding changes the decoded text of a non-ASCII reply'
$nothing = @(Get-BitsJob2ReplyData -JobId $job.JobId -OutFile $OutFile)
Assert-Equal 0 $nothing.Count '-OutFile returns nothing'
Assert-Equal ([System.Convert]::ToBase64String($expected)) ([System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($OutFile))) '-OutFile bytes'

# The service ran the notify program on TRANSFERRED.
$deadline = [DateTime]::UtcNow.AddSeconds(30)
while (-not (Test-Path -LiteralPath $NotifyMarker) -and [DateTime]::UtcNow -lt $deadline) { Start-Sleep -Milliseconds 100 }
Assert-True (Test-Path -LiteralPath $NotifyMarker) 'the service ran the notify program'

Assert-True (-not (Test-Path -LiteralPath $ReplyPath)) 'the reply file appears only after Complete'
Complete-BitsJob2 -JobId $job.JobId
Assert-Equal ([System.Convert]::ToBase64String($expected)) ([System.Convert]::ToBase64String([System.IO.File]::ReadAllBytes($ReplyPath))) 'reply file bytes after Complete'
Assert-Equal $expectedText (Get-BitsJob2ReplyData -JobId $job.JobId -AsString) 'reply data is still readable after Complete'

# Setting neither program nor parameters removes the command line.
$other = New-BitsJob2 -DisplayName 'ps e2e notify clear'
Set-BitsJob2NotifyCmdLine -JobId $other.JobId -Program $NotifyProgram -Parameters ('"' + $NotifyProgram + '" -v')
Set-BitsJob2NotifyCmdLine -JobId $other.JobId
Assert-Equal '' (Get-BitsJob2NotifyCmdLine -JobId $other.JobId).program 'cleared notify program'
Remove-BitsJob2 -JobId $other.JobId

"ok: reply $($expected.Length) bytes for job $($job.JobId)"
