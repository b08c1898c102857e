// The port between the engine and the BITS Upload Protocol client (spec §7.1–§7.3, §7.5, §7.7).
// The engine owns job state and persistence; the client owns the packets of one session.
import type { DownloadTlsOptions } from '../http/download-port.js';
import type { TransportOptions } from '../transport-port.js';
import type { SessionConnection } from './session-connection.js';
import type { TransferPacer } from '../rate/pacer.js';

/** Everything needed to continue a session after a pause, a crash or a reboot. Persisted by the engine. */
export interface UploadSessionState {
  /** BITS-Session-Id exactly as the server sent it (echoed byte for byte), or null before Create-Session. */
  sessionId: string | null;
  /** BITS-Host-Id from the Create-Session Ack (web-farm affinity), or null. */
  hostId: string | null;
  /** BITS-Host-Id-Fallback-Timeout in seconds; null = never fall back. */
  hostIdFallbackTimeout: number | null;
  /** When the host-id server first became unreachable (ms since epoch), null while it answers. */
  hostIdFailingSince: number | null;
  /** Next byte the server wants (BITS-Received-Content-Range of the last Ack). */
  offset: number;
  /** True once the final fragment was acknowledged (the server has the whole file). */
  uploadComplete: boolean;
  /** Absolute reply URL (resolved from BITS-Reply-URL, §7.6) once the final Ack carried one. */
  replyUrl: string | null;
  /**
   * New sessions started in a row because the server lost or refused the previous one before it
   * took a byte (absent = 0). Bounds restarts across calls: a server that refuses everything ends
   * in ERROR instead of TRANSIENT_ERROR for ever.
   */
  sessionsWithoutProgress?: number;
}

export const NEW_SESSION: UploadSessionState = Object.freeze({
  sessionId: null, hostId: null, hostIdFallbackTimeout: null, hostIdFailingSince: null, offset: 0, uploadComplete: false, replyUrl: null,
});

export interface UploadCommonOptions {
  /** The job's remote URL (the host part is replaced by the session's host id when there is one). */
  url: string;
  signal: AbortSignal;
  /**
   * Request send limit and response wait limit (spec §7.3: 2 min and 5 min). The send limit counts
   * from the request's last progress (a stalled body, not a slow one, trips it); both → transient
   * ERROR_INTERNET_TIMEOUT.
   */
  requestTimeoutMs?: number;
  responseTimeoutMs?: number;
  /** Extra request headers. */
  headers?: Record<string, string>;
  tls?: DownloadTlsOptions;
  /**
   * The job's proxy settings and credentials (spec §3.7, §4.1). Absent = direct, no credentials.
   * Every packet may be challenged: a 401/407 is answered once with the job's SERVER/PROXY
   * credentials (a Fragment is re-sent with its body), else fatal BG_E_HTTP_ERROR_401/407; invalid
   * proxy settings → fatal BG_E_INVALID_PROXY_INFO.
   */
  transport?: TransportOptions;
  /** Clock for the host-id fallback timer (ms since epoch). */
  now?: () => number;
  /**
   * The session's connection, owned by the caller (openSessionConnection) so Create-Session, every
   * Fragment and Close-Session or Cancel-Session go over one TCP connection — some servers keep the
   * session in it. Absent: the call opens its own and closes it when it ends.
   */
  connection?: SessionConnection;
  /** Sends Fragment bodies only as fast as this allows (background jobs, module/engine/rate); absent = full speed. */
  pacer?: TransferPacer;
}

export interface UploadRequest extends UploadCommonOptions {
  localPath: string;
  /** Size and mtime of the local file when the job first started; any change → BG_E_LOCAL_FILE_CHANGED. */
  expectedFile: { size: number; mtimeMs: number };
  /** Upload-reply: the final Ack must carry BITS-Reply-URL (else BG_E_INVALID_SERVER_RESPONSE). */
  wantReply: boolean;
  /** Where to continue (NEW_SESSION for a fresh job). */
  session: UploadSessionState;
  /**
   * Called whenever the session state changes (Create-Session Ack, every fragment Ack, final Ack,
   * host-id failure/fallback, restart); the engine persists it before the next packet. A returned
   * promise is awaited before anything else is sent. Each call gets a fresh object.
   */
  onSession(state: UploadSessionState): void | Promise<void>;
  /** The first Ack of this attempt arrived (CONNECTING → TRANSFERRING). */
  onConnected?(): void;
  /** Fragment sizes: Windows uses 5 KB minimum, 13 MB maximum (spec §7.3). */
  minFragment?: number;
  maxFragment?: number;
  /** Size of the first fragment of a call (default 1 MiB), grown/shrunk from there. */
  initialFragment?: number;
  /**
   * A connection that drops after the server answered on it is reopened (Ping, then the server's
   * range) this many times in a row without progress before the call fails (default 2; 0 = never).
   */
  reconnects?: number;
}

export interface UploadResult {
  session: UploadSessionState;
}

/** Close-Session / Cancel-Session of an existing session (retried on 5xx except BG_E_SESSION_NOT_FOUND, spec §7.2). */
export interface SessionEndRequest extends UploadCommonOptions {
  session: UploadSessionState;
  /** How many times to re-send on 5xx before giving up (default 3). */
  retries?: number;
  /** Pause between those re-sends (default 1000 ms). */
  retryDelayMs?: number;
  /**
   * Called when the session state changes — the host-id host stopped answering, so its fallback
   * timer starts; the engine persists it like UploadRequest.onSession's states.
   */
  onSession?: (state: UploadSessionState) => void | Promise<void>;
}
