# The installed PowerShell package (issue 11): Bits.Job2 found BY NAME on PSModulePath (ModulesDir
# holds Bits.Job2/<Version>/, as Save-Module and Install-Module lay it out), its manifest valid with
# every FileList entry present, the cmdlets running the CLI inside that folder, a download through
# the portable service (state dir from BITS_JOB2_STATE_DIR), and Get-Help -Examples.
param([string] $ModulesDir, [string] $Version, [string] $Url, [string] $Dest)
$ErrorActionPreference = 'Stop'
$env:PSModulePath = $ModulesDir + [System.IO.Path]::PathSeparator + $env:PSModulePath
$base = [System.IO.Path]::Combine($ModulesDir, 'Bits.Job2', $Version)

$available = @(Get-Module -ListAvailable -Name Bits.Job2)
if ($available.Count -ne 1) { throw "Get-Module -ListAvailable found $($available.Count) Bits.Job2 modules" }
Import-Module Bits.Job2
$module = Get-Module Bits.Job2
if ($module.ModuleBase -ne $base) { throw "imported from $($module.ModuleBase), not $base" }
if ($module.Version.ToString() -ne $Version) { throw "version $($module.Version)" }
$manifest = Test-ModuleManifest ([System.IO.Path]::Combine($base, 'Bits.Job2.psd1'))
if ($manifest.FileList.Count -lt 100) { throw "FileList has $($manifest.FileList.Count) entries" }

# The CLI the cmdlets start: the package's own (no BITS_JOB2_CLI), inside the module folder.
$cli = & $module.NestedModules[0] { Get-BitsJob2CliPath }
if (-not $cli.StartsWith($base + [System.IO.Path]::DirectorySeparatorChar)) { throw "the cmdlets run $cli" }

$job = New-BitsJob2 -DisplayName 'package e2e'
Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $Dest
Resume-BitsJob2 -JobId $job.JobId
$done = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -Timeout 60
if ($done.JobState -ne 'TRANSFERRED') { throw "job ended $($done.JobState)" }
Complete-BitsJob2 -JobId $job.JobId
if (-not [System.IO.File]::Exists($Dest)) { throw 'Complete-BitsJob2 did not publish the file' }

$help = Get-Help New-BitsJob2 -Examples
$examples = @($help.examples.example)
if ($examples.Count -lt 1) { throw 'Get-Help New-BitsJob2 -Examples has no example' }
"cli: $cli"
"example: $($examples[0].code)"
"ok: $($done.BytesTransferred) bytes"
