// What a response says about the identity of the remote file (ETag, Last-Modified, size), and how
// two such descriptions compare. BITS guarantees per-file consistency by size and time stamp (§5.4);
// we also use a strong ETag when the server has one, because it is the more precise of the two.
import type { IncomingHttpHeaders } from 'node:http';
import type { RemoteValidator } from './download-port.js';

function header(headers: IncomingHttpHeaders, name: string): string | null {
  const v = headers[name];
  if (v === undefined) return null;
  return (Array.isArray(v) ? v[0] : v)?.trim() || null;
}

/** A strong ETag, or null. Weak ones (W/"…") only promise "semantically equal", not equal bytes. */
export function strongEtag(headers: IncomingHttpHeaders): string | null {
  const etag = header(headers, 'etag');
  if (!etag || /^W\//i.test(etag)) return null;
  return etag;
}

export function lastModified(headers: IncomingHttpHeaders): string | null {
  return header(headers, 'last-modified');
}

/** Content-Length as a safe non-negative integer, or null when absent or malformed. */
export function contentLength(headers: IncomingHttpHeaders): number | null {
  const v = header(headers, 'content-length');
  if (v === null || !/^\d+$/.test(v)) return null;
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : null;
}

export function validatorFrom(headers: IncomingHttpHeaders, totalSize: number | null): RemoteValidator {
  return { etag: strongEtag(headers), lastModified: lastModified(headers), totalSize };
}

/** True when the validator lets a server decide with If-Range whether our partial bytes are still good. */
export function canValidateResume(v: RemoteValidator | null): v is RemoteValidator {
  return !!v && (v.etag !== null || v.lastModified !== null);
}

/** The If-Range value: the strong ETag if we have one, else the Last-Modified date. */
export function ifRangeValue(v: RemoteValidator): string {
  return (v.etag ?? v.lastModified)!;
}

export type Sameness = 'same' | 'different' | 'unknown';

/**
 * Compare two descriptions of a remote file. 'unknown' when they share no validator: callers must
 * decide which way to err (restarting is always safe, declaring "same" never is).
 */
export function compareValidators(a: RemoteValidator, b: RemoteValidator): Sameness {
  if (a.totalSize !== null && b.totalSize !== null && a.totalSize !== b.totalSize) return 'different';
  if (a.etag !== null && b.etag !== null) return a.etag === b.etag ? 'same' : 'different';
  if (a.lastModified !== null && b.lastModified !== null) return a.lastModified === b.lastModified ? 'same' : 'different';
  return 'unknown';
}

/** Last-Modified as a Date for stamping the finished file, or null when absent or unparseable. */
export function lastModifiedDate(v: RemoteValidator): Date | null {
  if (!v.lastModified) return null;
  const t = Date.parse(v.lastModified);
  return Number.isNaN(t) ? null : new Date(t);
}
