# The PowerShell parser reports syntax errors without running anything.
Describe 'the PowerShell parser from a script' {
    BeforeAll { $ErrorActionPreference = 'Stop' }

    It 'reports the errors of a broken script' {
        $tokens = $null; $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput('function f { param($a) $a + }', [ref] $tokens, [ref] $errors)
        ($errors.Count -gt 0) | Should -BeTrue -Because 'a broken script has parse errors'
        $errors[0].ErrorId | Should -Be 'ExpectedValueExpression'
        $errors[0].Extent.StartLineNumber | Should -Be 1
    }

    It 'parses a good script without errors' {
        $tokens = $null; $errors = $null
        $null = [System.Management.Automation.Language.Parser]::ParseInput('$x = 1; if ($x) { "y" }', [ref] $tokens, [ref] $errors)
        $errors.Count | Should -Be 0 -Because 'a good script parses'
    }

    It 'parses PowerShell 7-only syntax, and the AST shows it, so a test can reject it for 5.1' {
        $tokens = $null; $errors = $null
        $ast = [System.Management.Automation.Language.Parser]::ParseInput('$a = $b ? 1 : 2; $c = $d ?? 3; $e?.f; cmd1 && cmd2', [ref] $tokens, [ref] $errors)
        $errors.Count | Should -Be 0 -Because 'PS7 syntax parses in the 7 engine'
        $ternary = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TernaryExpressionAst] }, $true))
        $chain = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.PipelineChainAst] }, $true))
        $nullish = @($tokens | Where-Object { $_.Kind -eq 'QuestionQuestion' })
        $ternary.Count | Should -Be 1 -Because 'ternary found'
        $chain.Count | Should -Be 1 -Because 'pipeline chain found'
        $nullish.Count | Should -Be 1 -Because '?? token found'
    }
}
