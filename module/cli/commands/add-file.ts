// `add-file <job> <remote> <local>`: AddFileSet with one file. Paths are passed as given: BITS wants
// an absolute local path and says E_INVALIDARG otherwise; we add a hint with the absolute form.
import { isAbsolute, resolve } from 'node:path';
import { opCommand, readParams } from '../from-api.js';
import { printJson, println, run } from '../context.js';
import { withHint } from '../errors.js';
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';

export function localPathHint(local: string): string | undefined {
  if (isAbsolute(local)) return undefined;
  return `use an absolute path, e.g. ${resolve(local)}`;
}

export function remoteHint(remote: string): string | undefined {
  if (/^https?:\/\//i.test(remote)) return undefined;
  return `the remote name must be an http:// or https:// URL, e.g. https://example.com/${remote.replace(/^.*[\\/]/, '') || 'file'}`;
}

export default opCommand('addFiles', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const a = readParams(op, argv);
      const remote = a.remoteName as string;
      const local = a.localName as string;
      const id = await ctx.resolveJob(a.jobId as string);
      try {
        await (await ctx.manager()).job(id).addFile(remote, local);
      } catch (e) {
        const invalidArg = e instanceof BitsError && e.hresult === HR.E_INVALIDARG;
        throw withHint(e, invalidArg ? (localPathHint(local) ?? remoteHint(remote)) : undefined);
      }
      if (ctx.json) printJson({ jobId: id, remoteName: remote, localName: local });
      else println(`added ${remote} -> ${local} to ${id}`);
    }),
});
