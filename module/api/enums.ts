// BITS enumerations with their numeric values (spec §2.1, §2.2). Names are the BITS names without
// their prefix so that `JobState.TRANSFERRED === 6` reads like the header.

export const JobState = {
  QUEUED: 0,
  CONNECTING: 1,
  TRANSFERRING: 2,
  SUSPENDED: 3,
  ERROR: 4,
  TRANSIENT_ERROR: 5,
  TRANSFERRED: 6,
  ACKNOWLEDGED: 7,
  CANCELLED: 8,
} as const;
export type JobStateName = keyof typeof JobState;

export const JobPriority = { FOREGROUND: 0, HIGH: 1, NORMAL: 2, LOW: 3 } as const;
export type JobPriorityName = keyof typeof JobPriority;

export const JobType = { DOWNLOAD: 0, UPLOAD: 1, UPLOAD_REPLY: 2 } as const;
export type JobTypeName = keyof typeof JobType;

export const ProxyUsage = { PRECONFIG: 0, NO_PROXY: 1, OVERRIDE: 2, AUTODETECT: 3 } as const;
export type ProxyUsageName = keyof typeof ProxyUsage;

export const ErrorContext = {
  NONE: 0,
  UNKNOWN: 1,
  GENERAL_QUEUE_MANAGER: 2,
  QUEUE_MANAGER_NOTIFICATION: 3,
  LOCAL_FILE: 4,
  REMOTE_FILE: 5,
  GENERAL_TRANSPORT: 6,
  REMOTE_APPLICATION: 7,
  SERVER_CERTIFICATE_CALLBACK: 8,
} as const;
export type ErrorContextName = keyof typeof ErrorContext;

export const AuthTarget = { SERVER: 1, PROXY: 2 } as const;
export type AuthTargetName = keyof typeof AuthTarget;

export const AuthScheme = { BASIC: 1, DIGEST: 2, NTLM: 3, NEGOTIATE: 4, PASSPORT: 5 } as const;
export type AuthSchemeName = keyof typeof AuthScheme;

/** IIS BITSServerNotificationType of the upload server (`serve --notify-type`); 0 (none) is "no --notify-url". */
export const ServerNotificationType = { REFERENCE: 1, VALUE: 2 } as const;
export type ServerNotificationTypeName = keyof typeof ServerNotificationType;

export const NotifyFlags = {
  JOB_TRANSFERRED: 0x0001,
  JOB_ERROR: 0x0002,
  DISABLE: 0x0004,
  JOB_MODIFICATION: 0x0008,
  FILE_TRANSFERRED: 0x0010,
  FILE_RANGES_TRANSFERRED: 0x0020,
} as const;
/** Every bit SetNotifyFlags accepts; others are E_NOTIMPL (spec §4.1 [DECISION]). */
export const NOTIFY_FLAGS_VALID_MASK = 0x3f;

/** BG_SIZE_UNKNOWN (UINT64 -1) is `null` in TypeScript and JSON (DESIGN §4). */
export const BG_SIZE_UNKNOWN = null;

/** Reverse lookup: the name of `value` in `table`, or undefined. */
export function nameOf<T extends Record<string, number>>(table: T, value: number): keyof T | undefined {
  for (const [k, v] of Object.entries(table)) if (v === value) return k as keyof T;
  return undefined;
}

/** Accepts a name (case-insensitive, with or without the BG_ prefix) or a number; returns the number. */
export function parseEnum<T extends Record<string, number>>(table: T, input: string | number): number | undefined {
  if (typeof input === 'number') return Object.values(table).includes(input) ? input : undefined;
  const s = String(input).trim();
  if (/^\d+$/.test(s)) return parseEnum(table, Number(s));
  const key = s.toUpperCase().replace(/^BG_(JOB_(STATE|PRIORITY|TYPE|PROXY_USAGE)_|ERROR_CONTEXT_|AUTH_(TARGET|SCHEME)_)/, '').replace(/-/g, '_');
  return key in table ? table[key as keyof T] : undefined;
}
