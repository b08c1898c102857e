// PwshHost: runs a .ps1 (or an inline script) in a real PowerShell 7.6 runspace and reports failure
// through its exit code, for the tests of the Bits.Job2 module (issue 6). There is no pwsh here.
//
//   dotnet PwshHost.dll [options] <script.ps1> [script args...]
//   dotnet PwshHost.dll [options] -e '<inline script>' [args...]   (args arrive in $args)
//   dotnet PwshHost.dll --list-commands
//
// Modules/ beside the host (Pester 5.7.1, from the build) comes first on PSModulePath; the Pester
// runner is test/pwsh-host/pester-run.ps1 (test/pwsh-host/pester.ts runs it and reads its results).
//
// Options (before the script):
//   -AllowErrors   exit 0 even when non-terminating errors were written ($Error not empty)
//   -Bare          no module auto-loading ($PSModuleAutoLoadingPreference = None): only the
//                  Microsoft.PowerShell.Core cmdlets exist until a script imports a module
//   -Timing        print start-up and run times to stderr
//
// Streams: Output -> stdout (ToString of each object; Write-Host too, as pwsh prints it);
// Error/Warning/Verbose/Debug/Information -> stderr with ERROR:/WARNING:/VERBOSE:/DEBUG:/INFO: prefixes.
// Exit: 0 when the script ended with no terminating error, $Error empty (unless -AllowErrors) and
// $LASTEXITCODE 0 or unset; 1 on failure (the error records are printed with ScriptStackTrace);
// 2 on usage error.
using System.Collections;
using System.Diagnostics;
using System.Management.Automation;
using System.Management.Automation.Runspaces;
using System.Text;

namespace PwshHost;

public static class Program
{
    static readonly object ConsoleLock = new();

