# The PowerShell parser reports syntax errors without running anything.
. (Join-Path $PSScriptRoot 'assert.ps1')
$ErrorActionPreference = 'Stop'
$tokens = $null; $errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseInput('function f { param($a) $a + }', [ref] $tokens, [ref] $errors)
Assert-True ($errors.Count -gt 0) 'a broken script has parse errors'
"parse error: $($errors[0].ErrorId) at line $($errors[0].Extent.StartLineNumber): $($errors[0].Message)"
$tokens = $null; $errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseInput('$x = 1; if ($x) { "y" }', [ref] $tokens, [ref] $errors)
Assert-Equal 0 $errors.Count 'a good script parses'
# PowerShell 7-only syntax parses in 7, and the AST shows it, so a test can reject it for 5.1.
$tokens = $null; $errors = $null
$ast = [System.Management.Automation.Language.Parser]::ParseInput('$a = $b ? 1 : 2; $c = $d ?? 3; $e?.f; cmd1 && cmd2', [ref] $tokens, [ref] $errors)
Assert-Equal 0 $errors.Count 'PS7 syntax parses in the 7 engine'
$ternary = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.TernaryExpressionAst] }, $true))
$chain = @($ast.FindAll({ param($n) $n -is [System.Management.Automation.Language.PipelineChainAst] }, $true))
$nullish = @($tokens | Where-Object { $_.Kind -eq 'QuestionQuestion' })
Assert-Equal 1 $ternary.Count 'ternary found'
Assert-Equal 1 $chain.Count 'pipeline chain found'
Assert-Equal 1 $nullish.Count '?? token found'
'parser ok'
