# Lists every .NET API a set of PowerShell files uses, from the PowerShell AST, for the Windows
# PowerShell 5.1 compatibility check (test/pwsh-compat checks the list against the .NET Framework 4.8
# and PowerShell Standard 5.1.1 reference assemblies):
#   - types: type literals and casts ([System.X], [long]), parameter types, attributes ([Parameter()])
#   - static members: [T]::Member and [T]::Method(args), [T]::new(args) (constructors)
#   - attribute constructors and their named arguments ([ValidateRange(0, 5)], Mandatory = $true)
#   - instance members on expressions whose type is known statically: typed parameters, variables
#     assigned from a typed expression ($psi = [ProcessStartInfo]::new()), $PSCmdlet, member chains
#     ($process.StandardOutput.ReadToEndAsync()), typed through PowerShell 7's reflection.
# Members that PowerShell 7's reflection does not find on the type (hashtable keys, ETS and PSObject
# members) are not .NET API uses and are skipped; types and static members are always listed.
# Each reference carries the number of arguments of the call (-1 for a property or field), so that
# an overload that only exists in newer .NET (Process.Kill(bool)) is caught too.
param([string] $ListFile, [string] $OutFile)
$ErrorActionPreference = 'Stop'
$L = 'System.Management.Automation.Language'

$refs = [System.Collections.Generic.List[object]]::new()
$seen = [System.Collections.Generic.HashSet[string]]::new()

function Get-CheckedType([type] $Type) {
    # The type whose existence is checked: element type of arrays, definition of generic types.
    while ($Type.IsArray -or $Type.IsByRef) { $Type = $Type.GetElementType() }
    if ($Type.IsGenericType -and -not $Type.IsGenericTypeDefinition) { $Type = $Type.GetGenericTypeDefinition() }
    return $Type
}

function Add-Ref([string] $Kind, $Type, [string] $Member, [bool] $Static, [int] $Arguments, $Ast, [string] $Text) {
    $name = $Text
    # Members of an array are System.Array's; types are checked by element type.
    if ($Type -is [type] -and $Kind -eq 'member' -and $Type.IsArray) { $Type = [System.Array] }
    if ($Type -is [type]) { $name = (Get-CheckedType $Type).FullName }
    if (-not $name) { return }
    $where = [System.IO.Path]::GetFileName($Ast.Extent.File) + ':' + $Ast.Extent.StartLineNumber
    $key = "$Kind|$name|$Member|$Static|$Arguments"
    if (-not $seen.Add($key + '|' + $where)) { return }
    $refs.Add([pscustomobject]@{ kind = $Kind; type = $name; member = $Member; static = $Static; arguments = $Arguments; where = $where; text = $Ast.Extent.Text })
}

function Resolve-TypeName($TypeName, $Ast, [bool] $Attribute) {
    # A type name as PowerShell 7 resolves it (accelerators included); unresolved names are listed as written.
    $t = $null
    try {
        if ($Attribute) { $t = $TypeName.GetReflectionAttributeType() } else { $t = $TypeName.GetReflectionType() }
    } catch { $t = $null }
    if ($null -eq $t) {
        Add-Ref 'type' $null '' $false -1 $Ast $TypeName.FullName
        return $null
    }
    Add-Ref 'type' $t '' $false -1 $Ast ''
    if ($t.IsGenericType) { foreach ($g in $t.GetGenericArguments()) { Add-Ref 'type' $g '' $false -1 $Ast '' } }
    return $t
}

function Find-Members([type] $Type, [string] $Name, [bool] $Static) {
    $flags = [System.Reflection.BindingFlags]::Public -bor [System.Reflection.BindingFlags]::FlattenHierarchy
    if ($Static) { $flags = $flags -bor [System.Reflection.BindingFlags]::Static } else { $flags = $flags -bor [System.Reflection.BindingFlags]::Instance }
    $found = @($Type.GetMember($Name, $flags))
    if ($Type.IsInterface) { foreach ($i in $Type.GetInterfaces()) { $found += @($i.GetMember($Name, $flags)) } }
    return $found
}