    public static int Main(string[] argv)
    {
        var clock = Stopwatch.StartNew();
        bool allowErrors = false, bare = false, timing = false, listCommands = false;
        string? inline = null, scriptPath = null;
        var scriptArgs = new List<string>();
        int i = 0;
        for (; i < argv.Length; i++)
        {
            string a = argv[i];
            string low = a.ToLowerInvariant();
            if (low is "-allowerrors" or "--allow-errors") allowErrors = true;
            else if (low is "-bare" or "--bare") bare = true;
            else if (low is "-timing" or "--timing") timing = true;
            else if (low is "--list-commands" or "-listcommands") listCommands = true;
            else if (low is "-h" or "--help" or "-help" or "-?") { Usage(Console.Out); return 0; }
            else if (low is "-e" or "-command" or "-c")
            {
                if (i + 1 >= argv.Length) return UsageError("-e needs a script text");
                inline = argv[++i];
                i++;
                break;
            }
            else if (a.StartsWith('-') && a.Length > 1) return UsageError($"unknown option {a}");
            else { scriptPath = a; i++; break; }
        }
        for (; i < argv.Length; i++) scriptArgs.Add(argv[i]);

        if (!listCommands && inline == null && scriptPath == null) return UsageError("no script given");
        if (scriptPath != null)
        {
            scriptPath = Path.GetFullPath(scriptPath);
            if (!File.Exists(scriptPath)) return UsageError($"script not found: {scriptPath}");
        }

        // Modules/ beside PwshHost.dll holds Pester (copied there by the build, see PwshHost.csproj):
        // first on PSModulePath, so `Import-Module Pester` finds the pinned copy and nothing else.
        string bundled = Path.Combine(AppContext.BaseDirectory, "Modules");
        string? modulePath = Environment.GetEnvironmentVariable("PSModulePath");
        Environment.SetEnvironmentVariable("PSModulePath",
            string.IsNullOrEmpty(modulePath) ? bundled : bundled + Path.PathSeparator + modulePath);

        var iss = InitialSessionState.CreateDefault2();
        // Execution policy only exists on Windows; elsewhere the setting is ignored (Unrestricted).
        if (OperatingSystem.IsWindows())
            iss.ExecutionPolicy = Microsoft.PowerShell.ExecutionPolicy.Bypass;
        // The SDK's built-in modules (Utility, Management, Security, Host) sit in $PSHOME/Modules
        // ($PSHOME = the folder of System.Management.Automation.dll), which PowerShell always puts on
        // PSModulePath, so they auto-load as in pwsh. -Bare turns auto-loading off: then only the
        // Microsoft.PowerShell.Core cmdlets exist unless a script imports a module itself.
        if (bare)
            iss.Variables.Add(new SessionStateVariableEntry("PSModuleAutoLoadingPreference",
                PSModuleAutoLoadingPreference.None, "PwshHost -Bare"));
        var host = new TestHost();
        using var runspace = RunspaceFactory.CreateRunspace(host, iss);
        runspace.Open();
        long openMs = clock.ElapsedMilliseconds;
        if (scriptPath != null)
            runspace.SessionStateProxy.Path.SetLocation(WildcardPattern.Escape(Directory.GetCurrentDirectory()));

        if (listCommands)
        {
            using var ps = PowerShell.Create(runspace);
            ps.AddCommand("Get-Command").AddParameter("CommandType", "Cmdlet,Function,Alias");
            foreach (var o in ps.Invoke())
            {
                if (o.BaseObject is CommandInfo ci)
                    Console.Out.WriteLine($"{ci.CommandType,-8} {ci.Name,-40} {ci.ModuleName}");
            }
            Console.Out.Flush();
            return 0;
        }

        bool terminated = false;
        var failures = new List<ErrorRecord>();
        using (var ps = PowerShell.Create(runspace))
        {
            if (inline != null)
            {
                ps.AddScript(inline);
                foreach (var a in scriptArgs) ps.AddArgument(a);
            }
            else
            {
                // Like `pwsh -File`: -Name tokens bind as parameter names, the rest as string values.
                ps.AddScript(BuildInvocation(scriptPath!, scriptArgs));
            }

            ps.Streams.Error.DataAdded += (s, e) => Emit(Console.Error, "ERROR: ", FormatError(ps.Streams.Error[e.Index], false));
            ps.Streams.Warning.DataAdded += (s, e) => Emit(Console.Error, "WARNING: ", ps.Streams.Warning[e.Index].Message);
            ps.Streams.Verbose.DataAdded += (s, e) => Emit(Console.Error, "VERBOSE: ", ps.Streams.Verbose[e.Index].Message);
            ps.Streams.Debug.DataAdded += (s, e) => Emit(Console.Error, "DEBUG: ", ps.Streams.Debug[e.Index].Message);
            ps.Streams.Information.DataAdded += (s, e) =>
            {
                var rec = ps.Streams.Information[e.Index];
                // Write-Host (tag PSHOST) is printed to stdout by the host UI, as in pwsh.
                if (!rec.Tags.Contains("PSHOST")) Emit(Console.Error, "INFO: ", rec.MessageData?.ToString() ?? "");
            };
            var output = new PSDataCollection<PSObject>();
            output.DataAdded += (s, e) => Emit(Console.Out, "", output[e.Index]?.ToString() ?? "");

            try
            {
                ps.Invoke<PSObject>(null, output);
            }
            catch (RuntimeException ex)
            {
                terminated = true;
                failures.Add(ex.ErrorRecord);
            }
            catch (Exception ex)
            {
                terminated = true;
                failures.Add(new ErrorRecord(ex, "HostInvokeFailed", ErrorCategory.NotSpecified, null));
            }
            if (!terminated && ps.InvocationStateInfo.State == PSInvocationState.Failed)
            {
                terminated = true;
                var reason = ps.InvocationStateInfo.Reason;
                failures.Add(reason is IContainsErrorRecord c ? c.ErrorRecord
                    : new ErrorRecord(reason ?? new Exception("failed"), "InvocationFailed", ErrorCategory.NotSpecified, null));
            }
        }

        var errorVar = runspace.SessionStateProxy.GetVariable("Error") as ArrayList;
        var lastExit = runspace.SessionStateProxy.GetVariable("LASTEXITCODE");
        // `exit N` in a script file sets $LASTEXITCODE; at the top of -e text it calls SetShouldExit.
        int lastExitCode = host.ExitCode is int he && he != 0 ? he : lastExit is int n ? n : 0;
        long doneMs = clock.ElapsedMilliseconds;
        if (timing)
            Console.Error.WriteLine($"TIMING: runspace-open={openMs}ms run={doneMs - openMs}ms total={doneMs}ms");

        bool failed = terminated || lastExitCode != 0 || (!allowErrors && errorVar != null && errorVar.Count > 0);
        if (!failed) { Console.Out.Flush(); return 0; }

        var sb = new StringBuilder();
        sb.AppendLine("PWSH-HOST FAILED:" + (terminated ? " terminating error" : "")
            + (lastExitCode != 0 ? $" LASTEXITCODE={lastExitCode}" : "")
            + (errorVar != null && errorVar.Count > 0 ? $" $Error has {errorVar.Count} record(s)" : ""));
        var seen = new HashSet<object>(ReferenceEqualityComparer.Instance);
        foreach (var rec in failures) { seen.Add(rec); sb.AppendLine(FormatError(rec, true)); }
        if (errorVar != null)
            foreach (var o in errorVar)
            {
                var rec = o as ErrorRecord ?? (o as IContainsErrorRecord)?.ErrorRecord;
                if (rec == null || seen.Contains(rec)) continue;
                // A terminating error also lands in $Error as a record of its own: skip duplicates by text.
                if (failures.Any(f => f.ToString() == rec.ToString())) continue;
                sb.AppendLine(FormatError(rec, true));
            }
        Console.Out.Flush();
        lock (ConsoleLock) Console.Error.Write(sb.ToString());
        return 1;
    }

