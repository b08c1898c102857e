// `set-reply-file <job> [path]`: SetReplyFileName (omitted: NULL; "" works too — the engine generates a name).
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';
import { withHint } from '../errors.js';
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import { localPathHint } from './add-file.js';

export default opCommand('setReplyFileName', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const id = await ctx.resolveJob(a.jobId as string);
      // "" means NULL to BITS (the engine generates the name): report it as null, as get-reply-file does.
      const path = (a.replyFileName as string | undefined) || null;
      try {
        await (await ctx.manager()).job(id).setReplyFileName(path);
      } catch (e) {
        const invalidArg = e instanceof BitsError && e.hresult >>> 0 === HR.E_INVALIDARG;
        throw withHint(e, invalidArg && path ? localPathHint(path) : undefined);
      }
      if (ctx.json) printJson({ jobId: id, replyFileName: path });
      else println(path ? `the reply of ${id} goes to ${path}` : `the engine chooses the reply file name of ${id}`);
    }),
});
