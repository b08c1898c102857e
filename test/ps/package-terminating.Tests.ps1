# A cmdlet of the installed package that cannot run on this machine (no node on PATH, or native
# add-ons built for another platform or Node) must stop with a terminating error of id Expect:
# even with -ErrorAction Continue the statement after it does not run. NoNode empties PATH first.
# The record's category, message and recommended action are written with Write-Host, for the
# wording checks of test/powershell-package.test.ts.
param([string] $ModulesDir, [string] $Expect, [switch] $NoNode)

Describe 'a package cmdlet that cannot run here' {
    BeforeAll {
        $ErrorActionPreference = 'Stop'
        $env:PSModulePath = $ModulesDir + [System.IO.Path]::PathSeparator + $env:PSModulePath
        if ($NoNode) {
            [System.Environment]::SetEnvironmentVariable('BITS_JOB2_NODE', $null)
            $env:PATH = [System.IO.Path]::Combine($ModulesDir, 'no-such-bin')
        }
        Import-Module Bits.Job2
    }

    It 'stops with a terminating error of the expected id, even with -ErrorAction Continue' {
        $caught = $null
        $reached = $false
        try {
            New-BitsJob2 -DisplayName 'cannot run' -ErrorAction Continue
            $reached = $true
        } catch { $caught = $_ }
        $reached | Should -BeFalse -Because 'the error is terminating: the next statement does not run'
        $caught | Should -Not -BeNullOrEmpty -Because 'there is an error'
        $caught.FullyQualifiedErrorId | Should -BeLike "$Expect*" -Because "error id ($($caught.Exception.Message))"
        Write-Host "category: $($caught.CategoryInfo.Category)"
        Write-Host "message: $($caught.Exception.Message)"
        if ($caught.ErrorDetails -and $caught.ErrorDetails.RecommendedAction) { Write-Host "action: $($caught.ErrorDetails.RecommendedAction)" }
    }
}
