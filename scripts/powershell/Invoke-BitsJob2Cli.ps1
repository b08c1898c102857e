# Source of module/powershell/Private/Invoke-BitsJob2Cli.ps1: scripts/gen-powershell.ts copies this
# file without these leading notes (up to the first blank line) under its GENERATED header.
# Windows PowerShell 5.1 syntax and .NET APIs present in both .NET Framework 4.x and .NET (Core):
# no ternary, `??`, `?.`, `&&`/`||`, no ProcessStartInfo.ArgumentList, no StandardInputEncoding.
# No utility cmdlets either (the test host has none): no ConvertFrom-Json, Write-Output, New-Object,
# Join-Path, Test-Path, Start-Sleep — language features, .NET and $PSCmdlet methods only.
# Exchange with the CLI: CLIXML (--clixml, module/cli/clixml.ts) read by PSSerializer::Deserialize,
# which 5.1 and 7 both have; no JSON API exists in both (System.Web.Script.Serialization is .NET
# Framework only, System.Text.Json is .NET Core only) and a JSON parser written in PowerShell was
# 30-70 times slower (scripts/bench/pwsh-exchange.ts).

function ConvertFrom-BitsJob2Clixml {
    # One CLIXML document of the CLI (--clixml) -> PSCustomObject / object[] / $null. PSSerializer
    # is in System.Management.Automation of 5.1 and 7 alike: no other module, and DateTime/Int64
    # arrive typed. The type names arrive as Deserialized.BitsJob2.*; Add-BitsJob2TypeName puts the
    # plain name in front.
    param([string] $Text)
    $value = [System.Management.Automation.PSSerializer]::Deserialize($Text)
    if ($null -eq $value) { return $null }
    # A top array (list) deserializes as an ArrayList: hand it on as object[] like before.
    if ($value -is [System.Collections.IList]) { return ,([object[]]@($value)) }
    return ,$value
}

function Get-BitsJob2ClixmlDocument {
    # The CLIXML document in Text (from <Objs to the last </Objs>), or $null when there is none.
    param([string] $Text)
    $start = $Text.IndexOf('<Objs')
    $end = $Text.LastIndexOf('</Objs>')
    if ($start -lt 0 -or $end -lt $start) { return $null }
    return $Text.Substring($start, $end + 7 - $start)
}

function Add-BitsJob2TypeName {
    # Puts the plain type name in front of each object (Deserialize gives Deserialized.<name>) and
    # for jobs adds the Get-BitsTransfer-like properties the format view shows. InputObject is one
    # object or an object[]; one call loops over all of them (a function call per item made this
    # step 3-4 times slower for 1,000 jobs).
    param($InputObject, [string] $TypeName)
    if ($null -eq $InputObject -or -not $TypeName) { return }
    $items = $InputObject
    if ($InputObject -isnot [System.Array]) { $items = @(, $InputObject) }
    $isJob = $TypeName -eq 'BitsJob2.Job'
    foreach ($item in $items) {
        if ($null -eq $item) { continue }
        $item.PSObject.TypeNames.Insert(0, $TypeName)
        if ($isJob) {
            $props = $item.PSObject.Properties
            $progress = $item.progress
            $props.Add([System.Management.Automation.PSNoteProperty]::new('JobId', $item.id))
            $props.Add([System.Management.Automation.PSNoteProperty]::new('JobState', $item.state))
            $props.Add([System.Management.Automation.PSNoteProperty]::new('TransferType', $item.type))
            $props.Add([System.Management.Automation.PSNoteProperty]::new('BytesTransferred', $progress.bytesTransferred))
            $props.Add([System.Management.Automation.PSNoteProperty]::new('BytesTotal', $progress.bytesTotal))
        }
    }
}

