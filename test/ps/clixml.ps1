# CLIXML as the CLI will build it (issue 6): PSSerializer.Deserialize needs no other module.
. (Join-Path $PSScriptRoot 'assert.ps1')
$ErrorActionPreference = 'Stop'
$xml = '<Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04"><Obj RefId="0"><TN RefId="0"><T>BitsJob2.Job</T><T>System.Management.Automation.PSCustomObject</T><T>System.Object</T></TN><MS><S N="JobId">abc</S><U64 N="BytesTotal">5</U64></MS></Obj></Objs>'
$o = [System.Management.Automation.PSSerializer]::Deserialize($xml)
$names = @($o.PSObject.TypeNames)
"TypeNames: $($names -join ',')"
# The engine prefixes every deserialized type name with 'Deserialized.': format views keyed on
# 'BitsJob2.Job' apply only after the module puts the plain name back in front.
Assert-Equal 'Deserialized.BitsJob2.Job,Deserialized.System.Management.Automation.PSCustomObject,Deserialized.System.Object' ($names -join ',') 'deserialized type names'
$o.PSObject.TypeNames.Insert(0, 'BitsJob2.Job')
Assert-Equal 'BitsJob2.Job' $o.PSObject.TypeNames[0] 'plain type name restored'
Assert-Equal 'abc' $o.JobId 'JobId'
Assert-Equal 5 $o.BytesTotal 'BytesTotal'
Assert-Equal 'System.UInt64' $o.BytesTotal.GetType().FullName 'U64 becomes UInt64'
# Round trip: what the engine itself writes for the same object, to compare shapes.
$p = New-Object -TypeName psobject -Property ([ordered]@{ JobId = 'abc'; BytesTotal = [uint64]5 })
$p.PSObject.TypeNames.Insert(0, 'BitsJob2.Job')
"Serialized: $([System.Management.Automation.PSSerializer]::Serialize($p))"
# Several objects in one document.
$two = $xml.Replace('</Objs>', '<Obj RefId="1"><TNRef RefId="0" /><MS><S N="JobId">def</S><U64 N="BytesTotal">7</U64></MS></Obj></Objs>')
$list = @([System.Management.Automation.PSSerializer]::DeserializeAsList($two))
Assert-Equal 2 $list.Count 'two objects'
Assert-Equal 'def' $list[1].JobId 'second JobId'
Assert-Equal $names[0] @($list[1].PSObject.TypeNames)[0] 'TNRef reuses the type names'
'clixml ok'
