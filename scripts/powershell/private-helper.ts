// The text of module/powershell/Private/Invoke-BitsJob2Cli.ps1 (emitted by scripts/gen-powershell.ts).
// Windows PowerShell 5.1 syntax and .NET APIs present in both .NET Framework 4.x and .NET (Core):
// no ternary, `??`, `?.`, `&&`/`||`, no ProcessStartInfo.ArgumentList, no StandardInputEncoding.
// No utility cmdlets either (the test host has none): no ConvertFrom-Json, Write-Output, New-Object,
// Join-Path, Test-Path, Start-Sleep — language features, .NET and $PSCmdlet methods only.
// JSON: a small hand-written parser (regex tokenizer + recursive descent) → PSCustomObject / object[]
// / string / long / double / bool / $null, because no JSON API exists in both 5.1 and 7
// (System.Web.Script.Serialization is .NET Framework only, System.Text.Json is .NET Core only).

export const PRIVATE_HELPER = String.raw`
# JSON tokens: strings, numbers, literals, punctuation (whitespace between them is skipped).
$script:BitsJob2JsonToken = '\G\s*(?:(?<s>"(?:[^"\\]|\\.)*")|(?<n>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|(?<l>true|false|null)|(?<p>[{}\[\]:,]))'

function ConvertFrom-BitsJob2JsonString {
    param([string] $Quoted)
    $inner = $Quoted.Substring(1, $Quoted.Length - 2)
    if ($inner.IndexOf([char]92) -lt 0) { return $inner }
    $sb = [System.Text.StringBuilder]::new()
    $i = 0
    while ($i -lt $inner.Length) {
        $c = $inner[$i]
        if ($c -ne [char]92) { [void]$sb.Append($c); $i++; continue }
        $e = $inner[$i + 1]
        switch -CaseSensitive ([string]$e) {
            'n' { [void]$sb.Append([char]10) }
            'r' { [void]$sb.Append([char]13) }
            't' { [void]$sb.Append([char]9) }
            'b' { [void]$sb.Append([char]8) }
            'f' { [void]$sb.Append([char]12) }
            'u' {
                [void]$sb.Append([char][System.Convert]::ToInt32($inner.Substring($i + 2, 4), 16))
                $i += 4
            }
            default { [void]$sb.Append($e) }
        }
        $i += 2
    }
    return $sb.ToString()
}

function Read-BitsJob2JsonValue {
    param([hashtable] $State)
    $tokens = $State.Tokens
    if ($State.Index -ge $tokens.Count) { throw 'JSON: unexpected end of input' }
    $m = $tokens[$State.Index]
    $State.Index++
    if ($m.Groups['s'].Success) { return (ConvertFrom-BitsJob2JsonString $m.Groups['s'].Value) }
    if ($m.Groups['n'].Success) {
        $text = $m.Groups['n'].Value
        $long = [long]0
        if ([long]::TryParse($text, [System.Globalization.NumberStyles]::AllowLeadingSign, [System.Globalization.CultureInfo]::InvariantCulture, [ref]$long)) { return $long }
        return [double]::Parse($text, [System.Globalization.CultureInfo]::InvariantCulture)
    }
    if ($m.Groups['l'].Success) {
        $l = $m.Groups['l'].Value
        if ($l -ceq 'true') { return $true }
        if ($l -ceq 'false') { return $false }
        return $null
    }
    $p = $m.Groups['p'].Value
    if ($p -eq '{') {
        $obj = [System.Management.Automation.PSObject]::new()
        if ($tokens[$State.Index].Groups['p'].Value -eq '}') { $State.Index++; return $obj }
        while ($true) {
            $k = $tokens[$State.Index]
            if (-not $k.Groups['s'].Success) { throw 'JSON: expected a property name' }
            $State.Index++
            if ($tokens[$State.Index].Groups['p'].Value -ne ':') { throw 'JSON: expected :' }
            $State.Index++
            $name = ConvertFrom-BitsJob2JsonString $k.Groups['s'].Value
            $value = Read-BitsJob2JsonValue $State
            $obj.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new($name, $value))
            $sep = $tokens[$State.Index].Groups['p'].Value
            $State.Index++
            if ($sep -eq '}') { return $obj }
            if ($sep -ne ',') { throw 'JSON: expected , or }' }
        }
    }
    if ($p -eq '[') {
        $list = [System.Collections.Generic.List[object]]::new()
        if ($tokens[$State.Index].Groups['p'].Value -eq ']') { $State.Index++; return ,$list.ToArray() }
        while ($true) {
            $list.Add((Read-BitsJob2JsonValue $State))
            $sep = $tokens[$State.Index].Groups['p'].Value
            $State.Index++
            if ($sep -eq ']') { return ,$list.ToArray() }
            if ($sep -ne ',') { throw 'JSON: expected , or ]' }
        }
    }
    throw ('JSON: unexpected ' + $p)
}

function ConvertFrom-BitsJob2Json {
    # JSON text -> PSCustomObject / object[] / string / long / double / bool / $null.
    param([string] $Text)
    $tokens = [regex]::Matches($Text, $script:BitsJob2JsonToken)
    $end = 0
    foreach ($t in $tokens) { $end = $t.Index + $t.Length }
    if ($Text.Substring($end).Trim().Length -ne 0) { throw ('JSON: cannot parse at offset ' + $end) }
    if ($tokens.Count -eq 0) { return $null }
    $state = @{ Tokens = $tokens; Index = 0 }
    $value = Read-BitsJob2JsonValue $state
    if ($state.Index -ne $tokens.Count) { throw 'JSON: trailing data' }
    if ($null -eq $value) { return $null }
    return ,$value
}

function Add-BitsJob2TypeName {
    # Adds the PSTypeName (and for jobs the Get-BitsTransfer-like properties the format view shows).
    param($InputObject, [string] $TypeName)
    if ($null -eq $InputObject -or -not $TypeName) { return }
    $InputObject.PSObject.TypeNames.Insert(0, $TypeName)
    if ($TypeName -eq 'BitsJob2.Job') {
        $props = $InputObject.PSObject.Properties
        $progress = $InputObject.progress
        $props.Add([System.Management.Automation.PSNoteProperty]::new('JobId', $InputObject.id))
        $props.Add([System.Management.Automation.PSNoteProperty]::new('JobState', $InputObject.state))
        $props.Add([System.Management.Automation.PSNoteProperty]::new('TransferType', $InputObject.type))
        $props.Add([System.Management.Automation.PSNoteProperty]::new('BytesTransferred', $progress.bytesTransferred))
        $props.Add([System.Management.Automation.PSNoteProperty]::new('BytesTotal', $progress.bytesTotal))
    }
}

function Find-BitsJob2Node {
    # node on PATH (BITS_JOB2_NODE overrides); $null when missing.
    if ($env:BITS_JOB2_NODE) { return $env:BITS_JOB2_NODE }
    $names = @('node')
    if ([System.IO.Path]::DirectorySeparatorChar -eq [char]92) { $names = @('node.exe', 'node') }
    $pathVar = [System.Environment]::GetEnvironmentVariable('PATH')
    if (-not $pathVar) { return $null }
    foreach ($dir in $pathVar.Split([System.IO.Path]::PathSeparator)) {
        if (-not $dir) { continue }
        foreach ($n in $names) {
            $candidate = [System.IO.Path]::Combine($dir.Trim([char]34), $n)
            if ([System.IO.File]::Exists($candidate)) { return $candidate }
        }
    }
    return $null
}

function Get-BitsJob2CliPath {
    # The CLI next to the module: <package root>/dist/module/cli/main.js (BITS_JOB2_CLI overrides).
    if ($env:BITS_JOB2_CLI) { return $env:BITS_JOB2_CLI }
    return [System.IO.Path]::Combine($script:BitsJob2PackageRoot, 'dist', 'module', 'cli', 'main.js')
}

function ConvertTo-BitsJob2ArgumentString {
    # One argument quoted for ProcessStartInfo.Arguments (Windows CommandLineToArgvW rules, which
    # .NET on Unix also applies).
    param([string] $Argument)
    if ($Argument.Length -gt 0 -and $Argument -notmatch '[\s"]') { return $Argument }
    $bs = [char]92
    $q = [char]34
    $sb = [System.Text.StringBuilder]::new()
    [void]$sb.Append($q)
    $slashes = 0
    foreach ($c in $Argument.ToCharArray()) {
        if ($c -eq $bs) { $slashes++; continue }
        if ($c -eq $q) {
            [void]$sb.Append($bs, 2 * $slashes + 1)
            [void]$sb.Append($q)
        } else {
            if ($slashes -gt 0) { [void]$sb.Append($bs, $slashes) }
            [void]$sb.Append($c)
        }
        $slashes = 0
    }
    if ($slashes -gt 0) { [void]$sb.Append($bs, 2 * $slashes) }
    [void]$sb.Append($q)
    return $sb.ToString()
}

function Get-BitsJob2ErrorCategory {
    param([string] $Name)
    if ($Name -like '*NOT_FOUND') { return [System.Management.Automation.ErrorCategory]::ObjectNotFound }
    if ($Name -like '*INVALID_STATE') { return [System.Management.Automation.ErrorCategory]::InvalidOperation }
    if ($Name -eq 'E_INVALIDARG') { return [System.Management.Automation.ErrorCategory]::InvalidArgument }
    if ($Name -eq 'E_ACCESSDENIED') { return [System.Management.Automation.ErrorCategory]::PermissionDenied }
    if ($Name -eq 'E_NOTIMPL') { return [System.Management.Automation.ErrorCategory]::NotImplemented }
    if ($Name -like '*TOO_LARGE' -or $Name -like '*TOO_LONG' -or $Name -like 'BG_E_TOO_MANY_*') { return [System.Management.Automation.ErrorCategory]::LimitsExceeded }
    if ($Name -eq 'BG_E_EMPTY') { return [System.Management.Automation.ErrorCategory]::InvalidOperation }
    if ($Name -like 'BG_E_HTTP_ERROR_*' -or $Name -like '*NETWORK*' -or $Name -like 'BG_E_PROXY_*' -or $Name -like 'BG_E_SERVER_*') { return [System.Management.Automation.ErrorCategory]::ConnectionError }
    if ($Name -like '*TIMEOUT*') { return [System.Management.Automation.ErrorCategory]::OperationTimeout }
    return [System.Management.Automation.ErrorCategory]::NotSpecified
}

function New-BitsJob2ErrorRecord {
    # {error:{hresult, hresultHex, name, message, hint?, ...}} from the CLI -> ErrorRecord with the
    # BG_E name as FullyQualifiedErrorId and the HRESULT on the exception.
    param($ErrorObject, $TargetObject)
    $hr = [long]0
    if ($null -ne $ErrorObject.hresult) { $hr = [long]$ErrorObject.hresult }
    if ($hr -gt 2147483647) { $hr = $hr - 4294967296 }
    $name = [string]$ErrorObject.name
    if (-not $name) { $name = 'BitsJob2Error' }
    $message = [string]$ErrorObject.message
    if ($ErrorObject.hresultHex) { $message = $name + ' (' + $ErrorObject.hresultHex + '): ' + $message }
    $exception = [System.Runtime.InteropServices.COMException]::new($message, [int]$hr)
    $exception.Data['BitsJob2Error'] = $ErrorObject
    $record = [System.Management.Automation.ErrorRecord]::new($exception, $name, (Get-BitsJob2ErrorCategory $name), $TargetObject)
    $hint = $null
    if ($ErrorObject.PSObject.Properties['hint']) { $hint = [string]$ErrorObject.hint }
    if ($hint) {
        $details = [System.Management.Automation.ErrorDetails]::new($message)
        $details.RecommendedAction = $hint
        $record.ErrorDetails = $details
    }
    return $record
}

function New-BitsJob2SimpleErrorRecord {
    param([string] $Message, [string] $Id, [System.Management.Automation.ErrorCategory] $Category, $TargetObject)
    $exception = [System.InvalidOperationException]::new($Message)
    return [System.Management.Automation.ErrorRecord]::new($exception, $Id, $Category, $TargetObject)
}

function New-BitsJob2StartInfo {
    # ProcessStartInfo for 'node <cli> <Arguments> --json' with every stream redirected (UTF-8 out and
    # err). A missing node or CLI is a terminating error of Cmdlet that says what to install or set.
    param([string[]] $Arguments, [System.Management.Automation.PSCmdlet] $Cmdlet)
    $node = Find-BitsJob2Node
    if (-not $node) {
        $Cmdlet.ThrowTerminatingError((New-BitsJob2SimpleErrorRecord 'Bits.Job2: node (Node.js >= 20.19) was not found on PATH. Install Node.js and add it to PATH, or set BITS_JOB2_NODE to node''s full path.' 'BitsJob2NodeNotFound' ([System.Management.Automation.ErrorCategory]::ObjectNotFound) $null))
    }
    $cli = Get-BitsJob2CliPath
    if (-not [System.IO.File]::Exists($cli)) {
        $Cmdlet.ThrowTerminatingError((New-BitsJob2SimpleErrorRecord ('Bits.Job2: the bits-job2 CLI was not found at ' + $cli + '. In a repository checkout run ''npm run build''; an installed package ships it; or set BITS_JOB2_CLI.') 'BitsJob2CliNotFound' ([System.Management.Automation.ErrorCategory]::ObjectNotFound) $null))
    }
    $all = [System.Collections.Generic.List[string]]::new()
    $all.Add((ConvertTo-BitsJob2ArgumentString $cli))
    foreach ($a in $Arguments) { $all.Add((ConvertTo-BitsJob2ArgumentString $a)) }
    $all.Add('--json')
    $psi = [System.Diagnostics.ProcessStartInfo]::new()
    $psi.FileName = $node
    $psi.Arguments = [string]::Join(' ', $all.ToArray())
    $psi.UseShellExecute = $false
    $psi.CreateNoWindow = $true
    $psi.RedirectStandardInput = $true
    $psi.RedirectStandardOutput = $true
    $psi.RedirectStandardError = $true
    $utf8 = [System.Text.UTF8Encoding]::new($false)
    $psi.StandardOutputEncoding = $utf8
    $psi.StandardErrorEncoding = $utf8
    $psi.EnvironmentVariables['NO_COLOR'] = '1'
    $location = $Cmdlet.SessionState.Path.CurrentFileSystemLocation
    if ($null -ne $location) { $psi.WorkingDirectory = $location.ProviderPath }
    return $psi
}

function Write-BitsJob2CliFailure {
    # A failed CLI run -> a non-terminating ErrorRecord: the CLI's {error:{...}} JSON on stderr when
    # there is one (BG_E name and HRESULT), otherwise the exit code and the text.
    param([int] $ExitCode, [string] $StandardError, [System.Management.Automation.PSCmdlet] $Cmdlet, $TargetObject)
    $parsed = $null
    $text = $StandardError.Trim()
    $brace = $text.IndexOf('{')
    if ($brace -ge 0) {
        try { $parsed = ConvertFrom-BitsJob2Json $text.Substring($brace) } catch { $parsed = $null }
    }
    if ($null -ne $parsed -and $parsed.PSObject.Properties['error']) {
        $Cmdlet.WriteError((New-BitsJob2ErrorRecord $parsed.error $TargetObject))
    } else {
        $Cmdlet.WriteError((New-BitsJob2SimpleErrorRecord ('bits-job2 exited with code ' + $ExitCode + ': ' + $text) 'BitsJob2CliFailed' ([System.Management.Automation.ErrorCategory]::NotSpecified) $TargetObject))
    }
}

function Invoke-BitsJob2Cli {
    <#
    .SYNOPSIS
    Runs 'node <cli> <Arguments> --json', feeds InputText (a password) on stdin, parses the JSON.
    .DESCRIPTION
    Returns the parsed stdout (PSCustomObject or object[]) with TypeName added. On failure writes an
    ErrorRecord through Cmdlet (non-terminating) and returns nothing; a missing node or CLI is a
    terminating error. Secrets travel on stdin only, never in the arguments.
    #>
    [CmdletBinding()]
    param(
        [Parameter(Mandatory = $true)] [AllowEmptyCollection()] [string[]] $Arguments,
        [string] $InputText,
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [string] $TypeName,
        $TargetObject
    )
    if ($null -eq $Cmdlet) { $Cmdlet = $PSCmdlet }
    $psi = New-BitsJob2StartInfo $Arguments $Cmdlet
    $process = [System.Diagnostics.Process]::Start($psi)
    try {
        $stdoutTask = $process.StandardOutput.ReadToEndAsync()
        $stderrTask = $process.StandardError.ReadToEndAsync()
        $stdin = $process.StandardInput.BaseStream
        if ($PSBoundParameters.ContainsKey('InputText') -and $null -ne $InputText) {
            $bytes = [System.Text.UTF8Encoding]::new($false).GetBytes($InputText)
            $stdin.Write($bytes, 0, $bytes.Length)
            $stdin.Flush()
        }
        $process.StandardInput.Close()
        $process.WaitForExit()
        $stdout = $stdoutTask.Result
        $stderr = $stderrTask.Result
        $exitCode = $process.ExitCode
    } finally {
        $process.Dispose()
    }
    if ($exitCode -ne 0) {
        Write-BitsJob2CliFailure $exitCode $stderr $Cmdlet $TargetObject
        return
    }
    if ($stdout.Trim().Length -eq 0) { return }
    $result = ConvertFrom-BitsJob2Json $stdout
    if ($result -is [System.Array]) {
        foreach ($item in $result) { Add-BitsJob2TypeName $item $TypeName }
    } else {
        Add-BitsJob2TypeName $result $TypeName
    }
    return ,$result
}

function Start-BitsJob2CliServer {
    <#
    .SYNOPSIS
    Runs 'node <cli> serve <Arguments> --json', a long-running server.
    .DESCRIPTION
    Waits for the JSON document serve prints once it listens and writes it as a BitsJob2.Server
    object with the node Process and its ProcessId. With NoWait it returns then (the server runs on
    in the background; its later output is discarded). Otherwise it waits until the server exits;
    stopping the pipeline (Ctrl+C) kills the server: sessions are on disk and survive, as after any
    restart. Waits poll every 250 ms so that Ctrl+C is honoured while waiting.
    #>
    param(
        [string[]] $Arguments,
        [System.Management.Automation.PSCmdlet] $Cmdlet,
        [string] $TypeName,
        [bool] $NoWait,
        $TargetObject
    )
    $psi = New-BitsJob2StartInfo $Arguments $Cmdlet
    $process = [System.Diagnostics.Process]::Start($psi)
    $keep = $false
    try {
        $process.StandardInput.Close()
        $stderrTask = $process.StandardError.ReadToEndAsync()
        $text = [System.Text.StringBuilder]::new()
        $info = $null
        while ($null -eq $info) {
            $lineTask = $process.StandardOutput.ReadLineAsync()
            while (-not $lineTask.Wait(250)) { }
            $line = $lineTask.Result
            if ($null -eq $line) { break }
            [void]$text.AppendLine($line)
            if ($line.TrimEnd().EndsWith('}')) {
                try { $info = ConvertFrom-BitsJob2Json $text.ToString() } catch { $info = $null }
            }
        }
        if ($null -eq $info) {
            # serve ended before it listened: a usage error, a port in use, a missing --root.
            while (-not $process.WaitForExit(250)) { }
            Write-BitsJob2CliFailure $process.ExitCode $stderrTask.Result $Cmdlet $TargetObject
            return
        }
        Add-BitsJob2TypeName $info $TypeName
        $info.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('ProcessId', $process.Id))
        $info.PSObject.Properties.Add([System.Management.Automation.PSNoteProperty]::new('Process', $process))
        # Nothing more is read from stdout: drain it so that the server never blocks on a full pipe.
        [void]$process.StandardOutput.BaseStream.CopyToAsync([System.IO.Stream]::Null)
        $Cmdlet.WriteObject($info)
        if ($NoWait) {
            $keep = $true
            return
        }
        while (-not $process.WaitForExit(250)) { }
        $process.WaitForExit()
        if ($process.ExitCode -ne 0) { Write-BitsJob2CliFailure $process.ExitCode $stderrTask.Result $Cmdlet $TargetObject }
    } finally {
        if (-not $keep -and -not $process.HasExited) {
            try { $process.Kill() } catch { }
            [void]$process.WaitForExit(10000)
        }
        # The object written holds the Process: dispose it only when nothing was written.
        if ($null -eq $info) { $process.Dispose() }
    }
}
`;
