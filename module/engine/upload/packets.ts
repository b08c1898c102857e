// The BITS Upload Protocol on the wire (spec §7.1, §7.2): how each request packet is spelled and
// how the fields of an Ack are read. No I/O here, so every spelling can be tested on its own.
import type { IncomingHttpHeaders } from 'node:http';
import { basename } from 'node:path';
import { toUnsigned } from '../../api/hresult.js';
import { USER_AGENT } from './user-agent.js';

/** The only upload protocol there is (spec §7.2); servers pick the first GUID they support. */
export const BITS_PROTOCOL_GUID = '{7df0354d-249b-430f-820d-3d2a9bef4931}';
/**
 * Our server's extension (module/server/options.ts spells it too): the largest Fragment body it
 * accepts, on its Create-Session and Ping Acks. No other server sends it; for them the 13 MB of
 * Windows stays the ceiling.
 */
export const MAX_FRAGMENT_HEADER = 'BITS-Job2-Max-Fragment-Size';
/** Every packet is this extension method, never POST (spec §7.1). */
export const BITS_METHOD = 'BITS_POST';

/** Windows spellings (spec §7.1 [DECISION]); servers compare case-insensitively. */
export type PacketType = 'Ping' | 'Create-Session' | 'Fragment' | 'Close-Session' | 'Cancel-Session';

/** Bytes of the local file sent as a Fragment body. */
export interface FragmentBody {
  path: string;
  start: number;
  length: number;
}

export interface Packet {
  type: PacketType;
  headers: Record<string, string>;
  body?: FragmentBody;
}

// What Windows sends with every packet (spec §7.1 [OBS]); Content-Length is always explicit so Node
// never switches to chunked encoding, which BITS servers do not accept.
function common(type: PacketType, contentLength: number): Record<string, string> {
  return {
    'BITS-Packet-Type': type,
    Accept: '*/*',
    'User-Agent': USER_AGENT,
    Connection: 'Keep-Alive',
    'Content-Length': String(contentLength),
  };
}

export function pingPacket(): Packet {
  return { type: 'Ping', headers: common('Ping', 0) };
}

export function createSessionPacket(): Packet {
  return { type: 'Create-Session', headers: { ...common('Create-Session', 0), 'BITS-Supported-Protocols': BITS_PROTOCOL_GUID } };
}

export function fragmentPacket(sessionId: string, contentName: string, start: number, length: number, total: number, path: string): Packet {
  return {
    type: 'Fragment',
    headers: {
      ...common('Fragment', length),
      'BITS-Session-Id': sessionId,
      'Content-Name': contentName,
      // Zero-based and inclusive; Windows writes the unit in lower case (spec §7.2).
      'Content-Range': `bytes ${start}-${start + length - 1}/${total}`,
    },
    body: { path, start, length },
  };
}

export function closeSessionPacket(sessionId: string): Packet {
  return { type: 'Close-Session', headers: { ...common('Close-Session', 0), 'BITS-Session-Id': sessionId } };
}

export function cancelSessionPacket(sessionId: string): Packet {
  return { type: 'Cancel-Session', headers: { ...common('Cancel-Session', 0), 'BITS-Session-Id': sessionId } };
}

const CONTENT_NAME_MAX = 260;

/**
 * Content-Name: the local file name without its folder (spec §7.2: ≤ 260 chars, none of \ / : * ? " < > |).
 * Servers ignore it, but a header value must be plain ASCII for Node to send it at all, so anything
 * else (and the forbidden characters) is percent-encoded as UTF-8 instead of failing the upload.
 */
export function contentNameOf(localPath: string): string {
  const name = basename(localPath);
  let out = '';
  for (const ch of name) {
    const cp = ch.codePointAt(0)!;
    const plain = cp > 0x20 && cp < 0x7f && !'\\/:*?"<>|%'.includes(ch);
    out += plain || ch === ' ' ? ch : Buffer.from(ch, 'utf8').reduce((s, b) => s + '%' + b.toString(16).toUpperCase().padStart(2, '0'), '');
  }
  out = out.trim() || 'file';
  return out.length > CONTENT_NAME_MAX ? out.slice(0, CONTENT_NAME_MAX) : out;
}

