# Failures of the cmdlets against the real service arrive as ErrorRecords carrying the BITS code
# name (FullyQualifiedErrorId '<name>,<cmdlet>'), the HRESULT (Exception.HResult) and a category;
# a 404 download ends in ERROR and Wait-BitsJob2 returns the job with BG_E_HTTP_ERROR_404; waiting
# for TRANSFERRED only ends at once with that error.
# -Part Records checks the records; -Part Categories checks the category of E_NOTIMPL (NotImplemented),
# kept apart so that its failure does not hide the rest.
param([string] $Root, [string] $Scratch, [string] $MissingUrl, [string] $OkUrl, [string] $Part)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

# Runs the script block, which must fail with exactly one ErrorRecord; returns that record. Module
# functions do not see this script's $ErrorActionPreference, so the actions splat @ea (defined here,
# visible to them through dynamic scope) and the error stream is captured with 2>&1.
function Get-Failure([scriptblock] $Action) {
    $ea = @{ ErrorAction = 'Continue' }
    $errs = @(& $Action 2>&1 | Where-Object { $_ -is [System.Management.Automation.ErrorRecord] })
    $global:Error.Clear() # expected failures are not failures of this script
    Assert-Equal 1 $errs.Count "one error from { $Action }"
    return $errs[0]
}
function Assert-Failure($Record, [string] $Name, [string] $Cmdlet, [string] $Hex, [string] $Category) {
    Assert-True ($Record -is [System.Management.Automation.ErrorRecord]) "an ErrorRecord (got $($Record.GetType().FullName))"
    Assert-Equal "$Name,$Cmdlet" $Record.FullyQualifiedErrorId 'FullyQualifiedErrorId'
    Assert-Equal ([int][long]$Hex) $Record.Exception.HResult "HResult of $Name"
    Assert-True ($Record.Exception.Message -like "$Name ($Hex)*") "message names code and HRESULT: $($Record.Exception.Message)"
    if ($Category) { Assert-Equal $Category ([string]$Record.CategoryInfo.Category) "category of $Name" }
}

$dl = New-BitsJob2 -DisplayName 'ps errors download'
$up = New-BitsJob2 -DisplayName 'ps errors upload' -TransferType UPLOAD
$reply = { Get-BitsJob2ReplyData -JobId $dl.JobId @ea }
$badUrl = { Add-BitsJob2File -JobId $dl.JobId -RemoteName 'ftp://example.com/a.bin' -LocalName (Join-Path $Scratch 'a.bin') @ea }
$noJob = { Get-BitsJob2 -JobId '00000000-0000-0000-0000-000000000000' @ea }
$badState = { Complete-BitsJob2 -JobId $up.JobId @ea }

if ($Part -eq 'Records') {
    # Reply data of a download job: E_NOTIMPL (BITS returns it for non-UPLOAD_REPLY jobs).
    Assert-Failure (Get-Failure $reply) 'E_NOTIMPL' 'Get-BitsJob2ReplyData' '0x80004001' $null
    # A URL the engine cannot use: E_INVALIDARG, with the CLI's hint as the recommended action.
    $r = Get-Failure $badUrl
    Assert-Failure $r 'E_INVALIDARG' 'Add-BitsJob2File' '0x80070057' 'InvalidArgument'
    Assert-True ($r.ErrorDetails.RecommendedAction -like '*http*') "recommended action: $($r.ErrorDetails.RecommendedAction)"
    Assert-Equal $dl.JobId $r.TargetObject 'the job id is the target object'
    $r = Get-Failure { Add-BitsJob2File -JobId $dl.JobId -RemoteName 'http://exa mple.com/a b' -LocalName (Join-Path $Scratch 'b.bin') @ea }
    Assert-Equal 'E_INVALIDARG,Add-BitsJob2File' $r.FullyQualifiedErrorId 'a malformed URL'
    Assert-Failure (Get-Failure $noJob) 'BG_E_NOT_FOUND' 'Get-BitsJob2' '0x80200001' 'ObjectNotFound'
    Assert-Failure (Get-Failure $badState) 'BG_E_INVALID_STATE' 'Complete-BitsJob2' '0x80200002' 'InvalidOperation'
    # -ErrorAction Stop turns the record into a terminating error with the same id.
    $caught = $null
    try { Get-BitsJob2ReplyData -JobId $dl.JobId -ErrorAction Stop } catch { $caught = $_ }
    $global:Error.Clear()
    Assert-True ($null -ne $caught) '-ErrorAction Stop throws'
    Assert-Equal 'E_NOTIMPL,Get-BitsJob2ReplyData' $caught.FullyQualifiedErrorId 'terminating error id'

    # A 404 download: the job ends in ERROR; Wait-BitsJob2 returns it with the BITS error.
    Add-BitsJob2File -JobId $dl.JobId -RemoteName $MissingUrl -LocalName (Join-Path $Scratch 'missing.bin')
    Resume-BitsJob2 -JobId $dl.JobId
    $failed = Wait-BitsJob2 -JobId $dl.JobId -Timeout 60
    Assert-Equal 'ERROR' $failed.JobState 'a 404 ends the job in ERROR'
    Assert-Equal 'BG_E_HTTP_ERROR_404' $failed.error.name 'error name'
    Assert-Equal '0x80190194' $failed.error.hresultHex 'error HRESULT'
    Assert-Equal $MissingUrl $failed.error.file.remoteName 'the failing file'
    Assert-True (-not (Test-Path -LiteralPath (Join-Path $Scratch 'missing.bin'))) 'nothing published'
    # Waiting for a state the job cannot reach in time is an OperationTimeout error.
    $r = Get-Failure { Wait-BitsJob2 -JobId $up.JobId -State TRANSFERRED -Timeout 1 -PollInterval 100 @ea }
    Assert-Equal 'BitsJob2WaitTimeout,Wait-BitsJob2' $r.FullyQualifiedErrorId 'wait timeout id'
    Assert-Equal 'OperationTimeout' ([string]$r.CategoryInfo.Category) 'wait timeout category'
    # Waiting for TRANSFERRED only: the job in ERROR ends the wait at once with its error, not at
    # -Timeout (module/api/wait-rule.ts, as Node's waitFor and `bits-job2 wait`).
    $r = Get-Failure { Wait-BitsJob2 -JobId $dl.JobId -State TRANSFERRED -Timeout 60 -PollInterval 100 @ea }
    Assert-Failure $r 'BG_E_HTTP_ERROR_404' 'Wait-BitsJob2' '0x80190194' 'ConnectionError'
    Assert-Equal $dl.JobId $r.TargetObject 'the waited-for job is the target object'
    # A job that left the queue cannot reach the state: BG_E_INVALID_STATE.
    $gone = New-BitsJob2 -DisplayName 'ps errors cancelled'
    Remove-BitsJob2 -JobId $gone.JobId
    Assert-Failure (Get-Failure { Wait-BitsJob2 -JobId $gone.JobId -State TRANSFERRED -Timeout 60 -PollInterval 100 @ea }) 'BG_E_INVALID_STATE' 'Wait-BitsJob2' '0x80200002' 'InvalidOperation'
    'ok: error records'
}
if ($Part -eq 'Categories') {
    # E_NOTIMPL: the operation does not exist for this job type -> NotImplemented.
    Assert-Failure (Get-Failure $reply) 'E_NOTIMPL' 'Get-BitsJob2ReplyData' '0x80004001' 'NotImplemented'
    'ok: categories'
}
Remove-BitsJob2 -JobId $dl.JobId
Remove-BitsJob2 -JobId $up.JobId
