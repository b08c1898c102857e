# Import-Module of a manifest module, Test-ModuleManifest, Get-Command and Get-Help in the real engine.
param([string] $ModuleDir = (Join-Path $PSScriptRoot 'fixture-module'))
. (Join-Path $PSScriptRoot 'assert.ps1')
$ErrorActionPreference = 'Stop'
$manifest = Join-Path $ModuleDir 'FixtureModule.psd1'
$tm = Test-ModuleManifest -Path $manifest
Assert-Equal '0.1.0' $tm.Version.ToString() 'manifest version'
$m = Import-Module $manifest -PassThru -Force
Assert-Equal 'FixtureModule' $m.Name 'module name'
$names = @(Get-Command -Module FixtureModule | ForEach-Object { $_.Name } | Sort-Object)
"commands: $($names -join ',')"
Assert-Equal 'Get-FixtureGreeting,Remove-FixtureThing' ($names -join ',') 'exported commands'
$cmd = Get-Command Get-FixtureGreeting
$p = $cmd.Parameters['Name']
Assert-True ($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ParameterAttribute] -and $_.Mandatory -and $_.ValueFromPipelineByPropertyName }) 'Name is mandatory, by property name'
$vs = $cmd.Parameters['Style'].Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] }
Assert-Equal 'Plain,Loud' ($vs.ValidValues -join ',') 'ValidateSet'
$g = [pscustomobject]@{ Name = 'Ada' } | Get-FixtureGreeting -Style Loud
Assert-Equal 'HELLO, ADA!' $g.Text 'pipeline by property name'
Assert-Equal 'FixtureModule.Greeting' $g.PSObject.TypeNames[0] 'type name'
$w = Remove-FixtureThing -Id 3 -WhatIf
Assert-True ($null -eq $w) '-WhatIf does nothing'
$help = Get-Help Get-FixtureGreeting -Full
"synopsis: $($help.Synopsis)"
Assert-Equal 'Returns a greeting for a name.' $help.Synopsis.Trim() 'synopsis'
$examples = @($help.examples.example)
"examples: $($examples.Count); first: $($examples[0].code)"
Assert-Equal 2 $examples.Count 'two examples'
Assert-Equal 'Get-FixtureGreeting -Name World' $examples[0].code.Trim() 'first example code'
$ph = @($help.parameters.parameter | Where-Object { $_.name -eq 'Name' })
Assert-True ($ph.Count -eq 1 -and ($ph[0].description | Out-String).Trim() -eq 'Who to greet.') 'parameter help'
'module ok'
