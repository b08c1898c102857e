# Dot-sourced by test/ps/wine-chain.ps1, the one PowerShell test script not yet in Pester (issue 15:
# the Wine lane was not run with Pester yet): a failed assertion is a terminating error (PwshHost exits 1).
function Assert-True {
    param([Parameter(Mandatory = $true)] $Condition, [Parameter(Mandatory = $true)] [string] $Message)
    if (-not $Condition) { throw "ASSERT FAILED: $Message" }
}
function Assert-Equal {
    param($Expected, $Actual, [string] $Message)
    if ($Expected -ne $Actual) { throw "ASSERT FAILED: $Message (expected '$Expected', got '$Actual')" }
}
# A script file parses and uses no syntax newer than Windows PowerShell 5.1 (ternary, `??`, `??=`,
# `&&`/`||` pipeline chains, `?.`): the 7 parser accepts them, so the AST is searched for them.
function Assert-Ps51Syntax {
    param([Parameter(Mandatory = $true)] [string] $Path)
    $name = Split-Path -Leaf $Path
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
    if ($errors.Count -gt 0) { throw "${name}: parse error $($errors[0].Message)" }
    $newer = $ast.FindAll({ param($n)
        $n -is [System.Management.Automation.Language.TernaryExpressionAst] -or
        $n -is [System.Management.Automation.Language.PipelineChainAst] -or
        ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator -eq 'QuestionQuestion') -or
        ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator -eq 'QuestionQuestionEquals') -or
        ($n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.NullConditional)
    }, $true)
    if (@($newer).Count -gt 0) { throw "${name}: syntax newer than 5.1 at line $(@($newer)[0].Extent.StartLineNumber): $(@($newer)[0].Extent.Text)" }
}
