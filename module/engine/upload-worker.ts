// Runs one upload or upload-reply job (spec §7.3): the BITS Upload Protocol session for its one
// file, then (upload-reply) the reply download into a temp file with the download engine (§8),
// then Close-Session — closing first would lose the reply. TRANSFERRED is the caller's to set.
//
// Connections (issue 13): a plain upload sends Create-Session (or the Ping of a resume), every
// Fragment and Close-Session over one connection, closed right after Close-Session; some servers
// keep the session in the TCP connection and refuse a Close from any other. Upload-reply closes it
// before the reply download instead, so a single-threaded server is not blocked by an idle socket
// while it should serve the reply; its Close then goes over a new connection, and a server that
// refuses that after acknowledging every byte does not fail the job (session-end.ts).
// Cancel during the upload: the idle connection is handed to the engine for Cancel-Session.
import { statSync, writeFileSync } from 'node:fs';
import { bitsError } from '../api/bits-error.js';
import { ErrorContext, JobType } from '../api/enums.js';
import { HR } from '../api/hresult.js';
import { CANCEL_REASON } from './cancel-reason.js';
import { DEFAULT_CHECKPOINT_BYTES, DEFAULT_CHECKPOINT_INTERVAL_MS, downloadFile } from './http/download.js';
import { UploadProgressCheckpoints } from './upload/progress-checkpoint.js';
import type { DownloadTlsOptions } from './http/download-port.js';
import type { TransportOptions } from './transport-port.js';
import type { JobRecord, ReplyRecord } from './job-record.js';
import { NEW_SESSION, type UploadSessionState } from './upload/upload-port.js';
import { closeSession, openSessionConnection, uploadFile } from './upload/upload-client.js';
import type { SessionConnection } from './upload/session-connection.js';
import type { TransferPacer } from './rate/pacer.js';

export interface UploadHost {
  connected(job: JobRecord): void;
  /** Session or reply state changed: persist (before the next packet). */
  persist(job: JobRecord): void;
  /** Live reply bytes (not persisted). */
  replyProgress(job: JobRecord, position: number): void;
  /** Absolute path the reply will be published under (explicit or generated). */
  replyPath(job: JobRecord): string;
  /** The job's proxy settings and decrypted credentials (memory only, per transfer). */
  transport(job: JobRecord): TransportOptions;
  now(): number;
  /** Cancel: the upload's connection, still open, for the Cancel-Session (the engine closes it). */
  handOver?(job: JobRecord, connection: SessionConnection): void;
  log?(line: string): void;
  /** Rate limit of a background job (bandwidth policy); undefined = not paced (FOREGROUND). */
  pacer?(job: JobRecord): TransferPacer | undefined;
  readonly options: { requestTimeoutMs?: number; responseTimeoutMs?: number; checkpointIntervalMs?: number; checkpointBytes?: number; fragmentBytes?: number; tls?: DownloadTlsOptions };
}

function localFileState(path: string): { size: number; mtimeMs: number } {
  try {
    const st = statSync(path);
    return { size: st.size, mtimeMs: Math.trunc(st.mtimeMs) };
  } catch (e) {
    throw Object.assign(bitsError(HR.ERROR_FILE_NOT_FOUND, `Cannot read the upload file ${path}: ${(e as Error).message}. Restore it and Resume, or Cancel.`, ErrorContext.LOCAL_FILE), { transient: false });
  }
}

