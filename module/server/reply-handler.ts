// The in-process server application: a JS function the server calls once an upload is complete
// (the role of BITSServerNotificationURL, spec §7.6, without the HTTP round trip).

export interface ReplyContext {
  /** Local path of the uploaded bytes (the session's request file; deleted after Close/Cancel unless published). */
  uploadPath: string;
  /** Size of the upload in bytes. */
  size: number;
  /** The upload URL as the client addressed it at Create-Session (BITS-Original-Request-URL). */
  remoteUrl: string;
  /** `{GUID}` of the BITS session. */
  sessionId: string;
  /** Query string of the upload URL, with its leading '?', or '' (e.g. '?ACCOUNT=86433'). */
  query: string;
  /** Remote address of the client that created the session. */
  clientAddress: string;
  /** User name the client authenticated as (serve --auth), or null without authentication. */
  user: string | null;
  /** Aborted when the server gives up waiting (notification timeout) or closes. */
  signal: AbortSignal;
}

export interface ReplyResult {
  /** The reply bytes (a string is sent as UTF-8). */
  reply?: Buffer | Uint8Array | string;
  /** A file whose content is the reply; it is copied, never moved or deleted. */
  replyFile?: string;
  /** The reply is at this absolute URL (BITS-Static-Response-URL): sent to the client as is, never deleted. */
  staticResponseUrl?: string;
  /** Also publish the upload at its URL's path on Close-Session (BITS-Copy-File-To-Destination). */
  copyToDestination?: boolean;
}

/** Returning undefined means success with an empty reply. */
export type ReplyHandler = (ctx: ReplyContext) => Promise<ReplyResult | undefined | void> | ReplyResult | undefined | void;

/**
 * Thrown by a reply handler to answer the client with this HTTP status and BITS-Error-Context 0x7
 * (server application error), as a notified application does with its HTTP status. The client
 * classifies it by status (spec §7.7): 4xx fatal except 408/409, 5xx transient except 501/505.
 * The session stays, so the client's retry of the last fragment notifies again.
 */
export class BitsAppError extends Error {
  readonly status: number;
  /** BITS-Error-Code sent with the status; default BG_E_HTTP_ERROR_<status> (0x80190000 + status). */
  readonly hresult: number;

  constructor(status: number, message?: string, hresult?: number) {
    if (!Number.isInteger(status) || status < 300 || status > 599) throw new RangeError(`BitsAppError status must be 300..599 (got ${status})`);
    super(message ?? `server application answered ${status}`);
    this.name = 'BitsAppError';
    this.status = status;
    this.hresult = (hresult ?? 0x80190000 + status) >>> 0;
  }
}
