# The Pester runner of the pwsh host (issue 15): runs one *.Tests.ps1 file with Invoke-Pester and
# writes every test's outcome as JSON for the TS side (test/pwsh-host/pester.ts), which turns them
# into counted, failing-with-their-message results of the uvu suite.
#
#   PwshHost -AllowErrors pester-run.ps1 -Path <file.Tests.ps1> -ResultFile <out.json>
#            [-DataFile <data.json>]   (a JSON object: the test file's param() values, given to
#                                       New-PesterContainer -Data; a file, not argv, so a test password
#                                       never shows in the process list)
#
# The result file: { pester, result, tests: [{ name, path, result, message, ms }],
#                     failedBlocks: [{ name, message }], failedContainers: [{ name, message }] }
# `result` is Pester's own verdict ('Passed'/'Failed'); a block or container failure (a BeforeAll
# that throws, a parse error in the file) is listed as well, as Pester may have no test to blame.
# -AllowErrors: Pester records caught errors in $Error, so the host's "$Error empty" rule would
# fail every run; the verdict comes from the result object instead. The host still exits 1 when this
# script itself fails (no Pester, no result file).
param(
    [Parameter(Mandatory = $true)] [string] $Path,
    [Parameter(Mandatory = $true)] [string] $ResultFile,
    [string] $DataFile
)
$ErrorActionPreference = 'Stop'
Import-Module Pester -RequiredVersion 5.7.1

$config = New-PesterConfiguration
$data = @{}
if ($DataFile) { $data = [System.IO.File]::ReadAllText($DataFile) | ConvertFrom-Json -AsHashtable }
$config.Run.Container = New-PesterContainer -Path $Path -Data $data
$config.Run.PassThru = $true
$config.Run.Exit = $false
$config.Output.Verbosity = 'Detailed'
$config.Output.RenderMode = 'Plaintext'
$run = Invoke-Pester -Configuration $config

function Get-Message($records) {
    (@($records) | ForEach-Object { if ($_.DisplayErrorMessage) { $_.DisplayErrorMessage } else { "$_" } }) -join "`n"
}

$report = [ordered]@{
    pester           = "$((Get-Module Pester).Version)"
    result           = "$($run.Result)"
    tests            = @($run.Tests | ForEach-Object {
        [ordered]@{
            name    = $_.ExpandedName
            path    = ($_.ExpandedPath)
            result  = "$($_.Result)"
            message = Get-Message $_.ErrorRecord
            ms      = [int]$_.Duration.TotalMilliseconds
        }
    })
    failedBlocks     = @($run.FailedBlocks | ForEach-Object { [ordered]@{ name = $_.ExpandedPath; message = Get-Message $_.ErrorRecord } })
    failedContainers = @($run.FailedContainers | ForEach-Object { [ordered]@{ name = "$($_.Item)"; message = Get-Message $_.ErrorRecord } })
}
[System.IO.File]::WriteAllText($ResultFile, (ConvertTo-Json $report -Depth 6))
"pester-run: $($run.Result) ($($run.PassedCount) passed, $($run.FailedCount) failed, $($run.SkippedCount) skipped, $($run.NotRunCount) not run)"