function Get-MemberType([type] $Type, [string] $Name, [bool] $Static, [int] $Arguments) {
    # The static type of Type.Name (a property or field) or of Type.Name(args) (a method); $null when
    # unknown or ambiguous.
    $types = @()
    foreach ($m in (Find-Members $Type $Name $Static)) {
        if ($Arguments -lt 0) {
            if ($m -is [System.Reflection.PropertyInfo]) { $types += $m.PropertyType }
            elseif ($m -is [System.Reflection.FieldInfo]) { $types += $m.FieldType }
        } elseif ($m -is [System.Reflection.MethodInfo] -and $m.GetParameters().Count -eq $Arguments) {
            $types += $m.ReturnType
        }
    }
    if ($types.Count -eq 0 -or $types[0].ContainsGenericParameters) { return $null }
    foreach ($t in $types) { if ($t -ne $types[0]) { return $null } }
    return $types[0]
}

function Get-ArgumentCount($MemberAst) {
    # -1: a property or field; otherwise the number of arguments of the call (Arguments is $null for ()).
    if ($MemberAst -isnot "$L.InvokeMemberExpressionAst") { return -1 }
    if ($null -eq $MemberAst.Arguments) { return 0 }
    return $MemberAst.Arguments.Count
}

function Get-ExpressionType($Expr, [hashtable] $Vars) {
    if ($null -eq $Expr) { return $null }
    if ($Expr -is "$L.ConvertExpressionAst") { return $Expr.Type.TypeName.GetReflectionType() }
    if ($Expr -is "$L.StringConstantExpressionAst" -or $Expr -is "$L.ExpandableStringExpressionAst") { return [string] }
    if ($Expr -is "$L.ParenExpressionAst") {
        $p = $Expr.Pipeline
        if ($p -is "$L.PipelineAst" -and $p.PipelineElements.Count -eq 1 -and $p.PipelineElements[0] -is "$L.CommandExpressionAst") {
            return Get-ExpressionType $p.PipelineElements[0].Expression $Vars
        }
        return $null
    }
    if ($Expr -is "$L.VariableExpressionAst") {
        $n = $Expr.VariablePath.UserPath
        if ($n -eq 'PSCmdlet') { return [System.Management.Automation.PSCmdlet] }
        if ($n -eq 'ExecutionContext') { return [System.Management.Automation.EngineIntrinsics] }
        if ($n -eq 'PSBoundParameters') { return [System.Collections.Generic.Dictionary[string, object]] }
        if ($Vars.ContainsKey($n)) { return $Vars[$n] }
        return $null
    }
    if ($Expr -is "$L.MemberExpressionAst") {
        $name = $null
        if ($Expr.Member -is "$L.StringConstantExpressionAst") { $name = $Expr.Member.Value }
        if (-not $name) { return $null }
        $static = $Expr.Static
        $target = $null
        if ($Expr.Expression -is "$L.TypeExpressionAst") { $target = $Expr.Expression.TypeName.GetReflectionType() }
        else { $target = Get-ExpressionType $Expr.Expression $Vars }
        if ($null -eq $target) { return $null }
        $n = Get-ArgumentCount $Expr
        if ($static -and $name -eq 'new') { return $target }
        return Get-MemberType $target $name $static $n
    }
    return $null
}

function Get-AssignedExpression($Statement) {
    if ($Statement -is "$L.CommandExpressionAst") { return $Statement.Expression }
    if ($Statement -is "$L.PipelineAst" -and $Statement.PipelineElements.Count -eq 1 -and $Statement.PipelineElements[0] -is "$L.CommandExpressionAst") {
        return $Statement.PipelineElements[0].Expression
    }
    return $null
}

function Test-InScope($Ast, $Scope) {
    # The nearest enclosing function of Ast is Scope (or none, for the top-level scope $null).
    $p = $Ast.Parent
    while ($null -ne $p -and $p -isnot "$L.FunctionDefinitionAst") { $p = $p.Parent }
    return [object]::ReferenceEquals($p, $Scope)
}

