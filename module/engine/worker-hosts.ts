// What the download and upload workers may do to the engine (their hosts): report connection,
// live progress and checkpoints into the job table, and get the job's transport settings with its
// credentials unsealed for the one transfer (memory only).
import { JobState } from '../api/enums.js';
import type { Clock } from './clock.js';
import type { WorkerHost } from './download-worker.js';
import type { JobRecord } from './job-record.js';
import type { JobTable } from './job-table.js';
import { replyPath } from './reply-naming.js';
import type { TransportOptions } from './transport-port.js';
import type { UploadHandover } from './upload-handover.js';
import type { UploadHost } from './upload-worker.js';
import type { Vault } from './vault.js';

export type TransferOptions = WorkerHost['downloadOptions'];

/** The job's proxy settings and decrypted credentials for one transfer (memory only). */
export function transportFor(job: JobRecord, vault: Vault): TransportOptions {
  return {
    proxy: { usage: job.proxyUsage, proxyList: job.proxyList, bypassList: job.bypassList },
    credentials: job.credentials.map((c) => ({ target: c.target, scheme: c.scheme, ...vault.unseal<{ userName: string | null; password: string | null }>(c.sealed) })),
  };
}

export function makeDownloadHost(table: JobTable, clock: Clock, options: TransferOptions | undefined, transport: (job: JobRecord) => TransportOptions): WorkerHost {
  return {
    transport,
    downloadOptions: { ...(options ?? {}) },
    connected: (job) => {
      if (job.state === JobState.CONNECTING) table.setState(job, JobState.TRANSFERRING);
    },
    progress: (job, file, position) => {
      table.live.set(`${job.id}:${file.index}`, position);
      if (position > file.bytesTransferred) job.firstTransientAt = null; // progress resets the no-progress clock
    },
    checkpoint: (job, file) => {
      job.modifiedAt = clock.now();
      table.store.checkpoint(job, file);
    },
    restarted: (job, file) => {
      table.live.set(`${job.id}:${file.index}`, 0);
      table.commit(job);
    },
    fileDone: (job, file) => {
      // The downloader already stamped the temp file with the server's Last-Modified.
      table.live.delete(`${job.id}:${file.index}`);
      table.commit(job);
    },
  };
}

export function makeUploadHost(
  table: JobTable, clock: Clock, options: TransferOptions | undefined, transport: (job: JobRecord) => TransportOptions,
  handover: UploadHandover, log: (line: string) => void,
): UploadHost {
  return {
    options: { ...(options ?? {}) },
    now: () => clock.now(),
    connected: (job) => {
      if (job.state === JobState.CONNECTING) table.setState(job, JobState.TRANSFERRING);
    },
    persist: (job) => {
      const f = job.files[0];
      if (f) {
        table.live.set(`${job.id}:${f.index}`, f.bytesTransferred);
        if (f.bytesTransferred > 0) job.firstTransientAt = null;
      }
      job.modifiedAt = clock.now();
      table.store.save(job);
      // The upload client sends its next packet as soon as this returns, and the server acts on
      // it (a new session, a Close): the state it follows from must be durable first.
      table.store.flushSync();
    },
    replyProgress: (job, position) => {
      table.live.set(`${job.id}:reply`, position);
      job.firstTransientAt = null;
    },
    replyPath: (job) => replyPath(job)!,
    handOver: (job, connection) => handover.handOver(job, connection),
    log,
    transport,
  };
}
