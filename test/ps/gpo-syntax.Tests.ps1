# The Group Policy example scripts (scripts/gpo/*.ps1) parse, use no syntax newer than Windows
# PowerShell 5.1 (where logon scripts run), and have comment-based help with a synopsis.
param([string] $Root)

BeforeDiscovery {
    $scriptCases = @(Get-ChildItem -Path (Join-Path $Root 'scripts/gpo') -Filter *.ps1 | ForEach-Object { @{ Path = $_.FullName; Name = $_.Name } })
}

Describe 'the Group Policy example scripts' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        . (Join-Path $PSScriptRoot 'Ps51Syntax.ps1')
        # (Discovery's variables do not reach the run: the list is read again here.)
        $files = @(Get-ChildItem -Path (Join-Path $Root 'scripts/gpo') -Filter *.ps1)
    }

    It 'are the logon and the notify script' {
        $files.Count | Should -Be 2 -Because "expected the logon and the notify script, found $($files.Count)"
    }

    It '<Name> parses as Windows PowerShell 5.1 syntax and has a synopsis' -ForEach $scriptCases {
        Get-Ps51SyntaxProblem $Path | Should -BeNullOrEmpty
        $help = Get-Help $Path
        ($help.Synopsis -and $help.Synopsis -notlike "$Name*") | Should -BeTrue -Because "${Name}: no synopsis in its comment-based help"
    }
}
