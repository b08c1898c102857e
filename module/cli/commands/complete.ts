// `complete <job>`: Complete. BG_S_PARTIAL_COMPLETE / BG_S_UNABLE_TO_DELETE_FILES are printed (exit 0).
// BITS deletes the unfinished files of a download job completed before TRANSFERRED without a word;
// the CLI refuses that unless --force, naming each file it would discard (exit 4).
import { BitsError } from '../../api/bits-error.js';
import type { BitsJob } from '../../core/bits-job.js';
import { CliFailure } from '../errors.js';
import { EXIT } from '../exit-codes.js';
import { formatBytes } from '../format.js';
import { jobAction } from '../job-action.js';

const BG_E_INVALID_STATE = 0x80200002;

async function refuseToDiscard(job: BitsJob): Promise<void> {
  const info = await job.getInfo();
  if (info.type !== 'DOWNLOAD' || info.state === 'TRANSFERRED') return;
  const unfinished = (await job.listFiles()).filter((f) => !f.progress.completed);
  if (unfinished.length === 0) return;
  const list = unfinished.map((f) => `${f.localName} (${formatBytes(f.progress.bytesTransferred)} of ${formatBytes(f.progress.bytesTotal)})`).join(', ');
  throw new CliFailure(
    new BitsError(BG_E_INVALID_STATE, `The job ${job.id} is ${info.state}: completing it now deletes ${unfinished.length} unfinished file(s): ${list}.`, 0, { jobId: job.id, state: info.state }),
    `wait for TRANSFERRED (\`bits-job2 wait ${job.id}\`), or \`bits-job2 complete ${job.id} --force\` to keep the finished files and delete these`,
    EXIT.INVALID_STATE,
  );
}

export default jobAction('complete', 'completed', async (job, argv) => {
  if (argv.force !== true) await refuseToDiscard(job);
  return job.complete();
});
