// `create <name> [--type] [--description] [--priority] [--retry-delay] [--no-progress-timeout]
// [--scheme --user --password-stdin]`: CreateJob, then the setters of the flags given (the
// description's alsoApplies), so a script needs one call where BITS needs several. If a setter fails,
// the new job is cancelled: the command either leaves a fully set job or none. Prints the new job's id
// (the snapshot with --json).
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import type { BitsJob } from '../../core/bits-job.js';
import type { OperationOf, OperationSpec } from '../../api/operations.js';
import { cliSpelling, opCommand, readAlsoApplied, readParams, type AlsoApplied } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';
import { setOne } from '../job-setters.js';
import { jobJson } from '../output.js';
import { readPassword } from '../secrets.js';

type Step = AlsoApplied<OperationOf<'createJob'>>;
type CredentialsStep = Extract<Step, { name: 'setCredentials' }>;

/** The credentials of create's --scheme/--user/--password-stdin (server credentials), or a usage error. */
function credentialsOf(step: CredentialsStep): { target: number; scheme: number; userName: string | null; readsPassword: boolean } {
  const { target, scheme, userName, password } = step.args;
  if (scheme === undefined) {
    throw new UsageError('--user and --password-stdin need --scheme', 'add --scheme BASIC (or DIGEST, NTLM, NEGOTIATE): the credentials are the job\'s server credentials');
  }
  return { target, scheme, userName: userName ?? null, readsPassword: password === true };
}

/** Applies one also-applied operation to the new job. */
async function apply(job: BitsJob, step: Step): Promise<void> {
  switch (step.name) {
    case 'setProperties':
      // The given properties in the description's order, through the setters `set` uses.
      for (const name of step.given) {
        const value = step.args[name];
        if (value !== undefined) await setOne(job, name, value);
      }
      return;
    case 'setCredentials': {
      const { readsPassword, ...credentials } = credentialsOf(step);
      await job.setCredentials({ ...credentials, password: await readPassword(readsPassword) });
      return;
    }
  }
}

export default opCommand('createJob', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv, true);
      const then = readAlsoApplied(op, argv);
      // Checked before CreateJob, so a usage error leaves no job behind.
      for (const step of then) if (step.name === 'setCredentials') credentialsOf(step);
      const m = await ctx.manager();
      const job = await m.createJob(a.displayName, { type: a.type });
      for (const step of then) {
        const via: OperationSpec = step.via;
        const given: readonly string[] = step.given;
        try {
          await apply(job, step);
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
