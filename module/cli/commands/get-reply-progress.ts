// `get-reply-progress <job>`: GetReplyProgress (upload-reply jobs; E_NOTIMPL otherwise).
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { formatBytes, percent } from '../format.js';

export default opCommand('getReplyProgress', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const id = await ctx.resolveJob(readParams(op, argv).jobId);
      const r = await (await ctx.manager()).job(id).getReplyProgress();
      if (ctx.json) printOutput('get-reply-progress', { jobId: id, ...r });
      else println(`${formatBytes(r.bytesTransferred)} / ${formatBytes(r.bytesTotal)} (${percent(r.bytesTransferred, r.bytesTotal)})`);
    }),
});
