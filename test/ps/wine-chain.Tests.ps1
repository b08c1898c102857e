# The module on the Windows chain (test/wine-powershell.test.ts): PwshHost (self-contained win-x64,
# .NET 10) under wine64 runs this file with Pester and imports Bits.Job2.psd1; its CLI runs under
# Windows node.exe with BITS_JOB2_BACKEND=native, so every cmdlet goes node.exe → edge-js → bridge →
# Wine's BITS. A download through New → Add → Resume → Wait → Complete, and a 404: Wait returns the
# job in ERROR with BG_E_HTTP_ERROR_404, and a cmdlet failing on that job (Suspend-BitsJob2: Wine's
# E_NOTIMPL) gives an ErrorRecord that carries the job's 404.
param([string] $Root, [string] $Url, [string] $Content, [string] $MissingUrl, [string] $Scratch)

Describe 'Bits.Job2 on Wine''s BITS (native backend)' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
    }

    It 'downloads through New-BitsJob2 → Add-BitsJob2File → Resume-BitsJob2 → Wait-BitsJob2 → Complete-BitsJob2' {
        $dest = Join-Path $Scratch 'small.txt'
        $job = New-BitsJob2 -DisplayName 'wine ps download'
        [string]$job.TransferType | Should -Be 'DOWNLOAD' -Because 'transfer type'
        [string]$job.JobState | Should -Be 'SUSPENDED' -Because 'a new job is SUSPENDED'
        Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $dest
        Resume-BitsJob2 -JobId $job.JobId
        $done = Wait-BitsJob2 -JobId $job.JobId -Timeout 60
        [string]$done.JobState | Should -Be 'TRANSFERRED' -Because 'Wait-BitsJob2 returns the TRANSFERRED job'
        $r = Complete-BitsJob2 -JobId $job.JobId -PassThru
        $r.name | Should -Be 'S_OK' -Because 'Complete result'
        [System.IO.File]::ReadAllText($dest).TrimEnd() | Should -Be $Content -Because 'the published file'
    }

    It 'a 404 ends the job in ERROR; Suspend-BitsJob2 on it gives an ErrorRecord that carries the 404' {
        $bad = New-BitsJob2 -DisplayName 'wine ps 404'
        Add-BitsJob2File -JobId $bad.JobId -RemoteName $MissingUrl -LocalName (Join-Path $Scratch 'missing.bin')
        Resume-BitsJob2 -JobId $bad.JobId
        $failed = Wait-BitsJob2 -JobId $bad.JobId -Timeout 60
        [string]$failed.JobState | Should -Be 'ERROR' -Because 'a 404 ends the job in ERROR'
        $failed.error.name | Should -Be 'BG_E_HTTP_ERROR_404' -Because 'error name'
        $failed.error.hresultHex | Should -Be '0x80190194' -Because 'error HRESULT'
        $errs = @(Suspend-BitsJob2 -JobId $bad.JobId -ErrorAction Continue 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
        $errs.Count | Should -Be 1 -Because 'one ErrorRecord'
        $errs[0].FullyQualifiedErrorId | Should -Be 'E_NOTIMPL,Suspend-BitsJob2'
        $errs[0].Exception.Message | Should -BeLike '*BG_E_HTTP_ERROR_404*' -Because 'the record carries the job''s 404'
        Remove-BitsJob2 -JobId $bad.JobId -Confirm:$false
    }
}
