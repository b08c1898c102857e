# The generated cmdlets against the real background service (state dir from BITS_JOB2_STATE_DIR):
# a download job from the URL in argument 2, -WhatIf changing nothing, the pipeline from
# Get-BitsJob2 into Complete-BitsJob2, and errors as ErrorRecords with the BG_E name.
param([string] $Root, [string] $Url, [string] $Dest)
$ErrorActionPreference = 'Stop'
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

$job = New-BitsJob2 -DisplayName 'ps e2e'
if ($job.PSObject.TypeNames[0] -ne 'BitsJob2.Job') { throw "type name $($job.PSObject.TypeNames[0])" }
if ($job.JobState -ne 'SUSPENDED') { throw "new job is $($job.JobState)" }
Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $Dest

Remove-BitsJob2 -JobId $job.JobId -WhatIf
if ((Get-BitsJob2 -JobId $job.JobId).JobState -ne 'SUSPENDED') { throw '-WhatIf changed the job' }

$caught = $null
try { Resume-BitsJob2 -JobId '00000000-0000-0000-0000-000000000000' -ErrorAction Stop } catch { $caught = $_ }
if (-not $caught) { throw 'no error for an unknown job' }
if ($caught.FullyQualifiedErrorId -notlike 'BG_E_NOT_FOUND*') { throw "error id $($caught.FullyQualifiedErrorId)" }
if ($caught.CategoryInfo.Category -ne 'ObjectNotFound') { throw "category $($caught.CategoryInfo.Category)" }
$Error.Clear() # the expected error above is not a failure of this script

Resume-BitsJob2 -JobId $job.JobId
$done = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -Timeout 60
Get-BitsJob2 | Where-Object { $_.JobId -eq $job.JobId } | Complete-BitsJob2
if (-not (Test-Path $Dest)) { throw 'Complete-BitsJob2 from the pipeline did not publish the file' }
"ok: $((Get-Item $Dest).Length) bytes"
