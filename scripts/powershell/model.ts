// The PowerShell view of module/api: OPERATIONS with a `cmdlet` → commands with parameter sets,
// typed parameters, help and the CLI argv each parameter becomes. Wait-BitsJob2 is described here by
// hand (a composition over `info --clixml`), Start-BitsJob2Transfer in start-transfer.ts (over the
// module's own cmdlets); everything else comes from the description.
import { WAIT_RULE } from '../../module/api/wait-rule.js';
import { startTransferCommand } from './start-transfer.js';
import { AuthScheme, AuthTarget, JobPriority, JobState, JobType, ProxyUsage, ServerNotificationType } from '../../module/api/enums.js';
import { OPERATIONS, alsoAppliedParams, type OperationSpec, type ParamSpec } from '../../module/api/operations.js';

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
  /** Type name added to output objects; undefined: the set emits only with -PassThru. */
  typeName: string;
  emitsByDefault: boolean;
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
  /** Hand-written body (Wait-BitsJob2); otherwise generated from the sets. */
  body?: string;
}

/** Operations whose CLI output is a job snapshot (or a list of them). */
const JOB_OUTPUT_OPS = new Set(['createJob', 'getJob', 'listJobs']);
/** Long-running operations: the cmdlet starts the CLI command and waits for it (or not, -NoWait). */
export const SERVER_OPS = new Set(['startBitsServer']);

/** The type name of job objects; -InputObject binds only objects carrying it. */
export const JOB_TYPE_NAME = 'BitsJob2.Job';

/** The -InputObject parameter of the by-value set of a job cmdlet. */
export function inputObjectParam(): PsParam {
  return {
    name: 'InputObject',
    type: 'psobject',
    mandatory: true,
    valueFromPipeline: true,
    psTypeName: JOB_TYPE_NAME,
    help: `A job object (type name ${JOB_TYPE_NAME}, as returned by Get-BitsJob2, New-BitsJob2 and Wait-BitsJob2), usually piped by value; the cmdlet uses its JobId. Other objects (a Get-BitsTransfer job, anything with a JobId, Id or Guid property) bind to -JobId by property name instead.`,
    emit: { kind: 'none' },
  };
}

/** Set names: a cmdlet of one operation gets 'JobId' + 'InputObject'; of several, '<op>' + '<op>InputObject'. */
export function byValueSetNames(opName: string, single: boolean): { jobIdSet: string; inputObjectSet: string } {
  return single ? { jobIdSet: 'JobId', inputObjectSet: 'InputObject' } : { jobIdSet: opName, inputObjectSet: `${opName}InputObject` };
}

