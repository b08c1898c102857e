// The shape shared by resume/suspend/complete/cancel/take-ownership: resolve the jobs, call one
// method on each, print what happened (and the success HRESULT when it is not S_OK). One id works as
// it always did; several ids, --all (every job of yours in the queue: `cancel --all` is bitsadmin's
// /reset) or --name PATTERN act on each in turn and go on past a failure: each job gets its line
// (--json: an array of {jobId, name, ...} or {jobId, error}), and the exit code is the first failure's.
import type { Argv } from 'yargs';
import { BitsError } from '../api/bits-error.js';
import type { HResultWire } from '../api/types.js';
import type { BitsJob } from '../core/bits-job.js';
import { opCommand, readParams, usageOf, type Args } from './from-api.js';
import { operation, type OperationOf } from '../api/operations.js';
import type { OutputOf } from '../api/outputs.js';
import { printOutput, println, run, type CliContext } from './context.js';
import { CliFailure, reportError, UsageError } from './errors.js';
import { exitCodeForError, EXIT } from './exit-codes.js';
import { namePattern } from './name-pattern.js';
import { hresultJson, successNote } from './output.js';

type Call = (job: BitsJob, argv: Args) => Promise<HResultWire | void>;
/** The CLI commands of the job actions, whose documents module/api/outputs.ts declares. */
type JobActionCommand = OperationOf<JobActionOp>['cli'];
/** One job of a batch in the --json array. */
type BatchItem = Extract<OutputOf<JobActionCommand>, readonly unknown[]>[number];

const BG_E_NOT_FOUND = 0x80200001;

async function targets(ctx: CliContext, argv: Args, first: unknown): Promise<{ ids: string[]; single: boolean }> {
  const given = [first, ...((argv.more as unknown[] | undefined) ?? [])].filter((v) => v !== undefined).map(String);
  const pattern = typeof argv.name === 'string' ? argv.name : undefined;
  if (argv.all !== true && pattern === undefined) {
    if (given.length === 0) throw new UsageError('give a job id (or several), --all or --name PATTERN');
    const ids: string[] = [];
    for (const g of given) ids.push(await ctx.resolveJob(g));
    return { ids, single: given.length === 1 };
  }
  if (given.length) throw new UsageError('give job ids, or --all / --name, not both');
  const jobs = await (await ctx.manager()).listJobs();
  const matches = pattern === undefined ? () => true : namePattern(pattern);
  const ids = jobs.filter((j) => matches(j.info.displayName)).map((j) => j.job.id);
  if (pattern !== undefined && ids.length === 0) throw new BitsError(BG_E_NOT_FOUND, `No job of yours in the queue has a name matching '${pattern}'.`);
  return { ids, single: false };
}

async function act(ctx: CliContext, command: JobActionCommand, argv: Args, first: unknown, pastTense: string, call: Call): Promise<number> {
  const { ids, single } = await targets(ctx, argv, first);
  const manager = await ctx.manager();
  if (single) {
    ctx.jobId = ids[0];
    const result = (await call(manager.job(ids[0]!), argv)) ?? { hresult: 0, name: 'S_OK' };
    if (ctx.json) printOutput(command, { jobId: ids[0]!, ...hresultJson(result) });
    else println(`${pastTense} ${ids[0]}${successNote(result)}`);
    return EXIT.OK;
  }
  let exitCode: number = EXIT.OK;
  const results: BatchItem[] = [];
  for (const id of ids) {
    try {
      const result = (await call(manager.job(id), argv)) ?? { hresult: 0, name: 'S_OK' };
      results.push({ jobId: id, ...hresultJson(result) });
      if (!ctx.json) println(`${pastTense} ${id}${successNote(result)}`);
    } catch (e) {
      // A CliFailure (complete's refusal to discard files) carries its own exit code and hint.
      const inner = e instanceof CliFailure ? e.error : e;
      const code = ctx.json ? ((e instanceof CliFailure ? e.exitCode : undefined) ?? exitCodeForError(inner)) : reportError(e, false, { jobId: id });
      if (exitCode === EXIT.OK) exitCode = code;
      const hint = e instanceof CliFailure && e.hint ? { hint: e.hint } : {};
      results.push({ jobId: id, error: { ...BitsError.from(inner).toJSON(), exitCode: code, ...hint } });
    }
  }
  if (ctx.json) printOutput(command, results);
  else if (ids.length === 0) println('no jobs in the queue');
  return exitCode;
}

/** The operations that act on jobs one by one: `<command> [job] [more..] [--all | --name PATTERN]`. */
export type JobActionOp = 'resume' | 'suspend' | 'complete' | 'cancel' | 'takeOwnership';

export function jobAction(opName: JobActionOp, pastTense: string, call: Call) {
  const command = opCommand(opName, {
    extraPositionals: '[more..]',
    usage: usageOf(operation(opName), '[more..] [--all | --name PATTERN]').replace('<job>', '[job]'),
    builder: (y: Argv) =>
      y
        .positional('more', { type: 'string', array: true, describe: 'More jobs: each is acted on in turn.' })
        .option('all', { type: 'boolean', default: false, describe: 'Every job of yours in the queue.' })
        .option('name', { type: 'string', requiresArg: true, describe: 'Every job of yours whose display name matches (* and ? wildcards, case-insensitive).' })
        .example(`bits-job2 ${operation(opName).cli} --name 'nightly*'`, 'Every job whose name starts with nightly.'),
    handler: (argv, op) => run(argv, (ctx) => act(ctx, op.cli, argv, readParams(op, argv).jobId, pastTense, call)),
  });
  // The job is optional here: --all and --name stand in for it.
  return { ...command, command: String(command.command).replace('<job>', '[job]') };
}
