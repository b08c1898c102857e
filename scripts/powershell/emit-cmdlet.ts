// Emits one advanced function per cmdlet (module/powershell/Public/<Verb-Noun>.ps1): comment-based
// help, parameters and parameter sets, the CLI argv each parameter becomes, and the output.
import { HEADER, BOM } from './layout.js';
import { helpText, I1, I2, I3, indentLines, psString } from './ps-text.js';
import { inputObjectPrelude, passThruReturnsResult, type PsCommand, type PsParam, type PsParameterSet } from './model.js';
/** Every parameter of the command once (parameter sets may share a name), in declaration order. */
function allParams(cmd: PsCommand): { param: PsParam; sets: PsParameterSet[] }[] {
  const out: { param: PsParam; sets: PsParameterSet[] }[] = [];
  for (const set of cmd.sets) {
    for (const p of set.params) {
      const seen = out.find((x) => x.param.name === p.name);
      if (seen) seen.sets.push(set);
      else out.push({ param: p, sets: [set] });
    }
  }
  // -InputObject right after -JobId, its alternative (in help and in Get-Command's order).
  const input = out.findIndex((x) => x.param.name === 'InputObject');
  const jobId = out.findIndex((x) => x.param.name === 'JobId');
  if (input > jobId + 1 && jobId >= 0) out.splice(jobId + 1, 0, ...out.splice(input, 1));
  for (const p of cmd.extras) out.push({ param: p, sets: [] });
  return out;
}

function paramHelp(p: PsParam): string {
  const parts = [p.help];
  if (p.validateSet) parts.push(`Values: ${p.validateSet.join(', ')}.`);
  if (p.validateRange) parts.push(`Range: ${p.validateRange[0]}..${p.validateRange[1]}.`);
  if (p.defaultValue !== undefined && !/Default:/.test(p.help)) parts.push(`Default: ${p.defaultValue}.`);
  if (p.api && 'flag' in p.api.cli) parts.push(`CLI: --${p.api.cli.flag}.`);
  if (p.api && 'positional' in p.api.cli) parts.push(`CLI: <${p.api.cli.positional}>.`);
  return parts.join(' ');
}

export function renderHelp(cmd: PsCommand, params: PsParam[]): string {
  const lines = ['<#', '.SYNOPSIS', helpText(cmd.synopsis), '', '.DESCRIPTION', helpText(cmd.description)];
  for (const p of params) lines.push('', `.PARAMETER ${p.name}`, helpText(paramHelp(p)));
  for (const ex of cmd.examples) lines.push('', '.EXAMPLE', helpText(ex.code), '', helpText(ex.text));
  lines.push('', '.NOTES', helpText(cmd.notes), '', '.LINK', 'about_Bits.Job2', '#>');
  return indentLines(lines.join('\n'), I1);
}

export function renderParam(p: PsParam, sets: PsParameterSet[], multiSet: boolean): string {
  const attrs: string[] = [];
  const named = (set: string | undefined) => {
    const args: string[] = [];
    if (set) args.push(`ParameterSetName = ${psString(set)}`);
    if (p.mandatory) args.push('Mandatory = $true');
    if (p.position !== undefined) args.push(`Position = ${p.position}`);
    if (p.valueFromPipeline) args.push('ValueFromPipeline = $true');
    if (p.pipelineByPropertyName) args.push('ValueFromPipelineByPropertyName = $true');
    return `[Parameter(${args.join(', ')})]`;
  };
  if (multiSet && sets.length > 0) for (const s of sets) attrs.push(named(s.name));
  else attrs.push(named(undefined));
  if (p.aliases?.length) attrs.push(`[Alias(${p.aliases.map(psString).join(', ')})]`);
  if (p.psTypeName) attrs.push(`[PSTypeName(${psString(p.psTypeName)})]`);
  if (p.validateSet) attrs.push(`[ValidateSet(${p.validateSet.map(psString).join(', ')})]`);
  if (p.validateRange) attrs.push(`[ValidateRange(${p.validateRange[0]}, ${p.validateRange[1]})]`);
  if (p.mandatory && p.type === 'string' && p.api?.nullable) attrs.push('[AllowEmptyString()]');
  const decl = `[${p.type}] $${p.name}${p.psDefault !== undefined ? ` = ${p.psDefault}` : ''}`;
  return [...attrs, decl].map((l) => I2 + l).join('\n');
}

