// `list [--all-users] [--name PATTERN]`: EnumJobs as a table (or a JSON array of snapshots). The snapshots go straight
// from the backend into the printed shape (job-document.ts): the same output as converting each to a
// JobInfo first, without its cost, which dominated `list` of 10,000 jobs.
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';
import { jobsTable } from '../format.js';
import { jobDocument } from '../job-document.js';
import { namePattern } from '../name-pattern.js';

export default opCommand('listJobs', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv, true);
      let snapshots = await (await ctx.manager()).backend.listJobs({ allUsers: a.allUsers === true });
      if (typeof a.displayNamePattern === 'string') {
        const matches = namePattern(a.displayNamePattern);
        snapshots = snapshots.filter((s) => matches(s.displayName));
      }
      const jobs = snapshots.map(jobDocument);
      if (ctx.json) printJson(jobs, 'BitsJob2.Job');
      else println(jobsTable(jobs));
    }),
});
