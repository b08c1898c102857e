// `set-notify-cmdline <job> [--program] [--parameters | --arg ...]`: SetNotifyCmdLine (both omitted:
// removes it). `--arg` builds a correctly quoted parameters string (program first) so users need not
// learn Windows quoting; warnings point out syntax BITS never interprets (%VAR%, $VAR, pipes, ...).
import { notifyCommand, notifyWarnings } from '../../common/notify/notify-cmdline.js';
import { opCommand, readParams, stringsFlag } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { UsageError } from '../errors.js';

export default opCommand('setNotifyCmdLine', {
  builder: (y) =>
    y.option('arg', {
      type: 'string',
      array: true,
      describe: 'An argument for the program (repeat for more); builds --parameters for you, quoted by Windows rules with the program first.',
    }).example('bits-job2 set-notify-cmdline 3f2c9a10 --program /usr/bin/node --arg /opt/done.js --arg 3f2c9a10', 'The same as --parameters \'/usr/bin/node /opt/done.js 3f2c9a10\', quoted for you.'),
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const id = await ctx.resolveJob(a.jobId);
      const program = a.program ?? null;
      let parameters = a.parameters ?? null;
      const args = stringsFlag(argv, 'arg');
      if (args.length) {
        if (parameters !== null) throw new UsageError('give either --parameters or --arg, not both', 'bits-job2 set-notify-cmdline <job> --program P --arg A --arg B');
        if (program === null) throw new UsageError('--arg needs --program', 'bits-job2 set-notify-cmdline <job> --program P --arg A');
        parameters = notifyCommand({ program, args }).parameters;
      }
      await (await ctx.manager()).job(id).setNotifyCmdLine(program, parameters);
      const warnings = program === null ? [] : notifyWarnings(program, parameters);
      for (const w of warnings) process.stderr.write(`warning: ${w}\n`);
      if (ctx.json) printOutput('set-notify-cmdline', { jobId: id, program, parameters, warnings });
      else println(program === null && parameters === null ? `removed the notify command line of ${id}` : `set the notify command line of ${id}: ${parameters ?? program}`);
    }),
});
