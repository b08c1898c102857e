# Start-BitsJob2Server against the real CLI: -WhatIf starts nothing; -NoWait returns the server
# (URL, port, process) while it answers a BITS Ping; the foreground form runs until the pipeline is
# stopped — PowerShell.Stop() is what Ctrl+C does — and then the server process is gone; a bad -Root
# is an ErrorRecord with the BITS name and no process is left behind.
param([string] $Root, [string] $Dir)
. (Join-Path $PSScriptRoot 'assert.ps1')
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

# -WhatIf: nothing starts, nothing is returned.
$whatIf = @(Start-BitsJob2Server -Root $Dir -EchoReply -WhatIf)
Assert-Equal 0 $whatIf.Count '-WhatIf returns nothing'

# -NoWait: the server object once it listens; the server keeps running until stopped.
$server = Start-BitsJob2Server -Root $Dir -EchoReply -NoWait
Assert-Equal 'BitsJob2.Server' $server.PSObject.TypeNames[0] 'type name'
Assert-True ($server.Url -match '^http://127\.0\.0\.1:\d+/$') "url $($server.Url)"
Assert-True ($server.Port -gt 0) 'a free port was picked'
Assert-Equal $server.ProcessId $server.Process.Id 'ProcessId is the process'
Assert-Equal 'echo reply' $server.Mode 'mode'
Assert-True (-not $server.Process.HasExited) 'the server runs after the cmdlet returned'
Assert-Equal '200 Ack' (Send-BitsPing $server.Url) 'the background server answers a BITS ping'
"nowait: $($server.Url) pid $($server.ProcessId)"
Stop-Process -Id $server.ProcessId
Assert-True ($server.Process.WaitForExit(10000)) 'Stop-Process stops it'

# Every parameter reaches the real CLI as a flag it accepts (it refuses unknown flags): a server
# with all of them starts, in notification mode; another one with a reply handler module.
$sessions = Join-Path $Dir 'sessions'
$full = Start-BitsJob2Server -Root $Dir -ListenAddress 127.0.0.1 -Port 0 -UrlPrefix /full -SessionDirectory $sessions -AllowOverwrite -MaximumUploadSize 5000000000 -SessionTimeout 600 -MaximumSessionsPerClient 3 -MaximumFragmentSize 1048576 -HostId farm-1 -HostIdFallbackTimeout 60 -NotificationUrl http://127.0.0.1:9/app -NotificationType VALUE -NoWait
"full: $($full.Url) pid $($full.ProcessId)"
Assert-Equal 'notify value http://127.0.0.1:9/app' $full.Mode 'notification mode from -NotificationUrl/-NotificationType'
Assert-True ($full.Url -match '/full/$') "url prefix: $($full.Url)"
Assert-Equal '200 Ack' (Send-BitsPing $full.Url) 'the fully configured server answers'
Stop-Process -Id $full.ProcessId
[void]$full.Process.WaitForExit(10000)
$handler = Join-Path $Dir 'handler.mjs'
[System.IO.File]::WriteAllText($handler, "export default () => ({ reply: 'hi' });`n")
$withHandler = Start-BitsJob2Server -Root $Dir -ReplyHandler $handler -NoWait
"handler: $($withHandler.Url) pid $($withHandler.ProcessId)"
Assert-Equal "reply handler $handler" $withHandler.Mode 'reply handler mode'
Stop-Process -Id $withHandler.ProcessId
[void]$withHandler.Process.WaitForExit(10000)

# Foreground: runs until the pipeline stops. A second runspace runs it; Stop() there is Ctrl+C here.
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
    Assert-True ($output.Count -eq 1) "the foreground cmdlet wrote the server object (first error: $firstError)"
    $fg = $output[0]
    "foreground: $($fg.Url) pid $($fg.ProcessId)"
    Assert-True ($fg.Url -match '/bits/$') "url with the prefix: $($fg.Url)"
    Assert-Equal '200 Ack' (Send-BitsPing $fg.Url) 'the foreground server answers'
    Start-Sleep -Milliseconds 500
    Assert-True (-not $async.IsCompleted) 'the cmdlet is still running (foreground)'
    $ps.Stop()
    Assert-True ($fg.Process.WaitForExit(10000)) 'stopping the pipeline (Ctrl+C) stops the server'
    $refused = $false
    try { [void](Send-BitsPing $fg.Url) } catch { $refused = $true }
    Assert-True $refused 'nothing listens any more'
    "foreground: stopped, state $($ps.InvocationStateInfo.State)"
} finally {
    $ps.Dispose()
}

# A bad -Root: the CLI's usage error as an ErrorRecord (E_INVALIDARG), no server left running.
$missing = Join-Path $Dir 'does-not-exist'
$err = $null
Start-BitsJob2Server -Root $missing -ErrorAction SilentlyContinue -ErrorVariable err
Assert-Equal 1 @($err).Count 'one error'
Assert-Equal 'E_INVALIDARG,Start-BitsJob2Server' $err[0].FullyQualifiedErrorId 'error id'
Assert-True ($err[0].Exception.Message -match 'not an existing directory') $err[0].Exception.Message
$Error.Clear()
'server ok'
