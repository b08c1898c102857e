// The parts every cmdlet is built of: the PowerShell view of a parameter and of a parameter set, the
// -InputObject set of job cmdlets and its prelude, and module/api's parameters as PowerShell
// parameters. model.ts builds the cmdlets of the description from them; wait-job.ts and
// start-transfer.ts the cmdlets composed of others (Wait-BitsJob2, Start-BitsJob2Transfer).
import { AuthScheme, AuthTarget, JobPriority, JobState, JobType, ProxyUsage, ServerNotificationType } from '../../module/api/enums.js';
import type { OperationSpec, ParamSpec } from '../../module/api/operations.js';
import { OUTPUTS, type CmdletOutput } from '../../module/api/outputs.js';

export const ENUMS: Record<string, Record<string, number>> = { JobType, JobPriority, ProxyUsage, AuthTarget, AuthScheme, JobState, ServerNotificationType };

/** How a bound parameter becomes CLI arguments. */
export type CliEmit =
  | { kind: 'positional' }
  | { kind: 'flag'; flag: string }
  | { kind: 'switch'; flag: string }
  | { kind: 'secret'; flag: string }
  | { kind: 'none' };

export interface PsParam {
  name: string;
  /** PowerShell type literal, e.g. `string`, `uint32`, `switch`, `System.Management.Automation.PSCredential`. */
  type: string;
  mandatory: boolean;
  position?: number;
  pipelineByPropertyName?: boolean;
  /** ValueFromPipeline (the -InputObject parameter of a job cmdlet). */
  valueFromPipeline?: boolean;
  /** [PSTypeName(...)]: binds only objects carrying this type name. */
  psTypeName?: string;
  aliases?: string[];
  validateSet?: string[];
  validateRange?: [number, number];
  /** Resolve relative paths against the PowerShell location before passing them on. */
  pathLike?: boolean;
  defaultValue?: string;
  /** PowerShell-only parameters: the default assigned in the param block (a PowerShell literal). */
  psDefault?: string;
  help: string;
  emit: CliEmit;
  /** The API parameter it comes from (undefined: PowerShell-only parameter). */
  api?: ParamSpec;
}

export interface PsParameterSet {
  /** The parameter set name (the operation name) — one set per operation sharing the cmdlet. */
  name: string;
  op: OperationSpec;
  params: PsParam[];
  /** Type name added to output objects (module/api/outputs.ts, the CLI command's document). */
  typeName: string;
  /** How the cmdlet returns the document when not as the object itself (module/api/outputs.ts). */
  cmdletOutput?: CmdletOutput;
  emitsByDefault: boolean;
  /** PowerShell names of the parameters collected into one call per job (OperationSpec.cmdlet.collects). */
  collects?: string[];
  /** Set only for an -InputObject set: the name of the JobId set it mirrors (same operation, same body). */
  byValueOf?: string;
}

export interface PsCommand {
  name: string;
  verb: string;
  noun: string;
  shouldProcess: boolean;
  synopsis: string;
  description: string;
  sets: PsParameterSet[];
  /** PowerShell-only parameters shared by every set (PassThru, OutFile, ...). */
  extras: PsParam[];
  examples: { code: string; text: string }[];
  notes: string;
  /** The body of a cmdlet composed of others (wait-job.ts, start-transfer.ts); otherwise generated from the sets. */
  body?: string;
}

/** The type name of job objects: the document of `info` (Get-BitsJob2), as module/api/outputs.ts declares it. */
export const JOB_TYPE_NAME = OUTPUTS.info.typeName;

/** The -InputObject parameter of the by-value set of a job cmdlet. */
export function inputObjectParam(): PsParam {
  return {
    name: 'InputObject',
    type: 'psobject',
    mandatory: true,
    valueFromPipeline: true,
    help: `The job, usually piped by value: a job object (type name ${JOB_TYPE_NAME}, as returned by Get-BitsJob2, New-BitsJob2 and Wait-BitsJob2), a job id as a string or [guid], or any object with a JobId, Id or Guid property (a Get-BitsTransfer job). Anything else is an error (BitsJob2InputObjectHasNoJobId) for that object.`,
    emit: { kind: 'none' },
  };
}

/** Set names: a cmdlet of one operation gets 'JobId' + 'InputObject'; of several, '<op>' + '<op>InputObject'. */
export function byValueSetNames(opName: string, single: boolean): { jobIdSet: string; inputObjectSet: string } {
  return single ? { jobIdSet: 'JobId', inputObjectSet: 'InputObject' } : { jobIdSet: opName, inputObjectSet: `${opName}InputObject` };
}

