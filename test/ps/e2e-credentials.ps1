# Credentials and proxy settings through the cmdlets against the real service, nginx (auth_basic)
# and squid (proxy Basic). The passwords arrive in environment variables, never in argv, and reach
# the cmdlets only inside PSCredential objects. Every -WhatIf is proved by behaviour: the transfer
# that follows fails (or succeeds) exactly as if the cmdlet had not run.
param(
    [string] $Root, [string] $Scratch,
    [string] $ServerUrl, [string] $ServerUser,
    [string] $ProxyHostPort, [string] $PlainUrl, [string] $ProxyUser
)
$ErrorActionPreference = 'Stop'
. (Join-Path $PSScriptRoot 'assert.ps1')
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

function New-Credential([string] $User, [string] $Password) {
    [System.Management.Automation.PSCredential]::new($User, (ConvertTo-SecureString -String $Password -AsPlainText -Force))
}
function Invoke-Transfer($Job, [string] $Expected) {
    Resume-BitsJob2 -JobId $Job.JobId
    $r = Wait-BitsJob2 -JobId $Job.JobId -State TRANSFERRED, ERROR -Timeout 60
    Assert-Equal $Expected $r.JobState "job state (error: $($r.error.name) $($r.error.message))"
    return $r
}
$serverCred = New-Credential $ServerUser $env:E2E_SERVER_PASSWORD
$proxyCred = New-Credential $ProxyUser $env:E2E_PROXY_PASSWORD

# ── server Basic ───────────────────────────────────────────────────────────────────────────────
$job = New-BitsJob2 -DisplayName 'ps e2e credentials'
Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/a.bin" -LocalName (Join-Path $Scratch 'a.bin')
Set-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -Credential $serverCred -WhatIf
$r = Invoke-Transfer $job 'ERROR'
Assert-Equal 'BG_E_HTTP_ERROR_401' $r.error.name 'without credentials (Set-BitsJob2Credential -WhatIf stored none)'
Assert-Equal '0x80190191' $r.error.hresultHex 'HRESULT of the 401'

Set-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -Credential $serverCred
$null = Invoke-Transfer $job 'TRANSFERRED'

# -WhatIf keeps the credentials: a second file still authenticates.
Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -WhatIf
Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/b.bin" -LocalName (Join-Path $Scratch 'b.bin')
$null = Invoke-Transfer $job 'TRANSFERRED'

$removed = Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -PassThru
Assert-Equal 'S_OK' $removed.name 'Remove-BitsJob2Credential result'
$again = Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -PassThru -WarningAction SilentlyContinue
Assert-Equal 'S_FALSE' $again.name 'nothing left to remove'
Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/c.bin" -LocalName (Join-Path $Scratch 'c.bin')
$r = Invoke-Transfer $job 'ERROR'
Assert-Equal 'BG_E_HTTP_ERROR_401' $r.error.name 'after Remove-BitsJob2Credential'
Remove-BitsJob2 -JobId $job.JobId

# ── proxy OVERRIDE through squid with proxy Basic ──────────────────────────────────────────────
$pj = New-BitsJob2 -DisplayName 'ps e2e proxy'
Add-BitsJob2File -JobId $pj.JobId -RemoteName "$PlainUrl/p.bin" -LocalName (Join-Path $Scratch 'p.bin')
Set-BitsJob2Proxy -JobId $pj.JobId -ProxyUsage OVERRIDE -ProxyList "http=$ProxyHostPort" -WhatIf
Assert-Equal 'PRECONFIG' (Get-BitsJob2 -JobId $pj.JobId).proxy.usage 'Set-BitsJob2Proxy -WhatIf changed nothing'
Set-BitsJob2Proxy -JobId $pj.JobId -ProxyUsage OVERRIDE -ProxyList "http=$ProxyHostPort"
$proxy = (Get-BitsJob2 -JobId $pj.JobId).proxy
Assert-Equal 'OVERRIDE' $proxy.usage 'proxy usage'
Assert-Equal "http=$ProxyHostPort" $proxy.proxyList 'proxy list'
$r = Invoke-Transfer $pj 'ERROR'
Assert-Equal 'BG_E_HTTP_ERROR_407' $r.error.name 'through the proxy without proxy credentials'
Set-BitsJob2Credential -JobId $pj.JobId -Target PROXY -Scheme BASIC -Credential $proxyCred
$null = Invoke-Transfer $pj 'TRANSFERRED'
Complete-BitsJob2 -JobId $pj.JobId

"ok: credentials and proxy"
