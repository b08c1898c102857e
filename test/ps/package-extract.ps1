# Extracts a .nupkg (a zip) with .NET's System.IO.Compression, the reader NuGet itself builds on,
# into Dest, and prints one 'entry: <size> <name>' line per entry for the caller's content checks.
# Also opens it as an OPC package (System.IO.Packaging, as NuGet does): a part without a content
# type or a broken _rels/.rels fails here.
param([string] $Nupkg, [string] $Dest)
$ErrorActionPreference = 'Stop'
Add-Type -AssemblyName System.IO.Compression.FileSystem
$archive = [System.IO.Compression.ZipFile]::OpenRead($Nupkg)
try {
    foreach ($e in $archive.Entries) { 'entry: ' + $e.Length + ' ' + $e.FullName }
} finally { $archive.Dispose() }
[System.IO.Compression.ZipFile]::ExtractToDirectory($Nupkg, $Dest)
$package = [System.IO.Packaging.Package]::Open($Nupkg, [System.IO.FileMode]::Open, [System.IO.FileAccess]::Read)
try {
    $parts = @($package.GetParts())
    $manifest = @($package.GetRelationshipsByType('http://schemas.microsoft.com/packaging/2010/07/manifest'))
    if ($manifest.Count -ne 1) { throw "$($manifest.Count) nuspec relationships" }
    'opc: ' + $parts.Count + ' parts, manifest ' + $manifest[0].TargetUri + ', creator ' + $package.PackageProperties.Creator
} finally { $package.Close() }
