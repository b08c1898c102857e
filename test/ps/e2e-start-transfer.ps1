# Start-BitsJob2Transfer in the real engine against the service: synchronous download into the
# current location (relative destination, default file name), two files at once, -Asynchronous,
# a 404 that ends at once with the job's ErrorRecord (the job left for inspection), -WhatIf.
param([string] $Root, [string] $Scratch, [string] $BaseUrl)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
Set-Location -LiteralPath $Scratch

# Synchronous: returns the ACKNOWLEDGED job with the file published under the URL's name.
$job = Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin" -Description 'one-liner' -Priority NORMAL
Assert-Equal 'ACKNOWLEDGED' $job.JobState 'the job is completed'
Assert-Equal 'BITS Transfer' $job.displayName 'the default display name of Start-BitsTransfer'
Assert-Equal 'one-liner' $job.description 'description set'
Assert-Equal 'NORMAL' $job.priority 'priority set'
Assert-True (Test-Path -LiteralPath (Join-Path $Scratch 'ok.bin')) 'published in the current location, under the URL''s name'
Assert-Equal 50000 ([System.IO.FileInfo]::new((Join-Path $Scratch 'ok.bin')).Length) 'every byte'

# Two sources, relative destinations in a subfolder; the default priority is FOREGROUND.
$null = [System.IO.Directory]::CreateDirectory((Join-Path $Scratch 'sub'))
$two = Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin", "$BaseUrl/ok2.bin" -Destination 'sub/a.bin', 'sub/b.bin' -DisplayName 'two files'
Assert-Equal 'ACKNOWLEDGED' $two.JobState 'both transferred'
Assert-Equal 'FOREGROUND' $two.priority 'Start-BitsTransfer''s default priority'
Assert-True ((Test-Path -LiteralPath (Join-Path $Scratch 'sub/a.bin')) -and (Test-Path -LiteralPath (Join-Path $Scratch 'sub/b.bin'))) 'both files, resolved from the current location'

# -Asynchronous: the job right after Resume; Wait-BitsJob2 and Complete-BitsJob2 finish it.
$async = Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin" -Destination 'async.bin' -Asynchronous
Assert-True (@('QUEUED', 'CONNECTING', 'TRANSFERRING', 'TRANSFERRED') -contains [string]$async.JobState) "asynchronous: $($async.JobState)"
$null = Wait-BitsJob2 -JobId $async.JobId -State TRANSFERRED -Timeout 60
Complete-BitsJob2 -JobId $async.JobId
Assert-True (Test-Path -LiteralPath (Join-Path $Scratch 'async.bin')) 'completed later'

# A 404: an ErrorRecord with the BITS error at once; the job stays in ERROR for inspection.
$errs = @(Start-BitsJob2Transfer -Source "$BaseUrl/missing.bin" -Destination 'missing.bin' -DisplayName 'missing' -ErrorAction Continue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
$global:Error.Clear()
Assert-Equal 1 $errs.Count 'one error'
Assert-Equal 'BG_E_HTTP_ERROR_404,Start-BitsJob2Transfer' $errs[0].FullyQualifiedErrorId 'the job''s error, as the cmdlet''s own'
Assert-Equal ([int][long]'0x80190194') $errs[0].Exception.HResult 'its HRESULT'
$left = @(Get-BitsJob2 -Name 'missing')
Assert-Equal 1 $left.Count 'the failed job is left for inspection (found by -Name)'
Assert-Equal 'ERROR' $left[0].JobState 'in ERROR'
Remove-BitsJob2 -JobId $left[0].JobId

# Mismatched sources and destinations: a terminating error before any job exists.
$caught = $null
try { Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin", "$BaseUrl/ok2.bin" -Destination 'only-one.bin' } catch { $caught = $_ }
$global:Error.Clear() # the expected failure
Assert-Equal 'BitsJob2SourceDestinationMismatch,Start-BitsJob2Transfer' $caught.FullyQualifiedErrorId 'mismatch'

# -WhatIf: no job.
$before = @(Get-BitsJob2).Count
Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin" -Destination 'whatif.bin' -WhatIf
Assert-Equal $before @(Get-BitsJob2).Count '-WhatIf created nothing'
Assert-True (-not (Test-Path -LiteralPath (Join-Path $Scratch 'whatif.bin'))) '-WhatIf downloaded nothing'
'ok: start transfer'
