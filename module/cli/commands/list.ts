// `list [--all-users]`: EnumJobs as a table (or a JSON array of snapshots).
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';
import { jobsTable } from '../format.js';
import { jobJson } from '../output.js';

export default opCommand('listJobs', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv, true);
      const jobs = await (await ctx.manager()).listJobs({ allUsers: a.allUsers === true });
      const infos = jobs.map((j) => j.info);
      if (ctx.json) printJson(infos.map((i) => jobJson(i)));
      else println(jobsTable(infos));
    }),
});
