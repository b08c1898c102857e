// Newline-delimited JSON-RPC between ServiceClient and the service (DESIGN §4 "Service").
//   request  {"id":n,"method":"createJob","params":["name",0]}
//   response {"id":n,"result":...}   (no "result" key when the method returns undefined)
//            {"id":n,"error":BitsErrorJSON}   id is null when the request could not be read
// JSON.stringify escapes every newline inside strings, so one message is exactly one line.
import { BitsError, bitsError, type BitsErrorJSON } from '../api/bits-error.js';

export type RpcId = number | string;

export { SERVICE_STOPPED_MESSAGE } from './list-text-wire.js';

export interface RpcRequest {
  id: RpcId;
  method: string;
  params: unknown[];
}

export interface RpcErrorResponse {
  id: RpcId | null;
  error: BitsErrorJSON;
}
export type RpcResponse = { id: RpcId; result?: unknown } | RpcErrorResponse;

/** Requests larger than this are refused and the connection is closed: it bounds the service's memory per client. */
export const MAX_REQUEST_LINE_BYTES = 8 * 1024 * 1024;

const E_INVALIDARG = 0x80070057;

/**
 * Splits a byte stream into lines. Works on bytes, not strings, so a UTF-8 character split across two
 * chunks is decoded whole; bounded, so a peer that never sends a newline cannot exhaust memory.
 */
export class LineReader {
  private chunks: Buffer[] = [];
  private size = 0;

  constructor(readonly maxLineBytes: number) {}

  /**
   * Feeds one chunk. Returns the complete lines it closed (without the newline or a trailing CR) and
   * whether the line now being read is over the limit — the caller must then stop reading this stream.
   */
  push(chunk: Buffer): { lines: string[]; overflow: boolean } {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) break;
      const part = chunk.subarray(start, nl);
      if (this.size + part.length > this.maxLineBytes) return { lines, overflow: true };
      const whole = this.size > 0 ? Buffer.concat([...this.chunks, part], this.size + part.length) : part;
      this.chunks = [];
      this.size = 0;
      const end = whole.length > 0 && whole[whole.length - 1] === 0x0d ? whole.length - 1 : whole.length;
      lines.push(whole.toString('utf8', 0, end));
      start = nl + 1;
    }
    if (start < chunk.length) {
      const rest = chunk.subarray(start);
      this.size += rest.length;
      if (this.size > this.maxLineBytes) return { lines, overflow: true };
      this.chunks.push(rest);
    }
    return { lines, overflow: false };
  }

  /** Bytes of the unfinished line. */
  get pending(): number {
    return this.size;
  }
}

/** One message as one line. */
export function encodeMessage(message: RpcRequest | RpcResponse): string {
  return JSON.stringify(message) + '\n';
}

export function errorResponse(id: RpcId | null, error: unknown): RpcErrorResponse {
  return { id, error: BitsError.from(error).toJSON() };
}

function isRpcId(v: unknown): v is RpcId {
  return (typeof v === 'number' && Number.isFinite(v)) || (typeof v === 'string' && v.length <= 64);
}

/**
 * Reads one request line. Never throws: anything malformed comes back as the error response to send,
 * with the request's id when it could be read and null otherwise.
 */
export function parseRequest(line: string): { request: RpcRequest } | { invalid: RpcErrorResponse } {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    // Deeply nested input can also end here (RangeError); either way it is not a request.
    return { invalid: errorResponse(null, bitsError(E_INVALIDARG, 'The request is not valid JSON.')) };
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { invalid: errorResponse(null, bitsError(E_INVALIDARG, 'The request must be a JSON object {"id","method","params"}.')) };
  }
  const m = msg as Record<string, unknown>;
  const id = isRpcId(m.id) ? m.id : null;
  if (id === null) {
    return { invalid: errorResponse(null, bitsError(E_INVALIDARG, 'The request has no valid "id" (a number or a short string).')) };
  }
  if (typeof m.method !== 'string' || m.method.length === 0) {
    return { invalid: errorResponse(id, bitsError(E_INVALIDARG, 'The request has no "method" string.')) };
  }
  if (m.params !== undefined && !Array.isArray(m.params)) {
    return { invalid: errorResponse(id, bitsError(E_INVALIDARG, 'The request "params" must be an array.')) };
  }
  return { request: { id, method: m.method, params: (m.params as unknown[] | undefined) ?? [] } };
}

/** Reads one response line (client side); undefined when it is not a response. */
export function parseResponse(line: string): RpcResponse | undefined {
  let msg: unknown;
  try {
    msg = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return undefined;
  const m = msg as Record<string, unknown>;
  if (!(isRpcId(m.id) || m.id === null)) return undefined;
  if ('error' in m) {
    const e = m.error as Partial<BitsErrorJSON> | null;
    if (!e || typeof e !== 'object' || typeof e.hresult !== 'number' || typeof e.message !== 'string') return undefined;
    return { id: m.id as RpcId | null, error: e as BitsErrorJSON };
  }
  if (m.id === null) return undefined;
  return { id: m.id as RpcId, result: m.result };
}

/** The BitsError a response carries (the error was produced by BitsError.toJSON on the other side). */
export function errorFromResponse(error: BitsErrorJSON): BitsError {
  return BitsError.fromJSON(error);
}

/** Shortens a peer-supplied string before it goes into a message or the log. */
export function clip(s: string, max = 80): string {
  return s.length <= max ? s : s.slice(0, max) + '…';
}
