# Reads each CLIXML file given (what the CLI's --clixml wrote) with PSSerializer::Deserialize, as the
# module does, and prints per file one line 'DOC <name> <json>': the value with its .NET types made
# visible (DateTime as 'DT:<ISO>' and only when Kind is Utc, Int64 as a JSON number, Double as
# 'Db:', any other type as 'OTHER:<type>'), then 'TN <name> <type names of the top object or items>'.
$ErrorActionPreference = 'Stop'
function ConvertTo-Plain($v) {
    if ($null -eq $v) { return $null }
    if ($v -is [string]) { return $v }
    if ($v -is [datetime]) {
        if ($v.Kind -ne [System.DateTimeKind]::Utc) { return 'OTHER:DateTime ' + $v.Kind }
        return 'DT:' + $v.ToString('yyyy-MM-ddTHH:mm:ss.fffZ', [cultureinfo]::InvariantCulture)
    }
    if ($v -is [long] -or $v -is [bool]) { return $v }
    if ($v -is [double]) { return 'Db:' + $v.ToString('R', [cultureinfo]::InvariantCulture) }
    if ($v -is [System.Collections.IList]) {
        $a = [System.Collections.Generic.List[object]]::new()
        foreach ($x in $v) { $a.Add((ConvertTo-Plain $x)) }
        return ,$a.ToArray()
    }
    if ($v.PSObject.BaseObject -is [System.Management.Automation.PSCustomObject]) {
        $h = [ordered]@{}
        foreach ($p in $v.PSObject.Properties) { $h[$p.Name] = ConvertTo-Plain $p.Value }
        return $h
    }
    return 'OTHER:' + $v.GetType().FullName
}
foreach ($file in $args) {
    $name = [System.IO.Path]::GetFileNameWithoutExtension($file)
    $value = [System.Management.Automation.PSSerializer]::Deserialize([System.IO.File]::ReadAllText($file))
    'DOC ' + $name + ' ' + (ConvertTo-Json -InputObject (ConvertTo-Plain $value) -Depth 40 -Compress)
    $top = @($value)
    if ($value -isnot [System.Collections.IList]) { $top = @(, $value) }
    'TN ' + $name + ' ' + ((@($top | ForEach-Object { $_.PSObject.TypeNames[0] })) -join ',')
}
