<#
.SYNOPSIS
Notify program of the inventory job of Logon-UploadInventory.ps1: BITS starts it when the job is
TRANSFERRED (or in ERROR). It completes the job, which publishes the reply file, and moves the reply
into -ReplyFolder as <upload name>.reply. A job in ERROR is recorded as <upload name>.error.json and
cancelled, so the next logon starts over.

.DESCRIPTION
Runs without a console and without a user watching: it writes files, never prompts. It exits 0 when
done; a non-zero exit makes the service run it again after the job's retry delay, for as long as
the job is neither completed nor cancelled.
#>
[CmdletBinding()]
param(
    [Parameter(Mandatory = $true)] [string] $JobId,
    [string] $ReplyFolder = [System.IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'Inventory', 'Replies'),
    [string] $ModulePath = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'Bits.Job2.psd1')
)
$ErrorActionPreference = 'Stop'
$stop = @{ ErrorAction = 'Stop' }
if (Test-Path -LiteralPath $ModulePath) { Import-Module $ModulePath @stop } else { Import-Module Bits.Job2 @stop }

[void][System.IO.Directory]::CreateDirectory($ReplyFolder)
$job = Get-BitsJob2 -JobId $JobId @stop
$uploadName = [System.IO.Path]::GetFileName($job.files[0].localName)

if ($job.JobState -eq 'ERROR') {
    $errorFile = [System.IO.Path]::Combine($ReplyFolder, $uploadName + '.error.json')
    [System.IO.File]::WriteAllText($errorFile, ($job.error | ConvertTo-Json -Depth 4), [System.Text.UTF8Encoding]::new($false))
    Remove-BitsJob2 -JobId $JobId @stop
    return
}
if ($job.JobState -ne 'TRANSFERRED') { return } # already completed or cancelled by an earlier run

Complete-BitsJob2 -JobId $JobId @stop
$replyFile = Get-BitsJob2ReplyFileName -JobId $JobId @stop   # the path (a string)
$target = [System.IO.Path]::Combine($ReplyFolder, $uploadName + '.reply')
if ([System.IO.File]::Exists($target)) { [System.IO.File]::Delete($target) }
[System.IO.File]::Move($replyFile, $target)
