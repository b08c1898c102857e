// `get-notify-cmdline <job>`: GetNotifyCmdLine.
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';

export default opCommand('getNotifyCmdLine', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const id = await ctx.resolveJob(readParams(op, argv).jobId);
      const r = await (await ctx.manager()).job(id).getNotifyCmdLine();
      if (ctx.json) printOutput('get-notify-cmdline', { jobId: id, ...r });
      else if (!r.program && !r.parameters) println('no notify command line');
      else {
        println(`program:    ${r.program}`);
        println(`parameters: ${r.parameters}`);
      }
    }),
});
