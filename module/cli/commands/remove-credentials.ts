// `remove-credentials <job> --target --scheme`: RemoveCredentials. S_FALSE (none set) is success.
import { AuthScheme, AuthTarget, nameOf } from '../../api/enums.js';
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { hresultJson } from '../output.js';

export default opCommand('removeCredentials', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const id = await ctx.resolveJob(a.jobId);
      const target = a.target;
      const scheme = a.scheme;
      const r = await (await ctx.manager()).job(id).removeCredentials(target, scheme);
      const h = hresultJson(r);
      const t = String(nameOf(AuthTarget, target) ?? target);
      const s = String(nameOf(AuthScheme, scheme) ?? scheme);
      if (ctx.json) printOutput('remove-credentials', { jobId: id, target: t, scheme: s, ...h });
      else if (h.name === 'S_FALSE') println('nothing to remove (S_FALSE)');
      else println(`removed ${t} ${s} credentials from ${id}`);
    }),
});
