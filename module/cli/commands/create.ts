// `create <name> [--type] [--description] [--priority] [--retry-delay] [--no-progress-timeout]
// [--scheme --user --password-stdin]`: CreateJob, then the setters of the flags given (the
// description's alsoApplies), so a script needs one call where BITS needs several. If a setter fails,
// the new job is cancelled: the command either leaves a fully set job or none. Prints the new job's id
// (the snapshot with --json).
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import type { BitsJob } from '../../core/bits-job.js';
import { cliSpelling, opCommand, readAlsoApplied, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { setOne, type Settable } from '../job-setters.js';
import { jobJson } from '../output.js';
import { readPassword } from '../secrets.js';

type Applier = (job: BitsJob, args: Record<string, unknown>) => Promise<void>;

/** How each also-applied operation reaches the job. */
const APPLY: Record<string, Applier> = {
  // The given properties in the description's order, through the setters `set` uses.
  setProperties: async (job, a) => {
    for (const [name, v] of Object.entries(a)) await setOne(job, name as Settable, v as never);
  },
  setCredentials: async (job, a) => {
    const password = await readPassword(a.password === true);
    await job.setCredentials({ target: a.target as number, scheme: a.scheme as number, userName: (a.userName as string | undefined) ?? null, password });
  },
};

export default opCommand('createJob', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv, true);
      const then = readAlsoApplied(op, argv);
      // Checked before CreateJob, so a usage error leaves no job behind.
      if (then.some(({ via, args }) => via.name === 'setCredentials' && args.scheme === undefined)) {
        throw new UsageError('--user and --password-stdin need --scheme', 'add --scheme BASIC (or DIGEST, NTLM, NEGOTIATE): the credentials are the job\'s server credentials');
      }
      const m = await ctx.manager();
      const job = await m.createJob(a.displayName, { type: a.type });
      for (const { via, given, args } of then) {
        try {
          await APPLY[via.name]!(job, args);
        } catch (e) {
          await job.cancel().catch(() => undefined);
          const err = BitsError.from(e);
          const flags = via.params.filter((p) => given.includes(p.name)).map(cliSpelling).join(', ');
          throw new CliFailure(new BitsError(err.hresult || HR.E_FAIL, `${flags} failed after CreateJob, so the new job ${job.id} was cancelled: ${err.message}`, err.context, err.data));
        }
      }
      if (ctx.json) printOutput('create', jobJson(await job.getInfo()));
      else println(job.id);
    }),
});
