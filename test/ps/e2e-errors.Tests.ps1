# Failures of the cmdlets against the real service arrive as ErrorRecords carrying the BITS code
# name (FullyQualifiedErrorId '<name>,<cmdlet>'), the HRESULT (Exception.HResult) and a category;
# a 404 download ends in ERROR and Wait-BitsJob2 returns the job with BG_E_HTTP_ERROR_404; waiting
# for TRANSFERRED only ends at once with that error.
# -Part Records checks the records; -Part Categories checks the category of E_NOTIMPL (NotImplemented),
# each run in its own sandbox by test/powershell-e2e-errors.test.ts. The Its of Records run in order
# on the two jobs of the BeforeAll.
param([string] $Root, [string] $Scratch, [string] $MissingUrl, [string] $OkUrl, [string] $Part)

Describe 'cmdlet errors against the service' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

        # Runs the script block, which must fail with exactly one ErrorRecord; returns that record. Module
        # functions do not see this scope's $ErrorActionPreference, so the actions splat @ea (defined here,
        # visible to them through dynamic scope) and the error stream is captured with 2>&1.
        function Get-Failure([scriptblock] $Action) {
            $ea = @{ ErrorAction = 'Continue' }
            $errs = @(& $Action 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
            $errs.Count | Should -Be 1 -Because "one error from { $Action }"
            return $errs[0]
        }
        function Assert-Failure($Record, [string] $Name, [string] $Cmdlet, [string] $Hex, [string] $Category) {
            ($Record -is [System.Management.Automation.ErrorRecord]) | Should -BeTrue -Because "an ErrorRecord (got $($Record.GetType().FullName))"
            $Record.FullyQualifiedErrorId | Should -Be "$Name,$Cmdlet" -Because 'FullyQualifiedErrorId'
            $Record.Exception.HResult | Should -Be ([int][long]$Hex) -Because "HResult of $Name"
            ($Record.Exception.Message -like "$Name ($Hex)*") | Should -BeTrue -Because "message names code and HRESULT: $($Record.Exception.Message)"
            if ($Category) { ([string]$Record.CategoryInfo.Category) | Should -Be $Category -Because "category of $Name" }
        }

        $dl = New-BitsJob2 -DisplayName 'ps errors download'
        $up = New-BitsJob2 -DisplayName 'ps errors upload' -TransferType UPLOAD
        $reply = { Get-BitsJob2ReplyData -JobId $dl.JobId @ea }
        $badUrl = { Add-BitsJob2File -JobId $dl.JobId -RemoteName 'ftp://example.com/a.bin' -LocalName (Join-Path $Scratch 'a.bin') @ea }
        $noJob = { Get-BitsJob2 -JobId '00000000-0000-0000-0000-000000000000' @ea }
        $badState = { Complete-BitsJob2 -JobId $up.JobId @ea }
    }

    AfterAll {
        Remove-BitsJob2 -JobId $dl.JobId
        Remove-BitsJob2 -JobId $up.JobId
    }

    if ($Part -eq 'Records') {
        It 'reply data of a download job is E_NOTIMPL' {
            # BITS returns it for non-UPLOAD_REPLY jobs.
            Assert-Failure (Get-Failure $reply) 'E_NOTIMPL' 'Get-BitsJob2ReplyData' '0x80004001' $null
        }

        It 'a URL the engine cannot use is E_INVALIDARG, with the CLI''s hint as the recommended action' {
            $r = Get-Failure $badUrl
            Assert-Failure $r 'E_INVALIDARG' 'Add-BitsJob2File' '0x80070057' 'InvalidArgument'
            ($r.ErrorDetails.RecommendedAction -like '*http*') | Should -BeTrue -Because "recommended action: $($r.ErrorDetails.RecommendedAction)"
            $r.TargetObject | Should -Be $dl.JobId -Because 'the job id is the target object'
            $r = Get-Failure { Add-BitsJob2File -JobId $dl.JobId -RemoteName 'http://exa mple.com/a b' -LocalName (Join-Path $Scratch 'b.bin') @ea }
            $r.FullyQualifiedErrorId | Should -Be 'E_INVALIDARG,Add-BitsJob2File' -Because 'a malformed URL'
        }

        It 'an unknown job is BG_E_NOT_FOUND, a wrong state BG_E_INVALID_STATE' {
            Assert-Failure (Get-Failure $noJob) 'BG_E_NOT_FOUND' 'Get-BitsJob2' '0x80200001' 'ObjectNotFound'
            Assert-Failure (Get-Failure $badState) 'BG_E_INVALID_STATE' 'Complete-BitsJob2' '0x80200002' 'InvalidOperation'
        }

        It '-ErrorAction Stop turns the record into a terminating error with the same id' {
            $caught = $null
            try { Get-BitsJob2ReplyData -JobId $dl.JobId -ErrorAction Stop } catch { $caught = $_ }
            ($null -ne $caught) | Should -BeTrue -Because '-ErrorAction Stop throws'
            $caught.FullyQualifiedErrorId | Should -Be 'E_NOTIMPL,Get-BitsJob2ReplyData' -Because 'terminating error id'
        }

        It 'a 404 download ends in ERROR; Wait-BitsJob2 returns it with the BITS error' {
            Add-BitsJob2File -JobId $dl.JobId -RemoteName $MissingUrl -LocalName (Join-Path $Scratch 'missing.bin')
            Resume-BitsJob2 -JobId $dl.JobId
            $failed = Wait-BitsJob2 -JobId $dl.JobId -Timeout 60
            $failed.JobState | Should -Be 'ERROR' -Because 'a 404 ends the job in ERROR'
            $failed.error.name | Should -Be 'BG_E_HTTP_ERROR_404' -Because 'error name'
            $failed.error.hresultHex | Should -Be '0x80190194' -Because 'error HRESULT'
            $failed.error.file.remoteName | Should -Be $MissingUrl -Because 'the failing file'
            (-not (Test-Path -LiteralPath (Join-Path $Scratch 'missing.bin'))) | Should -BeTrue -Because 'nothing published'
        }

        It 'waiting for a state the job cannot reach in time is an OperationTimeout error' {
            $r = Get-Failure { Wait-BitsJob2 -JobId $up.JobId -State TRANSFERRED -Timeout 1 -PollInterval 100 @ea }
            $r.FullyQualifiedErrorId | Should -Be 'BitsJob2WaitTimeout,Wait-BitsJob2' -Because 'wait timeout id'
            ([string]$r.CategoryInfo.Category) | Should -Be 'OperationTimeout' -Because 'wait timeout category'
        }

        It 'waiting for TRANSFERRED only: the job in ERROR ends the wait at once with its error' {
            # Not at -Timeout (module/api/wait-rule.ts, as Node's waitFor and `bits-job2 wait`).
            $r = Get-Failure { Wait-BitsJob2 -JobId $dl.JobId -State TRANSFERRED -Timeout 60 -PollInterval 100 @ea }
            Assert-Failure $r 'BG_E_HTTP_ERROR_404' 'Wait-BitsJob2' '0x80190194' 'ConnectionError'
            $r.TargetObject | Should -Be $dl.JobId -Because 'the waited-for job is the target object'
        }

        It 'a job that left the queue cannot reach the state: BG_E_INVALID_STATE' {
            $gone = New-BitsJob2 -DisplayName 'ps errors cancelled'
            Remove-BitsJob2 -JobId $gone.JobId
            Assert-Failure (Get-Failure { Wait-BitsJob2 -JobId $gone.JobId -State TRANSFERRED -Timeout 60 -PollInterval 100 @ea }) 'BG_E_INVALID_STATE' 'Wait-BitsJob2' '0x80200002' 'InvalidOperation'
        }
    }

    if ($Part -eq 'Categories') {
        It 'E_NOTIMPL (the operation does not exist for this job type) has the category NotImplemented' {
            Assert-Failure (Get-Failure $reply) 'E_NOTIMPL' 'Get-BitsJob2ReplyData' '0x80004001' 'NotImplemented'
        }
    }
}
