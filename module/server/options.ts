// Configuration of the BITS upload server. Each option names the IIS BITS Server Extension
// property it stands for (spec §9), so that an IIS configuration translates one to one.
import { join, resolve } from 'node:path';
import type { ServerAuthOptions } from './auth/auth-gate.js';
import type { ReplyHandler } from './reply-handler.js';

export interface NotificationOptions {
  /**
   * BITSServerNotificationType: 'reference' (1) posts the paths of the uploaded file and of the reply
   * file; 'value' (2) posts the uploaded bytes as the body and takes the response body as the reply.
   */
  type: 'reference' | 'value';
  /**
   * BITSServerNotificationURL: where the server application listens (http only, ≤ 2200 chars). A
   * relative URL is resolved against the directory of the upload URL; the query string of the
   * upload URL is appended.
   */
  url: string;
}

export interface BitsUploadHandlerOptions {
  /** Physical path of the virtual directory: uploads are published below it (must exist). */
  root: string;
  /** URL path that maps to `root` (IIS: the virtual directory's path). Default '/'. */
  urlPrefix?: string;
  /**
   * Where session data lives (IIS keeps it in `<vdir>\BITS-Sessions`). Default `<root>/BITS-Sessions`.
   * Layout: `Requests/<id>/requestfile.bin` + `Requests/<id>/session.json`, `Replies/<id>/responsefile.bin`.
   * Sessions survive a restart of the server. Several handlers (a farm of instances) may share one
   * directory when each is started with `farm: true`.
   */
  sessionsDir?: string;
  /**
   * This instance shares `sessionsDir` with others (a farm behind a load balancer): the sessions
   * are registered and leased in <sessionsDir>/sessions.db (farm-registry.ts; needs SQLite and a
   * file system with POSIX locks). Default false: the instance is alone on the directory, which
   * <sessionsDir>/serve.lock makes sure of (a second one refuses to start).
   */
  farm?: boolean;
  /** BITSAllowOverwrites: an upload may replace an existing file. Default false (Create-Session → 409). */
  allowOverwrites?: boolean;
  /** BITSMaximumUploadSize: largest upload in bytes; null = unlimited (default). Over it → 500 BG_E_TOO_LARGE. */
  maxUploadSize?: number | null;
  /** BITSSessionTimeout: seconds a session may stay idle before it and its data are deleted. Default 1,209,600 (14 days). */
  sessionTimeoutSeconds?: number;
  /**
   * BITSCleanupCount/BITSCleanupUnits: how often expired sessions are swept, in seconds. Default:
   * 12 hours (IIS's default schedule), or a quarter of the session timeout when that is shorter.
   * Expired sessions are also refused the moment they are looked up, whatever the schedule.
   */
  cleanupIntervalSeconds?: number;
  /** BITSSessionLimitEnable/BITSNumberOfSessionsLimit: open sessions per client (by remote address). Default 50; 0 = no limit. */
  maxSessionsPerClient?: number;
  /** Largest fragment body accepted, in bytes; larger → 413 (the client shrinks its fragments). Default 16 MiB. */
  maxFragmentBytes?: number;
  /** BITSHostId: web-farm affinity host (≤ 300 chars) sent in the Create-Session Ack. */
  hostId?: string;
  /** BITSHostIdFallbackTimeout: seconds, sent with the host id. Default 86,400; null = not sent. */
  hostIdFallbackTimeout?: number | null;
  /** BITSServerNotificationType + BITSServerNotificationURL: notify a server application over HTTP. */
  notification?: NotificationOptions;
  /** An in-process server application (our addition, in place of a notification URL). */
  replyHandler?: ReplyHandler;
  /** Time the application has to answer a notification (IIS: 5 minutes). Over it → 408, context 0x7. */
  notificationTimeoutMs?: number;
  /** Also serve published files with GET/HEAD (default true). Reply files are always served. */
  servePublished?: boolean;
  /**
   * Called with one line per request and per session event (for a log), and the same event as
   * fields (`serve --log-format json` prints those, one JSON object a line).
   */
  log?: (line: string, event?: ServerLogEvent) => void;
  /**
   * Authentication of uploading clients (IIS: the virtual directory's Basic/Digest authentication):
   * Basic against an htpasswd file or Digest against an htdigest file, on some or all URL paths.
   * Refused requests get 401 + WWW-Authenticate before any byte of their body is read. A session
   * belongs to the user who created it; the reply handler and notification learn the user name.
   */
  auth?: ServerAuthOptions;
  /** Client addresses or CIDR ranges allowed at all (others: 403 E_ACCESSDENIED). Default: everyone. */
  allowClients?: string[];
  /**
   * A session belongs to the address that created it too (default true): packets naming it from
   * another address get BG_E_SESSION_NOT_FOUND, as if it did not exist — the client starts a new
   * session. Set false when clients roam between addresses in the middle of uploads.
   */
  bindSessionsToClientAddress?: boolean;
  /**
   * Addresses of reverse proxies in front of the server (nginx): for connections from them the
   * client address is the last X-Forwarded-For entry and the scheme X-Forwarded-Proto. Default none.
   */
  trustedProxies?: string[];
  /** Clock in ms since the epoch (tests inject one to expire sessions). Default Date.now. */
  now?: () => number;
}

