# A small module for the PwshHost tests: advanced functions with comment-based help.

function Get-FixtureGreeting {
    <#
    .SYNOPSIS
    Returns a greeting for a name.

    .DESCRIPTION
    Get-FixtureGreeting builds the text "Hello, <Name>" and returns it as a typed object.

    .PARAMETER Name
    Who to greet.

    .PARAMETER Style
    Plain or Loud.

    .EXAMPLE
    Get-FixtureGreeting -Name World

    Returns a greeting for World.

    .EXAMPLE
    [pscustomobject]@{ Name = 'Ada' } | Get-FixtureGreeting -Style Loud
    #>
    [CmdletBinding()]
    [OutputType([string])]
    param(
        [Parameter(Mandatory = $true, Position = 0, ValueFromPipelineByPropertyName = $true)]
        [string] $Name,

        [ValidateSet('Plain', 'Loud')]
        [string] $Style = 'Plain'
    )
    process {
        $text = "Hello, $Name"
        if ($Style -eq 'Loud') { $text = $text.ToUpperInvariant() + '!' }
        $o = New-Object -TypeName psobject -Property @{ Text = $text; Name = $Name }
        $o.PSObject.TypeNames.Insert(0, 'FixtureModule.Greeting')
        $o
    }
}

function Remove-FixtureThing {
    <#
    .SYNOPSIS
    Pretends to remove a thing; honours -WhatIf.

    .EXAMPLE
    Remove-FixtureThing -Id 1 -WhatIf
    #>
    [CmdletBinding(SupportsShouldProcess = $true, ConfirmImpact = 'Medium')]
    param([Parameter(Mandatory = $true)] [int] $Id)
    if ($PSCmdlet.ShouldProcess("thing $Id", 'Remove')) { "removed $Id" }
}

function PrivateHelper { 'not exported' }

Export-ModuleMember -Function Get-FixtureGreeting, Remove-FixtureThing
