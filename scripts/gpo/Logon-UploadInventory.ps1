<#
.SYNOPSIS
Logon script: queues an upload-reply job that sends this machine's inventory to a BITS server, and
exits at once. The job's notify command line (Complete-InventoryUpload.ps1) completes the job and
files the server's reply later, whether or not the user is still logged on.

.DESCRIPTION
Why asynchronous: Group Policy limits how long scripts may run. The policy "Specify maximum wait time
for Group Policy scripts" (Computer Configuration > Administrative Templates > System > Scripts;
registry value MaxGPOScriptWait) limits the total time of all logon, logoff, startup and shutdown
scripts applied by Group Policy; when it is not configured the limit is 600 seconds (10 minutes), and
when it expires the system stops script processing and records an error event. With "Run logon
scripts synchronously" the desktop does not load until the logon scripts are done, so a script that
waits for a slow upload delays the user or is stopped. This script only creates the job (a few CLI
calls) and returns: the BITS job outlives the script, survives logoff and reboot, retries on its own,
and runs the notify command line when the reply has arrived.
(Sources: the policy's explain text, https://admx.help/?Category=Windows_7_2008R2&Policy=Microsoft.Policies.Scripts::MaxGPOScriptWaitPolicy
and https://learn.microsoft.com/en-us/previous-versions/cc977463(v=technet.10) for MaxGPOScriptWait.)

Deploy with Group Policy:
  1. Copy this folder (Logon-UploadInventory.ps1, Complete-InventoryUpload.ps1) and the Bits.Job2
     module (or install the module where PSModulePath finds it) to a share every user can read,
     e.g. \\corp.example\NETLOGON\inventory\.
  2. In the Group Policy Management Editor open
     User Configuration > Policies > Windows Settings > Scripts (Logon/Logoff) > Logon,
     tab "PowerShell Scripts", Add: this script, parameters for example
     -ServerUrl https://inventory.corp.example/bits/ -ReplyFolder "%LOCALAPPDATA%\Inventory\Replies"
  3. The server side is an IIS virtual directory with BITS uploads and a server application that
     answers with the reply, or `bits-job2 serve --root DIR --echo-reply` for a trial.

Parameters reach the script verbatim; the job id is printed (the Group Policy client discards it,
an interactive run shows it).

.PARAMETER ServerUrl
The BITS upload directory. The inventory is uploaded as <computer>-<user>-<UTC time>.json under it.

.PARAMETER ReplyFolder
Where Complete-InventoryUpload.ps1 stores the server's reply (created when missing).

.PARAMETER InventoryFolder
Where the inventory file is written before the upload (it stays there: BITS reads it while uploading).

.PARAMETER ModulePath
The Bits.Job2 module: the manifest of this repository by default, else the installed module.

.PARAMETER PowerShellPath
The program the notify command line starts: powershell.exe (Windows PowerShell) or pwsh (PowerShell 7)
from $PSHOME by default. It must be an absolute path: BITS searches no PATH.

.PARAMETER PowerShellArguments
What comes between the program and the script path on the notify command line.

.EXAMPLE
.\Logon-UploadInventory.ps1 -ServerUrl https://inventory.corp.example/bits/ -ReplyFolder C:\Inventory\Replies
#>
[CmdletBinding()]
param(
    [string] $ServerUrl = 'https://inventory.example.com/bits/',
    [string] $ReplyFolder = [System.IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'Inventory', 'Replies'),
    [string] $InventoryFolder = [System.IO.Path]::Combine([Environment]::GetFolderPath('LocalApplicationData'), 'Inventory'),
    [string] $ModulePath = [System.IO.Path]::Combine($PSScriptRoot, '..', '..', 'Bits.Job2.psd1'),
    [string] $PowerShellPath,
    [string] $PowerShellArguments = '-NoProfile -NonInteractive -ExecutionPolicy Bypass -WindowStyle Hidden -File'
)
$ErrorActionPreference = 'Stop'
# Module functions do not see this script's $ErrorActionPreference: every cmdlet gets it explicitly.
$stop = @{ ErrorAction = 'Stop' }

if (Test-Path -LiteralPath $ModulePath) { Import-Module $ModulePath @stop } else { Import-Module Bits.Job2 @stop }
if (-not $PowerShellPath) {
    $exe = 'pwsh'
    if ($PSVersionTable.PSEdition -ne 'Core') { $exe = 'powershell.exe' } elseif ([System.IO.Path]::DirectorySeparatorChar -eq [char]92) { $exe = 'pwsh.exe' }
    $PowerShellPath = [System.IO.Path]::Combine($PSHOME, $exe)
}

# One argument quoted by the Windows rules BITS uses to split the notify command line.
function ConvertTo-QuotedArgument([string] $Value) {
    $quoted = $Value -replace '(\\*)"', '$1$1\"'
    $quoted = $quoted -replace '(\\+)$', '$1$1'
    return '"' + $quoted + '"'
}

# ── the inventory: small, portable facts about this machine and user ──────────────────────────
$now = [DateTime]::UtcNow
$inventory = [ordered]@{
    schema         = 'bits-job2-inventory/1'
    computerName   = [Environment]::MachineName
    userName       = [Environment]::UserName
    userDomain     = [Environment]::UserDomainName
    os             = [Environment]::OSVersion.VersionString
    is64BitOs      = [Environment]::Is64BitOperatingSystem
    processorCount = [Environment]::ProcessorCount
    powerShell     = $PSVersionTable.PSVersion.ToString()
    collectedAt    = $now.ToString('o')
}
$safe = { param($s) $s -replace '[^A-Za-z0-9._-]', '_' }
$name = (& $safe $inventory.computerName) + '-' + (& $safe $inventory.userName) + '-' + $now.ToString('yyyyMMddTHHmmssZ') + '.json'
[void][System.IO.Directory]::CreateDirectory($InventoryFolder)
$inventoryPath = [System.IO.Path]::Combine($InventoryFolder, $name)
[System.IO.File]::WriteAllText($inventoryPath, ($inventory | ConvertTo-Json), [System.Text.UTF8Encoding]::new($false))

# ── the job: upload-reply, notify command line, resume, and exit ───────────────────────────────
$job = New-BitsJob2 -DisplayName ('Inventory upload ' + $inventory.computerName) -TransferType UPLOAD_REPLY @stop
try {
    Add-BitsJob2File -JobId $job.JobId -RemoteName ($ServerUrl.TrimEnd('/') + '/' + $name) -LocalName $inventoryPath @stop
    $notifyScript = [System.IO.Path]::GetFullPath([System.IO.Path]::Combine($PSScriptRoot, 'Complete-InventoryUpload.ps1'))
    $parameters = (ConvertTo-QuotedArgument $PowerShellPath) + ' ' + $PowerShellArguments + ' ' + (ConvertTo-QuotedArgument $notifyScript) +
        ' -JobId ' + $job.JobId + ' -ReplyFolder ' + (ConvertTo-QuotedArgument $ReplyFolder) +
        ' -ModulePath ' + (ConvertTo-QuotedArgument ([System.IO.Path]::GetFullPath($ModulePath)))
    Set-BitsJob2NotifyCmdLine -JobId $job.JobId -Program $PowerShellPath -Parameters $parameters @stop
    Resume-BitsJob2 -JobId $job.JobId @stop
} catch {
    # Leave no half-made job behind: the next logon starts over.
    Remove-BitsJob2 -JobId $job.JobId -ErrorAction SilentlyContinue
    throw
}
$job.JobId