/**
 * Splits a set whose job id binds by value (ParamSpec.pipelineByValue) in two: the JobId set as
 * before and an -InputObject set with every other parameter of the operation. Sets without such a
 * job id come back unchanged. Two sets rather than ValueFromPipeline on the [string] JobId: the
 * binder tries by-value-with-coercion before by-property-name-with-coercion, so an object whose JobId
 * is a [guid] (Get-BitsTransfer's) would bind as its ToString() "@{JobId=...}" (checked in the engine).
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

/** The PowerShell lines, at the top of `process`, that take the job id from -InputObject in its sets. */
export function inputObjectPrelude(sets: PsParameterSet[]): string[] {
  const byValue = sets.filter((s) => s.byValueOf);
  if (!byValue.length) return [];
  return [
    ...byValue.map((s) => `if ($PSCmdlet.ParameterSetName -eq '${s.name}') { $JobId = [string]$InputObject.JobId }`),
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

function extrasFor(ops: OperationSpec[], verb: string): PsParam[] {
  const extras: PsParam[] = [];
  if (ops.some((o) => o.name === 'getReplyData')) {
    extras.push(
      { name: 'OutFile', type: 'string', mandatory: false, pathLike: true, help: 'Write the reply bytes to this file (CLI --out) instead of returning them.', emit: { kind: 'flag', flag: 'out' } },
      { name: 'AsString', type: 'switch', mandatory: false, help: 'Return the reply as a string decoded with -Encoding instead of a byte[].', emit: { kind: 'none' } },
      { name: 'Encoding', type: 'string', mandatory: false, defaultValue: 'utf-8', psDefault: "'utf-8'", help: 'Encoding name for -AsString (a .NET encoding name such as utf-8, utf-16, us-ascii, windows-1252). Default: utf-8.', emit: { kind: 'none' } },
    );
  }
  if (ops.some((o) => SERVER_OPS.has(o.name))) {
    extras.push({ name: 'NoWait', type: 'switch', mandatory: false, help: 'Return the server object as soon as the server listens and leave it running in the background (its output is discarded); stop it with Stop-Process -Id <server>.ProcessId. Without -NoWait the cmdlet runs until the server stops or Ctrl+C, which stops the server.', emit: { kind: 'none' } });
    return extras;
  }
  if (verb !== 'Get' && verb !== 'New') {
    extras.push({
      name: 'PassThru',
      type: 'switch',
      mandatory: false,
      help: ops.every(passThruReturnsResult)
        ? 'Return the result (job id and HRESULT, which tells what happened) instead of nothing.'
        : 'Return the job (a BitsJob2.Job, as Get-BitsJob2 shows it after the change) instead of nothing.',
      emit: { kind: 'none' },
    });
  }
  return extras;
}

/** -PassThru returns the CLI result when the operation's success code carries meaning (S_FALSE,
 *  BG_S_PARTIAL_COMPLETE: Complete, Cancel, RemoveCredentials), else the job after the change. */
export function passThruReturnsResult(op: OperationSpec): boolean {
  return op.codes.some((c) => c === 'S_FALSE' || c.startsWith('BG_S_'));
}

function typeNameOf(op: OperationSpec, noun: string, verb: string): string {
  if (JOB_OUTPUT_OPS.has(op.name)) return 'BitsJob2.Job';
  if (SERVER_OPS.has(op.name)) return 'BitsJob2.Server';
  if (verb === 'Get') return `BitsJob2.${noun.replace(/^BitsJob2/, '') || 'Job'}`;
  return 'BitsJob2.Result';
}

function quotePs(v: string): string {
  if (/^\$\w+$/.test(v) || /^[A-Za-z0-9_.]+$/.test(v)) return v;
  return `'${v.replace(/'/g, "''")}'`;
}

/** Splits a shell-like command line (single and double quotes). */
function shellSplit(text: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text))) out.push(m[1] ?? m[2] ?? m[3]!);
  return out;
}

/** A PowerShell example made from a CLI example of the same operation. */
export function psExampleFromCli(cmd: string, op: OperationSpec, cli: string, extras: PsParam[]): string | undefined {
  const at = cli.indexOf('bits-job2 ');
  if (at < 0) return undefined;
  const tokens = shellSplit(cli.slice(at + 'bits-job2 '.length));
  if (tokens.shift() !== op.cli) return undefined;
  const positionals = op.params.filter((p) => 'positional' in p.cli);
  const parts = [cmd];
  for (let i = 0; i < tokens.length; i++) {
    const tok = tokens[i]!;
    if (tok.startsWith('--')) {
      const [flag, inline] = tok.slice(2).split('=', 2) as [string, string | undefined];
      if (flag === 'json' || flag === 'clixml') continue;
      const p = op.params.find((x) => 'flag' in x.cli && x.cli.flag === flag);
      const extra = extras.find((x) => x.emit.kind === 'flag' && x.emit.flag === flag);
      if (p?.type === 'bool') parts.push(`-${p.ps}`);
      else if (p?.type === 'secret') parts.push(`-${p.ps} $credential`);
      else if (p || extra) parts.push(`-${(p?.ps ?? extra!.name)} ${quotePs(inline ?? tokens[++i] ?? '')}`);
      else return undefined;
    } else {
      const p = positionals.shift();
      if (!p) return undefined;
      parts.push(`-${p.ps} ${p.type === 'jobId' ? '$id' : quotePs(tok)}`);
    }
  }
  return parts.join(' ');
}

const WAIT_STATES = ['TRANSFERRED', 'ERROR', 'ACKNOWLEDGED', 'CANCELLED'];

