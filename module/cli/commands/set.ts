// `set <job> [--display-name] [--description] [--priority] [--retry-delay] [--no-progress-timeout]
// [--notify-flags]`: each given property through its own BITS setter, in the API's order; the first
// failure stops the command and names the property (the ones before it stay set).
import { BitsError } from '../../api/bits-error.js';
import { JOB_PROPERTIES } from '../../api/operations.js';
import { cliSpelling, opCommand, readParams } from '../from-api.js';
import { setOne, type Settable } from '../job-setters.js';
import { printOutput, println, run } from '../context.js';
import { CliFailure, UsageError } from '../errors.js';

export default opCommand('setProperties', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const given = op.params.filter((p): p is Extract<typeof p, { name: Settable }> => p.name !== 'jobId' && a[p.name] !== undefined);
      if (given.length === 0) {
        throw new UsageError('nothing to set', `give at least one of ${op.params.filter((p) => p.name !== 'jobId').map(cliSpelling).join(', ')}`);
      }
      const id = await ctx.resolveJob(a.jobId);
      const job = (await ctx.manager()).job(id);
      const applied: Record<string, unknown> = {};
      for (const p of given) {
        const prop = JOB_PROPERTIES.find((j) => j.name === p.name);
        if (!prop) throw new Error(`module/api: ${p.name} is not in JOB_PROPERTIES`);
        try {
          await setOne(job, p.name, a[p.name]!);
        } catch (e) {
          const err = BitsError.from(e);
          const before = Object.keys(applied);
          throw new CliFailure(
            new BitsError(
              err.hresult,
              `Set${prop.bits} (${cliSpelling(p)}) failed: ${err.message}${before.length ? ` (already set: ${before.join(', ')})` : ''}`,
              err.context,
              { ...(err.data ?? {}), property: p.name, flag: cliSpelling(p), applied: before },
            ),
          );
        }
        applied[p.name] = a[p.name];
      }
      if (ctx.json) printOutput('set', { jobId: id, set: applied });
      else println(`set ${given.map(cliSpelling).join(', ')} on ${id}`);
    }),
});