/**
 * Splits a set whose job id binds by value (ParamSpec.pipelineByValue) in two: the JobId set for
 * -JobId given by name or position, and an -InputObject set with every other parameter of the
 * operation, which takes whatever is piped in. Not ValueFromPipeline on the [string] JobId: the
 * binder tries by-value-with-coercion before by-property-name-with-coercion, so an object whose JobId
 * is a [guid] (Get-BitsTransfer's) would bind as its ToString() "@{JobId=...}" (checked in the engine);
 * the [psobject] -InputObject binds any object as it is and the prelude reads its id.
 */
export function withInputObjectSet(set: PsParameterSet, single: boolean): PsParameterSet[] {
  const jobId = set.params.find((p) => p.api?.type === 'jobId');
  if (!jobId?.api?.pipelineByValue) return [set];
  const { jobIdSet, inputObjectSet } = byValueSetNames(set.op.name, single);
  return [
    { ...set, name: jobIdSet },
    { ...set, name: inputObjectSet, params: [inputObjectParam(), ...set.params.filter((p) => p !== jobId)], byValueOf: jobIdSet },
  ];
}

/**
 * The PowerShell lines, at the top of `process`, that take the job id from -InputObject in its sets
 * (Get-BitsJob2InputId of the private helper: a string or [guid], else a JobId, Id or Guid property;
 * anything else writes an error for that object and the cmdlet goes on with the next). `-not $JobId`:
 * the [string] parameter variable turns the helper's $null into ''.
 */
export function inputObjectPrelude(sets: PsParameterSet[]): string[] {
  const byValue = sets.filter((s) => s.byValueOf);
  if (!byValue.length) return [];
  return [
    ...byValue.map((s) => `if ($PSCmdlet.ParameterSetName -eq '${s.name}') { $JobId = Get-BitsJob2InputId $InputObject $PSCmdlet; if (-not $JobId) { return } }`),
    // -Verbose tells how the pipeline bound (by value: the InputObject set; by property name: JobId).
    `$PSCmdlet.WriteVerbose('Parameter set ' + $PSCmdlet.ParameterSetName)`,
  ];
}

/** `initialValueOnly`: the operation is a setter (OperationSpec.defaultsAreInitialValues), so a default is
 *  the value a new job has — said in the help, not declared as the parameter's default value. */
export function psParamOf(p: ParamSpec, position: number | undefined, initialValueOnly = false): PsParam {
  const emit: CliEmit =
    'positional' in p.cli
      ? { kind: 'positional' }
      : p.type === 'bool'
        ? { kind: 'switch', flag: p.cli.flag }
        : p.type === 'secret'
          ? { kind: 'secret', flag: p.cli.flag }
          : { kind: 'flag', flag: p.cli.flag };
  const base: PsParam = { name: p.ps, type: 'string', mandatory: p.required, help: p.help, emit, api: p };
  if (position !== undefined) base.position = position;
  if (p.default !== undefined && p.default !== null) {
    const shown = p.default === '' ? '""' : p.type === 'flags' && typeof p.default === 'number' ? `0x${p.default.toString(16)}` : String(p.default);
    if (initialValueOnly) base.help = `${p.help} A new job has ${shown}; left out, the job's value is unchanged.`;
    else base.defaultValue = shown;
  }
  const t = p.type;
  if (typeof t === 'object') {
    base.validateSet = Object.keys(ENUMS[t.enum]!);
  } else if (t === 'jobId') {
    base.pipelineByPropertyName = p.pipelineByPropertyName ?? true;
    base.aliases = ['Id', 'Guid'];
  } else if (t === 'int' || t === 'flags') {
    const min = p.min ?? 0;
    base.type = min >= 0 ? 'uint32' : 'int';
    if (p.max !== undefined) base.validateRange = [min, p.max];
    else if (min > 0) base.validateRange = [min, 2147483647];
  } else if (t === 'bytes') {
    base.type = 'uint64';
  } else if (t === 'bool') {
    base.type = 'switch';
  } else if (t === 'path') {
    base.pathLike = true;
  } else if (t === 'secret') {
    base.type = 'System.Management.Automation.PSCredential';
    base.help = `${p.help} PowerShell: a PSCredential; its password is sent to the CLI on standard input, never as an argument; its user name is used when -UserName is not given.`;
  }
  return base;
}

