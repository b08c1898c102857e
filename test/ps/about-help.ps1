# Get-Help about_Bits.Job2 finds the module's about topic once the module is imported from the root
# manifest (the nested manifest's ModuleBase, module/powershell, holds en-US/), and not before: the
# topic comes from the module, not from anywhere else on the help path.
param([string] $Root, [string] $Expected)
. (Join-Path $PSScriptRoot 'assert.ps1')
$ErrorActionPreference = 'Stop'
$before = Get-Help about_Bits.Job2 -ErrorAction SilentlyContinue
Assert-True ($null -eq $before) 'no topic before the module is imported'
$Error.Clear()
Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
$topic = Get-Help about_Bits.Job2
Assert-True ($topic -is [string]) "about topics are text, got $($topic.GetType().FullName)"
Assert-True ($topic -match 'TOPIC\s+about_Bits\.Job2') 'the topic heading'
Assert-True ($topic -match 'SHORT DESCRIPTION') 'a short description'
foreach ($name in $Expected.Split(',')) { Assert-True ($topic.Contains($name)) "the topic lists $name" }
$list = @(Get-Help about_Bits* | Where-Object { $_.Name -eq 'about_Bits.Job2' })
Assert-Equal 1 $list.Count 'Get-Help about_Bits* lists the topic'
"about ok: $($topic.Length) characters"
