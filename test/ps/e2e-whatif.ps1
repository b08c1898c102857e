# -WhatIf on the changing cmdlets not covered by the other end-to-end scripts changes nothing in
# the real service, and the same calls without -WhatIf do change it (so the checks can fail).
param([string] $Root, [string] $Scratch, [string] $OkUrl, [string] $HeldUrl)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

function Get-Count { @(Get-BitsJob2).Count }

# New-BitsJob2
$before = Get-Count
$none = @(New-BitsJob2 -DisplayName 'ps whatif' -WhatIf)
Assert-Equal 0 $none.Count 'New-BitsJob2 -WhatIf returns nothing'
Assert-Equal $before (Get-Count) 'New-BitsJob2 -WhatIf created no job'
$job = New-BitsJob2 -DisplayName 'ps whatif'
Assert-Equal ($before + 1) (Get-Count) 'New-BitsJob2 created one job'

# Add-BitsJob2File
$dest = Join-Path $Scratch 'ok.bin'
Add-BitsJob2File -JobId $job.JobId -RemoteName $OkUrl -LocalName $dest -WhatIf
Assert-Equal 0 @((Get-BitsJob2 -JobId $job.JobId).files).Count 'Add-BitsJob2File -WhatIf added no file'
Add-BitsJob2File -JobId $job.JobId -RemoteName $OkUrl -LocalName $dest
Assert-Equal 1 @((Get-BitsJob2 -JobId $job.JobId).files).Count 'Add-BitsJob2File added the file'

# Set-BitsJob2
$orig = Get-BitsJob2 -JobId $job.JobId
Set-BitsJob2 -JobId $job.JobId -DisplayName 'renamed' -Description 'd' -Priority LOW -RetryInterval 77 -RetryTimeout 900 -NotifyFlags 1 -WhatIf
$same = Get-BitsJob2 -JobId $job.JobId
foreach ($p in 'displayName', 'description', 'priority', 'minimumRetryDelay', 'noProgressTimeout', 'notifyFlags') {
    Assert-Equal $orig.$p $same.$p "Set-BitsJob2 -WhatIf left $p"
}
Set-BitsJob2 -JobId $job.JobId -DisplayName 'renamed' -Description 'd' -Priority LOW -RetryInterval 77 -RetryTimeout 900 -NotifyFlags 1
$set = Get-BitsJob2 -JobId $job.JobId
Assert-Equal 'renamed' $set.displayName 'display name'
Assert-Equal 'd' $set.description 'description'
Assert-Equal 'LOW' $set.priority 'priority'
Assert-Equal 77 $set.minimumRetryDelay 'retry delay'
Assert-Equal 900 $set.noProgressTimeout 'no-progress timeout'
Assert-Equal 1 $set.notifyFlags 'notify flags'

# Resume-BitsJob2
Resume-BitsJob2 -JobId $job.JobId -WhatIf
Assert-Equal 'SUSPENDED' (Get-BitsJob2 -JobId $job.JobId).JobState 'Resume-BitsJob2 -WhatIf left the job SUSPENDED'
Resume-BitsJob2 -JobId $job.JobId
$done = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED, ERROR -Timeout 60
Assert-Equal 'TRANSFERRED' $done.JobState 'transferred'

# Complete-BitsJob2
Complete-BitsJob2 -JobId $job.JobId -WhatIf
Assert-Equal 'TRANSFERRED' (Get-BitsJob2 -JobId $job.JobId).JobState 'Complete-BitsJob2 -WhatIf left the job TRANSFERRED'
Assert-True (-not (Test-Path -LiteralPath $dest)) 'Complete-BitsJob2 -WhatIf published nothing'
$job | Complete-BitsJob2
Assert-True (Test-Path -LiteralPath $dest) 'Complete-BitsJob2 published the file'

# Suspend-BitsJob2 on a job whose server holds the request (so it stays active)
$held = New-BitsJob2 -DisplayName 'ps whatif held'
Add-BitsJob2File -JobId $held.JobId -RemoteName $HeldUrl -LocalName (Join-Path $Scratch 'held.bin')
Resume-BitsJob2 -JobId $held.JobId
$active = Wait-BitsJob2 -JobId $held.JobId -State CONNECTING, TRANSFERRING -Timeout 30 -PollInterval 100
Suspend-BitsJob2 -JobId $held.JobId -WhatIf
Assert-True ((Get-BitsJob2 -JobId $held.JobId).JobState -ne 'SUSPENDED') 'Suspend-BitsJob2 -WhatIf did not suspend'
Suspend-BitsJob2 -JobId $held.JobId
Assert-Equal 'SUSPENDED' (Get-BitsJob2 -JobId $held.JobId).JobState 'Suspend-BitsJob2 suspended'
Remove-BitsJob2 -JobId $held.JobId -WhatIf
Assert-Equal 'SUSPENDED' (Get-BitsJob2 -JobId $held.JobId).JobState 'Remove-BitsJob2 -WhatIf did not cancel'
Remove-BitsJob2 -JobId $held.JobId
Assert-Equal 'CANCELLED' (Get-BitsJob2 -JobId $held.JobId).JobState 'Remove-BitsJob2 cancelled'

"ok: -WhatIf changed nothing"