/** The PowerShell lines that append one bound parameter to $argv. */
function argvLines(p: PsParam): string[] {
  const v = p.pathLike ? `$PSCmdlet.GetUnresolvedProviderPathFromPSPath($${p.name})` : `[string]$${p.name}`;
  const resolved = p.pathLike ? `$(if ($${p.name}) { ${v} } else { '' })` : v;
  switch (p.emit.kind) {
    case 'positional':
      if (p.mandatory) return [`$argv.Add(${resolved})`];
      return [`if ($PSBoundParameters.ContainsKey(${psString(p.name)})) { $argv.Add(${resolved}) }`];
    case 'flag':
      return [`if ($PSBoundParameters.ContainsKey(${psString(p.name)})) { $argv.Add('--${p.emit.flag}=' + ${resolved}) }`];
    case 'switch':
      return [`if ($${p.name}.IsPresent) { $argv.Add('--${p.emit.flag}') }`];
    case 'secret':
      // The password goes to the CLI on stdin (Invoke-BitsJob2Cli -InputText), never into $argv.
      return [
        `if ($PSBoundParameters.ContainsKey(${psString(p.name)}) -and $null -ne $${p.name}) {`,
        `${I1}$argv.Add('--${p.emit.flag}')`,
        `${I1}$inputText = $${p.name}.GetNetworkCredential().Password`,
        `${I1}if (-not $PSBoundParameters.ContainsKey('UserName')) { $argv.Add('--user=' + $${p.name}.UserName) }`,
        // Both given and different: which one was meant is unknown, so neither is sent.
        `${I1}elseif ([string]$UserName -ne $${p.name}.UserName) { $PSCmdlet.ThrowTerminatingError((New-BitsJob2SimpleErrorRecord ('Bits.Job2: -UserName ''' + $UserName + ''' differs from the user name of -${p.name} (''' + $${p.name}.UserName + '''): give one of them.') 'BitsJob2UserNameConflict' ([System.Management.Automation.ErrorCategory]::InvalidArgument) $null)) }`,
        '}',
      ];
    case 'none':
      return [];
  }
}

/** `leave`: how the output lines skip the rest of one result (`return` in process, `continue` in end's loop). */
function outputLines(cmd: PsCommand, set: PsParameterSet, leave = 'return'): string[] {
  // The document carries bytes (module/api/outputs.ts): the cmdlet returns them, not the document.
  if (set.cmdletOutput?.kind === 'bytes') {
    return [
      `if ($null -eq $result -or $PSBoundParameters.ContainsKey('OutFile')) { return }`,
      `$bytes = [System.Convert]::FromBase64String([string]$result.${set.cmdletOutput.member})`,
      `if ($AsString.IsPresent) {`,
      `${I1}$PSCmdlet.WriteObject([System.Text.Encoding]::GetEncoding($Encoding).GetString($bytes))`,
      `} else {`,
      `${I1}$PSCmdlet.WriteObject($bytes, $false)`,
      `}`,
    ];
  }
  const lines = [`if ($null -eq $result) { ${leave} }`];
  if (!set.emitsByDefault) {
    lines.push(
      `if ($result.PSObject.Properties['hresult'] -and [long]$result.hresult -ne 0) {`,
      `${I1}$PSCmdlet.WriteWarning([string]$result.name + ' (' + [string]$result.hresultHex + ') for job ' + [string]$result.jobId)`,
      `}`,
      passThruReturnsResult(set.op)
        ? `if ($PassThru.IsPresent) { $PSCmdlet.WriteObject($result, $true) }`
        // The job as it is after the change, as Suspend-BitsTransfer and Set-BitsTransfer return it.
        : `if ($PassThru.IsPresent) { Get-BitsJob2 -JobId ([string]$result.jobId) -Verbose:$false }`,
    );
  } else if (set.op.cmdlet?.output) {
    lines.push(`$PSCmdlet.WriteObject($result.${set.op.cmdlet.output})`);
  } else {
    lines.push(`$PSCmdlet.WriteObject($result, $true)`);
  }
  void cmd;
  return lines;
}

