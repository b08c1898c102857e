// Writing Acks: every response to a BITS_POST is `BITS-Packet-Type: Ack` with `Content-Length: 0`
// and no body (spec §7.1); an error Ack adds the HRESULT and the error context.
import type { ServerResponse } from 'node:http';
import { hex } from '../api/hresult.js';

/** BITS-Error-Context values a server sends ([MC-BUP] §2.2.1.2). */
export const CONTEXT_SERVER = 0x5;
export const CONTEXT_REMOTE_APPLICATION = 0x7;

export const E_INVALIDARG = 0x80070057;
export const E_ACCESSDENIED = 0x80070005;
export const E_FAIL = 0x80004005;
export const ERROR_DISK_FULL = 0x80070070;
export const ERROR_PATH_NOT_FOUND = 0x80070003;
/** HRESULT_FROM_WIN32(ERROR_TOO_MANY_SESS): the per-client session limit. */
export const ERROR_TOO_MANY_SESS = 0x80070045;
/** HRESULT_FROM_WIN32(ERROR_BUSY): another instance of the farm is processing the session. */
export const ERROR_BUSY = 0x800700aa;
export const ERROR_INTERNET_CANNOT_CONNECT = 0x80072efd;
export const BG_E_SESSION_NOT_FOUND = 0x8020001f;
export const BG_E_TOO_LARGE = 0x80200020;

export type AckHeaders = Record<string, string | number>;

/** A protocol failure, thrown while a request is processed and written as an error Ack. */
export class AckError extends Error {
  constructor(
    readonly status: number,
    /** The HRESULT for BITS-Error-Code, or null for no error header (416 carries error code 0). */
    readonly hresult: number | null,
    readonly context: number = CONTEXT_SERVER,
    message = '',
    readonly headers: AckHeaders = {},
  ) {
    super(message || `${status}${hresult === null ? '' : ` ${hex(hresult)}`}`);
    this.name = 'AckError';
  }
}

export function invalidArg(message: string, headers: AckHeaders = {}): AckError {
  return new AckError(400, E_INVALIDARG, CONTEXT_SERVER, message, headers);
}

/** The headers of the Ack each response carried, for the access log (writeHead's are not readable back). */
const sent = new WeakMap<ServerResponse, AckHeaders>();
export function sentAckHeaders(res: ServerResponse): AckHeaders | undefined {
  return sent.get(res);
}

export function sendAck(res: ServerResponse, status: number, headers: AckHeaders = {}): void {
  if (res.headersSent || res.destroyed) return;
  sent.set(res, headers);
  res.writeHead(status, { 'BITS-Packet-Type': 'Ack', ...headers, 'Content-Length': 0 });
  res.end();
}

/**
 * An error Ack: the HRESULT as `0x%08X` under both names clients know (BITS-Error-Code from the
 * programming guide, BITS-Error from [MC-BUP]; spec §11 #1) and BITS-Error-Context `0x5`/`0x7`.
 */
export function sendErrorAck(res: ServerResponse, e: AckError, headers: AckHeaders = {}): void {
  const errorHeaders: AckHeaders =
    e.hresult === null
      ? {}
      : { 'BITS-Error-Code': hex(e.hresult), 'BITS-Error': hex(e.hresult), 'BITS-Error-Context': '0x' + e.context.toString(16).toUpperCase() };
  sendAck(res, e.status, { ...headers, ...e.headers, ...errorHeaders });
}
