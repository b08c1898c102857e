param([string] $Name = 'nobody', [switch] $Shout)
$ErrorActionPreference = 'Stop'
"hello $Name"
if ($Shout) { 'SHOUT' }
Write-Warning 'a warning goes to stderr'
"PS $($PSVersionTable.PSVersion) $($PSVersionTable.PSEdition)"
