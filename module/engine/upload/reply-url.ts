// Where to download the reply of an upload-reply job (spec §7.6). Windows IIS sends a path
// relative to the upload directory with backslashes and braces, e.g.
// `BITS-Sessions\Replies\{guid}\responsefile.bin`; a server application's static response URL
// arrives absolute and is used as it is.
import { replyUrlError } from './upload-errors.js';

/** Longer reply URLs are refused (spec §7.6: the server itself refuses them with 400). */
export const MAX_REPLY_URL_LENGTH = 2200;

// RFC 3986 pchar plus "/" (path) — everything else, `{` and `}` included, is percent-encoded.
const PATH_SAFE = /[A-Za-z0-9\-._~!$&'()*+,;=:@/]/;
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;

/**
 * The absolute reply URL for the BITS-Reply-URL `value` of the final Ack of a fragment sent to
 * `uploadUrl` (the URL the Ack came from, so a web-farm reply is fetched from the node holding it).
 * Throws a fatal BG_E_INVALID_SERVER_RESPONSE for an empty, unusable or too long value.
 */
export function resolveReplyUrl(uploadUrl: string, value: string): string {
  const v = value.trim();
  if (!v) throw replyUrlError(uploadUrl, 'The final Ack carried an empty BITS-Reply-URL');
  if (v.length > MAX_REPLY_URL_LENGTH) throw replyUrlError(uploadUrl, `The BITS-Reply-URL is ${v.length} characters long, more than ${MAX_REPLY_URL_LENGTH}`);
  let url: URL;
  try {
    url = SCHEME.test(v) ? new URL(v) : new URL(encodeRelative(v.replace(/\\/g, '/')), uploadUrl);
  } catch {
    throw replyUrlError(uploadUrl, `The BITS-Reply-URL "${v.slice(0, 200)}" is not a usable URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw replyUrlError(uploadUrl, `The BITS-Reply-URL "${v.slice(0, 200)}" is not an http: or https: URL`);
  }
  if (url.href.length > MAX_REPLY_URL_LENGTH) throw replyUrlError(uploadUrl, `The resolved reply URL is longer than ${MAX_REPLY_URL_LENGTH} characters`);
  return url.href;
}

/** Percent-encodes what may not stand in a URL path (existing %XX escapes are kept); a query is kept as a query. */
function encodeRelative(ref: string): string {
  const q = ref.indexOf('?');
  const path = q < 0 ? ref : ref.slice(0, q);
  const query = q < 0 ? '' : '?' + encodePart(ref.slice(q + 1), /[?]/);
  return encodePart(path) + query;
}

function encodePart(s: string, alsoSafe?: RegExp): string {
  let out = '';
  const chars = [...s];
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i]!;
    if (ch === '%' && /^[0-9A-Fa-f]{2}$/.test((chars[i + 1] ?? '') + (chars[i + 2] ?? ''))) out += ch;
    else if (PATH_SAFE.test(ch) || alsoSafe?.test(ch)) out += ch;
    else out += encodeURIComponent(ch).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
  }
  return out;
}
