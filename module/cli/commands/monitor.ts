// `monitor [--interval ms] [--once]`: a live table of your jobs with speed and ETA, 80 columns at the
// least (redrawn in place on a terminal, appended snapshots when piped). `--once` (implied by
// --json) prints one snapshot, the `list` table. Ctrl-C quits (exit 0).
import type { Argv, CommandModule } from 'yargs';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyParam, paramOf, type Args } from '../from-api.js';
import { printOutput, println, run, type CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { jobsTable, paint } from '../format.js';
import { JobRates, monitorTable } from '../monitor-table.js';
import { jobJson } from '../output.js';

const allUsers = paramOf('listJobs', 'allUsers');

async function snapshot(ctx: CliContext, all: boolean) {
  return (await (await ctx.manager()).listJobs({ allUsers: all })).map((j) => j.info);
}

async function monitor(ctx: CliContext, argv: Args): Promise<number> {
  const all = argv['all-users'] === true;
  const interval = Number(argv.interval);
  if (argv.once === true || ctx.json) {
    const jobs = await snapshot(ctx, all);
    if (ctx.json) printOutput('monitor', { time: new Date(), jobs: jobs.map((j) => jobJson(j)) });
    else println(jobsTable(jobs));
    return EXIT.OK;
  }

  const tty = process.stdout.isTTY === true;
  const abort = new AbortController();
  const onSigint = () => abort.abort();
  process.once('SIGINT', onSigint);
  if (tty) process.stdout.write('\x1b[?1049h\x1b[?25l'); // alternate screen, hide cursor
  const rates = new JobRates();
  try {
    while (!abort.signal.aborted) {
      const jobs = await snapshot(ctx, all);
      rates.observe(jobs);
      const width = tty ? Math.max(80, process.stdout.columns || 80) : 80;
      const header = `bits-job2 monitor — ${jobs.length} job(s) — ${new Date().toISOString().slice(0, 19)}Z — every ${interval} ms`;
      if (tty) {
        process.stdout.write('\x1b[H\x1b[2J' + paint('dim', (header + ' — Ctrl-C quits').slice(0, width)) + '\n\n' + monitorTable(jobs, rates, width) + '\n');
      } else {
        println(header);
        println(monitorTable(jobs, rates, width));
        println();
      }
      await sleep(interval, undefined, { signal: abort.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSigint);
    if (tty) process.stdout.write('\x1b[?25h\x1b[?1049l');
  }
  return EXIT.OK;
}

const command: CommandModule = {
  command: 'monitor',
  describe: 'Watches your jobs: a table refreshed in place (Ctrl-C quits).',
  builder: (y: Argv) =>
    applyParam(
      y.usage('$0 monitor [--interval ms] [--once]\n\nWatches your jobs: the `list` table, redrawn every --interval ms on a terminal (appended when piped). Ctrl-C quits with exit code 0. --once (implied by --json) prints one snapshot.'),
      allUsers,
    )
      .option('interval', { type: 'number', default: 1000, describe: 'Refresh interval in milliseconds (≥ 100).' })
      .option('once', { type: 'boolean', default: false, describe: 'Print one snapshot and exit.' })
      .example('bits-job2 monitor', 'Live table of your jobs.')
      .example('bits-job2 monitor --once --json', 'One snapshot as JSON.')
      .check((a) => {
        const n = Number(a.interval);
        if (!Number.isFinite(n) || n < 100) throw new UsageError('--interval must be a number of milliseconds ≥ 100');
        return true;
      }),
  handler: (argv) => run(argv as unknown as Args, (ctx) => monitor(ctx, argv as unknown as Args)),
};
export default command;
