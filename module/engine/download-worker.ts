// Runs one download job: its files in order (spec §5.3), each through the HTTP downloader into its
// temp file next to the destination, checkpointing progress into the store (spec §8, §5.4).
import type { FileRecord, JobRecord } from './job-record.js';
import type { DownloadTlsOptions, RemoteValidator } from './http/download-port.js';
import type { TransportOptions } from './transport-port.js';
import { downloadFile, headFile } from './http/download.js';
import type { TransferPacer } from './rate/pacer.js';

export interface WorkerHost {
  /** The first response of the job was accepted: CONNECTING → TRANSFERRING. */
  connected(job: JobRecord): void;
  /** Live byte position (not persisted). */
  progress(job: JobRecord, file: FileRecord, position: number): void;
  /** Durable checkpoint: file.bytesTransferred etc. were updated, persist them. */
  checkpoint(job: JobRecord, file: FileRecord): void;
  /** The file's remote changed: progress reset to zero (persist). */
  restarted(job: JobRecord, file: FileRecord): void;
  /** A file finished; persist. */
  fileDone(job: JobRecord, file: FileRecord): void;
  /** The job's proxy settings and decrypted credentials (memory only, per transfer). */
  transport(job: JobRecord): TransportOptions;
  /** Rate limit of a background job (bandwidth policy); undefined = not paced (FOREGROUND). */
  pacer?(job: JobRecord): TransferPacer | undefined;
  /** Options for the downloader (timeouts, TLS CA, checkpoint rate). */
  /** The engine's transfer settings (fragmentBytes is for uploads; the upload host gets the same object). */
  readonly downloadOptions: { checkpointIntervalMs?: number; checkpointBytes?: number; fragmentBytes?: number; requestTimeoutMs?: number; idleTimeoutMs?: number; tls?: DownloadTlsOptions };
}

function applyValidator(file: FileRecord, v: RemoteValidator, finalUrl?: string): void {
  file.etag = v.etag;
  file.lastModified = v.lastModified;
  file.bytesTotal = v.totalSize;
  if (finalUrl !== undefined) file.finalUrl = finalUrl === file.remoteName ? null : finalUrl;
}

/** Resolves when every file is transferred; rejects with a TransferFailure, or an AbortError when stopped. */
export async function runDownloadJob(job: JobRecord, host: WorkerHost, signal: AbortSignal): Promise<void> {
  const pending = job.files.filter((f) => !f.transferred);
  const transport = host.transport(job);
  const pacer = host.pacer?.(job);
  // Like Windows for multi-file jobs: learn the sizes first so BytesTotal is known early. A HEAD
  // failure is not fatal here — the GET of that file reports the real error in order.
  if (pending.length > 1) {
    for (const f of pending) {
      if (f.bytesTotal !== null || f.bytesTransferred > 0) continue;
      try {
        const head = await headFile(f.remoteName, { signal, requestTimeoutMs: host.downloadOptions.requestTimeoutMs, tls: host.downloadOptions.tls, transport });
        if (head.validator.totalSize !== null) f.bytesTotal = head.validator.totalSize;
      } catch (e) {
        if ((e as Error).name === 'AbortError') throw e;
      }
    }
  }
  let connected = false;
  for (const file of pending) {
    signal.throwIfAborted();
    const validator: RemoteValidator | null =
      file.etag || file.lastModified ? { etag: file.etag, lastModified: file.lastModified, totalSize: file.bytesTotal } : null;
    const result = await downloadFile({
      url: file.remoteName,
      tempPath: file.tempName,
      offset: file.bytesTransferred,
      validator,
      signal,
      transport,
      pacer,
      ...host.downloadOptions,
      onResponse: ({ validator: v, finalUrl, restarted, offset }) => {
        applyValidator(file, v, finalUrl);
        if (restarted || offset === 0) {
          file.bytesTransferred = 0;
          host.restarted(job, file);
        }
        if (!connected) {
          connected = true;
          host.connected(job);
        }
      },
      onProgress: (position) => host.progress(job, file, position),
      onCheckpoint: (position, v) => {
        applyValidator(file, v);
        file.bytesTransferred = position;
        host.checkpoint(job, file);
      },
    });
    applyValidator(file, result.validator, result.finalUrl);
    file.bytesTransferred = result.size;
    file.bytesTotal = result.size;
    file.transferred = true;
    host.fileDone(job, file);
  }
  if (!connected) host.connected(job);
}
