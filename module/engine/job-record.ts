import type { UploadSessionState } from './upload/upload-port.js';

// The engine's in-memory model of a job and its files, mirrored row for row in the SQLite store.

export interface StoredError {
  hresult: number;
  context: number;
  message: string;
  /** Index of the file the error is tied to, or null (BG_E_FILE_NOT_AVAILABLE). */
  fileIndex: number | null;
  /** 'http' for HTTP/HTTPS failures, null when not tied to a protocol. */
  protocol: string | null;
}

export interface FileRecord {
  index: number;
  remoteName: string;
  localName: string;
  tempName: string;
  /** null = BG_SIZE_UNKNOWN. */
  bytesTotal: number | null;
  /** Durable bytes (checkpoint); the live figure is in the engine's progress map. */
  bytesTransferred: number;
  /** All bytes are in the temp file. */
  transferred: boolean;
  /** Published under localName by Complete (BG_FILE_PROGRESS.Completed). */
  completed: boolean;
  etag: string | null;
  lastModified: string | null;
  finalUrl: string | null;
}

/** Upload and upload-reply jobs: where the session stands (spec §7.3), persisted for resume. */
export interface UploadRecord {
  session: UploadSessionState;
  /** Size and mtime of the local file when the upload first started (a change is BG_E_LOCAL_FILE_CHANGED). */
  expectedFile: { size: number; mtimeMs: number } | null;
  /** Close-Session was acknowledged (nothing left to say to the server). */
  closed: boolean;
  /** A 0-byte upload whose Close was refused was sent once more as a new session (upload-worker.ts). */
  emptyRetried?: boolean;
}

/** The reply of an upload-reply job (spec §3.3–§3.6). */
export interface ReplyRecord {
  /** null = BG_SIZE_UNKNOWN: the reply download has not begun. */
  bytesTotal: number | null;
  bytesTransferred: number;
  /** Temp file the reply is downloaded to (fixed when the download begins); Complete renames it. */
  tempName: string | null;
  etag: string | null;
  lastModified: string | null;
  /** The whole reply is in tempName (or the server sent none). */
  done: boolean;
}

/** One credential as stored: target and scheme in clear, user name and password sealed (vault.ts). */
export interface SealedCredential {
  target: number;
  scheme: number;
  /** AES-256-GCM of JSON {userName, password} under the per-user key. */
  sealed: string;
}

/** Where the notify command line stands for the job's current TRANSFERRED/ERROR event (spec §3.1). */
export interface NotifyRecord {
  /** The state whose entry triggered it (TRANSFERRED 6 or ERROR 4). */
  event: number;
  /** It ran and exited 0: nothing more to do for this event. */
  succeeded: boolean;
  /** Next run after a non-zero exit (ms since epoch), or null to run as soon as possible. */
  retryAt: number | null;
  runs: number;
}

export interface JobRecord {
  id: string;
  owner: string;
  type: number;
  state: number;
  displayName: string;
  description: string;
  priority: number;
  minimumRetryDelay: number;
  noProgressTimeout: number;
  notifyFlags: number;
  proxyUsage: number;
  proxyList: string | null;
  bypassList: string | null;
  notifyProgram: string | null;
  notifyParameters: string | null;
  createdAt: number;
  modifiedAt: number;
  transferCompletedAt: number | null;
  errorCount: number;
  error: StoredError | null;
  /** When the current run of transient errors began (no-progress timeout); null after progress. */
  firstTransientAt: number | null;
  /** When the retry timer (TRANSIENT_ERROR → QUEUED) falls due. */
  retryAt: number | null;
  /** Round-robin order among equal priorities: when the job last entered QUEUED. */
  queuedAt: number;
  /** The reply file name set by SetReplyFileName; null = generated (see replyPath in engine). */
  replyFileName: string | null;
  upload: UploadRecord | null;
  reply: ReplyRecord | null;
  credentials: SealedCredential[];
  notify: NotifyRecord | null;
  files: FileRecord[];
}