// ---- Ack fields ----

/** One header's value (the first, if a broken server repeated it), or undefined. */
export function headerValue(headers: IncomingHttpHeaders, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Every response of a BITS server says `BITS-Packet-Type: Ack` (spec §7.1); a plain web server does not. */
export function isAck(headers: IncomingHttpHeaders): boolean {
  return headerValue(headers, 'bits-packet-type')?.trim().toLowerCase() === 'ack';
}

/**
 * BITS-Received-Content-Range: the decimal offset of the next byte the server wants (spec §7.2).
 * Anything that is not a plain number within 0..total is unusable (null).
 */
export function parseReceivedRange(value: string | undefined, total: number): number | null {
  const s = value?.trim();
  if (!s || !/^\d{1,16}$/.test(s)) return null;
  const n = Number(s);
  return Number.isSafeInteger(n) && n <= total ? n : null;
}

/**
 * Header names that carry the received range: the spec's, and the misspelling some servers written
 * against Windows BITS send instead (Windows reads it, so servers in the wild rely on it).
 */
export const RECEIVED_RANGE_HEADERS = ['bits-received-content-range', 'bits-recieved-content-range'] as const;

/** The received range of an Ack from either spelling (the first usable one), and the raw value for messages. */
export function receivedRangeOf(headers: IncomingHttpHeaders, total: number): { next: number | null; raw: string | undefined } {
  let raw: string | undefined;
  for (const name of RECEIVED_RANGE_HEADERS) {
    const v = headerValue(headers, name);
    if (v === undefined) continue;
    raw ??= v;
    const next = parseReceivedRange(v, total);
    if (next !== null) return { next, raw: v };
  }
  return { next: null, raw };
}

/**
 * The HRESULT of BITS-Error-Code / BITS-Error: hex with or without 0x, any case (spec §7.1
 * [DECISION]); a leading minus sign means a signed decimal, the other way some tools print HRESULTs.
 */
export function parseHResult(value: string | undefined): number | null {
  const s = value?.trim();
  if (!s) return null;
  if (/^-\d{1,10}$/.test(s)) {
    const n = Number(s);
    return n >= -0x80000000 ? toUnsigned(n) : null;
  }
  const m = /^(?:0x)?([0-9a-f]{1,8})$/i.exec(s);
  return m ? toUnsigned(parseInt(m[1]!, 16)) : null;
}

/** The error code of an Ack, from either header name (spec §11 row 1). */
export function bitsErrorCodeOf(headers: IncomingHttpHeaders): number | null {
  return parseHResult(headerValue(headers, 'bits-error-code')) ?? parseHResult(headerValue(headers, 'bits-error'));
}

/** BITS-Error-Context: 0x5 (server) or 0x7 (server application); hex or decimal. Null if absent or unreadable. */
export function parseErrorContext(value: string | undefined): number | null {
  const s = value?.trim();
  if (!s) return null;
  const m = /^(?:0x([0-9a-f]{1,8})|(\d{1,10}))$/i.exec(s);
  if (!m) return null;
  return m[1] !== undefined ? parseInt(m[1], 16) : Number(m[2]);
}

/** A fallback timeout of this many seconds or more means "never fall back" (the client's initial value, spec §7.3 step 1). */
export const FALLBACK_NEVER = 0xffffffff;

/** BITS-Host-Id-Fallback-Timeout in seconds; null = absent, unreadable or infinite (never fall back). */
export function parseFallbackTimeout(value: string | undefined): number | null {
  const s = value?.trim();
  if (!s || !/^\d{1,10}$/.test(s)) return null;
  const n = Number(s);
  return n >= FALLBACK_NEVER ? null : n;
}

/** The server's advertised fragment limit (MAX_FRAGMENT_HEADER), or null when it names none or garbage. */
export function maxFragmentOf(headers: IncomingHttpHeaders): number | null {
  const v = headerValue(headers, MAX_FRAGMENT_HEADER)?.trim();
  if (!v || !/^\d{1,15}$/.test(v)) return null;
  const n = Number(v);
  return n > 0 ? n : null;
}