function setBody(cmd: PsCommand, set: PsParameterSet): string[] {
  const op = set.op;
  const lines = [`$argv = [System.Collections.Generic.List[string]]::new()`, `$argv.Add(${psString(op.cli!)})`, `$inputText = $null`];
  // Positionals first, in the CLI's order, then flags (as --flag=value, so values starting with '-' stay values).
  const params = [...set.params, ...cmd.extras];
  for (const p of params.filter((x) => x.emit.kind === 'positional')) lines.push(...argvLines(p));
  for (const p of params.filter((x) => x.emit.kind !== 'positional')) lines.push(...argvLines(p));
  const target = set.params.find((p) => p.api?.type === 'jobId') ?? set.params.find((p) => p.mandatory);
  const targetExpr = target ? `[string]$${target.name}` : `'all jobs'`;
  if (set.cmdletOutput?.kind === 'server') {
    if (op.cmdlet?.shouldProcess) lines.push(`if (-not $PSCmdlet.ShouldProcess(${targetExpr}, ${psString(`Start ${op.bits.method} (bits-job2 ${op.cli})`)})) { return }`);
    lines.push(`Start-BitsJob2CliServer -Arguments $argv.ToArray() -Cmdlet $PSCmdlet -TypeName ${psString(set.typeName)} -NoWait $NoWait.IsPresent -TargetObject (${targetExpr})`);
    return lines;
  }
  const call = `$result = Invoke-BitsJob2Cli -Arguments $argv.ToArray() -InputText $inputText -Cmdlet $PSCmdlet -TypeName ${psString(set.typeName)} -TargetObject (${targetExpr})`;
  if (op.cmdlet?.shouldProcess) {
    lines.push(`if (-not $PSCmdlet.ShouldProcess(${targetExpr}, ${psString(`${op.bits.method} (bits-job2 ${op.cli})`)})) { return }`);
  }
  lines.push(call, ...outputLines(cmd, set));
  return lines;
}

/**
 * A cmdlet that collects (OperationSpec.cmdlet.collects, Add-BitsJob2File): `process` pairs the arrays
 * of each input by position and keeps them per job, `end` runs one CLI command per job with every set
 * as trailing positionals (`add-file <job> r1 l1 r2 l2`): one AddFileSet call, all added or none.
 */
function renderCollectingBody(cmd: PsCommand, set: PsParameterSet): string {
  const collected = set.collects!.map((name) => set.params.find((p) => p.name === name)!);
  const jobId = set.params.find((p) => p.api?.type === 'jobId');
  const others = set.params.filter((p) => !collected.includes(p) && p !== jobId && p.emit.kind !== 'none');
  if (!jobId || others.length || collected.some((p) => p.emit.kind !== 'positional')) {
    throw new Error(`${cmd.name}: a collecting cmdlet takes the job id and its collected positionals only`);
  }
  const [first, ...rest] = collected;
  const value = (p: PsParam, at: string) => (p.pathLike ? `$PSCmdlet.GetUnresolvedProviderPathFromPSPath([string]${at})` : `[string]${at}`);
  const names = collected.map((p) => `-${p.name}`).join(' and ');
  const op = set.op;
  const lines = [
    `${I1}begin {`,
    `${I2}$setsByJob = [System.Collections.Specialized.OrderedDictionary]::new()`,
    `${I1}}`,
    `${I1}process {`,
    ...inputObjectPrelude(cmd.sets).map((l) => I2 + l),
    ...collected.map((p) => `${I2}$${p.name}List = @($${p.name})`),
    `${I2}if (${rest.map((p) => `$${p.name}List.Count -ne $${first!.name}List.Count`).join(' -or ')}) {`,
    `${I3}$message = 'Bits.Job2: ${names} pair by position: give as many of each (' + ${collected.map((p) => `$${p.name}List.Count`).join(" + ', ' + ")} + ').'`,
    `${I3}$PSCmdlet.WriteError((New-BitsJob2SimpleErrorRecord $message 'BitsJob2${collected.map((p) => p.name.replace(/Name$/, '')).join('')}Mismatch' ([System.Management.Automation.ErrorCategory]::InvalidArgument) $JobId))`,
    `${I3}return`,
    `${I2}}`,
    `${I2}if (-not $setsByJob.Contains([string]$JobId)) { $setsByJob[[string]$JobId] = [System.Collections.Generic.List[string]]::new() }`,
    `${I2}for ($i = 0; $i -lt $${first!.name}List.Count; $i++) {`,
    ...collected.map((p) => `${I3}$setsByJob[[string]$JobId].Add(${value(p, `$${p.name}List[$i]`)})`),
    `${I2}}`,
    `${I1}}`,
    `${I1}end {`,
    `${I2}foreach ($entry in $setsByJob.GetEnumerator()) {`,
    `${I3}$JobId = [string]$entry.Key`,
    `${I3}$argv = [System.Collections.Generic.List[string]]::new()`,
    `${I3}$argv.Add(${psString(op.cli!)})`,
    `${I3}$argv.Add($JobId)`,
    `${I3}foreach ($item in $entry.Value) { $argv.Add($item) }`,
    ...(op.cmdlet?.shouldProcess ? [`${I3}if (-not $PSCmdlet.ShouldProcess($JobId, ${psString(`${op.bits.method} (bits-job2 ${op.cli})`)})) { continue }`] : []),
    `${I3}$result = Invoke-BitsJob2Cli -Arguments $argv.ToArray() -Cmdlet $PSCmdlet -TypeName ${psString(set.typeName)} -TargetObject $JobId`,
    ...outputLines(cmd, set, 'continue').map((l) => I3 + l),
    `${I2}}`,
    `${I1}}`,
  ];
  return lines.join('\n') + '\n';
}

