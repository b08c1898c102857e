// `set-credentials <job> --target --scheme [--user] [--password-stdin]`: SetCredentials. The password
// comes only from stdin (--password-stdin) or BITS_JOB2_PASSWORD; it is never printed.
import { AuthScheme, AuthTarget, nameOf } from '../../api/enums.js';
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { readPassword } from '../secrets.js';

export default opCommand('setCredentials', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const password = await readPassword(a.password === true);
      const id = await ctx.resolveJob(a.jobId);
      const target = a.target;
      const scheme = a.scheme;
      const userName = a.userName ?? null;
      await (await ctx.manager()).job(id).setCredentials({ target, scheme, userName, password });
      const t = String(nameOf(AuthTarget, target) ?? target);
      const s = String(nameOf(AuthScheme, scheme) ?? scheme);
      if (ctx.json) printOutput('set-credentials', { jobId: id, target: t, scheme: s, userName, passwordSet: password !== null });
      else println(`set ${t} ${s} credentials${userName ? ` for ${userName}` : ''} on ${id}${password === null ? ' (no password)' : ''}`);
    }),
});
