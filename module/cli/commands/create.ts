// `create <name> [--type]`: CreateJob. Prints the new job's id (the snapshot with --json).
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';
import { jobJson } from '../output.js';

export default opCommand('createJob', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv, true);
      const m = await ctx.manager();
      const job = await m.createJob(a.displayName, { type: a.type });
      if (ctx.json) printJson(jobJson(await job.getInfo()), 'BitsJob2.Job');
      else println(job.id);
    }),
});
