// BitsManager: IBackgroundCopyManager for Node. One backend behind it (DESIGN §4, one factory).
import { JobType, parseEnum } from '../api/enums.js';
import type { JobTypeName } from '../api/enums.js';
import { bitsError } from '../api/bits-error.js';
import type { Backend } from '../api/port.js';
import { BitsJob } from './bits-job.js';
import { toJobInfo, type JobInfo } from './job-info.js';
import { openBackend, type BackendChoice } from './select-backend.js';

export class BitsManager {
  constructor(readonly backend: Backend) {}

  /** Opens the default backend: BITS_JOB2_BACKEND, else native on Windows when the bridge loads, else the per-user service. */
  static async open(choice?: BackendChoice): Promise<BitsManager> {
    return new BitsManager(await openBackend(choice));
  }

  /** CreateJob: the job starts SUSPENDED. */
  async createJob(displayName: string, options: { type?: JobTypeName | number } = {}): Promise<BitsJob> {
    const t = options.type ?? 'DOWNLOAD';
    const type = typeof t === 'number' ? t : parseEnum(JobType, t);
    if (type === undefined) throw bitsError(0x80070057, `Unknown job type '${t}': use DOWNLOAD, UPLOAD or UPLOAD_REPLY.`);
    return new BitsJob(this.backend, await this.backend.createJob(displayName, type));
  }

  /** GetJob: BG_E_NOT_FOUND for unknown ids and for jobs that left the queue. */
  async getJob(jobId: string): Promise<BitsJob> {
    const snap = await this.backend.getJob(jobId);
    return new BitsJob(this.backend, snap.id);
  }

  /** A handle without a lookup (works for jobs in final states the backend still remembers). */
  job(jobId: string): BitsJob {
    return new BitsJob(this.backend, jobId);
  }

  /** EnumJobs: the caller's jobs in the queue, with a snapshot of each. */
  async listJobs(options: { allUsers?: boolean } = {}): Promise<{ job: BitsJob; info: JobInfo }[]> {
    const snaps = await this.backend.listJobs(options);
    return snaps.map((s) => ({ job: new BitsJob(this.backend, s.id), info: toJobInfo(s) }));
  }

  async getErrorDescription(hresult: number): Promise<string> {
    return this.backend.getErrorDescription(hresult);
  }

  async close(): Promise<void> {
    await this.backend.close();
  }
}
