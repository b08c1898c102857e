// From a request URL to a path below the server's root, refusing everything that could escape it
// or that Windows could not store: the server must behave the same for a Windows client whatever OS
// it runs on, and a name IIS would refuse is refused here too.
import { SESSIONS_DIR_NAME } from './options.js';

export interface RequestTarget {
  /** Path as sent (still percent-encoded). */
  pathname: string;
  /** Query with its '?', or ''. */
  search: string;
}

/** Splits origin-form (`/a/b?q`) or absolute-form (`http://h/a/b?q`) request targets. */
export function parseTarget(url: string | undefined): RequestTarget | null {
  if (!url) return null;
  if (url.startsWith('/')) {
    const q = url.indexOf('?');
    return q < 0 ? { pathname: url, search: '' } : { pathname: url.slice(0, q), search: url.slice(q) };
  }
  try {
    const u = new URL(url);
    if (u.protocol !== 'http:' && u.protocol !== 'https:') return null;
    const q = url.indexOf('?');
    return { pathname: u.pathname, search: q < 0 ? '' : url.slice(q).replace(/#.*$/, '') };
  } catch {
    return null;
  }
}

/** The part of `pathname` after `prefix` (IIS compares paths case-insensitively), or null outside it. */
export function stripPrefix(pathname: string, prefix: string): string | null {
  if (prefix === '/') return pathname.slice(1);
  const p = pathname.toLowerCase();
  const x = prefix.toLowerCase();
  if (p.startsWith(x)) return pathname.slice(prefix.length);
  if (p === x.slice(0, -1)) return '';
  return null;
}

export type SegmentsResult = { ok: true; segments: string[] } | { ok: false; status: 400 | 403; reason: string };

// CON, PRN, AUX, NUL, COM1-9, LPT1-9 (and the superscript digits Windows also reserves), with or
// without an extension: Windows opens the device instead of a file of that name.
const DEVICE = /^(con|prn|aux|nul|com[1-9\u00b9\u00b2\u00b3]|lpt[1-9\u00b9\u00b2\u00b3])$/i;
// Characters Windows forbids in names; ':' also rules out drive letters and alternate data streams.
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u001f\u007f<>:"|?*\\/]/;

/** Why `name` cannot be a file or directory name, or null when it can. */
export function unsafeNameReason(name: string): string | null {
  if (name === '') return 'empty path segment';
  if (name === '.' || name === '..') return `path segment "${name}" (traversal)`;
  if (FORBIDDEN.test(name)) return `path segment ${JSON.stringify(name)} has a character Windows forbids (control, < > : " | ? * \\ /)`;
  if (/[. ]$/.test(name)) return `path segment ${JSON.stringify(name)} ends with a dot or a space`;
  const base = name.split('.')[0]!.replace(/ +$/, '');
  if (DEVICE.test(base)) return `path segment ${JSON.stringify(name)} is a Windows device name`;
  if (name.length > 255) return 'path segment longer than 255 characters';
  return null;
}

/**
 * Decodes the path below the root into segments and checks each one. A trailing '/' (a directory
 * URL) yields an empty last segment, reported as such so the caller can answer "maps to a directory".
 */
export function decodeSegments(rest: string): SegmentsResult {
  if (rest === '') return { ok: false, status: 400, reason: 'the URL maps to the root directory' };
  const raw = rest.split('/');
  const segments: string[] = [];
  for (let i = 0; i < raw.length; i++) {
    let name: string;
    try {
      name = decodeURIComponent(raw[i]!);
    } catch {
      return { ok: false, status: 400, reason: `path segment "${raw[i]!.slice(0, 50)}" is not valid percent-encoding` };
    }
    if (name === '' && i === raw.length - 1) return { ok: false, status: 400, reason: 'the URL maps to a directory' };
    const why = unsafeNameReason(name);
    if (why) return { ok: false, status: 400, reason: why };
    if (name.toLowerCase() === SESSIONS_DIR_NAME.toLowerCase()) return { ok: false, status: 403, reason: `${SESSIONS_DIR_NAME} is reserved for session data` };
    segments.push(name);
  }
  return { ok: true, segments };
}

const GUID = /^\{[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\}$/i;

/** `{GUID}` upper-case when `id` is a brace GUID, else null (session ids never reach the disk unchecked). */
export function normalizeSessionId(id: string | undefined): string | null {
  if (!id) return null;
  const v = id.trim();
  return GUID.test(v) ? v.toUpperCase() : null;
}

/**
 * The session whose reply `rest` addresses: `…/BITS-Sessions/Replies/{GUID}/responsefile.bin`, the
 * reply URL of spec §7.6 resolved against the upload URL's directory (segments compared
 * case-insensitively, like IIS). Any directory before it is accepted: the GUID is unguessable and
 * the reply is only served while its session exists.
 */
export function replySessionId(rest: string): string | null {
  const raw = rest.split('/');
  if (raw.length < 4) return null;
  let tail: string[];
  try {
    tail = raw.slice(-4).map((s) => decodeURIComponent(s));
  } catch {
    return null;
  }
  const [dir, replies, id, file] = tail as [string, string, string, string];
  if (dir.toLowerCase() !== SESSIONS_DIR_NAME.toLowerCase() || replies.toLowerCase() !== 'replies' || file.toLowerCase() !== 'responsefile.bin') return null;
  return normalizeSessionId(id);
}

/** BITS-Reply-URL for a session: relative to the upload URL's directory, backslashes, like IIS. */
export function replyUrlFor(sessionId: string): string {
  return `${SESSIONS_DIR_NAME}\\Replies\\${sessionId}\\responsefile.bin`;
}
