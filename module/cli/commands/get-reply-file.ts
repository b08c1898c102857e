// `get-reply-file <job>`: GetReplyFileName. Prints the path (nothing on stdout when there is none).
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';

export default opCommand('getReplyFileName', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const id = await ctx.resolveJob(readParams(op, argv).jobId);
      const path = await (await ctx.manager()).job(id).getReplyFileName();
      if (ctx.json) printOutput('get-reply-file', { jobId: id, replyFileName: path });
      else if (path) println(path);
      else process.stderr.write('no reply file name yet\n');
    }),
});
