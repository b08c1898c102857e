// Runs an upload job the way the engine does, without the service: the real worker
// (module/engine/upload-worker.ts: one connection from Create-Session to Close-Session, Close
// rules), with the session persisted between attempts and a transient error retried at once (the
// engine waits its retry delay) — so a quirks test measures the client, not the retry timer.
import { JobType } from '../../module/api/enums.js';
import type { JobRecord } from '../../module/engine/job-record.js';
import type { TransportOptions } from '../../module/engine/transport-port.js';
import { runUploadJob, type UploadHost } from '../../module/engine/upload-worker.js';

export interface DriveOptions {
  url: string;
  localPath: string;
  type?: (typeof JobType)[keyof typeof JobType];
  /** Per-request limits (spec §7.3 step 7): small, so a server that never answers costs little. */
  requestTimeoutMs?: number;
  responseTimeoutMs?: number;
  transport?: TransportOptions;
  /** Attempts before giving up (a transient error each time): the "bounded time" of issue 13. */
  maxAttempts?: number;
}

export interface DriveResult {
  attempts: number;
  /** The transient errors on the way, in order. */
  transient: Error[];
  job: JobRecord;
  log: string[];
}

export async function driveUpload(o: DriveOptions): Promise<DriveResult> {
  const job = {
    id: 'quirks-job',
    type: o.type ?? JobType.UPLOAD,
    files: [{ index: 0, remoteName: o.url, localName: o.localPath, tempName: '', bytesTotal: null, bytesTransferred: 0, transferred: false, completed: false, etag: null, lastModified: null, finalUrl: null }],
    upload: null,
    reply: null,
    modifiedAt: 0,
  } as unknown as JobRecord;
  const log: string[] = [];
  const host: UploadHost = {
    connected: () => undefined,
    // The engine keeps the job in memory between attempts too; the store is not needed here.
    persist: () => undefined,
    replyProgress: () => undefined,
    replyPath: () => `${o.localPath}.reply`,
    transport: () => o.transport as TransportOptions, // absent = direct (the connector takes undefined)
    now: () => Date.now(),
    log: (line) => void log.push(line),
    options: { requestTimeoutMs: o.requestTimeoutMs ?? 2000, responseTimeoutMs: o.responseTimeoutMs ?? 2000 },
  };
  const transient: Error[] = [];
  const max = o.maxAttempts ?? 10;
  for (let attempt = 1; ; attempt++) {
    try {
      await runUploadJob(job, host, new AbortController().signal);
      return { attempts: attempt, transient, job, log };
    } catch (e) {
      if (!(e as { transient?: boolean }).transient || attempt >= max) throw e;
      transient.push(e as Error);
    }
  }
}
