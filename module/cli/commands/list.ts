// `list [--all-users] [--name PATTERN]`: EnumJobs as a table (or a JSON array of snapshots; `owner` is the SID).
// With --all-users the table has an OWNER column (the account name). The snapshots go straight
// from the backend into the printed shape (job-document.ts): the same output as converting each to a
// JobInfo first, without its cost, which dominated `list` of 10,000 jobs.
import { opCommand, readParams } from '../from-api.js';
import { printArrayOutput, println, run } from '../context.js';
import { jobsTable } from '../format.js';
import { jobDocument } from '../../api/job-document.js';
import { namePattern } from '../name-pattern.js';

/** Owner SID → account name: S-1-22-1-<uid> (POSIX users, module/engine) through the passwd database; others as they are. */
async function ownerNames(): Promise<(owner: string) => string> {
  if (process.platform === 'win32') return (o) => o;
  const { userAccounts } = await import('../../service/user-stores.js');
  const names = new Map(userAccounts().map((u) => [`S-1-22-1-${u.uid}`, u.name]));
  return (o) => names.get(o) ?? o;
}

export default opCommand('listJobs', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv, true);
      const manager = await ctx.manager();
      let snapshots = await ctx.listJobs({ allUsers: a.allUsers === true });
      if (typeof a.displayNamePattern === 'string') {
        const matches = namePattern(a.displayNamePattern);
        snapshots = snapshots.filter((s) => matches(s.displayName));
      }
      const jobs = snapshots.map(jobDocument);
      // An administrator's view (module/service/all-users.ts) names the stores it could not read: never a silent gap.
      const problems = (manager.backend as { listProblems?: string[] }).listProblems ?? [];
      if (a.allUsers === true) for (const p of problems) process.stderr.write(`warning: could not list the jobs of ${p}\n`);
      const nameOf = a.allUsers === true ? await ownerNames() : undefined;
      if (ctx.json) await printArrayOutput('list', nameOf ? jobs.map((j) => ({ ...j, ownerName: j.owner === null ? null : nameOf(j.owner) })) : jobs);
      else println(jobsTable(jobs, nameOf));
    }),
});
