# Loads the generated Bits.Job2 module in the real PowerShell engine and checks what a user sees:
# every module file parses and uses no syntax newer than Windows PowerShell 5.1, the manifest is
# valid, the exports equal the list given in -Expected (comma-separated), and every cmdlet has a
# synopsis and an example in Get-Help.
param([string] $Root, [string] $Expected)

BeforeDiscovery {
    $files = @(Get-ChildItem -Path (Join-Path $Root 'module/powershell') -Recurse -Include *.ps1, *.psm1) + @(Get-Item (Join-Path $Root 'Bits.Job2.psd1'))
    $fileCases = @($files | ForEach-Object { @{ Path = $_.FullName; Name = $_.FullName.Substring($Root.Length).TrimStart('/', '\') } })
    $cmdletCases = @($Expected.Split(',') | Sort-Object | ForEach-Object { @{ Name = $_ } })
}

Describe 'the Bits.Job2 module' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        . (Join-Path $PSScriptRoot 'Ps51Syntax.ps1')
        # (Discovery's variables do not reach the run: the list is read again here.)
        $files = @(Get-ChildItem -Path (Join-Path $Root 'module/powershell') -Recurse -Include *.ps1, *.psm1)
    }

    It 'has module files to check' {
        $files.Count | Should -BeGreaterThan 1
    }

    It '<Name> parses as Windows PowerShell 5.1 syntax' -ForEach $fileCases {
        Get-Ps51SyntaxProblem $Path | Should -BeNullOrEmpty
    }

    It 'has a manifest for Desktop and Core, PowerShell 5.1' {
        $manifest = Test-ModuleManifest -Path (Join-Path $Root 'Bits.Job2.psd1')
        ($manifest.CompatiblePSEditions -contains 'Desktop' -and $manifest.CompatiblePSEditions -contains 'Core') | Should -BeTrue -Because 'CompatiblePSEditions must be Desktop and Core'
        $manifest.PowerShellVersion | Should -Be ([version]'5.1')
    }

    Context 'imported' {
        BeforeAll { Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force }

        It 'exports exactly the cmdlets of module/api' {
            $exported = @((Get-Command -Module Bits.Job2).Name | Sort-Object)
            $want = @($Expected.Split(',') | Sort-Object)
            ($exported -join ',') | Should -Be ($want -join ',') -Because 'exports differ'
        }

        It '<Name> has a synopsis and an example in Get-Help' -ForEach $cmdletCases {
            $help = Get-Help $Name -Full
            ($help.Synopsis -and $help.Synopsis.Trim() -ne $Name) | Should -BeTrue -Because "$Name has no synopsis"
            @($help.Examples.Example).Count | Should -BeGreaterOrEqual 1 -Because "$Name has no example"
        }
    }
}