function Get-BitsJob2InputId {
    # The job id of what was piped to -InputObject: a string or [guid] is the id itself; an object
    # gives its JobId, Id or Guid property (a BitsJob2.Job, a Get-BitsTransfer job, a row of a CSV).
    # Anything else writes an error for that object through Cmdlet and returns $null.
    param($InputObject, [System.Management.Automation.PSCmdlet] $Cmdlet)
    # .psobject.BaseObject: member access on a wrapped string would look for a string member named BaseObject.
    $value = $InputObject
    if ($null -ne $value) { $value = $value.psobject.BaseObject }
    if ($value -is [string] -or $value -is [guid]) {
        if ([string]$value) { return [string]$value }
    } elseif ($null -ne $InputObject) {
        foreach ($name in @('JobId', 'Id', 'Guid')) {
            $property = $InputObject.PSObject.Properties[$name]
            if ($null -ne $property -and $null -ne $property.Value -and [string]$property.Value) { return [string]$property.Value }
        }
    }
    $what = 'null'
    if ($null -ne $InputObject) { $what = 'a ' + $InputObject.GetType().FullName }
    $message = 'Bits.Job2: ' + $what + ' was piped in: pipe a job (Get-BitsJob2, New-BitsJob2), a job id string or [guid], or an object with a JobId, Id or Guid property; or give -JobId.'
    $Cmdlet.WriteError((New-BitsJob2SimpleErrorRecord $message 'BitsJob2InputObjectHasNoJobId' ([System.Management.Automation.ErrorCategory]::InvalidArgument) $InputObject))
    return $null
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
    # ProcessStartInfo for 'node <cli> <Arguments> --clixml' with every stream redirected (UTF-8 out and
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
    $all.Add('--clixml')
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
    # A failed CLI run -> a non-terminating ErrorRecord: the CLI's {error:{...}} CLIXML on stderr when
    # there is one (BG_E name and HRESULT), otherwise the exit code and the text. A backend that
    # cannot run on this machine is a terminating error.
    param([int] $ExitCode, [string] $StandardError, [System.Management.Automation.PSCmdlet] $Cmdlet, $TargetObject)
    $parsed = $null
    $text = $StandardError.Trim()
    $document = Get-BitsJob2ClixmlDocument $text
    if ($null -ne $document) {
        try { $parsed = ConvertFrom-BitsJob2Clixml $document } catch { $parsed = $null }
    }
    if ($null -ne $parsed -and $parsed.PSObject.Properties['error']) {
        $record = New-BitsJob2ErrorRecord $parsed.error $TargetObject
        # A backend that cannot run here: the package's add-ons built for another platform or Node
        # (core/packaged-addons.ts), or the native backend's Windows, bridge DLL or edge-js missing
        # (core/select-backend.ts). No cmdlet works until it is installed: stop like a missing node.
        $reason = $null
        if ($parsed.error.PSObject.Properties['data'] -and $null -ne $parsed.error.data -and $parsed.error.data.PSObject.Properties['reason']) { $reason = [string]$parsed.error.data.reason }
        if ($reason -eq 'NativeAddonMismatch' -or $reason -eq 'NativeBackendUnavailable') {
            $terminating = [System.Management.Automation.ErrorRecord]::new($record.Exception, ('BitsJob2' + $reason), [System.Management.Automation.ErrorCategory]::NotInstalled, $TargetObject)
            $terminating.ErrorDetails = $record.ErrorDetails
            $Cmdlet.ThrowTerminatingError($terminating)
        }
        $Cmdlet.WriteError($record)
    } else {
        $Cmdlet.WriteError((New-BitsJob2SimpleErrorRecord ('bits-job2 exited with code ' + $ExitCode + ': ' + $text) 'BitsJob2CliFailed' ([System.Management.Automation.ErrorCategory]::NotSpecified) $TargetObject))
    }
}

function Invoke-BitsJob2Cli {
    <#
    .SYNOPSIS
    Runs 'node <cli> <Arguments> --clixml', feeds InputText (a password) on stdin, reads the CLIXML.
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
    $result = ConvertFrom-BitsJob2Clixml $stdout
    Add-BitsJob2TypeName $result $TypeName
    return ,$result
}

function Start-BitsJob2CliServer {
    <#
    .SYNOPSIS
    Runs 'node <cli> serve <Arguments> --clixml', a long-running server.
    .DESCRIPTION
    Waits for the CLIXML document (one line) serve prints once it listens and writes it as a BitsJob2.Server
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
            if ($line.TrimEnd().EndsWith('</Objs>')) {
                try { $info = ConvertFrom-BitsJob2Clixml (Get-BitsJob2ClixmlDocument $text.ToString()) } catch { $info = $null }
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
