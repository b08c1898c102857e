// Cancel of an upload the server still holds (spec §4.1 Cancel): the upload's own connection,
// handed over by a worker stopped for the cancel, and the Cancel-Session sent on it (or on a new
// one) in the background, so Cancel returns at once.
import type { DownloadTlsOptions } from './http/download-port.js';
import type { JobRecord } from './job-record.js';
import type { TransportOptions } from './transport-port.js';
import type { SessionConnection } from './upload/session-connection.js';

export class UploadHandover {
  /** Connections of cancelled uploads, between the worker's stop and the Cancel-Session (never longer). */
  private readonly handedOver = new Map<string, SessionConnection>();

  constructor(
    private readonly tls: DownloadTlsOptions | undefined,
    private readonly transportFor: (job: JobRecord) => TransportOptions,
    private readonly log: (line: string) => void,
  ) {}

  /** A worker stopped for a cancel leaves its open connection here. */
  handOver(job: JobRecord, connection: SessionConnection): void {
    this.handedOver.get(job.id)?.close();
    this.handedOver.set(job.id, connection);
  }

  /** The job was cancelled: Cancel-Session if the server holds a session, then the connection goes. */
  cancelled(job: JobRecord): void {
    if (job.upload?.session.sessionId && !job.upload.closed) this.cancelRemoteSession(job);
    this.handedOver.get(job.id)?.close(); // no session to cancel: the connection just goes
    this.handedOver.delete(job.id);
  }

  /** Failures are logged (BITS would retry for up to 24 h — see the issue note). */
  private cancelRemoteSession(job: JobRecord): void {
    const session = job.upload!.session;
    const url = job.files[0]!.remoteName;
    // The upload's own connection when it was idle at the cancel (servers that keep the session in it).
    const connection = this.handedOver.get(job.id);
    this.handedOver.delete(job.id);
    // upload-client.js is loaded lazily (already loaded by the upload worker when there was one).
    void import('./upload/upload-client.js')
      .then(({ cancelSession }) => cancelSession({ url, session, signal: AbortSignal.timeout(60_000), tls: this.tls, transport: this.transportFor(job), connection }))
      .then(() => this.log(`job ${job.id}: upload session cancelled on the server`))
      .catch((e: Error) => this.log(`job ${job.id}: Cancel-Session failed: ${e.message}`));
  }
}
