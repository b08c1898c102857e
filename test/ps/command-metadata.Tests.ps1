# Compares what Get-Command reports for every cmdlet of Bits.Job2 with an expected table (JSON written
# by test/powershell-metadata.test.ts from module/api): the exported names, SupportsShouldProcess
# (-WhatIf/-Confirm present), DefaultParameterSetName, and per parameter its type, aliases,
# ValidateSet, ValidateRange, PSTypeName and, per
# parameter set, Mandatory, Position (API positionals only), ValueFromPipeline and
# ValueFromPipelineByPropertyName. One It per cmdlet of the table (and one for the exported names):
# each collects every difference as a 'DIFF:' line and fails with all of them at once.
param([string] $Root, [string] $ExpectedFile)

BeforeDiscovery {
    $cmdletCases = @(([System.IO.File]::ReadAllText($ExpectedFile) | ConvertFrom-Json).cmdlets | ForEach-Object { @{ Want = $_; Name = $_.name } })
}

Describe 'Get-Command of the Bits.Job2 cmdlets equals module/api' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $expected = [System.IO.File]::ReadAllText($ExpectedFile) | ConvertFrom-Json
        Import-Module (Join-Path $Root 'Bits.Job2.psd1') -Force
        function Join-Values($Values) { (@($Values | ForEach-Object { [string]$_ }) -join ',') }
        $common = @([System.Management.Automation.PSCmdlet]::CommonParameters) + @([System.Management.Automation.PSCmdlet]::OptionalCommonParameters)
    }

    BeforeEach {
        $diffs = [System.Collections.Generic.List[string]]::new()
        function Add-Diff([string] $Where, [string] $What, $Want, $Got) {
            $diffs.Add("DIFF: $Where ${What}: expected [$Want] got [$Got]")
        }
    }

    It 'exports the commands of module/api' {
        $exported = Join-Values (@((Get-Command -Module Bits.Job2).Name) | Sort-Object)
        $wantNames = Join-Values (@($expected.cmdlets | ForEach-Object { $_.name }) | Sort-Object)
        if ($exported -ne $wantNames) { Add-Diff 'module' 'exported commands' $wantNames $exported }
        ($diffs -join "`n") | Should -BeNullOrEmpty
    }

    It '<Name> has the metadata of module/api' -ForEach $cmdletCases {
        $want = $Want
        $cmd = Get-Command $want.name -Module Bits.Job2 -ErrorAction SilentlyContinue
        if ($null -eq $cmd) {
            Add-Diff $want.name 'command' 'present' 'missing'
            ($diffs -join "`n") | Should -BeNullOrEmpty
        }
        $hasWhatIf = $cmd.Parameters.ContainsKey('WhatIf') -and $cmd.Parameters.ContainsKey('Confirm')
        if ($hasWhatIf -ne [bool]$want.shouldProcess) { Add-Diff $want.name 'SupportsShouldProcess (-WhatIf/-Confirm)' $want.shouldProcess $hasWhatIf }
        # CommandInfo.DefaultParameterSet is $null when the function declares none.
        $gotDefault = [string]$cmd.DefaultParameterSet
        $wantDefault = [string]$want.defaultSet
        if ($gotDefault -ne $wantDefault) { Add-Diff $want.name 'DefaultParameterSetName' $wantDefault $gotDefault }

        $actualNames = @($cmd.Parameters.Keys | Where-Object { $common -notcontains $_ } | Sort-Object)
        $wantParams = @($want.parameters | ForEach-Object { $_.name } | Sort-Object)
        if ((Join-Values $actualNames) -ne (Join-Values $wantParams)) { Add-Diff $want.name 'parameters' (Join-Values $wantParams) (Join-Values $actualNames) }

        foreach ($wp in $want.parameters) {
            $p = $cmd.Parameters[$wp.name]
            if ($null -eq $p) { continue }
            $where = "$($want.name) -$($wp.name)"
            if ($p.ParameterType.FullName -ne $wp.type) { Add-Diff $where 'type' $wp.type $p.ParameterType.FullName }
            $aliases = Join-Values (@($p.Aliases) | Sort-Object)
            $wantAliases = Join-Values (@($wp.aliases) | Sort-Object)
            if ($aliases -ne $wantAliases) { Add-Diff $where 'aliases' $wantAliases $aliases }
            $set = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateSetAttribute] })
            $gotSet = ''
            if ($set.Count -gt 0) { $gotSet = Join-Values $set[0].ValidValues }
            $wantSet = ''
            if ($null -ne $wp.validateSet) { $wantSet = Join-Values $wp.validateSet }
            if ($gotSet -ne $wantSet) { Add-Diff $where 'ValidateSet' $wantSet $gotSet }
            $range = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.ValidateRangeAttribute] })
            $gotRange = ''
            if ($range.Count -gt 0) { $gotRange = "$($range[0].MinRange)..$($range[0].MaxRange)" }
            $wantRange = ''
            if ($null -ne $wp.validateRange) { $wantRange = "$($wp.validateRange[0])..$($wp.validateRange[1])" }
            if ($gotRange -ne $wantRange) { Add-Diff $where 'ValidateRange' $wantRange $gotRange }
            $typeName = @($p.Attributes | Where-Object { $_ -is [System.Management.Automation.PSTypeNameAttribute] })
            $gotTypeName = ''
            if ($typeName.Count -gt 0) { $gotTypeName = $typeName[0].PSTypeName }
            $wantTypeName = [string]$wp.psTypeName
            if ($gotTypeName -ne $wantTypeName) { Add-Diff $where 'PSTypeName' $wantTypeName $gotTypeName }

            $gotSets = Join-Values (@($p.ParameterSets.Keys) | Sort-Object)
            $wantSets = Join-Values (@($wp.sets | ForEach-Object { $_.name }) | Sort-Object)
            if ($gotSets -ne $wantSets) { Add-Diff $where 'parameter sets' $wantSets $gotSets }
            foreach ($ws in $wp.sets) {
                if (-not $p.ParameterSets.ContainsKey($ws.name)) { continue }
                $ps = $p.ParameterSets[$ws.name]
                $w = "$where [$($ws.name)]"
                if ($ps.IsMandatory -ne [bool]$ws.mandatory) { Add-Diff $w 'Mandatory' $ws.mandatory $ps.IsMandatory }
                if ($ps.ValueFromPipeline -ne [bool]$ws.valueFromPipeline) { Add-Diff $w 'ValueFromPipeline' $ws.valueFromPipeline $ps.ValueFromPipeline }
                if ($ps.ValueFromPipelineByPropertyName -ne [bool]$ws.valueFromPipelineByPropertyName) { Add-Diff $w 'ValueFromPipelineByPropertyName' $ws.valueFromPipelineByPropertyName $ps.ValueFromPipelineByPropertyName }
                if ($null -ne $ws.position -and $ps.Position -ne [int]$ws.position) { Add-Diff $w 'Position' $ws.position $ps.Position }
            }
        }
        ($diffs -join "`n") | Should -BeNullOrEmpty
    }
}
