# Dot-sourced by the *.Tests.ps1 files that check Windows PowerShell 5.1 compatibility (the check
# the retired hand-made assertion helpers did before the tests moved to Pester, issue 15): returns what is
# wrong with a script file — a parse error, or syntax newer than 5.1 (ternary, `??`, `??=`,
# `&&`/`||` pipeline chains, `?.`), which the 7 parser accepts, so the AST is searched for it —
# or nothing when the file is fine. Use: Get-Ps51SyntaxProblem $path | Should -BeNullOrEmpty
function Get-Ps51SyntaxProblem {
    param([Parameter(Mandatory = $true)] [string] $Path)
    $name = Split-Path -Leaf $Path
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
    if ($errors.Count -gt 0) { return "${name}: parse error $($errors[0].Message)" }
    $newer = $ast.FindAll({ param($n)
        $n -is [System.Management.Automation.Language.TernaryExpressionAst] -or
        $n -is [System.Management.Automation.Language.PipelineChainAst] -or
        ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator -eq 'QuestionQuestion') -or
        ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator -eq 'QuestionQuestionEquals') -or
        ($n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.NullConditional)
    }, $true)
    if (@($newer).Count -gt 0) { return "${name}: syntax newer than 5.1 at line $(@($newer)[0].Extent.StartLineNumber): $(@($newer)[0].Extent.Text)" }
}