export async function runUploadJob(job: JobRecord, host: UploadHost, signal: AbortSignal): Promise<void> {
  const file = job.files[0]!;
  job.upload ??= { session: { ...NEW_SESSION }, expectedFile: null, closed: false };
  const up = job.upload;
  if (!up.expectedFile) {
    up.expectedFile = localFileState(file.localName);
    host.persist(job);
  }
  file.bytesTotal = up.expectedFile.size;
  const common = {
    url: file.remoteName,
    signal,
    requestTimeoutMs: host.options.requestTimeoutMs,
    responseTimeoutMs: host.options.responseTimeoutMs,
    tls: host.options.tls,
    transport: host.transport(job),
    pacer: host.pacer?.(job),
    now: () => host.now(),
  };
  let connected = false;
  const connect = () => {
    if (!connected) {
      connected = true;
      host.connected(job);
    }
  };

  const conn = openSessionConnection(common);
  const checkpoints = new UploadProgressCheckpoints(up.session, host.options.checkpointIntervalMs ?? DEFAULT_CHECKPOINT_INTERVAL_MS, host.options.checkpointBytes ?? DEFAULT_CHECKPOINT_BYTES);
  let handedOver = false;
  try {
    if (!up.session.uploadComplete) {
      const result = await uploadFile({
        ...common,
        connection: conn,
        localPath: file.localName,
        expectedFile: up.expectedFile,
        wantReply: job.type === JobType.UPLOAD_REPLY,
        ...(host.options.fragmentBytes ? { initialFragment: host.options.fragmentBytes, maxFragment: host.options.fragmentBytes } : {}),
        session: up.session,
        onConnected: connect,
        onSession: (state) => {
          const prev = up.session;
          up.session = { ...state };
          file.bytesTransferred = state.offset;
          job.modifiedAt = host.now();
          // Progress alone at the checkpoint rate (progress-checkpoint.ts); everything else at once.
          if (checkpoints.due(prev, state)) host.persist(job);
        },
      });
      up.session = { ...result.session };
      file.bytesTransferred = file.bytesTotal;
      file.transferred = true;
      host.persist(job);
    }
    connect();

    if (job.type === JobType.UPLOAD_REPLY) {
      conn.close();
      await downloadReply(job, host, signal, common.transport);
    }

    if (!up.closed && up.session.sessionId) {
      const onSession = (state: UploadSessionState) => {
        up.session = { ...state };
        host.persist(job);
      };
      const ended = await closeSession({ ...common, session: up.session, connection: conn.isClosed ? undefined : conn, onSession });
      if (ended !== 'closed') host.log?.(`job ${job.id}: Close-Session answered as ${ended}; the server had acknowledged every byte, so the upload counts as delivered`);
      // A 0-byte upload has no acknowledged byte to stand on: the server refused the Close of a
      // session that never held data (e.g. it lived in a connection that is gone). Upload it again:
      // Create-Session and Close-Session on one connection.
      if (ended !== 'closed' && up.expectedFile.size === 0 && !up.emptyRetried) {
        up.emptyRetried = true;
        up.session = { ...NEW_SESSION };
        host.persist(job);
        return await runUploadJob(job, host, signal);
      }
    }
    up.closed = true;
    host.persist(job);
  } finally {
    if (signal.aborted && signal.reason === CANCEL_REASON && !conn.isClosed && host.handOver) {
      handedOver = true;
      host.handOver(job, conn);
    }
    if (!handedOver) conn.close();
  }
}

export { CANCEL_REASON };

async function downloadReply(job: JobRecord, host: UploadHost, signal: AbortSignal, transport: TransportOptions): Promise<void> {
  const up = job.upload!;
  const reply: ReplyRecord = (job.reply ??= { bytesTotal: null, bytesTransferred: 0, tempName: null, etag: null, lastModified: null, done: false });
  if (reply.done) return;
  reply.tempName ??= `${host.replyPath(job)}.bits-${job.id}.tmp`;
  if (!up.session.replyUrl) {
    // The server application sent no reply (e.g. a 0-byte upload): an empty reply (spec §3.4/§3.5).
    writeFileSync(reply.tempName, '');
    Object.assign(reply, { bytesTotal: 0, bytesTransferred: 0, done: true });
    host.persist(job);
    return;
  }
  const validator = reply.etag || reply.lastModified ? { etag: reply.etag, lastModified: reply.lastModified, totalSize: reply.bytesTotal } : null;
  const result = await downloadFile({
    url: up.session.replyUrl,
    tempPath: reply.tempName,
    offset: reply.bytesTransferred,
    validator,
    signal,
    requestTimeoutMs: host.options.requestTimeoutMs,
    checkpointIntervalMs: host.options.checkpointIntervalMs,
    checkpointBytes: host.options.checkpointBytes,
    tls: host.options.tls,
    transport,
    pacer: host.pacer?.(job),
    onResponse: ({ validator: v, restarted, offset }) => {
      Object.assign(reply, { bytesTotal: v.totalSize, etag: v.etag, lastModified: v.lastModified });
      if (restarted || offset === 0) reply.bytesTransferred = 0;
      host.persist(job); // BytesTotal known: SetReplyFileName is refused from now on
    },
    onProgress: (position) => host.replyProgress(job, position),
    onCheckpoint: (position) => {
      reply.bytesTransferred = position;
      host.persist(job);
    },
  });
  Object.assign(reply, { bytesTotal: result.size, bytesTransferred: result.size, done: true });
  host.persist(job);
}
