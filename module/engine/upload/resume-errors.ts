// One error type per way a server can break the resume rules (issue 13, after tus-js-client's
// typed errors): the upload client catches most of them itself and starts a new session; what
// reaches the job says which rule was broken and what to fix. All are BG_E_INVALID_SERVER_RESPONSE
// (or, for the restart bound, the server's own last error code) so the engine classifies them alike.
import { ErrorContext } from '../../api/enums.js';
import { HRESULT, HttpTransferError, redactUrl } from '../http/errors.js';
import type { PacketType } from './packets.js';

export type ResumeRule = 'range-unusable' | 'range-missing' | 'repeated-answer' | 'no-progress' | 'restart-limit';

/** Base class: `rule` names the broken rule, `url` the server (credentials removed). */
export class ResumeRuleError extends HttpTransferError {
  constructor(
    readonly rule: ResumeRule,
    hresult: number,
    message: string,
    transient: boolean,
    data: Record<string, unknown>,
  ) {
    super(hresult, message, ErrorContext.REMOTE_FILE, transient, { rule, ...data });
    this.name = 'ResumeRuleError';
  }
}

const RETRY = 'BITS retries after the retry delay.';

/** The Ack named a received range that is not a number within the file (e.g. beyond its size). */
export class RangeUnusableError extends ResumeRuleError {
  constructor(packet: PacketType, url: string, raw: string, total: number) {
    const u = redactUrl(url);
    super('range-unusable', HRESULT.BG_E_INVALID_SERVER_RESPONSE, `The ${packet} Ack from ${u} named an unusable received range "${raw.slice(0, 100)}" (file size ${total}). ${RETRY} If it persists, the server does not speak the BITS Upload Protocol.`, true, { url: u, packet, range: raw.slice(0, 100) });
  }
}

/** A 416 without any usable received range, again after one retry: the session cannot continue. */
export class RangeMissingError extends ResumeRuleError {
  constructor(url: string, offset: number) {
    const u = redactUrl(url);
    super('range-missing', HRESULT.BG_E_INVALID_SERVER_RESPONSE, `The server ${u} refused the fragment at offset ${offset} (416) twice without saying which range it holds; BITS starts a new session from offset 0.`, true, { url: u, offset });
  }
}

/** The same request got the same answer twice: sending it again cannot help. */
export class RepeatedAnswerError extends ResumeRuleError {
  constructor(url: string, offset: number, status: number, next: number | null) {
    const u = redactUrl(url);
    super('repeated-answer', HRESULT.BG_E_INVALID_SERVER_RESPONSE, `The server ${u} answered the fragment at offset ${offset} twice with HTTP ${status}${next === null ? '' : ` and offset ${next}`}; BITS starts a new session instead of sending it a third time.`, true, { url: u, offset, status, next });
  }
}

/** The server kept moving the offset without ever getting past what it had (backward/forward loop). */
export class NoProgressError extends ResumeRuleError {
  constructor(url: string, acks: number, highWater: number) {
    const u = redactUrl(url);
    super('no-progress', HRESULT.BG_E_INVALID_SERVER_RESPONSE, `The server ${u} answered ${acks} fragments in a row without getting past offset ${highWater}; BITS starts a new session.`, true, { url: u, acks, highWater });
  }
}

/**
 * The bound on new sessions: the server lost or refused this many sessions in a row without
 * taking a byte. Fatal: retrying cannot help, the server (or its configuration) must change.
 */
export class SessionRestartLimitError extends ResumeRuleError {
  constructor(url: string, sessions: number, last: Error) {
    const u = redactUrl(url);
    const hresult = last instanceof HttpTransferError ? last.hresult : HRESULT.BG_E_INVALID_SERVER_RESPONSE;
    super(
      'restart-limit',
      hresult,
      `The server ${u} lost or refused ${sessions} upload sessions in a row before taking a single byte (last: ${last.message}). Check that the URL is a BITS upload directory and that the server keeps sessions (its session timeout, a load balancer without affinity, a proxy that does not keep the connection), then Resume the job.`,
      false,
      { url: u, sessions, last: last.message },
    );
  }
}
