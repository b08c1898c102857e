# New-BitsJob2's parameters beyond the name (-Priority, -Description, -RetryInterval, -RetryTimeout,
# -Scheme/-UserName/-Credential) and Start-BitsJob2Transfer's -Credential/-Authentication/
# -RetryInterval/-RetryTimeout, in the real engine against the portable service, a real nginx with
# auth_basic and a port nobody listens on. Each property is read back through Get-BitsJob2 (the
# runner reads it again with `info --json`); a refused one cancels the new job; the password reaches
# the cmdlets only inside a PSCredential (from an environment variable) and shows in no output.
# Also Get-BitsJob2 -Name with wildcards and Resume-BitsJob2 -PassThru (issue 15 items 5 and 10),
# which had no real-engine test.
param([string] $Root, [string] $Scratch, [string] $ServerUrl, [string] $ServerUser, [string] $DeadUrl)

Describe 'New-BitsJob2 and Start-BitsJob2Transfer parameters against the real service' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        $cred = [System.Management.Automation.PSCredential]::new($ServerUser, (ConvertTo-SecureString -String $env:E2E_SERVER_PASSWORD -AsPlainText -Force))
        function Assert-NoPassword($Value, [string] $What) {
            ($Value | ConvertTo-Json -Depth 8 -Compress).Contains($env:E2E_SERVER_PASSWORD) | Should -BeFalse -Because "no password in $What"
        }
        function Get-Named([string] $Name) { @(Get-BitsJob2 -Name $Name) }
        function Wait-Transient([string] $JobId) {
            $deadline = [DateTime]::UtcNow.AddSeconds(90)
            do {
                $j = Get-BitsJob2 -JobId $JobId
                if ([string]$j.JobState -eq 'TRANSIENT_ERROR') { return $j }
                Start-Sleep -Milliseconds 200
            } while ([DateTime]::UtcNow -lt $deadline)
            throw "job $JobId did not reach TRANSIENT_ERROR (last: $($j.JobState))"
        }
    }

    It 'New-BitsJob2 -Priority -Description -RetryInterval -RetryTimeout: each property read back' {
        $job = New-BitsJob2 -DisplayName 'ps params' -Description 'nightly backup' -Priority HIGH -RetryInterval 45 -RetryTimeout 900
        $job.GetType().Name | Should -Not -Be 'String' -Because 'New-BitsJob2 returns the job object'
        $got = Get-BitsJob2 -JobId $job.JobId
        $got.displayName | Should -Be 'ps params'
        $got.description | Should -Be 'nightly backup' -Because '-Description'
        [string]$got.priority | Should -Be 'HIGH' -Because '-Priority'
        $got.minimumRetryDelay | Should -Be 45 -Because '-RetryInterval is SetMinimumRetryDelay'
        $got.noProgressTimeout | Should -Be 900 -Because '-RetryTimeout is SetNoProgressTimeout'
        [string]$got.JobState | Should -Be 'SUSPENDED' -Because 'a new job'
        $got.nextRetryTime | Should -BeNullOrEmpty -Because 'no retry is pending outside TRANSIENT_ERROR'
    }

    It 'New-BitsJob2 -Scheme BASIC -Credential: the job authenticates to nginx as that user; the password is in no output' {
        $job = New-BitsJob2 -DisplayName 'ps params creds' -Scheme BASIC -Credential $cred
        Assert-NoPassword $job 'the new job'
        Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/a.bin" -LocalName (Join-Path $Scratch 'a.bin')
        Resume-BitsJob2 -JobId $job.JobId
        $r = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -Timeout 60
        Assert-NoPassword $r 'the waited job'
        Assert-NoPassword (Get-BitsJob2 -JobId $job.JobId) 'Get-BitsJob2'
        Complete-BitsJob2 -JobId $job.JobId
        ([System.IO.FileInfo]::new((Join-Path $Scratch 'a.bin')).Length) | Should -Be 40000 -Because 'downloaded with the credentials'
    }

    It 'New-BitsJob2 -Scheme BASIC -UserName with the password of -Credential: stored (RemoveCredentials says S_OK)' {
        $job = New-BitsJob2 -DisplayName 'ps params same user' -Scheme BASIC -UserName $ServerUser -Credential $cred
        (Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -PassThru).name | Should -Be 'S_OK' -Because 'the credentials were stored by New-BitsJob2'
        (Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -PassThru -WarningAction SilentlyContinue).name | Should -Be 'S_FALSE' -Because 'and are gone now'
        Remove-BitsJob2 -JobId $job.JobId
    }

    It 'a -UserName that differs from -Credential is refused before any job exists' {
        $caught = $null
        try { $null = New-BitsJob2 -DisplayName 'ps params conflict' -Scheme BASIC -UserName 'mallory' -Credential $cred } catch { $caught = $_ }
        $caught.FullyQualifiedErrorId | Should -Be 'BitsJob2UserNameConflict,New-BitsJob2'
        (Get-Named 'ps params conflict').Count | Should -Be 0 -Because 'no job was created'
    }

    It 'a refused setter cancels the new job: -Description of 1025 characters is BG_E_STRING_TOO_LONG, no job is left' {
        $caught = $null
        try { $null = New-BitsJob2 -DisplayName 'ps params refused' -Priority HIGH -Description ('d' * 1025) -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'the description is refused'
        $caught.FullyQualifiedErrorId | Should -Be 'BG_E_STRING_TOO_LONG,New-BitsJob2'
        $caught.Exception.Message | Should -Match 'was cancelled' -Because 'the message says what became of the job'
        (Get-Named 'ps params refused').Count | Should -Be 0 -Because 'the half-set job was cancelled'
    }

    It 'a refused credential cancels the new job too: a user name over 300 characters is BG_E_USERNAME_TOO_LARGE' {
        $long = [System.Management.Automation.PSCredential]::new(('u' * 301), $cred.Password)
        $caught = $null
        try { $null = New-BitsJob2 -DisplayName 'ps params long user' -Priority LOW -Scheme BASIC -Credential $long -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'SetCredentials refuses the user name'
        $caught.FullyQualifiedErrorId | Should -Be 'BG_E_USERNAME_TOO_LARGE,New-BitsJob2'
        $caught.Exception.Message | Should -Match 'was cancelled'
        $caught.Exception.Message.Contains($env:E2E_SERVER_PASSWORD) | Should -BeFalse -Because 'no password in the error'
        (Get-Named 'ps params long user').Count | Should -Be 0 -Because 'the job with its priority already set was cancelled'
    }

    It '-Credential without -Scheme is refused before CreateJob: no job' {
        $caught = $null
        try { $null = New-BitsJob2 -DisplayName 'ps params no scheme' -Credential $cred -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'a user name needs a scheme'
        $caught.FullyQualifiedErrorId | Should -Be 'E_INVALIDARG,New-BitsJob2'
        $caught.Exception.Message | Should -Match 'need --scheme' -Because 'the message says what to add'
        $caught.Exception.Message.Contains($env:E2E_SERVER_PASSWORD) | Should -BeFalse -Because 'no password in the error'
        (Get-Named 'ps params no scheme').Count | Should -Be 0 -Because 'no job is left'
    }

    It 'New-BitsJob2 -RetryInterval against a port nobody listens on: TRANSIENT_ERROR with nextRetryTime one retry delay after the failure' {
        $job = New-BitsJob2 -DisplayName 'ps params retry' -RetryInterval 5 -RetryTimeout 600
        Add-BitsJob2File -JobId $job.JobId -RemoteName $DeadUrl -LocalName (Join-Path $Scratch 'dead.bin')
        $before = [DateTime]::UtcNow
        Resume-BitsJob2 -JobId $job.JobId
        $j = Wait-Transient $job.JobId
        $after = [DateTime]::UtcNow
        $j.nextRetryTime | Should -BeOfType [datetime]
        $due = $j.nextRetryTime.ToUniversalTime()
        ($due -ge $before.AddSeconds(5).AddMilliseconds(-1)) | Should -BeTrue -Because "due $due is at least 5 s after resume ($before)"
        ($due -le $after.AddSeconds(5).AddMilliseconds(1)) | Should -BeTrue -Because "due $due is at most 5 s after it was seen ($after)"
        Remove-BitsJob2 -JobId $job.JobId
    }

    It 'Get-BitsJob2 -Name takes wildcards, case-insensitive and whole-name (as Get-BitsTransfer -Name); its jobs pipe into Remove-BitsJob2' {
        foreach ($n in 'ps wild nightly a', 'ps wild Nightly b', 'ps wild weekly') { $null = New-BitsJob2 -DisplayName $n }
        @(Get-BitsJob2 -Name 'PS WILD NIGHTLY*').Count | Should -Be 2 -Because '* any characters, case-insensitive'
        @(Get-BitsJob2 -Name 'ps wild week?y').displayName | Should -Be @('ps wild weekly') -Because '? one character'
        @(Get-BitsJob2 -Name 'ps wild nightly').Count | Should -Be 0 -Because 'a pattern matches the whole name'
        Get-BitsJob2 -Name 'ps wild nightly*' | Remove-BitsJob2 -Confirm:$false
        @(Get-BitsJob2 -Name 'ps wild*').displayName | Should -Be @('ps wild weekly') -Because 'the two nightly jobs were cancelled through the pipeline'
    }

    It 'Resume-BitsJob2 -PassThru returns the job as a BitsJob2.Job (as Resume-BitsTransfer), not a result code' {
        $job = @(Get-BitsJob2 -Name 'ps wild weekly')[0]
        Add-BitsJob2File -JobId $job.JobId -RemoteName $DeadUrl -LocalName (Join-Path $Scratch 'weekly.bin')
        $passed = Resume-BitsJob2 -JobId $job.JobId -PassThru
        ($passed.PSObject.TypeNames -contains 'BitsJob2.Job') | Should -BeTrue -Because "typed: $($passed.PSObject.TypeNames -join ',')"
        $passed.JobId | Should -Be $job.JobId
        @('QUEUED', 'CONNECTING', 'TRANSIENT_ERROR') | Should -Contain ([string]$passed.JobState) -Because 'resumed'
        Remove-BitsJob2 -JobId $job.JobId
    }

    It 'Start-BitsJob2Transfer -Credential -Authentication BASIC: synchronous through nginx auth_basic' {
        $job = Start-BitsJob2Transfer -Source "$ServerUrl/b.bin" -Destination (Join-Path $Scratch 'b.bin') -DisplayName 'ps params start creds' -Credential $cred -Authentication BASIC
        [string]$job.JobState | Should -Be 'ACKNOWLEDGED'
        Assert-NoPassword $job 'the transfer''s job'
        ([System.IO.FileInfo]::new((Join-Path $Scratch 'b.bin')).Length) | Should -Be 40001
    }

    It 'Start-BitsJob2Transfer without -Credential gets the 401 as its error' {
        $errs = @(Start-BitsJob2Transfer -Source "$ServerUrl/c.bin" -Destination (Join-Path $Scratch 'c.bin') -DisplayName 'ps params start 401' -ErrorAction Continue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errs.Count | Should -Be 1
        $errs[0].FullyQualifiedErrorId | Should -Be 'BG_E_HTTP_ERROR_401,Start-BitsJob2Transfer' -Because 'the same URL needs the credentials'
        Remove-BitsJob2 -JobId (Get-Named 'ps params start 401')[0].JobId
    }

    It 'Start-BitsJob2Transfer -RetryInterval -RetryTimeout -Asynchronous: set on the job, which waits to retry' {
        $job = Start-BitsJob2Transfer -Source $DeadUrl -Destination (Join-Path $Scratch 'dead2.bin') -DisplayName 'ps params start retry' -RetryInterval 7 -RetryTimeout 700 -Asynchronous
        $got = Get-BitsJob2 -JobId $job.JobId
        $got.minimumRetryDelay | Should -Be 7 -Because '-RetryInterval'
        $got.noProgressTimeout | Should -Be 700 -Because '-RetryTimeout'
        $j = Wait-Transient $job.JobId
        $j.nextRetryTime | Should -BeOfType [datetime]
        Remove-BitsJob2 -JobId $job.JobId
    }
}
