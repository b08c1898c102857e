// The shape shared by resume/suspend/complete/cancel/take-ownership: resolve the job, call one
// method, print what happened (and the success HRESULT when it is not S_OK).
import type { HResultWire } from '../api/types.js';
import type { BitsJob } from '../core/bits-job.js';
import { opCommand, readParams } from './from-api.js';
import { printJson, println, run } from './context.js';
import { hresultJson, successNote } from './output.js';

export function jobAction(opName: string, pastTense: string, call: (job: BitsJob) => Promise<HResultWire | void>) {
  return opCommand(opName, {
    handler: (argv, op) =>
      run(argv, async (ctx) => {
        const id = await ctx.resolveJob(readParams(op, argv).jobId as string);
        const result = (await call((await ctx.manager()).job(id))) ?? { hresult: 0, name: 'S_OK' };
        if (ctx.json) printJson({ jobId: id, ...hresultJson(result) });
        else println(`${pastTense} ${id}${successNote(result)}`);
      }),
  });
}
