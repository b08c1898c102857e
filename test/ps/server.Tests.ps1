# Start-BitsJob2Server against the real CLI: -WhatIf starts nothing; -NoWait returns the server
# (URL, port, process) while it answers a BITS Ping; the foreground form runs until the pipeline is
# stopped — PowerShell.Stop() is what Ctrl+C does — and then the server process is gone; a bad -Root
# is an ErrorRecord with the BITS name and no process is left behind. Each server's pid is written
# with Write-Host (stdout), so test/powershell-server.test.ts can stop what a failed run left.
param([string] $Root, [string] $Dir, [string] $TlsCert, [string] $TlsKey, [string] $Users)

Describe 'Start-BitsJob2Server' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $manifest = Join-Path $Root 'Bits.Job2.psd1'
        Import-Module $manifest -Force

        function Send-BitsPing([string] $Url) {
            # A BITS_POST Ping ([MC-BUP] 2.2.2.1): a BITS server answers 200 with BITS-Packet-Type: Ack.
            $client = [System.Net.Http.HttpClient]::new()
            try {
                $request = [System.Net.Http.HttpRequestMessage]::new([System.Net.Http.HttpMethod]::new('BITS_POST'), $Url)
                [void]$request.Headers.TryAddWithoutValidation('BITS-Packet-Type', 'Ping')
                $request.Content = [System.Net.Http.ByteArrayContent]::new([byte[]]@())
                $response = $client.SendAsync($request).GetAwaiter().GetResult()
                $ack = ''
                $values = $null
                if ($response.Headers.TryGetValues('BITS-Packet-Type', [ref] $values)) { $ack = @($values)[0] }
                return "$([int]$response.StatusCode) $ack"
            } finally {
                $client.Dispose()
            }
        }
    }

    It '-WhatIf starts nothing and returns nothing' {
        $whatIf = @(Start-BitsJob2Server -Root $Dir -EchoReply -WhatIf)
        $whatIf.Count | Should -Be 0 -Because '-WhatIf returns nothing'
    }

    It '-NoWait returns the server once it listens; it runs until stopped' {
        $server = Start-BitsJob2Server -Root $Dir -EchoReply -NoWait
        Write-Host "nowait: $($server.Url) pid $($server.ProcessId)"
        $server.PSObject.TypeNames[0] | Should -Be 'BitsJob2.Server' -Because 'type name'
        ($server.Url -match '^http://127\.0\.0\.1:\d+/$') | Should -BeTrue -Because "url $($server.Url)"
        ($server.Port -gt 0) | Should -BeTrue -Because 'a free port was picked'
        $server.Process.Id | Should -Be $server.ProcessId -Because 'ProcessId is the process'
        $server.Mode | Should -Be 'echo reply' -Because 'mode'
        (-not $server.Process.HasExited) | Should -BeTrue -Because 'the server runs after the cmdlet returned'
        (Send-BitsPing $server.Url) | Should -Be '200 Ack' -Because 'the background server answers a BITS ping'
        Stop-Process -Id $server.ProcessId
        ($server.Process.WaitForExit(10000)) | Should -BeTrue -Because 'Stop-Process stops it'
    }

    # Every parameter reaches the real CLI as a flag it accepts (it refuses unknown flags).
    It 'every parameter at once starts a server, in notification mode' {
        $sessions = Join-Path $Dir 'sessions'
        $full = Start-BitsJob2Server -Root $Dir -ListenAddress 127.0.0.1 -Port 0 -UrlPrefix /full -SessionDirectory $sessions -AllowOverwrite -MaximumUploadSize 5000000000 -SessionTimeout 600 -MaximumSessionsPerClient 3 -MaximumFragmentSize 1048576 -HostId farm-1 -HostIdFallbackTimeout 60 -NotificationUrl http://127.0.0.1:9/app -NotificationType VALUE -NoWait
        Write-Host "full: $($full.Url) pid $($full.ProcessId)"
        $full.Mode | Should -Be 'notify value http://127.0.0.1:9/app' -Because 'notification mode from -NotificationUrl/-NotificationType'
        ($full.Url -match '/full/$') | Should -BeTrue -Because "url prefix: $($full.Url)"
        (Send-BitsPing $full.Url) | Should -Be '200 Ack' -Because 'the fully configured server answers'
        Stop-Process -Id $full.ProcessId
        [void]$full.Process.WaitForExit(10000)
    }

    # TLS + Basic through the cmdlet: the certificate, its key and the users (bcrypt hashes) are
    # files, so no secret is on the server's command line; test/powershell-server.test.ts then
    # uploads to it over HTTPS with and without the password, and reads its command line.
    It 'TLS and Basic authentication from files: an https server that asks for credentials' {
        $tls = Start-BitsJob2Server -Root $Dir -TlsCertificateFile $TlsCert -TlsKeyFile $TlsKey -Authentication basic -UsersFile $Users -AuthenticationRealm 'PS uploads' -AuthenticationPath /secure/ -TrustedProxy 127.0.0.1 -AllowClient 127.0.0.0/8 -LogFormat json -NoWait
        Write-Host "tls: $($tls.Url) pid $($tls.ProcessId)"
        ($tls.Url -match '^https://127\.0\.0\.1:\d+/$') | Should -BeTrue -Because "an https URL: $($tls.Url)"
        (-not $tls.Process.HasExited) | Should -BeTrue -Because 'it runs; the TS side checks it and stops it'
    }

    It 'a bad -Authentication is an E_INVALIDARG ErrorRecord that says what to give' {
        $err = $null
        Start-BitsJob2Server -Root $Dir -Authentication kerberos -UsersFile $Users -ErrorAction SilentlyContinue -ErrorVariable err
        @($err).Count | Should -Be 1 -Because 'one error'
        ($err[0].Exception.Message -match 'basic or digest') | Should -BeTrue -Because $err[0].Exception.Message
    }

    It '-ReplyHandler starts a server in reply handler mode' {
        $handler = Join-Path $Dir 'handler.mjs'
        [System.IO.File]::WriteAllText($handler, "export default () => ({ reply: 'hi' });`n")
        $withHandler = Start-BitsJob2Server -Root $Dir -ReplyHandler $handler -NoWait
        Write-Host "handler: $($withHandler.Url) pid $($withHandler.ProcessId)"
        $withHandler.Mode | Should -Be "reply handler $handler" -Because 'reply handler mode'
        Stop-Process -Id $withHandler.ProcessId
        [void]$withHandler.Process.WaitForExit(10000)
    }

    # Foreground: runs until the pipeline stops. A second runspace runs it; Stop() there is Ctrl+C here.
    It 'the foreground form runs until the pipeline is stopped (Ctrl+C), and takes the server with it' {
        $ps = [powershell]::Create()
        try {
            [void]$ps.AddScript("Import-Module '$($manifest.Replace("'", "''"))'; Start-BitsJob2Server -Root '$($Dir.Replace("'", "''"))' -UrlPrefix /bits")
            $output = [System.Management.Automation.PSDataCollection[psobject]]::new()
            $async = $ps.BeginInvoke([System.Management.Automation.PSDataCollection[psobject]] $null, $output)
            $clock = [System.Diagnostics.Stopwatch]::StartNew()
            while ($output.Count -eq 0 -and -not $async.IsCompleted -and $clock.Elapsed.TotalSeconds -lt 60) { Start-Sleep -Milliseconds 100 }
            # (Streams.Error is a PSDataCollection still open: index it, never enumerate it, which blocks.)
            $firstError = ''
            if ($ps.Streams.Error.Count -gt 0) { $firstError = [string]$ps.Streams.Error[0] }
            ($output.Count -eq 1) | Should -BeTrue -Because "the foreground cmdlet wrote the server object (first error: $firstError)"
            $fg = $output[0]
            Write-Host "foreground: $($fg.Url) pid $($fg.ProcessId)"
            ($fg.Url -match '/bits/$') | Should -BeTrue -Because "url with the prefix: $($fg.Url)"
            (Send-BitsPing $fg.Url) | Should -Be '200 Ack' -Because 'the foreground server answers'
            Start-Sleep -Milliseconds 500
            (-not $async.IsCompleted) | Should -BeTrue -Because 'the cmdlet is still running (foreground)'
            $ps.Stop()
            ($fg.Process.WaitForExit(10000)) | Should -BeTrue -Because 'stopping the pipeline (Ctrl+C) stops the server'
            $refused = $false
            try { [void](Send-BitsPing $fg.Url) } catch { $refused = $true }
            $refused | Should -BeTrue -Because 'nothing listens any more'
            "$($ps.InvocationStateInfo.State)" | Should -Be 'Stopped'
        } finally {
            $ps.Dispose()
        }
    }

    It 'a bad -Root is an E_INVALIDARG ErrorRecord' {
        $missing = Join-Path $Dir 'does-not-exist'
        $err = $null
        Start-BitsJob2Server -Root $missing -ErrorAction SilentlyContinue -ErrorVariable err
        @($err).Count | Should -Be 1 -Because 'one error'
        $err[0].FullyQualifiedErrorId | Should -Be 'E_INVALIDARG,Start-BitsJob2Server' -Because 'error id'
        ($err[0].Exception.Message -match 'not an existing directory') | Should -BeTrue -Because $err[0].Exception.Message
    }
}
