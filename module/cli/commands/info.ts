// `info <job>`: every property, progress, times, error and files. Reads through a job handle
// (describeJob), so jobs that reached ACKNOWLEDGED or CANCELLED still show while remembered.
import { BitsError } from '../../api/bits-error.js';
import { HR } from '../../api/hresult.js';
import type { FileInfoWire } from '../../api/types.js';
import { opCommand, readParams } from '../from-api.js';
import { printOutput, println, run } from '../context.js';
import { jobJson, jobText } from '../output.js';
import { defaultStateDir } from '../../common/paths.js';
import { policySummary } from '../doctor/policy-check.js';

export default opCommand('getJob', {
  handler: (argv, op) =>
    run(argv, async (ctx) => {
      const id = await ctx.resolveJob(readParams(op, argv).jobId);
      const job = (await ctx.manager()).job(id);
      const info = await job.getInfo();
      let files: FileInfoWire[] | undefined;
      try {
        files = await job.listFiles();
      } catch (e) {
        // A job that left the queue may no longer enumerate its files; the snapshot still shows.
        if (!(e instanceof BitsError && (e.hresult === HR.BG_E_INVALID_STATE || e.hresult === HR.BG_E_NOT_FOUND))) throw e;
      }
      if (ctx.json) printOutput('info', jobJson(info, files ?? []));
      else {
        println(jobText(info, files));
        // Portable backends: the bandwidth policy that applies to this job now (doctor shows the same).
        if (ctx.backendName !== 'native') {
          const bandwidth = info.priority === 'FOREGROUND' ? 'FOREGROUND: never capped or blocked by the bandwidth policy' : policySummary(ctx.stateDir ?? defaultStateDir()).summary;
          println(`Bandwidth policy     ${bandwidth}`);
        }
      }
    }),
});
