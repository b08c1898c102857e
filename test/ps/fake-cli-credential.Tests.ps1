# Runs cmdlets against the fake CLI (BITS_JOB2_CLI) so the test can read the exact argv and stdin
# (test/powershell-fake-cli.test.ts); the Its run in order, one CLI call each except the refused one.
param([string] $Root, [string] $Password)

Describe 'Set-BitsJob2Credential and Set-BitsJob2 against the fake CLI' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        $secure = ConvertTo-SecureString $Password -AsPlainText -Force
        $cred = New-Object System.Management.Automation.PSCredential ('alice', $secure)
        $jobId = '3f2c9a10-0000-0000-0000-000000000001'
    }

    It 'Set-BitsJob2Credential with a PSCredential runs' {
        Set-BitsJob2Credential -JobId $jobId -Target SERVER -Scheme BASIC -Credential $cred
    }

    It 'Set-BitsJob2 with a value that starts with a dash runs' {
        Set-BitsJob2 -JobId $jobId -Description '-starts with a dash' -Priority HIGH
    }

    # -UserName and -Credential naming two users: refused before the CLI runs (no guess at which was meant).
    It 'refuses -UserName naming another user than -Credential' {
        $caught = $null
        try { Set-BitsJob2Credential -JobId $jobId -Target SERVER -Scheme BASIC -UserName mallory -Credential $cred } catch { $caught = $_ }
        $caught | Should -Not -BeNullOrEmpty -Because 'expected BitsJob2UserNameConflict'
        $caught.FullyQualifiedErrorId | Should -Be 'BitsJob2UserNameConflict,Set-BitsJob2Credential'
        $caught.Exception.Message | Should -BeLike "*-UserName 'mallory' differs from the user name of -Credential ('alice')*"
    }

    It 'takes the same name twice as no conflict' {
        Set-BitsJob2Credential -JobId $jobId -Target SERVER -Scheme BASIC -UserName alice -Credential $cred
    }
}
