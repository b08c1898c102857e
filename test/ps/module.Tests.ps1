# Import-Module of a manifest module, Test-ModuleManifest, Get-Command and Get-Help in the real engine.
param([string] $ModuleDir = (Join-Path $PSScriptRoot 'fixture-module'))

Describe 'a manifest module in the host' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $manifest = Join-Path $ModuleDir 'FixtureModule.psd1'
    }

    It 'Test-ModuleManifest and Import-Module read the manifest' {
        $tm = Test-ModuleManifest -Path $manifest
        $tm.Version.ToString() | Should -Be '0.1.0' -Because 'manifest version'
        $m = Import-Module $manifest -PassThru -Force
        $m.Name | Should -Be 'FixtureModule' -Because 'module name'
        $names = @(Get-Command -Module FixtureModule | ForEach-Object { $_.Name } | Sort-Object)
        ($names -join ',') | Should -Be 'Get-FixtureGreeting,Remove-FixtureThing' -Because 'exported commands'
    }

    It 'Get-Command shows the parameter metadata' {
        $cmd = Get-Command Get-FixtureGreeting
        $p = $cmd.Parameters['Name']
        ($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory -and $_.ValueFromPipelineByPropertyName }) | Should -BeTrue -Because 'Name is mandatory, by property name'
        $vs = $cmd.Parameters['Style'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
        ($vs.ValidValues -join ',') | Should -Be 'Plain,Loud' -Because 'ValidateSet'
    }

    It 'binds by property name from the pipeline; -WhatIf does nothing' {
        $g = [pscustomobject]@{ Name = 'Ada' } | Get-FixtureGreeting -Style Loud
        $g.Text | Should -Be 'HELLO, ADA!' -Because 'pipeline by property name'
        $g.PSObject.TypeNames[0] | Should -Be 'FixtureModule.Greeting' -Because 'type name'
        # The "What if:" line goes through the host UI to stdout (test/pwsh-host.test.ts reads it).
        $w = Remove-FixtureThing -Id 3 -WhatIf
        ($null -eq $w) | Should -BeTrue -Because '-WhatIf does nothing'
    }

    It 'Get-Help reads the comment-based help' {
        $help = Get-Help Get-FixtureGreeting -Full
        $help.Synopsis.Trim() | Should -Be 'Returns a greeting for a name.' -Because 'synopsis'
        $examples = @($help.examples.example)
        $examples.Count | Should -Be 2 -Because 'two examples'
        $examples[0].code.Trim() | Should -Be 'Get-FixtureGreeting -Name World' -Because 'first example code'
        $ph = @($help.parameters.parameter | Where-Object { $_.name -eq 'Name' })
        ($ph.Count -eq 1 -and ($ph[0].description | Out-String).Trim() -eq 'Who to greet.') | Should -BeTrue -Because 'parameter help'
    }
}
