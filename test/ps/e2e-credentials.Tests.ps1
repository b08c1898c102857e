# Credentials and proxy settings through the cmdlets against the real service, nginx (auth_basic)
# and squid (proxy Basic). The passwords arrive in environment variables, never in argv, and reach
# the cmdlets only inside PSCredential objects. Every -WhatIf is proved by behaviour: the transfer
# that follows fails (or succeeds) exactly as if the cmdlet had not run.
param(
    [string] $Root, [string] $Scratch,
    [string] $ServerUrl, [string] $ServerUser,
    [string] $ProxyHostPort, [string] $PlainUrl, [string] $ProxyUser
)

Describe 'credentials and proxy settings through the cmdlets' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force

        function New-Credential([string] $User, [string] $Password) {
            [System.Management.Automation.PSCredential]::new($User, (ConvertTo-SecureString -String $Password -AsPlainText -Force))
        }
        function Invoke-Transfer($Job, [string] $Expected) {
            Resume-BitsJob2 -JobId $Job.JobId
            $r = Wait-BitsJob2 -JobId $Job.JobId -State TRANSFERRED, ERROR -Timeout 60
            $r.JobState | Should -Be $Expected -Because "job state (error: $($r.error.name) $($r.error.message))"
            return $r
        }
        $serverCred = New-Credential $ServerUser $env:E2E_SERVER_PASSWORD
        $proxyCred = New-Credential $ProxyUser $env:E2E_PROXY_PASSWORD
    }

    It 'server Basic: -WhatIf stores none (401), Set-BitsJob2Credential authenticates, Remove-BitsJob2Credential removes them' {
        $job = New-BitsJob2 -DisplayName 'ps e2e credentials'
        Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/a.bin" -LocalName (Join-Path $Scratch 'a.bin')
        Set-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -Credential $serverCred -WhatIf
        $r = Invoke-Transfer $job 'ERROR'
        $r.error.name | Should -Be 'BG_E_HTTP_ERROR_401' -Because 'without credentials (Set-BitsJob2Credential -WhatIf stored none)'
        $r.error.hresultHex | Should -Be '0x80190191' -Because 'HRESULT of the 401'

        Set-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -Credential $serverCred
        $null = Invoke-Transfer $job 'TRANSFERRED'

        # -WhatIf keeps the credentials: a second file still authenticates.
        Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -WhatIf
        Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/b.bin" -LocalName (Join-Path $Scratch 'b.bin')
        $null = Invoke-Transfer $job 'TRANSFERRED'

        $removed = Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -PassThru
        $removed.name | Should -Be 'S_OK' -Because 'Remove-BitsJob2Credential result'
        $again = Remove-BitsJob2Credential -JobId $job.JobId -Target SERVER -Scheme BASIC -PassThru -WarningAction SilentlyContinue
        $again.name | Should -Be 'S_FALSE' -Because 'nothing left to remove'
        Add-BitsJob2File -JobId $job.JobId -RemoteName "$ServerUrl/c.bin" -LocalName (Join-Path $Scratch 'c.bin')
        $r = Invoke-Transfer $job 'ERROR'
        $r.error.name | Should -Be 'BG_E_HTTP_ERROR_401' -Because 'after Remove-BitsJob2Credential'
        Remove-BitsJob2 -JobId $job.JobId
    }

    It 'proxy OVERRIDE through squid: -WhatIf changes nothing, 407 without proxy credentials, then through' {
        $pj = New-BitsJob2 -DisplayName 'ps e2e proxy'
        Add-BitsJob2File -JobId $pj.JobId -RemoteName "$PlainUrl/p.bin" -LocalName (Join-Path $Scratch 'p.bin')
        Set-BitsJob2Proxy -JobId $pj.JobId -ProxyUsage OVERRIDE -ProxyList "http=$ProxyHostPort" -WhatIf
        (Get-BitsJob2 -JobId $pj.JobId).proxy.usage | Should -Be 'PRECONFIG' -Because 'Set-BitsJob2Proxy -WhatIf changed nothing'
        Set-BitsJob2Proxy -JobId $pj.JobId -ProxyUsage OVERRIDE -ProxyList "http=$ProxyHostPort"
        $proxy = (Get-BitsJob2 -JobId $pj.JobId).proxy
        $proxy.usage | Should -Be 'OVERRIDE' -Because 'proxy usage'
        $proxy.proxyList | Should -Be "http=$ProxyHostPort" -Because 'proxy list'
        $r = Invoke-Transfer $pj 'ERROR'
        $r.error.name | Should -Be 'BG_E_HTTP_ERROR_407' -Because 'through the proxy without proxy credentials'
        Set-BitsJob2Credential -JobId $pj.JobId -Target PROXY -Scheme BASIC -Credential $proxyCred
        $null = Invoke-Transfer $pj 'TRANSFERRED'
        Complete-BitsJob2 -JobId $pj.JobId
    }
}