/** Wait-BitsJob2: polls `info --clixml` until the job reaches one of -State, with progress. */
function waitCommand(): PsCommand {
  const getJob = OPERATIONS.find((o) => o.name === 'getJob')!;
  const jobId = psParamOf(getJob.params[0]!, 0);
  const extras: PsParam[] = [
    { name: 'State', type: 'string[]', mandatory: false, validateSet: Object.keys(JobState), defaultValue: WAIT_STATES.join(', '), help: `Return when the job is in one of these states. Default: ${WAIT_STATES.join(', ')}.`, emit: { kind: 'none' } },
    { name: 'Timeout', type: 'uint32', mandatory: false, defaultValue: '0', psDefault: '0', help: 'Give up after this many seconds with a BitsJob2WaitTimeout error (OperationTimeout); 0 waits forever. Default: 0.', emit: { kind: 'none' } },
    { name: 'PollInterval', type: 'uint32', mandatory: false, validateRange: [50, 60000], defaultValue: '500', psDefault: '500', help: 'Milliseconds between two polls of `bits-job2 info`. Default: 500.', emit: { kind: 'none' } },
  ];
  const states = WAIT_STATES.map((s) => `'${s}'`).join(', ');
  const sets = withInputObjectSet({ name: '__AllParameterSets', op: getJob, params: [jobId], typeName: JOB_TYPE_NAME, emitsByDefault: true }, true);
  const body = `    process {
${inputObjectPrelude(sets).map((l) => `        ${l}`).join('\n')}
        $wanted = $State
        if (-not $PSBoundParameters.ContainsKey('State')) { $wanted = @(${states}) }
        $started = [System.Diagnostics.Stopwatch]::StartNew()
        $activityId = [System.Math]::Abs($JobId.GetHashCode() % 1000000)
        $activity = 'Waiting for BITS job ' + $JobId
        try {
            while ($true) {
                $job = Invoke-BitsJob2Cli -Arguments @('info', [string]$JobId) -Cmdlet $PSCmdlet -TypeName 'BitsJob2.Job' -TargetObject $JobId
                if ($null -eq $job) { return }
                if ($wanted -contains [string]$job.state) {
                    $PSCmdlet.WriteObject($job)
                    return
                }
                # The rule of module/api/wait-rule.ts, as Node's waitFor and \`bits-job2 wait\` apply it.
                if ([string]$job.state -eq '${WAIT_RULE.errorState}') {
                    $PSCmdlet.WriteError((New-BitsJob2ErrorRecord $job.error $JobId))
                    return
                }
                if (@(${WAIT_RULE.finalStates.map((s) => `'${s}'`).join(', ')}) -contains [string]$job.state) {
                    $left = [pscustomobject]@{ hresult = ${0x80200002}; hresultHex = '0x80200002'; name = 'BG_E_INVALID_STATE'; message = 'The job ' + $JobId + ' reached ' + $job.state + ' while waiting for ' + ($wanted -join ' or ') + '.' }
                    $PSCmdlet.WriteError((New-BitsJob2ErrorRecord $left $JobId))
                    return
                }
                $status = [string]$job.state
                $record = [System.Management.Automation.ProgressRecord]::new($activityId, $activity, $status)
                $total = $job.progress.bytesTotal
                if ($null -ne $total -and $total -gt 0) {
                    $record.PercentComplete = [int][System.Math]::Min(100, [System.Math]::Floor(100 * $job.progress.bytesTransferred / $total))
                    $record.StatusDescription = $status + ': ' + $job.progress.bytesTransferred + ' of ' + $total + ' bytes'
                }
                $PSCmdlet.WriteProgress($record)
                if ($Timeout -gt 0 -and $started.Elapsed.TotalSeconds -ge $Timeout) {
                    $exception = [System.TimeoutException]::new('Job ' + $JobId + ' is still ' + $status + ' after ' + $Timeout + ' seconds.')
                    $PSCmdlet.WriteError([System.Management.Automation.ErrorRecord]::new($exception, 'BitsJob2WaitTimeout', [System.Management.Automation.ErrorCategory]::OperationTimeout, $JobId))
                    return
                }
                [System.Threading.Thread]::Sleep([int]$PollInterval)
            }
        } finally {
            $done = [System.Management.Automation.ProgressRecord]::new($activityId, $activity, 'Done')
            $done.RecordType = [System.Management.Automation.ProgressRecordType]::Completed
            $PSCmdlet.WriteProgress($done)
        }
    }
`;
  return {
    name: 'Wait-BitsJob2',
    verb: 'Wait',
    noun: 'BitsJob2',
    shouldProcess: false,
    synopsis: 'Waits until a job reaches a final state (TRANSFERRED, ERROR, ACKNOWLEDGED or CANCELLED by default) and returns it.',
    description: `Polls \`bits-job2 info <job> --clixml\` every -PollInterval milliseconds, reports progress with Write-Progress semantics ($PSCmdlet.WriteProgress), and returns the job object once its state is one of -State. If the job goes to ${WAIT_RULE.errorState} and ${WAIT_RULE.errorState} is not one of -State, the wait ends at once with the job's error as an ErrorRecord (e.g. BG_E_HTTP_ERROR_404), as Node's waitFor() and \`bits-job2 wait\` do; a job that reached ${WAIT_RULE.finalStates.join(' or ')} meanwhile ends it with BG_E_INVALID_STATE. TRANSIENT_ERROR is not final: BITS retries after the retry delay.`,
    sets,
    extras,
    examples: [
      { code: "$job = New-BitsJob2 -DisplayName 'inventory' -TransferType UPLOAD_REPLY\nAdd-BitsJob2File -JobId $job.JobId -RemoteName https://server/upload -LocalName C:\\inventory.xml\nResume-BitsJob2 -JobId $job.JobId\nWait-BitsJob2 -JobId $job.JobId -Timeout 600", text: 'Upload a file and wait up to ten minutes for the reply.' },
      { code: 'Get-BitsJob2 | Wait-BitsJob2 -State TRANSFERRED, ERROR', text: 'Wait for every job in turn (the job objects bind to -InputObject by value).' },
      { code: "try { Wait-BitsJob2 -JobId $job.JobId -State TRANSFERRED -ErrorAction Stop | Out-Null; Complete-BitsJob2 -JobId $job.JobId }\ncatch { \"failed: $($_.FullyQualifiedErrorId)\" }", text: 'Wait for TRANSFERRED only: a 404 or 401 ends the wait at once with the job\'s error (e.g. BG_E_HTTP_ERROR_404,Wait-BitsJob2).' },
    ],
    notes: 'Composition over: bits-job2 info <job> --clixml (BITS: IBackgroundCopyManager::GetJob).',
    body,
  };
}

