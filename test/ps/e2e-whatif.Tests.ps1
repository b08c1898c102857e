# -WhatIf on the changing cmdlets not covered by the other end-to-end scripts changes nothing in
# the real service, and the same calls without -WhatIf do change it (so the checks can fail). The Its
# run in order on one job ($script:job).
param([string] $Root, [string] $Scratch, [string] $OkUrl, [string] $HeldUrl)

Describe '-WhatIf on the changing cmdlets' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

        function Get-Count { @(Get-BitsJob2).Count }
    }

    It 'New-BitsJob2 -WhatIf creates no job; without it one job' {
        # New-BitsJob2
        $before = Get-Count
        $none = @(New-BitsJob2 -DisplayName 'ps whatif' -WhatIf)
        $none.Count | Should -Be 0 -Because 'New-BitsJob2 -WhatIf returns nothing'
        (Get-Count) | Should -Be $before -Because 'New-BitsJob2 -WhatIf created no job'
        $script:job = New-BitsJob2 -DisplayName 'ps whatif'
        (Get-Count) | Should -Be ($before + 1) -Because 'New-BitsJob2 created one job'
    }

    It 'Add-BitsJob2File -WhatIf adds no file; without it the file' {
        # Add-BitsJob2File
        $script:dest = Join-Path $Scratch 'ok.bin'
        Add-BitsJob2File -JobId $job.JobId -RemoteName $OkUrl -LocalName $dest -WhatIf
        @((Get-BitsJob2 -JobId $job.JobId).files).Count | Should -Be 0 -Because 'Add-BitsJob2File -WhatIf added no file'
        Add-BitsJob2File -JobId $job.JobId -RemoteName $OkUrl -LocalName $dest
        @((Get-BitsJob2 -JobId $job.JobId).files).Count | Should -Be 1 -Because 'Add-BitsJob2File added the file'
    }

    It 'Set-BitsJob2 -WhatIf leaves every property; without it each is set' {
        # Set-BitsJob2
        $orig = Get-BitsJob2 -JobId $job.JobId
        Set-BitsJob2 -JobId $job.JobId -DisplayName 'renamed' -Description 'd' -Priority LOW -RetryInterval 77 -RetryTimeout 900 -NotifyFlags 1 -WhatIf
        $same = Get-BitsJob2 -JobId $job.JobId
        foreach ($p in 'displayName', 'description', 'priority', 'minimumRetryDelay', 'noProgressTimeout', 'notifyFlags') {
            $same.$p | Should -Be $orig.$p -Because "Set-BitsJob2 -WhatIf left $p"
        }
        Set-BitsJob2 -JobId $job.JobId -DisplayName 'renamed' -Description 'd' -Priority LOW -RetryInterval 77 -RetryTimeout 900 -NotifyFlags 1
        $set = Get-BitsJob2 -JobId $job.JobId
        $set.displayName | Should -Be 'renamed' -Because 'display name'
        $set.description | Should -Be 'd' -Because 'description'
        $set.priority | Should -Be 'LOW' -Because 'priority'
        $set.minimumRetryDelay | Should -Be 77 -Because 'retry delay'
        $set.noProgressTimeout | Should -Be 900 -Because 'no-progress timeout'
        $set.notifyFlags | Should -Be 1 -Because 'notify flags'
    }

    It 'Resume-BitsJob2 -WhatIf leaves the job SUSPENDED; without it the job transfers' {
        # Resume-BitsJob2
        Resume-BitsJob2 -JobId $job.JobId -WhatIf
        (Get-BitsJob2 -JobId $job.JobId).JobState | Should -Be 'SUSPENDED' -Because 'Resume-BitsJob2 -WhatIf left the job SUSPENDED'
        Resume-BitsJob2 -JobId $job.JobId
        $done = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED, ERROR -Timeout 60
        $done.JobState | Should -Be 'TRANSFERRED' -Because 'transferred'
    }

    It 'Complete-BitsJob2 -WhatIf publishes nothing; without it the file' {
        # Complete-BitsJob2
        Complete-BitsJob2 -JobId $job.JobId -WhatIf
        (Get-BitsJob2 -JobId $job.JobId).JobState | Should -Be 'TRANSFERRED' -Because 'Complete-BitsJob2 -WhatIf left the job TRANSFERRED'
        (-not (Test-Path -LiteralPath $dest)) | Should -BeTrue -Because 'Complete-BitsJob2 -WhatIf published nothing'
        $job | Complete-BitsJob2
        (Test-Path -LiteralPath $dest) | Should -BeTrue -Because 'Complete-BitsJob2 published the file'
    }

    It 'Suspend-BitsJob2 and Remove-BitsJob2 -WhatIf leave an active job; without it they suspend and cancel' {
        # Suspend-BitsJob2 on a job whose server holds the request (so it stays active)
        $held = New-BitsJob2 -DisplayName 'ps whatif held'
        Add-BitsJob2File -JobId $held.JobId -RemoteName $HeldUrl -LocalName (Join-Path $Scratch 'held.bin')
        Resume-BitsJob2 -JobId $held.JobId
        $active = Wait-BitsJob2 -JobId $held.JobId -State CONNECTING, TRANSFERRING -Timeout 30 -PollInterval 100
        Suspend-BitsJob2 -JobId $held.JobId -WhatIf
        ((Get-BitsJob2 -JobId $held.JobId).JobState -ne 'SUSPENDED') | Should -BeTrue -Because 'Suspend-BitsJob2 -WhatIf did not suspend'
        Suspend-BitsJob2 -JobId $held.JobId
        (Get-BitsJob2 -JobId $held.JobId).JobState | Should -Be 'SUSPENDED' -Because 'Suspend-BitsJob2 suspended'
        Remove-BitsJob2 -JobId $held.JobId -WhatIf
        (Get-BitsJob2 -JobId $held.JobId).JobState | Should -Be 'SUSPENDED' -Because 'Remove-BitsJob2 -WhatIf did not cancel'
        Remove-BitsJob2 -JobId $held.JobId
        (Get-BitsJob2 -JobId $held.JobId).JobState | Should -Be 'CANCELLED' -Because 'Remove-BitsJob2 cancelled'
    }
}
