# Start-BitsJob2Transfer in the real engine against the service: synchronous download into the
# current location (relative destination, default file name), two files at once, -Asynchronous,
# a 404 that ends at once with the job's ErrorRecord (the job left for inspection), -WhatIf.
param([string] $Root, [string] $Scratch, [string] $BaseUrl)

Describe 'Start-BitsJob2Transfer' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        Set-Location -LiteralPath $Scratch
    }

    It 'synchronous: returns the ACKNOWLEDGED job with the file published under the URL''s name in the current location' {
        # Synchronous: returns the ACKNOWLEDGED job with the file published under the URL's name.
        $job = Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin" -Description 'one-liner' -Priority NORMAL
        $job.JobState | Should -Be 'ACKNOWLEDGED' -Because 'the job is completed'
        $job.displayName | Should -Be 'BITS Transfer' -Because 'the default display name of Start-BitsTransfer'
        $job.description | Should -Be 'one-liner' -Because 'description set'
        $job.priority | Should -Be 'NORMAL' -Because 'priority set'
        (Test-Path -LiteralPath (Join-Path $Scratch 'ok.bin')) | Should -BeTrue -Because 'published in the current location, under the URL''s name'
        ([System.IO.FileInfo]::new((Join-Path $Scratch 'ok.bin')).Length) | Should -Be 50000 -Because 'every byte'
    }

    It 'two sources, relative destinations in a subfolder; the default priority is FOREGROUND' {
        # Two sources, relative destinations in a subfolder; the default priority is FOREGROUND.
        $null = [System.IO.Directory]::CreateDirectory((Join-Path $Scratch 'sub'))
        $two = Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin", "$BaseUrl/ok2.bin" -Destination 'sub/a.bin', 'sub/b.bin' -DisplayName 'two files'
        $two.JobState | Should -Be 'ACKNOWLEDGED' -Because 'both transferred'
        $two.priority | Should -Be 'FOREGROUND' -Because 'Start-BitsTransfer''s default priority'
        ((Test-Path -LiteralPath (Join-Path $Scratch 'sub/a.bin')) -and (Test-Path -LiteralPath (Join-Path $Scratch 'sub/b.bin'))) | Should -BeTrue -Because 'both files, resolved from the current location'
    }

    It '-Asynchronous returns the job right after Resume; Wait-BitsJob2 and Complete-BitsJob2 finish it' {
        # -Asynchronous: the job right after Resume; Wait-BitsJob2 and Complete-BitsJob2 finish it.
        $async = Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin" -Destination 'async.bin' -Asynchronous
        (@('QUEUED', 'CONNECTING', 'TRANSFERRING', 'TRANSFERRED') -contains [string]$async.JobState) | Should -BeTrue -Because "asynchronous: $($async.JobState)"
        $null = Wait-BitsJob2 -JobId $async.JobId -State TRANSFERRED -Timeout 60
        Complete-BitsJob2 -JobId $async.JobId
        (Test-Path -LiteralPath (Join-Path $Scratch 'async.bin')) | Should -BeTrue -Because 'completed later'
    }

    It 'a 404 is an ErrorRecord with the BITS error at once; the job stays in ERROR for inspection' {
        # A 404: an ErrorRecord with the BITS error at once; the job stays in ERROR for inspection.
        $errs = @(Start-BitsJob2Transfer -Source "$BaseUrl/missing.bin" -Destination 'missing.bin' -DisplayName 'missing' -ErrorAction Continue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errs.Count | Should -Be 1 -Because 'one error'
        $errs[0].FullyQualifiedErrorId | Should -Be 'BG_E_HTTP_ERROR_404,Start-BitsJob2Transfer' -Because 'the job''s error, as the cmdlet''s own'
        $errs[0].Exception.HResult | Should -Be ([int][long]'0x80190194') -Because 'its HRESULT'
        $left = @(Get-BitsJob2 -Name 'missing')
        $left.Count | Should -Be 1 -Because 'the failed job is left for inspection (found by -Name)'
        $left[0].JobState | Should -Be 'ERROR' -Because 'in ERROR'
        Remove-BitsJob2 -JobId $left[0].JobId
    }

    It 'mismatched sources and destinations: a terminating error before any job exists' {
        # Mismatched sources and destinations: a terminating error before any job exists.
        $caught = $null
        try { Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin", "$BaseUrl/ok2.bin" -Destination 'only-one.bin' } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'BitsJob2SourceDestinationMismatch,Start-BitsJob2Transfer' -Because 'mismatch'
    }

    It '-WhatIf creates no job and downloads nothing' {
        # -WhatIf: no job.
        $before = @(Get-BitsJob2).Count
        Start-BitsJob2Transfer -Source "$BaseUrl/ok.bin" -Destination 'whatif.bin' -WhatIf
        @(Get-BitsJob2).Count | Should -Be $before -Because '-WhatIf created nothing'
        (-not (Test-Path -LiteralPath (Join-Path $Scratch 'whatif.bin'))) | Should -BeTrue -Because '-WhatIf downloaded nothing'
    }
}
