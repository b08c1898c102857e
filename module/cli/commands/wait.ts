// `wait <job> [--state S...] [--timeout s]`: waits until the job is in one of the states (default
// TRANSFERRED) with the progress of `transfer`, by the rule every front end shares
// (module/api/wait-rule.ts): a job in ERROR that was not waited for ends the wait at once with its
// error (exit 5); one that left the queue ends it with BG_E_INVALID_STATE (exit 4). Ctrl-C stops
// waiting (exit 130); the job goes on.
import type { Argv, CommandModule } from 'yargs';
import { BitsError } from '../../api/bits-error.js';
import { JobState, type JobStateName } from '../../api/enums.js';
import { errorOfJob } from '../../core/bits-job.js';
import { applyParam, cliKey, paramOf, stringsFlag, type Args } from '../from-api.js';
import { printOutput, println, run, type CliContext } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { jobJson } from '../output.js';
import { waitWithProgress } from '../wait-loop.js';

const jobId = paramOf('getJob', 'jobId');
/** ERROR_TIMEOUT: "This operation returned because the timeout period expired." */
const ERROR_TIMEOUT = 0x800705b4;
const BG_E_INVALID_STATE = 0x80200002;

async function waitCommand(ctx: CliContext, argv: Args): Promise<number> {
  const given = stringsFlag(argv, 'state').map((s) => s.toUpperCase()).filter((s): s is JobStateName => s in JobState);
  const wanted: JobStateName[] = given.length ? given : ['TRANSFERRED'];
  const timeoutSeconds = Number(argv.timeout);
  const id = await ctx.resolveJob(String(argv[cliKey(jobId)]));
  ctx.jobId = id;
  const job = (await ctx.manager()).job(id);

  const end = await waitWithProgress(ctx, job, wanted, { intervalMs: Number(argv.interval), timeoutSeconds });
  if (end.kind === 'interrupted') {
    process.stderr.write(`stopped waiting for ${id}; the job goes on (${end.last?.state ?? 'state unknown'}).\n`);
    return EXIT.INTERRUPTED;
  }
  if (end.kind === 'timeout') {
    throw new BitsError(ERROR_TIMEOUT, `The job ${id} is still ${end.last?.state ?? 'unknown'} after ${timeoutSeconds} s (waited for ${wanted.join(' or ')}).`, 0, { jobId: id, state: end.last?.state });
  }
  if (end.verdict === 'job-error') {
    throw new CliFailure(errorOfJob(end.info), `the job ${id} is in ERROR: fix the cause and \`bits-job2 resume ${id}\`, or \`bits-job2 cancel ${id}\``, EXIT.JOB_ERROR);
  }
  if (end.verdict === 'left-queue') {
    throw new BitsError(BG_E_INVALID_STATE, `The job ${id} reached ${end.info.state} while waiting for ${wanted.join(' or ')}.`, 0, { jobId: id, state: end.info.state });
  }
  if (ctx.json) printOutput('wait', jobJson(end.info));
  else println(`${end.info.state} ${id}`);
  return EXIT.OK;
}

const command: CommandModule = {
  command: 'wait <job>',
  describe: 'Waits until a job reaches a state (TRANSFERRED by default), with progress; ends at once if the job goes to ERROR.',
  builder: (y: Argv) =>
    applyParam(
      y.usage(
        '$0 wait <job> [--state STATE...] [--timeout SECONDS]\n\n' +
          'Waits until the job is in one of --state (default TRANSFERRED) and prints it (--json: the job document). Progress goes to stderr ' +
          'with speed and ETA, as in `transfer`. If the job goes to ERROR and ERROR is not one of --state, the wait ends at once with the ' +
          "job's error (exit 5), as Node's job.waitFor() and Wait-BitsJob2 do; a job that was completed or cancelled meanwhile ends it with " +
          'BG_E_INVALID_STATE (exit 4). --timeout gives up with ERROR_TIMEOUT (exit 1); Ctrl-C stops waiting (exit 130). Neither touches the job.',
      ),
      jobId,
    )
      .option('state', { type: 'string', array: true, choices: Object.keys(JobState), describe: 'States that end the wait (several allowed). Default: TRANSFERRED.' })
      .option('timeout', { type: 'number', default: 0, describe: 'Give up after this many seconds (0: wait as long as it takes).' })
      .option('interval', { type: 'number', default: 250, describe: 'Poll interval in ms.' })
      .example('bits-job2 resume $id && bits-job2 wait $id && bits-job2 complete $id', 'Finish a job in a script: exit 5 with the error if it fails.')
      .example('bits-job2 wait $id --state TRANSFERRED ERROR --timeout 600 --json', 'Either outcome as a document, at most ten minutes.')
      .check((a) => {
        const t = Number(a.timeout);
        if (!Number.isFinite(t) || t < 0) throw new UsageError('--timeout must be a number of seconds ≥ 0');
        const n = Number(a.interval);
        if (!Number.isFinite(n) || n < 20) throw new UsageError('--interval must be a number of milliseconds ≥ 20');
        return true;
      }),
  handler: (argv) => run(argv as unknown as Args, (ctx) => waitCommand(ctx, argv as unknown as Args)),
};
export default command;
