// `set-notify-cmdline <job> [--program] [--parameters]`: SetNotifyCmdLine (both omitted: removes it).
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';

export default opCommand('setNotifyCmdLine', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const id = await ctx.resolveJob(a.jobId as string);
      const program = (a.program as string | undefined) ?? null;
      const parameters = (a.parameters as string | undefined) ?? null;
      await (await ctx.manager()).job(id).setNotifyCmdLine(program, parameters);
      if (ctx.json) printJson({ jobId: id, program, parameters });
      else println(program === null && parameters === null ? `removed the notify command line of ${id}` : `set the notify command line of ${id}`);
    }),
});