/** The fields of a log line: `event` says which kind; never a secret (no header values). */
export type ServerLogEvent =
  | { event: 'request'; client: string; method: string; packet: string | null; url: string; status: number; session: string | null; user: string | null; received?: number; error?: string; reason?: string }
  | { event: 'session'; action: string; session: string; client: string; user: string | null; destination: string; bytes: number; total: number | null; status?: number }
  | { event: 'error'; message: string };

/** A session event's fields. */
export function sessionEvent(action: string, rec: { id: string; clientAddress: string; user?: string | null; destination: string; received: number; total: number | null }, extra: { status?: number } = {}): ServerLogEvent {
  return { event: 'session', action, session: rec.id, client: rec.clientAddress, user: rec.user ?? null, destination: rec.destination, bytes: rec.received, total: rec.total, ...extra };
}

export const BITS_PROTOCOL_GUID = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
export const DEFAULT_SESSION_TIMEOUT_SECONDS = 1_209_600;
export const DEFAULT_HOST_ID_FALLBACK_TIMEOUT = 86_400;
export const DEFAULT_MAX_SESSIONS_PER_CLIENT = 50;
/**
 * Far above the 13 MB of Windows clients: a body streams to disk in constant memory whatever its
 * size, and every Fragment costs the client a stop-and-wait gap. Our client learns it from
 * MAX_FRAGMENT_HEADER; other clients never send more than 13 MB.
 */
export const DEFAULT_MAX_FRAGMENT_BYTES = 256 * 1024 * 1024;
/** Our extension: the Create-Session and Ping Acks name maxFragmentBytes (module/engine/upload/packets.ts reads it). */
export const MAX_FRAGMENT_HEADER = 'BITS-Job2-Max-Fragment-Size';
export const DEFAULT_NOTIFICATION_TIMEOUT_MS = 5 * 60_000;
/** Name of the sessions directory and the first segment of every reply URL (Windows' spelling). */
export const SESSIONS_DIR_NAME = 'BITS-Sessions';
/** Longest notification URL and reply URL (spec §7.6, §9). */
export const MAX_URL_CHARS = 2200;
export const MAX_HOST_ID_CHARS = 300;

/** Options with every default applied and paths made absolute. */
export interface ResolvedOptions {
  root: string;
  urlPrefix: string;
  sessionsDir: string;
  farm: boolean;
  allowOverwrites: boolean;
  maxUploadSize: number | null;
  sessionTimeoutMs: number;
  cleanupIntervalMs: number;
  maxSessionsPerClient: number;
  maxFragmentBytes: number;
  hostId: string | null;
  hostIdFallbackTimeout: number | null;
  notification: NotificationOptions | null;
  replyHandler: ReplyHandler | null;
  notificationTimeoutMs: number;
  servePublished: boolean;
  log: (line: string, event?: ServerLogEvent) => void;
  auth: ServerAuthOptions | null;
  allowClients: string[] | null;
  bindSessionsToClientAddress: boolean;
  trustedProxies: string[] | null;
  now: () => number;
}

function positive(name: string, value: number | undefined, fallback: number, allowZero = false): number {
  if (value === undefined) return fallback;
  if (!Number.isFinite(value) || value < 0 || (!allowZero && value === 0)) throw new RangeError(`${name} must be a ${allowZero ? 'non-negative' : 'positive'} number (got ${value})`);
  return value;
}

