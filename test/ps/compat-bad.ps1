# Deliberately uses .NET and PowerShell APIs that Windows PowerShell 5.1 (.NET Framework 4.8) lacks:
# the negative input of test/powershell-compat.test.ts, which only parses it (it is never run).
# Lines marked "ok" use APIs 5.1 has and must not be reported.
function Test-NewerApis {
    param([System.Diagnostics.ProcessStartInfo] $Info, [string] $Text)
    $Info.ArgumentList.Add('x')                                   # .NET Core 2.1+
    $Info.StandardInputEncoding = [System.Text.Encoding]::UTF8    # .NET Core 2.1+ (Encoding.UTF8: ok)
    $process = [System.Diagnostics.Process]::Start($Info)         # ok
    $process.Kill($true)                                          # Kill(bool): .NET Core 3.0+
    $relative = [System.IO.Path]::GetRelativePath('a', 'b')       # .NET Core 2.0+
    $hex = [System.Convert]::ToHexString([byte[]]@(1))            # .NET 5+
    $json = [System.Text.Json.JsonSerializer]::Serialize(1)       # System.Text.Json: .NET Core 3.0+
    $style = [System.Management.Automation.PSStyle]::Instance     # PowerShell 7.2+
    [ValidateRange('Positive')] $count = 1                        # ValidateRange(kind): PowerShell 6.1+
    $found = $Text.Contains('x', [System.StringComparison]::Ordinal)  # Contains(string, StringComparison): .NET Core 2.1+
    $joined = [System.String]::Join(',', @('a'))                  # ok
    $process.WaitForExit(100)                                     # ok
}
