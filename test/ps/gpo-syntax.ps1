# The Group Policy example scripts (scripts/gpo/*.ps1) parse, use no syntax newer than Windows
# PowerShell 5.1 (where logon scripts run), and have comment-based help with a synopsis.
param([string] $Root)
$ErrorActionPreference = 'Stop'
$files = @(Get-ChildItem -Path (Join-Path $Root 'scripts/gpo') -Filter *.ps1)
if ($files.Count -lt 2) { throw "expected the logon and the notify script, found $($files.Count)" }
foreach ($f in $files) {
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($f.FullName, [ref] $tokens, [ref] $errors)
    if ($errors.Count -gt 0) { throw "$($f.Name): parse error $($errors[0].Message)" }
    $newer = $ast.FindAll({ param($n)
        $n -is [System.Management.Automation.Language.TernaryExpressionAst] -or
        $n -is [System.Management.Automation.Language.PipelineChainAst] -or
        ($n -is [System.Management.Automation.Language.BinaryExpressionAst] -and $n.Operator -eq 'QuestionQuestion') -or
        ($n -is [System.Management.Automation.Language.AssignmentStatementAst] -and $n.Operator -eq 'QuestionQuestionEquals') -or
        ($n -is [System.Management.Automation.Language.MemberExpressionAst] -and $n.NullConditional)
    }, $true)
    if (@($newer).Count -gt 0) { throw "$($f.Name): syntax newer than 5.1 at line $(@($newer)[0].Extent.StartLineNumber): $(@($newer)[0].Extent.Text)" }
    $help = Get-Help $f.FullName
    if (-not $help.Synopsis -or $help.Synopsis -like "$($f.Name)*") { throw "$($f.Name): no synopsis in its comment-based help" }
}
"ok: $($files.Count) scripts"