export function resolveOptions(o: BitsUploadHandlerOptions): ResolvedOptions {
  if (!o || typeof o.root !== 'string' || !o.root) throw new TypeError('root is required: the directory uploads are published to');
  const root = resolve(o.root);
  let urlPrefix = o.urlPrefix ?? '/';
  if (!urlPrefix.startsWith('/')) urlPrefix = '/' + urlPrefix;
  if (!urlPrefix.endsWith('/')) urlPrefix += '/';
  const sessionTimeoutMs = positive('sessionTimeoutSeconds', o.sessionTimeoutSeconds, DEFAULT_SESSION_TIMEOUT_SECONDS) * 1000;
  const cleanupIntervalMs =
    o.cleanupIntervalSeconds !== undefined
      ? positive('cleanupIntervalSeconds', o.cleanupIntervalSeconds, 1) * 1000
      : Math.max(1000, Math.min(12 * 3600_000, sessionTimeoutMs / 4));
  if (o.maxUploadSize !== undefined && o.maxUploadSize !== null) positive('maxUploadSize', o.maxUploadSize, 0, true);
  if (o.hostId !== undefined && (o.hostId.length === 0 || o.hostId.length > MAX_HOST_ID_CHARS || /[\s/\\]/.test(o.hostId))) {
    throw new RangeError(`hostId must be a host name or IP literal of 1..${MAX_HOST_ID_CHARS} characters`);
  }
  if (o.notification) {
    if (o.notification.type !== 'reference' && o.notification.type !== 'value') throw new RangeError("notification.type must be 'reference' or 'value'");
    if (!o.notification.url || o.notification.url.length > MAX_URL_CHARS) throw new RangeError(`notification.url must be 1..${MAX_URL_CHARS} characters`);
    if (/^[a-z][a-z0-9+.-]*:/i.test(o.notification.url) && !/^http:\/\//i.test(o.notification.url)) {
      throw new RangeError('notification.url must be an http:// URL or a relative URL (Windows servers do not notify over https either)');
    }
  }
  if (o.notification && o.replyHandler) throw new TypeError('give either notification or replyHandler, not both');
  return {
    root,
    urlPrefix,
    sessionsDir: o.sessionsDir ? resolve(o.sessionsDir) : join(root, SESSIONS_DIR_NAME),
    farm: o.farm === true,
    allowOverwrites: o.allowOverwrites === true,
    maxUploadSize: o.maxUploadSize ?? null,
    sessionTimeoutMs,
    cleanupIntervalMs,
    maxSessionsPerClient: positive('maxSessionsPerClient', o.maxSessionsPerClient, DEFAULT_MAX_SESSIONS_PER_CLIENT, true),
    maxFragmentBytes: positive('maxFragmentBytes', o.maxFragmentBytes, DEFAULT_MAX_FRAGMENT_BYTES),
    hostId: o.hostId ?? null,
    hostIdFallbackTimeout: o.hostIdFallbackTimeout === null ? null : positive('hostIdFallbackTimeout', o.hostIdFallbackTimeout, DEFAULT_HOST_ID_FALLBACK_TIMEOUT),
    notification: o.notification ?? null,
    replyHandler: o.replyHandler ?? null,
    notificationTimeoutMs: positive('notificationTimeoutMs', o.notificationTimeoutMs, DEFAULT_NOTIFICATION_TIMEOUT_MS),
    servePublished: o.servePublished !== false,
    log: o.log ?? (() => undefined),
    auth: checkAuth(o.auth),
    allowClients: o.allowClients ?? null,
    bindSessionsToClientAddress: o.bindSessionsToClientAddress !== false,
    trustedProxies: o.trustedProxies ?? null,
    now: o.now ?? Date.now,
  };
}

function checkAuth(a: ServerAuthOptions | undefined): ServerAuthOptions | null {
  if (!a) return null;
  if (a.scheme !== 'basic' && a.scheme !== 'digest') throw new RangeError("auth.scheme must be 'basic' or 'digest'");
  if (!a.usersFile) throw new TypeError('auth.usersFile is required: the htpasswd (basic) or htdigest (digest) file');
  if (a.nonceLifetimeSeconds !== undefined) positive('auth.nonceLifetimeSeconds', a.nonceLifetimeSeconds, 300);
  return { ...a, usersFile: resolve(a.usersFile) };
}
