# CLIXML as the CLI will build it (issue 6): PSSerializer.Deserialize needs no other module.
Describe 'CLIXML through PSSerializer' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $xml = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><TN RefId="0"><T>BitsJob2.Job</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><S N="JobId">abc</S><U64 N="BytesTotal">5</U64></MS></Obj></Objs>'
        $deserializedNames = 'Deserialized.BitsJob2.Job,Deserialized.System.Management.Automation.PSCustomObject,Deserialized.System.Object'
    }

    It 'Deserialize prefixes the type names with Deserialized.; the plain name can be put back' {
        $o = [System.Management.Automation.PSSerializer]::Deserialize($xml)
        $names = @($o.PSObject.TypeNames)
        # The engine prefixes every deserialized type name with 'Deserialized.': format views keyed on
        # 'BitsJob2.Job' apply only after the module puts the plain name back in front.
        ($names -join ',') | Should -Be $deserializedNames -Because 'deserialized type names'
        $o.PSObject.TypeNames.Insert(0, 'BitsJob2.Job')
        $o.PSObject.TypeNames[0] | Should -Be 'BitsJob2.Job' -Because 'plain type name restored'
        $o.JobId | Should -Be 'abc' -Because 'JobId'
        $o.BytesTotal | Should -Be 5 -Because 'BytesTotal'
        $o.BytesTotal.GetType().FullName | Should -Be 'System.UInt64' -Because 'U64 becomes UInt64'
    }

    It 'the engine writes the same shape for the same object' {
        # Round trip: what the engine itself writes for the same object, to compare shapes.
        $p = New-Object -TypeName psobject -Property ([ordered]@{ JobId = 'abc'; BytesTotal = [uint64]5 })
        $p.PSObject.TypeNames.Insert(0, 'BitsJob2.Job')
        $serialized = [System.Management.Automation.PSSerializer]::Serialize($p)
        $serialized | Should -Match '<U64 N="BytesTotal">5</U64>' -Because "the engine's own CLIXML for the same object"
        $serialized | Should -Match '<T>BitsJob2.Job</T>'
    }

    It 'several objects in one document; TNRef reuses the type names' {
        $two = $xml.Replace('</Objs>', '<Obj RefId="1"><TNRef RefId="0" /><MS><S N="JobId">def</S><U64 N="BytesTotal">7</U64></MS></Obj></Objs>')
        $list = @([System.Management.Automation.PSSerializer]::DeserializeAsList($two))
        $list.Count | Should -Be 2 -Because 'two objects'
        $list[1].JobId | Should -Be 'def' -Because 'second JobId'
        @($list[1].PSObject.TypeNames)[0] | Should -Be 'Deserialized.BitsJob2.Job' -Because 'TNRef reuses the type names'
    }
}