/** Every cmdlet of the module: one per distinct `cmdlet` of OPERATIONS (operations sharing one become parameter sets), plus Wait-BitsJob2. */
export function psCommands(): PsCommand[] {
  const byName = new Map<string, OperationSpec[]>();
  for (const op of OPERATIONS) {
    if (!op.cmdlet) continue;
    const name = `${op.cmdlet.verb}-${op.cmdlet.noun}`;
    byName.set(name, [...(byName.get(name) ?? []), op]);
  }
  const commands: PsCommand[] = [];
  for (const [name, ops] of byName) {
    const { verb, noun } = ops[0]!.cmdlet!;
    const extras = extrasFor(ops, verb);
    const sets: PsParameterSet[] = ops.flatMap((op) => {
      let pos = 0;
      return withInputObjectSet({
        name: ops.length > 1 ? op.name : '__AllParameterSets',
        op,
        params: [
          ...op.params.map((p) => psParamOf(p, 'positional' in p.cli ? pos++ : undefined, op.defaultsAreInitialValues === true)),
          ...alsoAppliedParams(op).map(({ param }) => psParamOf(param, undefined)),
        ],
        typeName: typeNameOf(op, noun, verb),
        emitsByDefault: verb === 'Get' || verb === 'New' || SERVER_OPS.has(op.name),
      }, ops.length === 1);
    });
    const examples: { code: string; text: string }[] = [];
    for (const op of ops) {
      const ps = op.examples.filter((e) => e.ps);
      if (ps.length) for (const e of ps) examples.push({ code: e.ps!, text: e.text });
      else {
        for (const e of op.examples) {
          if (!e.cli || /--json\b/.test(e.cli)) continue;
          const code = psExampleFromCli(name, op, e.cli, extras);
          if (code) examples.push({ code, text: `${e.text} (CLI: ${e.cli})` });
        }
      }
    }
    const notes = ops
      .map((op) => `Runs: bits-job2 ${op.cli} ... --clixml. BITS: ${op.bits.interface}::${op.bits.method}. Returns: ${op.returns}. Codes: ${op.codes.join(', ')}.`)
      .join('\n');
    commands.push({
      name,
      verb,
      noun,
      shouldProcess: ops.some((o) => o.cmdlet!.shouldProcess === true),
      synopsis: ops.map((o) => o.cmdlet?.synopsis ?? o.synopsis).join(' / '),
      description: ops.map((o) => o.description).join('\n\n'),
      sets,
      extras,
      examples,
      notes,
    });
  }
  commands.push(waitCommand(), startTransferCommand(JOB_TYPE_NAME));
  return commands.sort((a, b) => a.name.localeCompare(b.name));
}
