# The installed PowerShell package (issue 11): Bits.Job2 found BY NAME on PSModulePath (ModulesDir
# holds Bits.Job2/<Version>/, as Save-Module and Install-Module lay it out), its manifest valid with
# every FileList entry present, the cmdlets running the CLI inside that folder, a download through
# the portable service (state dir from BITS_JOB2_STATE_DIR), and Get-Help -Examples. The CLI path
# and the first example are written with Write-Host for test/powershell-package.test.ts.
param([string] $ModulesDir, [string] $Version, [string] $Url, [string] $Dest, [long] $Size)

Describe 'the installed Bits.Job2 package' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $env:PSModulePath = $ModulesDir + [System.IO.Path]::PathSeparator + $env:PSModulePath
        $base = [System.IO.Path]::Combine($ModulesDir, 'Bits.Job2', $Version)
    }

    It 'is found by name on PSModulePath and imported from its version folder' {
        $available = @(Get-Module -ListAvailable -Name Bits.Job2)
        $available.Count | Should -Be 1 -Because 'Get-Module -ListAvailable finds one Bits.Job2 module'
        Import-Module Bits.Job2
        $module = Get-Module Bits.Job2
        $module.ModuleBase | Should -Be $base -Because 'imported from the package folder'
        $module.Version.ToString() | Should -Be $Version
    }

    It 'has a valid manifest listing its files' {
        $manifest = Test-ModuleManifest ([System.IO.Path]::Combine($base, 'Bits.Job2.psd1'))
        $manifest.FileList.Count | Should -BeGreaterOrEqual 100 -Because 'FileList lists the package files'
    }

    It 'runs the package''s own CLI, inside the module folder (no BITS_JOB2_CLI)' {
        $cli = & (Get-Module Bits.Job2).NestedModules[0] { Get-BitsJob2CliPath }
        Write-Host "cli: $cli"
        $cli.StartsWith($base + [System.IO.Path]::DirectorySeparatorChar) | Should -BeTrue -Because "the cmdlets run $cli"
    }

    It 'downloads through the service started from the package' {
        $job = New-BitsJob2 -DisplayName 'package e2e'
        Add-BitsJob2File -JobId $job.JobId -RemoteName $Url -LocalName $Dest
        Resume-BitsJob2 -JobId $job.JobId
        $done = Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -Timeout 60
        $done.JobState | Should -Be 'TRANSFERRED' -Because 'the job ends TRANSFERRED'
        $done.BytesTransferred | Should -Be $Size -Because 'every byte'
        Complete-BitsJob2 -JobId $job.JobId
        [System.IO.File]::Exists($Dest) | Should -BeTrue -Because 'Complete-BitsJob2 publishes the file'
    }

    It 'has examples in Get-Help -Examples' {
        $help = Get-Help New-BitsJob2 -Examples
        $examples = @($help.examples.example)
        $examples.Count | Should -BeGreaterOrEqual 1 -Because 'Get-Help New-BitsJob2 -Examples has an example'
        Write-Host "example: $($examples[0].code)"
    }
}
