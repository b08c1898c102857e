'before'
Write-Error 'soft-failure-5678'
'after the non-terminating error'
