# The generated cmdlets against the real background service (state dir from BITS_JOB2_STATE_DIR):
# a download job from -Url, -WhatIf changing nothing, the pipeline from Get-BitsJob2 into
# Complete-BitsJob2, and errors as ErrorRecords with the BG_E name. The Its run in order and share
# the job (test/powershell-module.test.ts checks the published bytes).
param([string] $Root, [string] $Url, [string] $Dest)

Describe 'cmdlets against the service' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        $job = New-BitsJob2 -DisplayName 'ps e2e'
    }

    It 'New-BitsJob2 returns a SUSPENDED BitsJob2.Job; Add-BitsJob2File adds the file' {
        $job.PSObject.TypeNames[0] | Should -Be 'BitsJob2.Job' -Because 'type name'
        $job.JobState | Should -Be 'SUSPENDED' -Because 'a new job'
        Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $Dest
    }

    It 'Remove-BitsJob2 -WhatIf changes nothing' {
        Remove-BitsJob2 -JobId $job.JobId -WhatIf
        (Get-BitsJob2 -JobId $job.JobId).JobState | Should -Be 'SUSPENDED' -Because '-WhatIf changed the job'
    }

    It 'an unknown job is a BG_E_NOT_FOUND ErrorRecord in ObjectNotFound' {
        $caught = $null
        try { Resume-BitsJob2 -JobId '00000000-0000-0000-0000-000000000000' -ErrorAction Stop } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'an unknown job is an error'
        $caught.FullyQualifiedErrorId | Should -BeLike 'BG_E_NOT_FOUND*'
        "$($caught.CategoryInfo.Category)" | Should -Be 'ObjectNotFound'
    }

    It 'Resume, Wait, and Get-BitsJob2 | Complete-BitsJob2 publish the file' {
        Resume-BitsJob2 -JobId $job.JobId
        $null = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -Timeout 60
        Get-BitsJob2 | Where-Object { $_.JobId -eq $job.JobId } | Complete-BitsJob2
        Test-Path $Dest | Should -BeTrue -Because 'Complete-BitsJob2 from the pipeline publishes the file'
    }
}
