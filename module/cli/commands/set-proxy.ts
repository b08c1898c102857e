// `set-proxy <job> --usage <u> [--list] [--bypass]`: SetProxySettings. Omitted lists are NULL.
import { nameOf, ProxyUsage } from '../../api/enums.js';
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';

export default opCommand('setProxySettings', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const id = await ctx.resolveJob(a.jobId);
      const usage = a.usage;
      const list = a.proxyList ?? null;
      const bypass = a.bypassList ?? null;
      await (await ctx.manager()).job(id).setProxySettings(usage, list, bypass);
      if (ctx.json) printOutput('set-proxy', { jobId: id, usage: nameOf(ProxyUsage, usage) ?? usage, proxyList: list, bypassList: bypass });
      else println(`set proxy usage ${String(nameOf(ProxyUsage, usage) ?? usage)} on ${id}`);
    }),
});
