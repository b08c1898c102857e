// The PowerShell view of module/api: OPERATIONS with a `cmdlet` → commands with parameter sets,
// typed parameters, help and the CLI argv each parameter becomes; what a cmdlet returns comes from
// the CLI command's declared output (module/api/outputs.ts: type name, bytes, a server). The cmdlets
// composed of others have their own sources (wait-job.ts, start-transfer.ts); nothing here names an
// operation.
import { OPERATIONS, alsoAppliedParams, type OperationSpec, type ParamSpec } from '../../module/api/operations.js';
import { outputOf, type OutputSpec } from '../../module/api/outputs.js';
import { JOB_TYPE_NAME, psParamOf, withInputObjectSet, type PsCommand, type PsParam, type PsParameterSet } from './ps-params.js';
import { startTransferCommand } from './start-transfer.js';
import { waitCommand } from './wait-job.js';

export { ENUMS, JOB_TYPE_NAME, byValueSetNames, inputObjectParam, inputObjectPrelude, psParamOf, withInputObjectSet } from './ps-params.js';
export type { CliEmit, PsCommand, PsParam, PsParameterSet } from './ps-params.js';

/** The declared document of the CLI command behind `op` (every cmdlet's command has one). */
export function outputOfOp(op: OperationSpec): OutputSpec {
  const out = op.cli ? outputOf(op.cli) : undefined;
  if (!out) throw new Error(`module/api/outputs.ts declares no output for ${op.cli ?? op.name}, the command of a cmdlet`);
  return out;
}

function extrasFor(ops: OperationSpec[], verb: string): PsParam[] {
  const extras: PsParam[] = [];
  const outputs = ops.map((o) => outputOfOp(o).cmdlet);
  const bytes = outputs.find((o) => o?.kind === 'bytes');
  if (bytes?.kind === 'bytes') {
    extras.push(
      { name: 'OutFile', type: 'string', mandatory: false, pathLike: true, help: `Write the reply bytes to this file (CLI --${bytes.outFlag}) instead of returning them.`, emit: { kind: 'flag', flag: bytes.outFlag } },
      { name: 'AsString', type: 'switch', mandatory: false, help: 'Return the reply as a string decoded with -Encoding instead of a byte[].', emit: { kind: 'none' } },
      { name: 'Encoding', type: 'string', mandatory: false, defaultValue: 'utf-8', psDefault: "'utf-8'", help: 'Encoding name for -AsString (a .NET encoding name such as utf-8, utf-16, us-ascii, windows-1252). Default: utf-8.', emit: { kind: 'none' } },
    );
  }
  if (outputs.some((o) => o?.kind === 'server')) {
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
        : `Return the job (a ${JOB_TYPE_NAME}, as Get-BitsJob2 shows it after the change) instead of nothing.`,
      emit: { kind: 'none' },
    });
  }
  return extras;
}

/** The parameters `op`'s cmdlet collects (OperationSpec.cmdlet.collects): the trailing positionals, in order. */
function collectedParams(op: OperationSpec): ParamSpec[] {
  const names = op.cmdlet?.collects ?? [];
  const positionals = op.params.filter((p) => 'positional' in p.cli);
  const tail = positionals.slice(positionals.length - names.length);
  if (names.some((n, i) => tail[i]?.name !== n)) throw new Error(`module/api: ${op.name}.cmdlet.collects must name its trailing positional parameters in order`);
  return tail;
}

/** A collected parameter takes an array, and pipeline objects by property name. */
function collecting(p: PsParam, collected: ParamSpec[]): PsParam {
  return p.api && collected.includes(p.api) ? { ...p, type: 'string[]', pipelineByPropertyName: true } : p;
}

/** -PassThru returns the CLI result when the operation's success code carries meaning (S_FALSE,
 *  BG_S_PARTIAL_COMPLETE: Complete, Cancel, RemoveCredentials), else the job after the change. */
export function passThruReturnsResult(op: OperationSpec): boolean {
  return op.codes.some((c) => c === 'S_FALSE' || c.startsWith('BG_S_'));
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
      const collected = collectedParams(op);
      return withInputObjectSet({
        name: ops.length > 1 ? op.name : '__AllParameterSets',
        op,
        params: [
          ...op.params.map((p) => collecting(psParamOf(p, 'positional' in p.cli ? pos++ : undefined, op.defaultsAreInitialValues === true), collected)),
          ...alsoAppliedParams(op).map(({ param }) => psParamOf(param, undefined)),
        ],
        ...(collected.length ? { collects: collected.map((p) => p.ps) } : {}),
        typeName: outputOfOp(op).typeName,
        cmdletOutput: outputOfOp(op).cmdlet,
        emitsByDefault: verb === 'Get' || verb === 'New' || outputOfOp(op).cmdlet?.kind === 'server',
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
