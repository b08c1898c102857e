@{
    RootModule           = 'FixtureModule.psm1'
    ModuleVersion        = '0.1.0'
    GUID                 = '6f1f4f0e-2b4a-4f43-9d5e-0c1b7f2a9e11'
    Author               = 'bits-job2'
    Description          = 'Fixture module for the PwshHost tests.'
    PowerShellVersion    = '5.1'
    CompatiblePSEditions = @('Desktop', 'Core')
    FunctionsToExport    = @('Get-FixtureGreeting', 'Remove-FixtureThing')
    CmdletsToExport      = @()
    VariablesToExport    = @()
    AliasesToExport      = @()
}