    static string Quote(string s) => "'" + s.Replace("'", "''") + "'";

    internal static string BuildInvocation(string path, List<string> args)
    {
        var sb = new StringBuilder("& ").Append(Quote(path));
        foreach (var a in args)
        {
            sb.Append(' ');
            if (System.Text.RegularExpressions.Regex.IsMatch(a, @"^-[A-Za-z_][A-Za-z0-9_]*:?$")) sb.Append(a);
            else sb.Append(Quote(a));
        }
        return sb.ToString();
    }

    static string FormatError(ErrorRecord rec, bool full)
    {
        var sb = new StringBuilder();
        sb.Append(rec.ToString());
        if (!full) return sb.ToString();
        sb.AppendLine();
        if (rec.InvocationInfo?.PositionMessage is string pos && pos.Length > 0)
            sb.AppendLine("  " + pos.Replace("\n", "\n  "));
        sb.AppendLine($"  FullyQualifiedErrorId: {rec.FullyQualifiedErrorId}");
        sb.AppendLine($"  Exception: {rec.Exception?.GetType().FullName}: {rec.Exception?.Message}");
        if (!string.IsNullOrEmpty(rec.ScriptStackTrace))
            sb.AppendLine("  ScriptStackTrace:\n    " + rec.ScriptStackTrace.Replace("\n", "\n    "));
        return sb.ToString();
    }

    internal static void Emit(TextWriter w, string prefix, string text)
    {
        lock (ConsoleLock)
        {
            foreach (var line in text.Replace("\r\n", "\n").Split('\n')) w.WriteLine(prefix + line);
            w.Flush();
        }
    }

    static int UsageError(string message)
    {
        Console.Error.WriteLine("pwsh-host: " + message);
        Usage(Console.Error);
        return 2;
    }

    static void Usage(TextWriter w) => w.WriteLine(
        "usage: PwshHost [-AllowErrors] [-Bare] [-Timing] <script.ps1> [args...]\n" +
        "       PwshHost [-AllowErrors] [-Bare] [-Timing] -e '<script text>' [args...]\n" +
        "       PwshHost [-Bare] --list-commands");
}
