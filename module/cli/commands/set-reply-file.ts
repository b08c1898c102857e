// `set-reply-file <job> [path]`: SetReplyFileName (omitted: NULL; "" works too — the engine generates a name).
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { localPath } from './add-file.js';

export default opCommand('setReplyFileName', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const id = await ctx.resolveJob(a.jobId);
      // "" means NULL to BITS (the engine generates the name): report it as null, as get-reply-file does.
      const given = a.replyFileName || null;
      const path = given === null ? null : localPath(given); // relative: from the working directory
      await (await ctx.manager()).job(id).setReplyFileName(path);
      if (ctx.json) printOutput('set-reply-file', { jobId: id, replyFileName: path });
      else println(path ? `the reply of ${id} goes to ${path}` : `the engine chooses the reply file name of ${id}`);
    }),
});