export function renderBody(cmd: PsCommand): string {
  if (cmd.body) return cmd.body;
  const collecting = cmd.sets.find((s) => s.collects && !s.byValueOf);
  if (collecting) {
    if (cmd.sets.some((s) => !s.byValueOf && s !== collecting)) throw new Error(`${cmd.name}: a collecting cmdlet has one operation`);
    return renderCollectingBody(cmd, collecting);
  }
  const out = [`${I1}process {`, ...inputObjectPrelude(cmd.sets).map((l) => I2 + l)];
  // An -InputObject set runs the body of the JobId set it mirrors (the prelude has set $JobId).
  const bodies = cmd.sets.filter((s) => !s.byValueOf);
  if (bodies.length === 1) {
    out.push(...setBody(cmd, bodies[0]!).map((l) => I2 + l));
  } else {
    out.push(`${I2}switch ($PSCmdlet.ParameterSetName) {`);
    for (const set of bodies) {
      const names = [set.name, ...cmd.sets.filter((s) => s.byValueOf === set.name).map((s) => s.name)];
      const label = names.length === 1 ? psString(set.name) : `{ @(${names.map(psString).join(', ')}) -contains $_ }`;
      out.push(`${I3}${label} {`);
      out.push(...setBody(cmd, set).map((l) => I3 + I1 + l));
      out.push(`${I3}}`);
    }
    out.push(`${I2}}`);
  }
  out.push(`${I1}}`);
  return out.join('\n') + '\n';
}

export function renderFunction(cmd: PsCommand): string {
  const params = allParams(cmd);
  const multiSet = cmd.sets.length > 1;
  const binding: string[] = [];
  if (cmd.shouldProcess) binding.push('SupportsShouldProcess = $true');
  if (multiSet) {
    // A set that needs nothing (Get-BitsJob2 lists), else the -InputObject set: for pipeline input
    // the binder tries the default set first, so with the JobId set as default our own job objects
    // would bind by property name and never by value (checked in the engine). A [guid] JobId
    // (Get-BitsTransfer) fails the -InputObject PSTypeName and falls through to -JobId by property name.
    const dflt = cmd.sets.find((s) => s.params.every((p) => !p.mandatory)) ?? cmd.sets.find((s) => s.byValueOf) ?? cmd.sets[0]!;
    binding.push(`DefaultParameterSetName = ${psString(dflt.name)}`);
  }
  const types = [...new Set(cmd.sets.map((s) => s.typeName))];
  const outputType = cmd.sets.some((s) => s.cmdletOutput?.kind === 'bytes')
    ? ["'System.Byte[]'", "'System.String'"]
    : cmd.sets.some((s) => s.op.cmdlet?.output) ? ["'System.String'"] : types.map(psString);
  const lines = [
    BOM + HEADER,
    '',
    `function ${cmd.name} {`,
    renderHelp(cmd, params.map((x) => x.param)),
    `${I1}[CmdletBinding(${binding.join(', ')})]`,
    `${I1}[OutputType(${outputType.join(', ')})]`,
    `${I1}param(`,
    params.map(({ param, sets }) => renderParam(param, sets, multiSet)).join(',\n\n'),
    `${I1})`,
    '',
    renderBody(cmd).replace(/\n$/, ''),
    '}',
    '',
  ];
  return lines.join('\n');
}
