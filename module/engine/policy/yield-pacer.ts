// The hook between a job and the yielding controllers (rate/yield-controller.ts): a background job's
// bytes are paced by the controller of the server it is talking to right now — the current file's
// server for downloads (files go in order), the upload URL's server for uploads and their reply
// download (the reply comes from the upload server in BITS' design; a reply URL on another server
// is paced by the upload server's signal — a limit named in README). Looked up again only when the
// current file changes, so a piece costs one map lookup at most.
import type { FileRecord, JobRecord } from '../job-record.js';
import type { TransferPacer } from '../rate/pacer.js';
import type { YieldController, YieldControllers } from '../rate/yield-controller.js';

export function yieldPacerFor(job: JobRecord, controllers: YieldControllers): TransferPacer & { unlimited(): boolean } {
  let file: FileRecord | undefined;
  let controller: YieldController | undefined;
  const current = (): YieldController | undefined => {
    if (!file || file.transferred) {
      const next = job.files.find((f) => !f.transferred) ?? job.files[job.files.length - 1];
      if (next !== file) {
        file = next;
        controller = next ? controllers.for(next.remoteName) : undefined;
      }
    }
    return controller;
  };
  current(); // now, before the transfer's first byte: the controller's priming probe sees an empty queue
  return {
    delayFor: (bytes) => current()?.delayFor(bytes) ?? 0,
    unlimited: () => current()?.unlimited() ?? true,
  };
}