function Get-ScopeVariables($Root, $Scope) {
    # Variable name -> static type within one function (or the top level): typed parameters, then
    # assignments of typed expressions, repeated so that chains resolve; a name assigned two
    # different types is unknown.
    $vars = @{}
    $conflict = @{}
    foreach ($p in $Root.FindAll({ param($n) $n -is "$L.ParameterAst" }, $true)) {
        if (-not (Test-InScope $p $Scope)) { continue }
        $tc = @($p.Attributes | Where-Object { $_ -is "$L.TypeConstraintAst" })
        if ($tc.Count -gt 0) {
            $t = $tc[0].TypeName.GetReflectionType()
            if ($null -ne $t) { $vars[$p.Name.VariablePath.UserPath] = $t }
        }
    }
    $assignments = @($Root.FindAll({ param($n) $n -is "$L.AssignmentStatementAst" -and $n.Left -is "$L.VariableExpressionAst" -and $n.Operator -eq 'Equals' }, $true) | Where-Object { Test-InScope $_ $Scope })
    for ($pass = 0; $pass -lt 4; $pass++) {
        foreach ($a in $assignments) {
            $name = $a.Left.VariablePath.UserPath
            if ($conflict.ContainsKey($name)) { continue }
            $t = Get-ExpressionType (Get-AssignedExpression $a.Right) $vars
            if ($null -eq $t) { continue }
            if ($vars.ContainsKey($name) -and $vars[$name] -ne $t) { $vars.Remove($name); $conflict[$name] = $true; continue }
            $vars[$name] = $t
        }
    }
    return $vars
}

function Add-FileReferences([string] $Path) {
    $tokens = $null; $errors = $null
    $ast = [System.Management.Automation.Language.Parser]::ParseFile($Path, [ref] $tokens, [ref] $errors)
    if ($errors.Count -gt 0) { throw "${Path}: parse error $($errors[0].Message)" }
    foreach ($n in $ast.FindAll({ param($x) $x -is "$L.TypeExpressionAst" -or $x -is "$L.TypeConstraintAst" }, $true)) {
        [void](Resolve-TypeName $n.TypeName $n $false)
    }
    foreach ($a in $ast.FindAll({ param($x) $x -is "$L.AttributeAst" }, $true)) {
        $t = Resolve-TypeName $a.TypeName $a $true
        if ($null -eq $t) { continue }
        $positional = 0
        if ($null -ne $a.PositionalArguments) { $positional = $a.PositionalArguments.Count }
        Add-Ref 'member' $t '.ctor' $false $positional $a ''
        foreach ($na in $a.NamedArguments) { Add-Ref 'member' $t $na.ArgumentName $false -1 $na '' }
    }
    $scopes = @($null) + @($ast.FindAll({ param($x) $x -is "$L.FunctionDefinitionAst" }, $true))
    foreach ($scope in $scopes) {
        $vars = Get-ScopeVariables $ast $scope
        $members = $ast.FindAll({ param($x) $x -is "$L.MemberExpressionAst" }, $true) | Where-Object { Test-InScope $_ $scope }
        foreach ($m in $members) {
            if ($m.Member -isnot "$L.StringConstantExpressionAst") { continue }
            $name = $m.Member.Value
            $n = Get-ArgumentCount $m
            if ($m.Static) {
                $t = $null
                if ($m.Expression -is "$L.TypeExpressionAst") { $t = $m.Expression.TypeName.GetReflectionType() }
                if ($null -eq $t) { Add-Ref 'member' $null $name $true $n $m $m.Expression.Extent.Text.Trim('[', ']'); continue }
                if ($name -eq 'new') { Add-Ref 'member' $t '.ctor' $false $n $m '' }
                else { Add-Ref 'member' $t $name $true $n $m '' }
                continue
            }
            $t = Get-ExpressionType $m.Expression $vars
            if ($null -eq $t) { continue }
            # Only real .NET members of the type (PowerShell 7's reflection finds them).
            if (@(Find-Members $t $name $false).Count -eq 0) { continue }
            Add-Ref 'member' $t $name $false $n $m ''
        }
    }
}

foreach ($file in [System.IO.File]::ReadAllLines($ListFile)) {
    if ($file.Trim()) { Add-FileReferences $file.Trim() }
}
[System.IO.File]::WriteAllText($OutFile, (ConvertTo-Json -InputObject @($refs) -Depth 3))
"references: $($refs.Count) from $(@([System.IO.File]::ReadAllLines($ListFile)).Count) files"
